import type { Arg } from "./arg.ts";
import { pathProblem, fail } from "./validate.ts";

/**
 * Where a consumer finds an artifact's files:
 * - "staged": the producer stage installed it a second time under `dir` (DESTDIR), so
 *   `COPY --from=<producer> <dir>/ /` hands over exactly the installed files, at their real prefix;
 * - "in-image": it is part of the producer's image (installed by a package manager), so it reaches
 *   a later stage only through the FROM chain.
 */
export type Delivery = { readonly type: "staged"; readonly dir: string } | { readonly type: "in-image" };

/** How an artifact is delivered, as a type: "staged" or "in-image" (both when not known literally). */
export type DeliveryType = Delivery["type"];

/**
 * The directories of an artifact, relative to its prefix. They may reference ARGs listed in the
 * artifact's `args` (e.g. `lib/${ARCH}-linux-gnu`).
 */
export interface ArtifactLayout {
  readonly lib: readonly string[];
  readonly include: readonly string[];
  readonly bin: readonly string[];
  readonly pkgconfig: readonly string[];
  readonly plugins: readonly string[];
}

/**
 * What a stage installs: a kind, a version, a literal-typed prefix, its directories, the files the
 * runtime needs and the environment it contributes. Consumers take the artifact, never a restated
 * path, so the compiler can compare prefixes.
 *
 * @example
 * const fabric = artifact({ kind: "libfabric", producer: "libfabric", version: "v2.3.0", prefix: "/usr/local",
 *   layout: { lib: ["lib"], include: ["include"], bin: ["bin"], pkgconfig: ["lib/pkgconfig"], plugins: [] },
 *   runtimeFiles: ["lib/libfabric.so.1"], runtimePaths: ["lib", "bin"], delivery: { type: "staged", dir: "/opt/stagewright/libfabric" } })
 */
export interface Artifact<K extends string = string, P extends string = string, By extends string = string, V extends string = string, D extends DeliveryType = DeliveryType> {
  readonly kind: K;
  readonly prefix: P;
  readonly producer: By;
  /** The version as built (the default of the version ARG when one drives it). */
  readonly version: V;
  /** The ARG whose default is the prefix; when set, instructions reference `${NAME}`, never the literal. */
  readonly prefixArg: Arg<string, P> | undefined;
  /** The ARG whose default is the version, when a build ARG drives it. */
  readonly versionArg: Arg | undefined;
  /** How the version follows from the version ARG's value, when it is not the value itself (CUDA from an image tag). */
  readonly versionOf: ((argValue: string) => string) | undefined;
  /** Every ARG that the layout, files or env reference (the prefix ARG included). */
  readonly args: readonly Arg[];
  readonly layout: ArtifactLayout;
  /** Files the runtime loads, relative to the prefix (e.g. `lib/libfabric.so.1`); checks name only these. */
  readonly runtimeFiles: readonly string[];
  /** Paths (relative, directories or globs) copied into a runtime image. */
  readonly runtimePaths: readonly string[];
  /** Its literal type says whether a consumer can copy it (staged) or must be built FROM its producer (in-image). */
  readonly delivery: Delivery & { readonly type: D };
  /** Register the lib directories with the dynamic loader (ld.so.conf.d) in images that hold it. */
  readonly ldconfig: boolean;
  /** Extra runtime ENV, in order, e.g. NIXL_PLUGIN_DIR. Values may reference the artifact's ARGs. */
  readonly env: readonly (readonly [string, string])[];
  /** Facts that version rules and comparisons read, e.g. `{ distribution: "efa-installer" }`. */
  readonly facts: Readonly<Record<string, string>>;
  /** Shared objects this artifact must be the only provider of in an image (e.g. `libfabric.so.1`). */
  readonly sonames: readonly string[];
  /** Files of this artifact that must resolve a soname from the artifact of another kind at run time. */
  readonly links: readonly ArtifactLink[];
  /**
   * Distribution packages its runtime files need in an image without the build dependencies (a
   * runtime flavour of the base image): what HPCCM's runtime() installs as ospackages.
   */
  readonly runtimePackages: readonly string[];
}

/**
 * "`file` (relative to the prefix) loads `soname`, which must come from the image's `kind` artifact."
 * The runtime stage turns each link into an `ldd` assertion that fails the build.
 *
 * @example
 * const l: ArtifactLink = { file: "lib/libnccl-net.so", soname: "libfabric.so.1", kind: "libfabric" }
 */
export interface ArtifactLink {
  readonly file: string;
  readonly soname: string;
  readonly kind: string;
}

/** Any artifact, with its literal types erased. */
export type AnyArtifact = Artifact<string, string, string, string, DeliveryType>;

/** The spec accepted by {@link artifact}; optional parts default to empty. */
export interface ArtifactSpec<K extends string, P extends string, By extends string, V extends string, D extends DeliveryType = DeliveryType> {
  readonly kind: K;
  readonly prefix: P;
  readonly producer: By;
  readonly version: V;
  readonly prefixArg?: Arg<string, P>;
  readonly versionArg?: Arg;
  readonly versionOf?: (argValue: string) => string;
  readonly args?: readonly Arg[];
  readonly layout?: Partial<ArtifactLayout>;
  readonly runtimeFiles?: readonly string[];
  readonly runtimePaths?: readonly string[];
  readonly delivery: Delivery & { readonly type: D };
  readonly ldconfig?: boolean;
  readonly env?: readonly (readonly [string, string])[];
  readonly facts?: Readonly<Record<string, string>>;
  readonly sonames?: readonly string[];
  readonly links?: readonly ArtifactLink[];
  readonly runtimePackages?: readonly string[];
}

/** A Debian package name (Debian Policy 5.6.1). */
const DEB_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

/**
 * Make an artifact, checking that the prefix is an absolute normalised path and agrees with its ARG.
 *
 * @example
 * artifact({ kind: "gdrcopy", producer: "gdrcopy", version: "2.4.1", prefix: "/usr/local", delivery: { type: "staged", dir: "/opt/stagewright/gdrcopy" } })
 */
export function artifact<const K extends string, const P extends string, const By extends string, const V extends string, const D extends DeliveryType>(
  spec: ArtifactSpec<K, P, By, V, D>,
): Artifact<K, P, By, V, D> {
  const problem = pathProblem(spec.prefix);
  if (problem !== undefined) {
    fail("invalid-value", `stage ${spec.producer}, ${spec.kind} prefix: ${problem}`, { stage: spec.producer });
  }
  if (spec.prefixArg !== undefined && spec.prefixArg.default !== spec.prefix) {
    fail(
      "invalid-value",
      `stage ${spec.producer}: the ${spec.kind} prefix is ${spec.prefix} but ARG ${spec.prefixArg.name} defaults to ${spec.prefixArg.default}; derive the prefix from the ARG`,
      { stage: spec.producer, arg: spec.prefixArg.name },
    );
  }
  for (const p of spec.runtimePackages ?? []) {
    if (!DEB_PACKAGE.test(p)) fail("invalid-value", `stage ${spec.producer}, ${spec.kind} runtimePackages: ${JSON.stringify(p)} is not a package name (lower case letters, digits, + - .)`, { stage: spec.producer });
  }
  const args = [...(spec.prefixArg ? [spec.prefixArg] : []), ...(spec.versionArg ? [spec.versionArg] : []), ...(spec.args ?? [])];
  return Object.freeze({
    kind: spec.kind,
    prefix: spec.prefix,
    producer: spec.producer,
    version: spec.version,
    prefixArg: spec.prefixArg,
    versionArg: spec.versionArg,
    versionOf: spec.versionOf,
    args: dedupeArgs(args),
    layout: {
      lib: spec.layout?.lib ?? [],
      include: spec.layout?.include ?? [],
      bin: spec.layout?.bin ?? [],
      pkgconfig: spec.layout?.pkgconfig ?? [],
      plugins: spec.layout?.plugins ?? [],
    },
    runtimeFiles: spec.runtimeFiles ?? [],
    runtimePaths: spec.runtimePaths ?? [],
    delivery: spec.delivery,
    ldconfig: spec.ldconfig ?? false,
    env: spec.env ?? [],
    facts: spec.facts ?? {},
    sonames: spec.sonames ?? [],
    links: spec.links ?? [],
    runtimePackages: spec.runtimePackages ?? [],
  });
}

function dedupeArgs(args: readonly Arg[]): readonly Arg[] {
  const seen = new Map<string, Arg>();
  for (const a of args) if (!seen.has(a.name)) seen.set(a.name, a);
  return [...seen.values()];
}

/**
 * The prefix as instructions must write it: `${ARG}` when an ARG carries it, else the literal.
 *
 * @example
 * prefixRef(fabric) // "${LIBFABRIC_INSTALL_PATH}"
 */
export function prefixRef(a: AnyArtifact): string {
  return a.prefixArg ? `\${${a.prefixArg.name}}` : a.prefix;
}

/**
 * A path inside the artifact, as instructions write it (`${LIBFABRIC_INSTALL_PATH}/lib`).
 *
 * @example
 * pathIn(fabric, "lib") // "${LIBFABRIC_INSTALL_PATH}/lib"
 */
export function pathIn(a: AnyArtifact, rel: string): string {
  const base = prefixRef(a);
  if (rel === "" || rel === ".") return base;
  return base === "/" ? `/${rel}` : `${base}/${rel}`;
}

/**
 * The artifact's version as a recipe resolves it: the value of its version ARG when one drives it.
 *
 * @example
 * resolvedVersion(fabric, (name) => values.get(name)) // "v2.3.0"
 */
export function resolvedVersion(a: AnyArtifact, arg: (name: string) => string | undefined): string {
  if (a.versionArg === undefined) return a.version;
  const value = arg(a.versionArg.name) ?? a.versionArg.default;
  return a.versionOf !== undefined ? a.versionOf(value) : value;
}

/**
 * A path inside the artifact with the prefix literal (defaults), for documents and messages.
 *
 * @example
 * literalPathIn(fabric, "lib/libfabric.so.1") // "/usr/local/lib/libfabric.so.1"
 */
export function literalPathIn(a: AnyArtifact, rel: string): string {
  if (rel === "" || rel === ".") return a.prefix;
  return a.prefix === "/" ? `/${rel}` : `${a.prefix}/${rel}`;
}
