/**
 * Image references as typed ARGs: a tag, or a tag pinned by digest (`<tag>@sha256:<64 hex>`), never
 * a bare `latest`. One pattern holds at compile time (literal defaults) and at run time (values from
 * YAML and `--set`, and the bake file's validation, which needs RE2: so no lookaheads), so every FROM
 * image can be pinned by digest the same way.
 */
import { stringArg, type Arg } from "./arg.ts";
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
