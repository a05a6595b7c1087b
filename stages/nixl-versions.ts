/**
 * What the stage library knows about each NIXL release, as data: the official build's choices per
 * tag (contrib/Dockerfile at the tag), the meson options and plugins each release has, and the UCX
 * line each pins. Rules, the official recipe and `stagewright versions` read this table; their
 * compile-time twins read the same `as const` literals. Public sources: docs/sources.md, section
 * "NIXL 0.6.1 … v1.4.0"; the per-tag evidence is docs/facts/nixl-tags.yaml (a test compares them).
 */
import type { VersionForm, VersionLt } from "../src/index.ts";
import { compareVersions } from "../src/index.ts";

const DF = (tag: string) => `https://github.com/ai-dynamo/nixl/blob/${tag}/contrib/Dockerfile`;

/**
 * The official build of every NIXL release tag 0.6.1..v1.4.0, ascending. `ucx` is the UCX release
 * stagewright pins for the tag's `UCX_REF` (a branch from 0.8.0 on: `ucxRef`); `wheel` is how the
 * official image builds the Python package; `cxx` the C++ standard it gives its C++ dependencies.
 */
export const NIXL_RELEASES = [
  { tag: "0.6.1", base: "25.03-cuda12.8-devel-ubuntu24.04", ucx: "v1.19.0", ucxRef: "v1.19.0", libfabric: "v2.3.0", doca: "3.1.0-091000-25.07", buildType: "debug", awsSdk: "1.11.581", awsSdkOnly: "s3", grpc: "apt", etcdCxx: "default", cxx: "default", gusli: false, azure: false, venv: "/workspace/nixl/.venv", wheel: "build-wheel", metaWheel: false, setuptools: false, ucxGdrcopy: true, ucxConfigure: "configure", ep: false },
  { tag: "0.7.0", base: "25.03-cuda12.8-devel-ubuntu24.04", ucx: "v1.19.0", ucxRef: "v1.19.0", libfabric: "v2.3.0", doca: "3.1.0-091000-25.07", buildType: "debug", awsSdk: "1.11.581", awsSdkOnly: "s3", grpc: "apt", etcdCxx: "default", cxx: "default", gusli: true, azure: false, venv: "/workspace/nixl/.venv", wheel: "build-wheel", metaWheel: false, setuptools: false, ucxGdrcopy: true, ucxConfigure: "configure", ep: false },
  { tag: "0.7.1", base: "25.03-cuda12.8-devel-ubuntu24.04", ucx: "v1.19.0", ucxRef: "v1.19.0", libfabric: "v2.3.0", doca: "3.1.0-091000-25.07", buildType: "debug", awsSdk: "1.11.581", awsSdkOnly: "s3", grpc: "apt", etcdCxx: "default", cxx: "default", gusli: true, azure: false, venv: "/workspace/.venv", wheel: "build-wheel", metaWheel: true, setuptools: false, ucxGdrcopy: true, ucxConfigure: "configure", ep: false },
  { tag: "0.8.0", base: "25.06-cuda12.9-devel-ubuntu24.04", ucx: "v1.20.1", ucxRef: "v1.20.x", libfabric: "v1.21.0", doca: "3.1.0-091000-25.07", buildType: "release", awsSdk: "1.11.581", awsSdkOnly: "s3", grpc: "apt", etcdCxx: "default", cxx: "default", gusli: true, azure: false, venv: "/workspace/.venv", wheel: "build-wheel", metaWheel: true, setuptools: false, ucxGdrcopy: true, ucxConfigure: "configure", ep: false },
  { tag: "0.9.0", base: "25.10-cuda13.0-devel-ubuntu24.04", ucx: "v1.20.1", ucxRef: "v1.20.x", libfabric: "v1.21.0", doca: "3.2.0-125000-25.10", buildType: "release", awsSdk: "1.11.581", awsSdkOnly: "s3", grpc: "apt", etcdCxx: "17", cxx: "default", gusli: true, azure: false, venv: "/workspace/.venv", wheel: "build-wheel", metaWheel: true, setuptools: true, ucxGdrcopy: true, ucxConfigure: "release-mt", ep: false },
  { tag: "0.10.0", base: "25.10-cuda13.0-devel-ubuntu24.04", ucx: "v1.20.1", ucxRef: "v1.20.x", libfabric: "v1.21.0", doca: "3.2.0-125000-25.10", buildType: "release", awsSdk: "1.11.581", awsSdkOnly: "s3;s3-crt", grpc: "apt", etcdCxx: "17", cxx: "default", gusli: true, azure: true, venv: "/workspace/.venv", wheel: "build-wheel", metaWheel: true, setuptools: true, ucxGdrcopy: true, ucxConfigure: "release-mt", ep: false },
  { tag: "0.10.1", base: "25.10-cuda13.0-devel-ubuntu24.04", ucx: "v1.20.1", ucxRef: "v1.20.x", libfabric: "v1.21.0", doca: "3.2.0-125000-25.10", buildType: "release", awsSdk: "1.11.581", awsSdkOnly: "s3;s3-crt", grpc: "apt", etcdCxx: "17", cxx: "default", gusli: true, azure: true, venv: "/workspace/.venv", wheel: "build-wheel", metaWheel: true, setuptools: true, ucxGdrcopy: true, ucxConfigure: "release-mt", ep: false },
  { tag: "v1.0.0", base: "25.10-cuda13.0-devel-ubuntu24.04", ucx: "v1.20.1", ucxRef: "v1.20.x", libfabric: "v1.21.0", doca: "3.2.0-125000-25.10", buildType: "release", awsSdk: "1.11.760", awsSdkOnly: "s3;s3-crt", grpc: "apt", etcdCxx: "17", cxx: "default", gusli: true, azure: true, venv: "/workspace/.venv", wheel: "build-wheel", metaWheel: true, setuptools: true, ucxGdrcopy: true, ucxConfigure: "release-mt", ep: false },
  { tag: "v1.0.1", base: "25.10-cuda13.0-devel-ubuntu24.04", ucx: "v1.21.0", ucxRef: "v1.21.x", libfabric: "v1.21.0", doca: "3.2.0-125000-25.10", buildType: "release", awsSdk: "1.11.760", awsSdkOnly: "s3;s3-crt", grpc: "source", etcdCxx: "17", cxx: "default", gusli: true, azure: true, venv: "/workspace/.venv", wheel: "build-wheel", metaWheel: true, setuptools: true, ucxGdrcopy: false, ucxConfigure: "release-mt", ep: true },
  { tag: "v1.1.0", base: "25.10-cuda13.0-devel-ubuntu24.04", ucx: "v1.21.0", ucxRef: "v1.21.x", libfabric: "v1.21.0", doca: "3.2.0-125000-25.10", buildType: "release", awsSdk: "1.11.760", awsSdkOnly: "s3;s3-crt", grpc: "source", etcdCxx: "17", cxx: "default", gusli: true, azure: true, venv: "/workspace/.venv", wheel: "build-wheel", metaWheel: true, setuptools: true, ucxGdrcopy: false, ucxConfigure: "release-mt", ep: true },
  { tag: "v1.2.0", base: "25.10-cuda13.0-devel-ubuntu24.04", ucx: "v1.21.0", ucxRef: "v1.21.x", libfabric: "v1.21.0", doca: "3.2.0-125000-25.10", buildType: "release", awsSdk: "1.11.760", awsSdkOnly: "s3;s3-crt", grpc: "source", etcdCxx: "17", cxx: "default", gusli: true, azure: true, venv: "/workspace/.venv", wheel: "build-wheel", metaWheel: true, setuptools: true, ucxGdrcopy: false, ucxConfigure: "release-mt", ep: true },
  { tag: "v1.3.0", base: "25.10-cuda13.0-devel-ubuntu24.04", ucx: "v1.21.0", ucxRef: "v1.21.x", libfabric: "v1.21.0", doca: "3.3.0-088000-26.01", buildType: "release", awsSdk: "1.11.760", awsSdkOnly: "s3;s3-crt", grpc: "source", etcdCxx: "20", cxx: "20", gusli: true, azure: true, venv: "/workspace/.venv", wheel: "build-wheel", metaWheel: true, setuptools: true, ucxGdrcopy: false, ucxConfigure: "release-mt", ep: true },
  { tag: "v1.3.1", base: "25.10-cuda13.0-devel-ubuntu24.04", ucx: "v1.22.0", ucxRef: "v1.22.x", libfabric: "v1.21.0", doca: "3.3.0-088000-26.01", buildType: "release", awsSdk: "1.11.760", awsSdkOnly: "s3;s3-crt", grpc: "source", etcdCxx: "20", cxx: "20", gusli: true, azure: true, venv: "none", wheel: "uv-system", metaWheel: true, setuptools: true, ucxGdrcopy: false, ucxConfigure: "release-mt", ep: true },
  { tag: "v1.3.2", base: "25.10-cuda13.0-devel-ubuntu24.04", ucx: "v1.21.0", ucxRef: "v1.21.x", libfabric: "v1.21.0", doca: "3.2.0-125000-25.10", buildType: "release", awsSdk: "1.11.760", awsSdkOnly: "s3;s3-crt", grpc: "source", etcdCxx: "20", cxx: "20", gusli: true, azure: true, venv: "/workspace/.venv", wheel: "build-wheel", metaWheel: true, setuptools: true, ucxGdrcopy: false, ucxConfigure: "release-mt", ep: true },
  { tag: "v1.4.0", base: "25.10-cuda13.0-devel-ubuntu24.04", ucx: "v1.22.0", ucxRef: "v1.22.x", libfabric: "v1.21.0", doca: "3.3.0-088000-26.01", buildType: "release", awsSdk: "1.11.760", awsSdkOnly: "s3;s3-crt", grpc: "source", etcdCxx: "20", cxx: "20", gusli: true, azure: true, venv: "none", wheel: "uv-system", metaWheel: true, setuptools: true, ucxGdrcopy: false, ucxConfigure: "release-mt", ep: true },
] as const;

/**
 * How NIXL writes its release tags: without a v up to 0.10.1, with it from v1.0.0 (release
 * candidates v1.4.0-rc2, v1.4.0-rc3); every tag of {@link NIXL_RELEASES} is in it (a test checks).
 */
export const NIXL_TAG_FORM = {
  expected: "a NIXL release tag: without a v up to 0.10.1, with its v from v1.0.0",
  example: "0.7.1, v1.4.0",
  shapes: [{ shape: "<N>.<N>.<N>", below: "1.0.0" }, { shape: "v<N>.<N>.<N>[-rc<N>]" }],
  source: "https://github.com/ai-dynamo/nixl/tags",
} as const satisfies VersionForm;

/** One row of {@link NIXL_RELEASES}. */
export type NixlRelease = (typeof NIXL_RELEASES)[number];
/** A NIXL release tag the stage library knows. */
export type NixlTag = NixlRelease["tag"];

/** The abseil and gRPC the official image builds from source from v1.0.1 on (contrib/Dockerfile ARG ABSL_TAG, GRPC_TAG). */
export const NIXL_ABSEIL_GRPC = { abseil: "lts_2025_08_14", grpc: "v1.73.0", source: DF("v1.0.1") } as const;

/**
 * Meson options by the releases that have them (`meson_options.txt` at each tag): a list of
 * `>=X <Y` ranges, any of which holding means the option exists. v1.3.1 was tagged on main with
 * v1.4.0's options, v1.3.2 on release/1.3.x without them.
 */
export const NIXL_MESON_OPTIONS = {
  ucx_path: [">=0.6.1"], libfabric_path: [">=0.6.1"], etcd_inc_path: [">=0.6.1"], etcd_lib_path: [">=0.6.1"],
  disable_gds_backend: [">=0.6.1"], disable_mooncake_backend: [">=0.6.1"], install_headers: [">=0.6.1"], gds_path: [">=0.6.1"],
  cudapath_inc: [">=0.6.1"], cudapath_lib: [">=0.6.1"], cudapath_stub: [">=0.6.1"], static_plugins: [">=0.6.1"],
  build_docs: [">=0.6.1"], log_level: [">=0.6.1"], rust: [">=0.6.1"], test_all_plugins: [">=0.6.1"],
  build_tests: [">=0.7.0"], build_examples: [">=0.7.0"],
  enable_plugins: [">=0.9.0"], disable_plugins: [">=0.9.0"], build_nixl_ep: [">=0.9.0"],
  release_wheel: [">=1.1.0"],
  nixl_cuda_arch_list: [">=1.2.0"],
  disable_infinia_backend: [">=1.3.0"], infinia_path: [">=1.3.0"], wheel_variant: [">=1.3.0"],
  sanitizer: [">=1.3.1 <1.3.2", ">=1.4.0"], with_trace: [">=1.3.1 <1.3.2", ">=1.4.0"], trace_backends: [">=1.3.1 <1.3.2", ">=1.4.0"],
} as const;

/** A meson option some NIXL release has. */
export type NixlMesonOption = keyof typeof NIXL_MESON_OPTIONS;

/** Source of the meson option table: meson_options.txt per tag. */
export const SOURCE_MESON_OPTIONS = "https://github.com/ai-dynamo/nixl/blob/v1.4.0/meson_options.txt (and the same file at each tag; docs/facts/nixl-tags.yaml)";

/** Plugin directories (src/plugins) by the releases that have them. */
export const NIXL_PLUGIN_DIRS = {
  ucx: [">=0.6.1"], posix: [">=0.6.1"], libfabric: [">=0.6.1"], obj: [">=0.6.1"], cuda_gds: [">=0.6.1"], gds_mt: [">=0.6.1"],
  gpunetio: [">=0.6.1"], hf3fs: [">=0.6.1"], mooncake: [">=0.6.1"], ucx_mo: [">=0.6.1 <0.8.0"], gusli: [">=0.7.0"],
  telemetry: [">=0.9.0"], uccl: [">=0.9.0"], azure_blob: [">=0.10.0"], infinia: [">=1.3.0"], tracing: [">=1.3.1 <1.3.2", ">=1.4.0"],
} as const;

/**
 * Whether a version satisfies a `>=X [<Y]` range by release numbers (a suffix ignored), as the
 * compile-time twin decides it; undefined when the version does not parse.
 *
 * @example
 * inReleaseRange("v1.3.1", ">=1.3.1 <1.3.2") // true
 */
export function inReleaseRange(version: string, range: string): boolean | undefined {
  const release = version.replace(/^v/, "").match(/^\d+\.\d+(\.\d+)?/)?.[0];
  if (release === undefined) return undefined;
  return range.split(" ").every((c) => {
    const cmp = compareVersions(release, c.replace(/^(>=|<)/, ""));
    return c.startsWith(">=") ? cmp !== -1 : cmp === -1;
  });
}

/**
 * Whether a NIXL version has a meson option (undefined: the version does not parse).
 *
 * @example
 * nixlHasMesonOption("v1.1.0", "nixl_cuda_arch_list") // false
 */
export function nixlHasMesonOption(version: string, option: NixlMesonOption): boolean | undefined {
  const r = NIXL_MESON_OPTIONS[option].map((range) => inReleaseRange(version, range));
  return r.includes(undefined) ? undefined : r.includes(true);
}

/**
 * The known release a version belongs to: the tag itself, or the nearest known tag below it on
 * the same MAJOR.MINOR line (a later patch release builds the same way until a tag says otherwise);
 * undefined for a line the library does not know.
 *
 * @example
 * nixlRelease("v1.3.5")?.tag // "v1.3.2"
 */
export function nixlRelease(version: string): NixlRelease | undefined {
  const line = (v: string) => v.replace(/^v/, "").split(".").slice(0, 2).join(".");
  const below = NIXL_RELEASES.filter((r) => line(r.tag) === line(version) && compareVersions(r.tag, version) !== 1);
  return below[below.length - 1];
}

/**
 * The official image's facts at a known tag (throws for a tag the library does not know, naming the known ones).
 *
 * @example
 * nixlOfficial("v1.4.0").ucx // "v1.22.0"
 */
export function nixlOfficial(tag: string): NixlRelease {
  const r = NIXL_RELEASES.find((x) => x.tag === tag);
  if (r === undefined) throw new Error(`no NIXL release ${tag} in the stage library; known: ${NIXL_RELEASES.map((x) => x.tag).join(", ")}`);
  return r;
}

/** The URL of the official contrib/Dockerfile at a tag. */
export const officialDockerfileAt = DF;

// ---------------------------------------------------------------------------------------------
// Compile-time lookups over the same literals

type Line<V extends string> = V extends `v${infer R}` ? Line<R> : V extends `${infer A}.${infer B}.${string}` ? `${A}.${B}` : V extends `${infer A}.${infer B}` ? `${A}.${B}` : never;
type Releases = typeof NIXL_RELEASES;
type Reverse<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R] ? [...Reverse<R>, H] : [];

/** The known release of a version literal (as {@link nixlRelease}), or never. */
export type NixlReleaseOf<V extends string> = string extends V ? never : NearestBelow<V, Reverse<Releases>>;
type NearestBelow<V extends string, Rs> = Rs extends [infer R extends NixlRelease, ...infer Rest]
  ? Line<R["tag"]> extends Line<V> ? (VersionLt<V, R["tag"]> extends false ? R : NearestBelow<V, Rest>) : NearestBelow<V, Rest>
  : never;

type CmpRange<V extends string, R extends string> = R extends `${infer C} ${infer Rest}`
  ? Cmp<V, C> extends true ? CmpRange<V, Rest> : Cmp<V, C>
  : Cmp<V, R>;
type Cmp<V extends string, C extends string> = C extends `>=${infer X}`
  ? VersionLt<V, X> extends true ? false : VersionLt<V, X> extends false ? true : boolean
  : C extends `<${infer X}` ? VersionLt<V, X> : boolean;

/** true when the NIXL version literal has the meson option, false when it lacks it; true when undecidable (no error then). */
export type NixlHasMesonOption<V extends string, K extends NixlMesonOption> = string extends V ? true
  : true extends { [I in keyof (typeof NIXL_MESON_OPTIONS)[K]]: CmpRange<V, (typeof NIXL_MESON_OPTIONS)[K][I] & string> }[number] ? true : false;
