/**
 * abseil and gRPC from source, as the official NIXL image builds them from v1.0.1 on: NIXL then
 * refuses an Abseil without absl_log ("Your Abseil version is too old", meson.build at v1.0.1), and
 * Ubuntu 24.04's libgrpc-dev pulls exactly such an Abseil (20220623), so the base stage drops the
 * gRPC packages and etcd-cpp-apiv3 builds against this gRPC.
 * Facts: https://github.com/ai-dynamo/nixl/blob/v1.0.1/contrib/Dockerfile (ABSL_TAG, GRPC_TAG and their
 * cmake flags), docs/sources.md.
 */
import { SOURCE_MIRROR, cmake, compileStep, defineComponent, enumArg, git, option, type ComponentSpec, type OptionsOf } from "../../src/index.ts";
import { NPROC, commitArg, stagedDir } from "../shared.ts";

/** A C++ standard the official image gives its C++ dependencies (17 to v1.2.0, 20 from v1.3.0). */
export type CxxStandard = "17" | "20";

const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The abseil component, declared once. */
export const ABSEIL_SPEC = {
  name: "abseil",
  options: {
    version: option.string({ doc: 'release tag. Default "20250814.2" (the head of the lts_2025_08_14 branch the official image checks out)', pattern: TAG, expected: "an abseil-cpp tag such as 20250814.2", default: "20250814.2" }),
    cxxStandard: option.oneOf(["17", "20"], { doc: 'CMAKE_CXX_STANDARD. Default "17" (the official image passes 20 from NIXL v1.3.0)', default: "17" }),
  },
  version: { option: "version", arg: "ABSEIL_VERSION", doc: "abseil-cpp git tag", pattern: { regex: TAG, expected: "an abseil-cpp tag such as 20250814.2" } },
  artifacts: { abseil: { kind: "abseil", delivery: "staged", prefix: "/usr/local", version: "own" } },
} as const satisfies ComponentSpec;

/** Options of {@link abseil}. */
export type AbseilOptions = OptionsOf<typeof ABSEIL_SPEC.options>;

/**
 * Abseil, shared libraries, into /usr/local.
 *
 * @example
 * const absl = abseil(base, { cxxStandard: "20" })
 */
export const abseil = defineComponent(ABSEIL_SPEC, (c) => {
  const ABSEIL_COMMIT = commitArg("ABSEIL_COMMIT", c.versionArg!, (v) => `abseil-cpp-${v}`);
  const ABSEIL_CXX_STANDARD = enumArg("ABSEIL_CXX_STANDARD", ["17", "20"], c.options["cxxStandard"] as CxxStandard, "C++ standard of abseil (and of what links it)");
  const staged = stagedDir("abseil");
  return {
    description: "Abseil (shared) from its release tag, for gRPC and NIXL",
    args: [ABSEIL_COMMIT, ABSEIL_CXX_STANDARD, SOURCE_MIRROR, NPROC],
    details: { abseil: { layout: { lib: ["lib"], include: ["include/absl"], pkgconfig: ["lib/pkgconfig"] }, runtimePaths: ["lib"], delivery: { type: "staged", dir: staged }, ldconfig: true } },
    steps: [
      compileStep({
        source: git({ repo: "https://github.com/abseil/abseil-cpp.git", dir: "abseil-cpp", ref: c.versionArg!, commit: ABSEIL_COMMIT, enter: false }),
        build: cmake({
          source: "abseil-cpp", build: "abseil-build",
          flags: ["-DCMAKE_INSTALL_PREFIX=/usr/local", "-DCMAKE_BUILD_TYPE=Release", '-DCMAKE_CXX_STANDARD="${ABSEIL_CXX_STANDARD}"', "-DBUILD_SHARED_LIBS=ON", "-DABSL_PROPAGATE_CXX_STD=ON", "-DABSL_ENABLE_INSTALL=ON"],
        }),
        staged,
      }),
    ],
    versions: { abseil: "${ABSEIL_VERSION}" },
  };
});

/** The gRPC component, declared once. */
export const GRPC_SPEC = {
  name: "grpc",
  options: {
    abseil: option.artifact("abseil", { doc: "the Abseil gRPC builds against (gRPC_ABSL_PROVIDER=package)", required: true }),
    version: option.string({ doc: 'release tag. Default "v1.73.0"', pattern: TAG, expected: "a gRPC tag such as v1.73.0", default: "v1.73.0" }),
    cxxStandard: option.oneOf(["17", "20"], { doc: 'CMAKE_CXX_STANDARD. Default "17"', default: "17" }),
  },
  version: { option: "version", arg: "GRPC_VERSION", doc: "gRPC git tag", pattern: { regex: TAG, expected: "a gRPC tag such as v1.73.0" } },
  artifacts: { grpc: { kind: "grpc", delivery: "staged", prefix: "/usr/local", version: "own" } },
} as const satisfies ComponentSpec;

/** Options of {@link grpc}. */
export type GrpcOptions = OptionsOf<typeof GRPC_SPEC.options>;

/**
 * gRPC (shared, its own protobuf) into /usr/local, against the given Abseil.
 *
 * @example
 * const g = grpc(base, { abseil: absl.provides.abseil })
 */
export const grpc = defineComponent(GRPC_SPEC, (c) => {
  const GRPC_COMMIT = commitArg("GRPC_COMMIT", c.versionArg!, (v) => `grpc-${v.replace(/^v/, "")}`);
  const GRPC_CXX_STANDARD = enumArg("GRPC_CXX_STANDARD", ["17", "20"], c.options["cxxStandard"] as CxxStandard, "C++ standard of gRPC");
  const staged = stagedDir("grpc");
  return {
    description: "gRPC (shared) from its release tag, against the Abseil artifact",
    args: [GRPC_COMMIT, GRPC_CXX_STANDARD, SOURCE_MIRROR, NPROC],
    details: {
      grpc: {
        layout: { lib: ["lib"], include: ["include/grpc"], pkgconfig: ["lib/pkgconfig"] }, runtimePaths: ["lib"], delivery: { type: "staged", dir: staged }, ldconfig: true,
        // gRPC_SSL_PROVIDER=package: the distribution's OpenSSL (zlib, also "package", is in every Ubuntu image).
        runtimePackages: ["libssl3t64"],
      },
    },
    steps: [
      compileStep({
        source: git({ repo: "https://github.com/grpc/grpc.git", dir: "grpc", ref: c.versionArg!, commit: GRPC_COMMIT, submodules: true, enter: false }),
        build: cmake({
          source: "grpc", build: "grpc-build",
          flags: [
            "-DgRPC_INSTALL=ON", "-DgRPC_BUILD_TESTS=OFF", "-DBUILD_SHARED_LIBS=ON", '-DCMAKE_CXX_STANDARD="${GRPC_CXX_STANDARD}"', "-DCMAKE_BUILD_TYPE=Release",
            "-DCMAKE_INSTALL_PREFIX=/usr/local", "-DCMAKE_PREFIX_PATH=/usr/local", "-Dabsl_DIR=/usr/local/lib/cmake/absl", "-DgRPC_SSL_PROVIDER=package",
            "-DgRPC_ABSL_PROVIDER=package", "-DgRPC_PROTOBUF_PROVIDER=module", "-DgRPC_ZLIB_PROVIDER=package",
          ],
        }),
        staged,
      }),
    ],
    versions: { grpc: "${GRPC_VERSION}" },
  };
});
