import { argNameProblem, fail, firstProblem, PATH_CHECKS, VERSION_CHECKS, type ValueCheck } from "./validate.ts";
import { versionFormCheck, type VersionForm } from "./version-form.ts";

/** How an ARG value is validated. */
export type ArgKind =
  /** A pinned version; with a form, also in the form its upstream writes its tags in. */
  | { readonly type: "version"; readonly form?: { readonly arg: string; readonly form: VersionForm } }
  | { readonly type: "path" }
  | { readonly type: "enum"; readonly values: readonly string[] }
  | { readonly type: "string"; readonly pattern: RegExp; readonly expected: string; readonly refused?: readonly string[] }
  /** Set by BuildKit from the build's platform (TARGETARCH, BUILDPLATFORM, ...): never a build arg. */
  | { readonly type: "automatic" }
  /**
   * Computed in the Dockerfile from other ARGs by substitutions (`ARG NAME=<step>` once per step,
   * before the first FROM): follows the platform, never a build arg. `values` are what it can be.
   */
  | { readonly type: "computed"; readonly from: readonly Arg[]; readonly steps: readonly string[]; readonly values: readonly string[] };

/**
 * A Docker build ARG with a literal name and default: `ARG LIBFABRIC_VERSION=v2.3.0`.
 * The literal types let the compiler compare two stages' defaults for the same name.
 *
 * @example
 * const v: Arg<"LIBFABRIC_VERSION", "v2.3.0"> = versionArg("LIBFABRIC_VERSION", "v2.3.0", "libfabric release tag")
 */
export interface Arg<N extends string = string, D extends string = string> {
  readonly name: N;
  readonly default: D;
  readonly description: string;
  readonly kind: ArgKind;
  /**
   * When this ARG's default follows another ARG (a checksum follows its version): the source ARG
   * and how to compute the value from it, applied when values from data change the source.
   */
  readonly derive?: ArgDerivation;
}

/** How an ARG's default follows another ARG's value. */
export interface ArgDerivation {
  readonly from: string;
  value(source: string): string;
}

/**
 * A copy of an ARG whose default follows another ARG (used for checksums that follow versions).
 *
 * @example
 * derived(sha256Arg("LIBFABRIC_SHA256", "...", "libfabric"), "LIBFABRIC_VERSION", (v) => lookup(v))
 */
export function derived<A extends Arg>(a: A, from: string, value: (source: string) => string): A {
  return Object.freeze({ ...a, derive: { from, value } });
}

/**
 * A path literal as a parameter type: the literal itself when it is absolute and normalised, else
 * the sentence that explains why (so the tsc error shows the sentence).
 *
 * @example
 * function f<const P extends string>(prefix: PathLiteral<P>) {}
 */
export type PathLiteral<P extends string> = PathLiteralCheck<P> extends string ? PathLiteralCheck<P> : P;

/**
 * A version literal as a parameter type: the literal when it is a pinned version, else the sentence.
 *
 * @example
 * function f<const V extends string>(version: VersionLiteral<V>) {}
 */
export type VersionLiteral<V extends string> = VersionLiteralCheck<V> extends string ? VersionLiteralCheck<V> : V;

/** A compile-time sentence for a path literal that is not absolute and normalised; `unknown` when fine. */
export type PathLiteralCheck<P extends string> = string extends P
  ? unknown
  : P extends `/${string}`
    ? P extends `${string}//${string}` | `${string}/./${string}` | `${string}/../${string}` | `${string}/..` | `${string}/.`
      ? `${P} is not a normalised path: write it without //, /./ or /../`
      : P extends `${string} ${string}` | `${string}$${string}`
        ? `${P} holds a space or $: a prefix may hold letters, digits and . _ - + / only`
        : P extends `${string}/` ? (P extends "/" ? unknown : `${P} ends in /: drop the trailing /`) : unknown
    : `${P} is not an absolute path: start it with /`;

/** A compile-time sentence for an unpinned version literal; `unknown` when fine. */
export type VersionLiteralCheck<V extends string> = string extends V
  ? unknown
  : V extends "" ? "an empty value is not a version: give a pinned version such as 1.2.3"
  : V extends "latest" | "main" | "master" | "HEAD" | "stable" ? `${V} is not a pinned version: give an exact version such as 1.2.3`
  : V extends `${string} ${string}` | `${string};${string}` | `${string}$${string}` ? `${V} is not a version: use digits, letters, ".", "-" and "+" only`
  : unknown;

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/**
 * The checks of an ARG kind, as data (see {@link ValueCheck}): what {@link argValueProblem} runs,
 * and what the bake file's variable validation blocks are written from.
 *
 * @example
 * argChecks({ type: "enum", values: ["release", "debug"] }).length // 1
 */
export function argChecks(kind: ArgKind): readonly ValueCheck[] {
  switch (kind.type) {
    case "version":
      return kind.form === undefined ? VERSION_CHECKS : [...VERSION_CHECKS, versionFormCheck(kind.form.arg, kind.form.form)];
    case "path":
      return PATH_CHECKS;
    case "enum": {
      const alternatives = kind.values.map(escapeRegExp).join("|");
      const list = kind.values.map((v) => JSON.stringify(v)).join(", ");
      return [{ pattern: new RegExp(`^(${alternatives})$`), matches: true, problem: (v) => `${JSON.stringify(v)} is not one of ${list}` }];
    }
    case "automatic":
      return [];
    case "computed":
      return argChecks({ type: "enum", values: kind.values });
    case "string": {
      const expected = kind.expected;
      const problem = (v: string) => `${JSON.stringify(v)} is not ${expected}`;
      const refused = kind.refused ?? [];
      return [
        { pattern: kind.pattern, matches: true, problem },
        ...(refused.length === 0 ? [] : [{ pattern: new RegExp(`^(${refused.map(escapeRegExp).join("|")})$`), matches: false, problem }]),
      ];
    }
  }
}

/**
 * Check a value against an ARG kind; returns a problem sentence or undefined.
 *
 * @example
 * argValueProblem({ type: "path" }, "/usr/local") // undefined
 */
export function argValueProblem(kind: ArgKind, value: string): string | undefined {
  return firstProblem(argChecks(kind), value);
}

/**
 * Validate a value for an ARG, throwing a StagewrightError that names the ARG.
 *
 * @example
 * checkArgValue(versionArg("UCX_VERSION", "v1.19.0", "UCX tag"), "v1.20.0") // returns "v1.20.0"
 */
export function checkArgValue<A extends Arg>(a: A, value: string, stage?: string): string {
  const problem = argValueProblem(a.kind, value);
  if (problem !== undefined) {
    const at = stage === undefined ? `ARG ${a.name}` : `stage ${stage}, ARG ${a.name}`;
    fail("invalid-value", `${at}: ${problem}`, stage === undefined ? { arg: a.name } : { stage, arg: a.name });
  }
  return value;
}

function makeArg<const N extends string, const D extends string>(name: N, def: D, description: string, kind: ArgKind): Arg<N, D> {
  const nameProblem = argNameProblem(name);
  if (nameProblem !== undefined) fail("invalid-arg-name", `ARG ${nameProblem}`, { arg: name });
  const a: Arg<N, D> = Object.freeze({ name, default: def, description, kind });
  checkArgValue(a, def);
  return a;
}

/**
 * A version ARG (release tag or version number). Rejects empty, `latest` and shell metacharacters;
 * with a form, also a value its upstream would not have as a tag (`2.3.0` for libfabric's `v2.3.0`).
 *
 * @example
 * const rust = versionArg("RUST_VERSION", "1.86.0", "Rust toolchain")
 */
export function versionArg<const N extends string, const D extends string>(
  name: N,
  def: VersionLiteral<D>,
  description: string,
  form?: VersionForm,
): Arg<N, D> {
  return makeArg(name, def as D, description, form === undefined ? { type: "version" } : { type: "version", form: Object.freeze({ arg: name, form }) });
}

/**
 * An absolute, normalised path ARG, e.g. an install prefix.
 *
 * @example
 * const prefix = pathArg("LIBFABRIC_INSTALL_PATH", "/usr/local", "libfabric install prefix")
 */
export function pathArg<const N extends string, const D extends string>(
  name: N,
  def: PathLiteral<D>,
  description: string,
): Arg<N, D> {
  return makeArg(name, def as D, description, { type: "path" });
}

/**
 * An ARG restricted to a fixed set of values.
 *
 * @example
 * const arch = enumArg("ARCH", ["x86_64", "aarch64"], "x86_64", "CPU architecture (uname -m)")
 */
export function enumArg<const N extends string, const V extends readonly string[], const D extends V[number]>(
  name: N,
  values: V,
  def: D,
  description: string,
): Arg<N, D> {
  return makeArg(name, def, description, { type: "enum", values });
}

/**
 * An ARG constrained by a regular expression; `expected` says in words what a value must look like,
 * `refused` lists values the pattern would let through but that are refused all the same (a
 * pattern without lookaround, so it is checked the same way in the bake file's RE2).
 *
 * @example
 * const tag = stringArg("BASE_TAG", "25.06-cuda12.9-devel-ubuntu24.04", /^[A-Za-z0-9._-]+$/, "an image tag", "base image tag", ["latest"])
 */
export function stringArg<const N extends string, const D extends string>(
  name: N,
  def: D,
  pattern: RegExp,
  expected: string,
  description: string,
  refused: readonly string[] = [],
): Arg<N, D> {
  return makeArg(name, def, description, refused.length === 0 ? { type: "string", pattern, expected } : { type: "string", pattern, expected, refused });
}

/**
 * The `${NAME}` reference to an ARG, for use inside instructions.
 *
 * @example
 * ref(versionArg("UCX_VERSION", "v1.19.0", "UCX tag")) // "${UCX_VERSION}"
 */
export function ref<N extends string>(a: Arg<N>): `\${${N}}` {
  return `\${${a.name}}`;
}

/** BuildKit's automatic platform ARGs (Dockerfile reference, "Automatic platform ARGs in the global scope"). */
const AUTOMATIC_ARGS = ["TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"] as const;

/**
 * One of BuildKit's automatic platform ARGs, declared `ARG NAME` without a default so that BuildKit's
 * value (from `--platform`, or the build host for BUILD*) is the one a step reads.
 *
 * @example
 * const arch = automaticArg("TARGETARCH", "target architecture as BuildKit names it (amd64, arm64)")
 */
export function automaticArg<const N extends (typeof AUTOMATIC_ARGS)[number]>(name: N, description: string): Arg<N, ""> {
  if (!(AUTOMATIC_ARGS as readonly string[]).includes(name)) fail("invalid-arg-name", `ARG ${name} is not one of BuildKit's automatic platform ARGs (${AUTOMATIC_ARGS.join(", ")})`, { arg: name });
  return Object.freeze({ name, default: "" as const, description, kind: { type: "automatic" } as const });
}

/**
 * The target architecture as BuildKit names it (`amd64`, `arm64`): Debian's architecture names too.
 *
 * @example
 * run(`dpkg -i pkg_\${TARGETARCH}.deb`) // with TARGETARCH among the stage's args
 */
export const TARGETARCH: Arg<"TARGETARCH", ""> = automaticArg("TARGETARCH", "target architecture as BuildKit names it (amd64, arm64), from --platform");

/**
 * The build host's architecture as BuildKit names it, for steps of a `FROM --platform=$BUILDPLATFORM` stage.
 *
 * @example
 * run(`echo building on \${BUILDARCH}`) // with BUILDARCH among the stage's args
 */
export const BUILDARCH: Arg<"BUILDARCH", ""> = automaticArg("BUILDARCH", "build host architecture as BuildKit names it (amd64, arm64)");

/**
 * An ARG computed from other ARGs by Dockerfile substitutions (`${A/x/y}`), one step after the
 * other; `def` is its value on the default platform (for comparisons and the manifest).
 *
 * @example
 * computedArg("ARCH", "uname -m of the target", [TARGETARCH], ["${TARGETARCH/amd64/x86_64}", "${ARCH/arm64/aarch64}"], ["x86_64", "aarch64"], "x86_64")
 */
export function computedArg<const N extends string, const D extends string>(
  name: N,
  description: string,
  from: readonly Arg[],
  steps: readonly string[],
  values: readonly string[],
  def: D,
): Arg<N, D> {
  const nameProblem = argNameProblem(name);
  if (nameProblem !== undefined) fail("invalid-arg-name", `ARG ${nameProblem}`, { arg: name });
  const known = new Set([name, ...from.map((a) => a.name)]);
  for (const step of steps) {
    for (const m of step.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (!known.has(m[1]!)) fail("invalid-value", `ARG ${name}: step ${step} reads ${m[1]}, which is neither ${name} nor one of the ARGs it is computed from (${from.map((a) => a.name).join(", ")})`, { arg: name });
    }
  }
  if (!values.includes(def)) fail("invalid-value", `ARG ${name}: its default ${JSON.stringify(def)} is not one of the values it can take (${values.join(", ")})`, { arg: name });
  return Object.freeze({ name, default: def, description, kind: Object.freeze({ type: "computed", from, steps, values }) });
}

/**
 * The target architecture as `uname -m` prints it (x86_64, aarch64), computed from TARGETARCH:
 * the name in multiarch triplets (`lib/${ARCH}-linux-gnu`), Rust hosts and wheel platform tags.
 *
 * @example
 * const ARCH = targetUnameArch("ARCH")
 */
export function targetUnameArch<const N extends string>(name: N): Arg<N, "x86_64"> {
  return computedArg(name, "target CPU architecture as uname -m prints it (x86_64, aarch64), computed from TARGETARCH (set by --platform)", [TARGETARCH], [`\${TARGETARCH/amd64/x86_64}`, `\${${name}/arm64/aarch64}`], ["x86_64", "aarch64"], "x86_64");
}

/**
 * Whether an ARG follows the platform (automatic or computed): never a build arg, a build-script
 * option or a bake variable; `--platform` (PLATFORMS in bake) sets it.
 *
 * @example
 * followsPlatform(TARGETARCH) // true
 */
export function followsPlatform(a: Arg): boolean {
  return a.kind.type === "automatic" || a.kind.type === "computed";
}
