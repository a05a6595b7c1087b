/**
 * The C++ libraries NIXL's optional plugins and nixlbench build against: etcd-cpp-apiv3 (nixlbench
 * and NIXL's etcd metadata exchange), the AWS SDK for C++ (s3: the OBJ plugin) and gusli (the GUSLI
 * plugin). The official 0.7.1 image clones etcd-cpp-apiv3 and gusli at an unpinned HEAD; here each
 * is pinned by commit (stages/sources.lock.yaml, docs/sources.md).
 * Facts: the etcd-cpp-apiv3, aws-sdk-cpp and gusli steps and flags of https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile.
 */
import { SOURCE_MIRROR, cmake, compileStep, custom, defineComponent, git, option, sh, type AnyArtifact, type ComponentSpec, type OptionsOf } from "../../src/index.ts";
import { NPROC, commitArg, commitOf, stagedDir } from "../shared.ts";

const REF = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SDK_TAG = /^\d+\.\d+\.\d+$/;

/** The etcd-cpp-apiv3 component: one declaration, from which its options, ARGs and artifact derive. */
export const ETCD_SPEC = {
  name: "etcd-cpp-api",
  options: {
    ref: option.string({ doc: "git ref to build; pinned by the commit of the lock entry etcd-cpp-apiv3-<ref>", pattern: REF, expected: "a git ref", default: "7c6e714" }),
    cxxStandard: option.oneOf(["17", "20"], { doc: "-DETCD_CMAKE_CXX_STANDARD (and for 20 -DCMAKE_CXX_STANDARD): the official image passes 17 from NIXL 0.9.0, 20 from v1.3.0" }),
    grpc: option.artifact("grpc", { doc: "a gRPC built from source to build against (found through CMAKE_PREFIX_PATH); none: Ubuntu's" }),
  },
  version: {
    option: "ref", arg: "ETCD_CPP_API_REF", doc: "etcd-cpp-apiv3 git ref", pattern: { regex: REF, expected: "a git ref" },
    value: (ref: string) => (ref === "7c6e714" ? commitOf("etcd-cpp-apiv3-7c6e714") : ref),
  },
  artifacts: { etcd: { kind: "etcd-cpp-api", delivery: "staged", prefix: "/usr/local", version: "own", versionArg: false } },
} as const satisfies ComponentSpec;

/** Options of {@link etcdCppApi}. */
export type EtcdOptions = OptionsOf<typeof ETCD_SPEC.options>;

/**
 * etcd-cpp-apiv3, core only, into /usr/local.
 *
 * @example
 * const etcd = etcdCppApi(sys, {})
 */
export const etcdCppApi = defineComponent(ETCD_SPEC, (c) => {
  const ETCD_CPP_API_COMMIT = commitArg("ETCD_CPP_API_COMMIT", c.versionArg!, (r) => (r === commitOf("etcd-cpp-apiv3-7c6e714") ? "etcd-cpp-apiv3-7c6e714" : `etcd-cpp-apiv3-${r}`));
  const staged = stagedDir("etcd-cpp-api");
  return {
    description: "etcd-cpp-apiv3 (core only), pinned by commit",
    args: [ETCD_CPP_API_COMMIT, SOURCE_MIRROR, NPROC],
    details: {
      etcd: {
        layout: { lib: ["lib"], include: ["include/etcd"] }, runtimePaths: ["lib"], delivery: { type: "staged", dir: staged }, ldconfig: true,
        // BUILD_ETCD_CORE_ONLY: the gRPC client only, on Ubuntu 24.04's gRPC and protobuf (libgrpc++-dev,
        // libprotobuf-dev), unless it is built against a gRPC artifact (which brings its own libraries).
        runtimePackages: c.options["grpc"] === undefined ? ["libgrpc++1.51t64", "libgrpc29t64", "libprotobuf32t64"] : [],
      },
    },
    steps: [
      compileStep({
        source: git({ repo: "https://github.com/etcd-cpp-apiv3/etcd-cpp-apiv3.git", dir: "etcd-cpp-apiv3", ref: c.versionArg!, commit: ETCD_CPP_API_COMMIT }),
        before: [
          "# The cpprestsdk dependency is only needed by the non-core client (as the official image does)",
          "sed -i '/^find_dependency(cpprestsdk)$/d' etcd-cpp-api-config.in.cmake",
        ],
        build: cmake({
          flags: [
            "-DBUILD_ETCD_CORE_ONLY=ON", "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_INSTALL_PREFIX=/usr/local",
            ...(c.options["cxxStandard"] === undefined ? [] : [`-DETCD_CMAKE_CXX_STANDARD=${String(c.options["cxxStandard"])}`]),
            ...(c.options["cxxStandard"] === "20" ? ["-DCMAKE_CXX_STANDARD=20"] : []),
            ...(c.options["grpc"] === undefined ? [] : [sh`-DCMAKE_PREFIX_PATH=${c.options["grpc"] as AnyArtifact}`]),
          ],
        }),
        staged,
      }),
    ],
    versions: { "etcd-cpp-apiv3": "${ETCD_CPP_API_REF}" },
  };
});

/** The AWS SDK for C++ component, declared once. */
export const AWS_SDK_SPEC = {
  name: "aws-sdk-cpp",
  options: {
    version: option.string({ doc: 'aws-sdk-cpp tag. Default "1.11.581" (the 0.7.1 pin)', pattern: SDK_TAG, expected: "an aws-sdk-cpp tag such as 1.11.581", default: "1.11.581" }),
    components: option.oneOf(["s3", "s3;s3-crt"], { doc: 'BUILD_ONLY components. Default "s3"; the official image builds "s3;s3-crt" from NIXL 0.10.0', default: "s3" }),
    cxxStandard: option.oneOf(["20"], { doc: "CMAKE_CXX_STANDARD; the official image passes 20 from NIXL v1.3.0. Default: the compiler's" }),
  },
  version: { option: "version", arg: "AWS_SDK_CPP_VERSION", doc: "aws-sdk-cpp git tag", pattern: { regex: SDK_TAG, expected: "an aws-sdk-cpp tag such as 1.11.581" } },
  artifacts: { awsSdk: { kind: "aws-sdk-cpp", delivery: "staged", prefix: "/usr/local", version: "own" } },
} as const satisfies ComponentSpec;

/** Options of {@link awsSdkCpp}. */
export type AwsSdkOptions = OptionsOf<typeof AWS_SDK_SPEC.options>;

/**
 * The AWS SDK for C++ (s3 only), into /usr/local; NIXL finds it by pkg-config (OBJ plugin).
 *
 * @example
 * const sdk = awsSdkCpp(sys, {})
 */
export const awsSdkCpp = defineComponent(AWS_SDK_SPEC, (c) => {
  const AWS_SDK_CPP_COMMIT = commitArg("AWS_SDK_CPP_COMMIT", c.versionArg!, (v) => `aws-sdk-cpp-${v}`);
  const staged = stagedDir("aws-sdk-cpp");
  return {
    description: "AWS SDK for C++, s3 only (NIXL OBJ plugin)",
    args: [AWS_SDK_CPP_COMMIT, SOURCE_MIRROR, NPROC],
    details: {
      awsSdk: {
        layout: { lib: ["lib"], include: ["include/aws"], pkgconfig: ["lib/pkgconfig"] }, runtimePaths: ["lib"], delivery: { type: "staged", dir: staged }, ldconfig: true,
        // The SDK's HTTP and crypto: libcurl4-openssl-dev and libssl-dev at build time (Ubuntu 24.04 names).
        runtimePackages: ["libcurl4t64", "libssl3t64"],
      },
    },
    steps: [
      compileStep({
        source: git({ repo: "https://github.com/aws/aws-sdk-cpp.git", dir: "aws-sdk-cpp", ref: c.versionArg!, commit: AWS_SDK_CPP_COMMIT, submodules: true, enter: false }),
        build: cmake({ source: "aws-sdk-cpp", build: "aws-sdk-build", flags: ["-DCMAKE_BUILD_TYPE=Release", `-DBUILD_ONLY="${String(c.options["components"])}"`, "-DENABLE_TESTING=OFF", "-DCMAKE_INSTALL_PREFIX=/usr/local", ...(c.options["cxxStandard"] === undefined ? [] : [`-DCMAKE_CXX_STANDARD=${String(c.options["cxxStandard"])}`])] }),
        staged,
      }),
    ],
    versions: { "aws-sdk-cpp": "${AWS_SDK_CPP_VERSION}" },
  };
});

/** The gusli component, declared once. */
export const GUSLI_SPEC = {
  name: "gusli",
  options: {
    commit: option.string({ doc: "commit to build. Default the lock's gusli-8b7a3b2", pattern: REF, expected: "a git ref" }),
    cxx20: option.boolean({ doc: 'build as C++20 (CXX="g++ -std=c++20"), as the official image from NIXL v1.3.0. Default false', default: false }),
  },
  version: { option: "commit", arg: "GUSLI_REF", doc: "gusli git ref (the repository has no release tags)", pattern: { regex: REF, expected: "a git ref" }, value: (c: string) => (c === "" ? commitOf("gusli-8b7a3b2") : c) },
  artifacts: { gusli: { kind: "gusli", delivery: "staged", prefix: "/usr" } },
} as const satisfies ComponentSpec;

/** Options of {@link gusli}. */
export type GusliOptions = OptionsOf<typeof GUSLI_SPEC.options>;

/**
 * gusli, built the way the official image does (release build, no io_uring). Its Makefile installs
 * into /usr/lib and /usr/include and has no DESTDIR, so the known files are staged by hand.
 *
 * @example
 * const g = gusli(sys, {})
 */
export const gusli = defineComponent(GUSLI_SPEC, (c) => {
  const GUSLI_REF = c.versionArg!;
  const GUSLI_COMMIT = commitArg("GUSLI_COMMIT", GUSLI_REF, (r) => (r === commitOf("gusli-8b7a3b2") ? "gusli-8b7a3b2" : `gusli-${r.slice(0, 7)}`));
  const staged = stagedDir("gusli");
  return {
    description: "gusli client library (NIXL GUSLI plugin), pinned by commit",
    args: [GUSLI_COMMIT, SOURCE_MIRROR],
    details: {
      gusli: {
        version: GUSLI_REF.default.slice(0, 7),
        layout: { lib: ["lib"], include: ["include"] }, runtimeFiles: ["lib/libgusli_clnt.so"], runtimePaths: ["lib/libgusli_*.so"],
        delivery: { type: "staged", dir: staged }, ldconfig: false,
      },
    },
    steps: [
      compileStep({
        source: git({ repo: "https://github.com/nvidia/gusli.git", dir: "gusli", ref: GUSLI_REF, commit: GUSLI_COMMIT }),
        build: custom([
          // Serial on purpose: the Makefile's *_dyn executables link -lgusli_clnt from the install dir without
          // depending on install, so make -jN races (docs/sources.md, issue 11 row 2a). The official image is serial too.
          `make all BUILD_RELEASE=1 BUILD_FOR_UNITEST=0 VERBOSE=1 ALLOW_USE_URING=0${c.options["cxx20"] === true ? ' CXX="g++ -std=c++20"' : ""}`,
          `install -D -m 755 -t ${staged}/usr/lib /usr/lib/libgusli_clnt.so /usr/lib/libgusli_srvr.so`,
          `install -D -m 644 -t ${staged}/usr/include gusli_client_api.hpp gusli_server_api.hpp`,
        ]),
        staged,
        publish: false,
      }),
    ],
    versions: { gusli: "${GUSLI_REF}" },
  };
});
