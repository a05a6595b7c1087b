/**
 * Image references as typed ARGs: a tag, or a tag pinned by digest (`<tag>@sha256:<64 hex>`), never
 * a bare `latest`. One pattern holds at compile time (literal defaults) and at run time (values from
 * YAML and `--set`, and the bake file's validation, which needs RE2: so no lookaheads), so every FROM
 * image can be pinned by digest the same way.
 */
import { stringArg, type Arg, type ArgKind } from "./arg.ts";
import { fail } from "./validate.ts";

/** `sha256:` and 64 lowercase hex digits: the digest form BuildKit resolves. */
const DIGEST = "sha256:[0-9a-f]{64}";
/** A Docker tag (at most 128 characters, no leading `.` or `-`), optionally `@<digest>`; `latest` alone is refused separately. */
export const IMAGE_TAG_PATTERN = new RegExp(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@${DIGEST})?$`);
/** Tag values refused although the pattern admits them: not reproducible. A digest pins even `latest`. */
export const REFUSED_IMAGE_TAGS: readonly string[] = ["latest"];
/** A repository path as Docker names it (registry host with optional port, lowercase path components). */
const REPOSITORY = "[a-z0-9]+([._-][a-z0-9]+)*(\\.[a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*";
/** A full reference pinned by digest: `<repository>[:<tag>]@sha256:<digest>`. */
export const PINNED_IMAGE_REF_PATTERN = new RegExp(`^${REPOSITORY}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@${DIGEST}$`);

/** What an image tag ARG accepts, in words (the error sentence uses it). */
export const IMAGE_TAG_EXPECTED = "an image tag, optionally pinned by digest (<tag> or <tag>@sha256:<64 hex digits>; never latest)";
/** What a pinned image reference ARG accepts, in words. */
export const PINNED_IMAGE_REF_EXPECTED = "an image reference pinned by digest (<repository>:<tag>@sha256:<64 hex digits>)";

/**
 * A compile-time sentence for an image tag literal that cannot be pinned; `unknown` when fine.
 * Digest length is checked at run time (a template type cannot count 64 digits cheaply).
 *
 * @example
 * type E = ImageTagCheck<"latest"> // "latest is not a pinned image tag: ..."
 */
export type ImageTagCheck<T extends string> = string extends T
  ? unknown
  : T extends "latest"
    ? `${T} is not a pinned image tag: give a version tag such as 25.06-cuda12.9-devel-ubuntu24.04, optionally with @sha256:<digest>`
    : T extends `${string}@${infer D}`
      ? D extends `sha256:${string}` ? unknown : `${T} has a digest that is not sha256:<64 hex digits>: write <tag>@sha256:<digest>`
      : T extends `${string}:${string}` | `${string} ${string}` | `${string}/${string}`
        ? `${T} is not an image tag: give only the tag (the repository is another ARG)`
        : unknown;

/** An image tag literal as a parameter type: the literal when fine, else the sentence. */
export type ImageTagLiteral<T extends string> = ImageTagCheck<T> extends string ? ImageTagCheck<T> : T;

/**
 * An image tag ARG that also accepts a digest: `ARG BASE_TAG=25.06-cuda12.9-devel-ubuntu24.04` or
 * `…@sha256:<digest>`. `FROM ${BASE_IMAGE}:${BASE_TAG}` then pins the base by digest.
 *
 * @example
 * const tag = imageTagArg("BASE_TAG", "25.06-cuda12.9-devel-ubuntu24.04", "base image tag")
 */
export function imageTagArg<const N extends string, const D extends string>(name: N, def: ImageTagLiteral<D>, description: string): Arg<N, D> {
  return stringArg(name, def as D, IMAGE_TAG_PATTERN, IMAGE_TAG_EXPECTED, description, REFUSED_IMAGE_TAGS);
}

/**
 * A full image reference ARG that must carry a digest (`FROM ${UV_IMAGE}`).
 *
 * @example
 * const uv = imageRefArg("UV_IMAGE", "ghcr.io/astral-sh/uv:0.9.7@sha256:ba48…", "uv image")
 */
export function imageRefArg<const N extends string, const D extends string>(name: N, def: D, description: string): Arg<N, D> {
  return stringArg(name, def, PINNED_IMAGE_REF_PATTERN, PINNED_IMAGE_REF_EXPECTED, description);
}

/** A full reference with a tag, no digest required (`registry.example:5000/team/image:tag`): for local images. */
export const TAGGED_IMAGE_REF_PATTERN = /^[a-z0-9][a-z0-9._/-]*(:[0-9]+\/[a-z0-9._/-]+)?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * A full image reference ARG with a tag (`FROM ${SMOKE_BASE_IMAGE}`), for images built locally that
 * have no registry digest.
 *
 * @example
 * const img = taggedImageRefArg("SMOKE_BASE_IMAGE", "stagewright/smoke-base:bookworm", "local base image")
 */
export function taggedImageRefArg<const N extends string, const D extends string>(name: N, def: D, description: string): Arg<N, D> {
  return stringArg(name, def, TAGGED_IMAGE_REF_PATTERN, "an image reference with a tag", description);
}

/**
 * An image repository as a FROM line names it before its tag: lowercase path components, an
 * optional registry host with port (`registry.example:5000/team/image`).
 */
export const IMAGE_REPOSITORY_PATTERN = /^[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/**
 * An image repository ARG (`ARG BASE_IMAGE=nvcr.io/nvidia/cuda-dl-base`); `example` names a
 * repository of the kind expected, for the sentence.
 *
 * @example
 * const repo = imageRepositoryArg("BASE_IMAGE", "nvcr.io/nvidia/cuda-dl-base", "base image repository", "nvcr.io/nvidia/cuda-dl-base")
 */
export function imageRepositoryArg<const N extends string, const D extends string>(name: N, def: D, description: string, example: string): Arg<N, D> {
  return stringArg(name, def, IMAGE_REPOSITORY_PATTERN, imageRepositoryExpected(example), description);
}

/**
 * What an image repository ARG accepts, in words.
 *
 * @example
 * imageRepositoryExpected("debian") // "an image repository such as debian"
 */
export function imageRepositoryExpected(example: string): string {
  return `an image repository such as ${example}`;
}

/**
 * Which part of a FROM image reference an ARG holds.
 *
 * @example
 * const part: ImagePart = "tag" // BASE_TAG in ${BASE_IMAGE}:${BASE_TAG}
 */
export type ImagePart = "repository" | "tag" | "pinned-ref";

/**
 * The ARG for one part of a FROM image reference, by part.
 *
 * @example
 * imagePartArg("tag", "BASE_TAG", "25.06-cuda12.9-devel-ubuntu24.04", "base image tag", "").kind.type // "string"
 */
export function imagePartArg(part: ImagePart, name: string, value: string, description: string, example: string): Arg {
  const k = imagePartKind(part, example);
  return stringArg(name, value, k.pattern, k.expected, description, k.refused ?? []);
}

/**
 * The ARG kind of one part of a FROM image reference: what its ARG and the option it comes from check.
 *
 * @example
 * imagePartKind("tag", "").refused // ["latest"]
 */
export function imagePartKind(part: ImagePart, example: string): Extract<ArgKind, { readonly type: "string" }> {
  switch (part) {
    case "repository":
      return { type: "string", pattern: IMAGE_REPOSITORY_PATTERN, expected: imageRepositoryExpected(example) };
    case "tag":
      return { type: "string", pattern: IMAGE_TAG_PATTERN, expected: IMAGE_TAG_EXPECTED, refused: REFUSED_IMAGE_TAGS };
    case "pinned-ref":
      return { type: "string", pattern: PINNED_IMAGE_REF_PATTERN, expected: PINNED_IMAGE_REF_EXPECTED };
  }
}

/** The parts of an image reference or tag: the tag (if any) and the digest (if any). */
export interface ImageRefParts {
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Split a tag, or a reference pinned by digest, into tag and digest (`25.06-…@sha256:…` → both).
 * Throws for a value that is neither.
 *
 * @example
 * imageRefParts("25.06-cuda12.9-devel-ubuntu24.04@sha256:0123…").digest // "sha256:0123…"
 */
export function imageRefParts(value: string): ImageRefParts {
  const isTag = IMAGE_TAG_PATTERN.test(value) && !REFUSED_IMAGE_TAGS.includes(value);
  if (!isTag && !PINNED_IMAGE_REF_PATTERN.test(value)) fail("invalid-value", `${JSON.stringify(value)} is not ${IMAGE_TAG_EXPECTED}, nor ${PINNED_IMAGE_REF_EXPECTED}`);
  const [named = "", digest] = value.split("@");
  // In a reference the tag follows the last ":" after the last "/" (a ":" before it is a registry port).
  const colon = named.lastIndexOf(":");
  const tag = isTag ? named : colon > named.lastIndexOf("/") ? named.slice(colon + 1) : undefined;
  return { ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}
