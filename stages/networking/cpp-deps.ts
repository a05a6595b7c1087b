/**
 * The C++ libraries NIXL's optional plugins and nixlbench build against: etcd-cpp-apiv3 (nixlbench
 * and NIXL's etcd metadata exchange), the AWS SDK for C++ (s3: the OBJ plugin) and gusli (the GUSLI
 * plugin). The official 0.7.1 image clones etcd-cpp-apiv3 and gusli at an unpinned HEAD; here each
 * is pinned by commit (stages/sources.lock.yaml, docs/sources.md).
 * Facts: shared/reference/nixl-official-image.md §2 step 5 and §3.
 */
import { artifact, checkOptions, defineStage, gitCheckoutScript, stringArg, SOURCE_MIRROR, type AnyStage, type KnownOptions } from "../../src/index.ts";
import { MAKE_J, compile, publishStaged } from "../build-steps.ts";
import { NPROC, commitArg, commitOf, stagedDir } from "../shared.ts";

const REF = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Options of {@link etcdCppApi}. */
export interface EtcdOptions {
  /** Git ref to build; pinned by the commit of the lock entry `etcd-cpp-apiv3-<ref>`. Default the master commit pinned in the lock. */
  readonly ref?: string;
}

/**
 * etcd-cpp-apiv3, core only, into /usr/local.
 *
 * @example
 * const etcd = etcdCppApi(sys, {})
 */
export function etcdCppApi<const F extends AnyStage, const O extends EtcdOptions>(from: F, options: O & KnownOptions<O, EtcdOptions, "etcd-cpp-api">) {
  checkOptions("etcd-cpp-api", options, ["ref"]);
  const ref = options.ref ?? "7c6e714";
  const ETCD_CPP_API_REF = stringArg("ETCD_CPP_API_REF", ref === "7c6e714" ? commitOf("etcd-cpp-apiv3-7c6e714") : ref, REF, "a git ref", "etcd-cpp-apiv3 git ref");
  const ETCD_CPP_API_COMMIT = commitArg("ETCD_CPP_API_COMMIT", ETCD_CPP_API_REF, (r) => (r === commitOf("etcd-cpp-apiv3-7c6e714") ? "etcd-cpp-apiv3-7c6e714" : `etcd-cpp-apiv3-${r}`));
  const staged = stagedDir("etcd-cpp-api");
  return defineStage({
    name: "etcd-cpp-api",
    description: "etcd-cpp-apiv3 (core only), pinned by commit",
    from,
    args: [ETCD_CPP_API_REF, ETCD_CPP_API_COMMIT, SOURCE_MIRROR, NPROC],
    provides: {
      etcd: artifact({
        kind: "etcd-cpp-api", producer: "etcd-cpp-api", version: ref, prefix: "/usr/local",
        layout: { lib: ["lib"], include: ["include/etcd"] }, runtimePaths: ["lib"], delivery: { type: "staged", dir: staged }, ldconfig: true,
      }),
    },
    steps: [
      compile(
        [
          "cd /usr/local/src",
          gitCheckoutScript("https://github.com/etcd-cpp-apiv3/etcd-cpp-apiv3.git", "etcd-cpp-apiv3", "ETCD_CPP_API_REF", "ETCD_CPP_API_COMMIT"),
          "cd etcd-cpp-apiv3",
          "# The cpprestsdk dependency is only needed by the non-core client (as the official image does)",
          "sed -i '/^find_dependency(cpprestsdk)$/d' etcd-cpp-api-config.in.cmake",
          "cmake -S . -B build -DBUILD_ETCD_CORE_ONLY=ON -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr/local",
          `${MAKE_J} -C build`,
          `make -C build DESTDIR=${staged} install`,
          publishStaged(staged),
        ].join("\n"),
      ),
    ],
    versions: { "etcd-cpp-apiv3": "${ETCD_CPP_API_REF}" },
  });
}

/** Options of {@link awsSdkCpp}. */
export interface AwsSdkOptions {
  /** aws-sdk-cpp tag. Default "1.11.581" (the 0.7.1 pin). */
  readonly version?: string;
}

/**
 * The AWS SDK for C++ (s3 only), into /usr/local; NIXL finds it by pkg-config (OBJ plugin).
 *
 * @example
 * const sdk = awsSdkCpp(sys, {})
 */
export function awsSdkCpp<const F extends AnyStage, const O extends AwsSdkOptions>(from: F, options: O & KnownOptions<O, AwsSdkOptions, "aws-sdk-cpp">) {
  checkOptions("aws-sdk-cpp", options, ["version"]);
  const version = options.version ?? "1.11.581";
  const AWS_SDK_CPP_VERSION = stringArg("AWS_SDK_CPP_VERSION", version, /^\d+\.\d+\.\d+$/, "an aws-sdk-cpp tag such as 1.11.581", "aws-sdk-cpp git tag");
  const AWS_SDK_CPP_COMMIT = commitArg("AWS_SDK_CPP_COMMIT", AWS_SDK_CPP_VERSION, (v) => `aws-sdk-cpp-${v}`);
  const staged = stagedDir("aws-sdk-cpp");
  return defineStage({
    name: "aws-sdk-cpp",
    description: "AWS SDK for C++, s3 only (NIXL OBJ plugin)",
    from,
    args: [AWS_SDK_CPP_VERSION, AWS_SDK_CPP_COMMIT, SOURCE_MIRROR, NPROC],
    provides: {
      awsSdk: artifact({
        kind: "aws-sdk-cpp", producer: "aws-sdk-cpp", version, prefix: "/usr/local", versionArg: AWS_SDK_CPP_VERSION,
        layout: { lib: ["lib"], include: ["include/aws"], pkgconfig: ["lib/pkgconfig"] }, runtimePaths: ["lib"], delivery: { type: "staged", dir: staged }, ldconfig: true,
      }),
    },
    steps: [
      compile(
        [
          "cd /usr/local/src",
          gitCheckoutScript("https://github.com/aws/aws-sdk-cpp.git", "aws-sdk-cpp", "AWS_SDK_CPP_VERSION", "AWS_SDK_CPP_COMMIT", { submodules: true }),
          'cmake -S aws-sdk-cpp -B aws-sdk-build -DCMAKE_BUILD_TYPE=Release -DBUILD_ONLY="s3" -DENABLE_TESTING=OFF -DCMAKE_INSTALL_PREFIX=/usr/local',
          `${MAKE_J} -C aws-sdk-build`,
          `make -C aws-sdk-build DESTDIR=${staged} install`,
          publishStaged(staged),
        ].join("\n"),
      ),
    ],
    versions: { "aws-sdk-cpp": "${AWS_SDK_CPP_VERSION}" },
  });
}

/** Options of {@link gusli}. */
export interface GusliOptions {
  /** Commit to build. Default the lock's `gusli-8b7a3b2`. */
  readonly commit?: string;
}

/**
 * gusli, built the way the official image does (release build, no io_uring). Its Makefile installs
 * into /usr/lib and /usr/include and has no DESTDIR, so the known files are staged by hand.
 *
 * @example
 * const g = gusli(sys, {})
 */
export function gusli<const F extends AnyStage, const O extends GusliOptions>(from: F, options: O & KnownOptions<O, GusliOptions, "gusli">) {
  checkOptions("gusli", options, ["commit"]);
  const commit = options.commit ?? commitOf("gusli-8b7a3b2");
  const GUSLI_REF = stringArg("GUSLI_REF", commit, REF, "a git ref", "gusli git ref (the repository has no release tags)");
  const GUSLI_COMMIT = commitArg("GUSLI_COMMIT", GUSLI_REF, (r) => (r === commitOf("gusli-8b7a3b2") ? "gusli-8b7a3b2" : `gusli-${r.slice(0, 7)}`));
  const staged = stagedDir("gusli");
  return defineStage({
    name: "gusli",
    description: "gusli client library (NIXL GUSLI plugin), pinned by commit",
    from,
    args: [GUSLI_REF, GUSLI_COMMIT, SOURCE_MIRROR],
    provides: {
      gusli: artifact({
        kind: "gusli", producer: "gusli", version: commit.slice(0, 7), prefix: "/usr",
        layout: { lib: ["lib"], include: ["include"] }, runtimeFiles: ["lib/libgusli_clnt.so"], runtimePaths: ["lib/libgusli_*.so"],
        delivery: { type: "staged", dir: staged }, ldconfig: false,
      }),
    },
    steps: [
      compile(
        [
          "cd /usr/local/src",
          gitCheckoutScript("https://github.com/nvidia/gusli.git", "gusli", "GUSLI_REF", "GUSLI_COMMIT"),
          "cd gusli",
          // Serial on purpose: the Makefile's *_dyn executables link -lgusli_clnt from the install dir without
          // depending on install, so make -jN races (docs/sources.md, issue 11 row 2a). The official image is serial too.
          "make all BUILD_RELEASE=1 BUILD_FOR_UNITEST=0 VERBOSE=1 ALLOW_USE_URING=0",
          `install -D -m 755 -t ${staged}/usr/lib /usr/lib/libgusli_clnt.so /usr/lib/libgusli_srvr.so`,
          `install -D -m 644 -t ${staged}/usr/include gusli_client_api.hpp gusli_server_api.hpp`,
        ].join("\n"),
      ),
    ],
    versions: { gusli: "${GUSLI_REF}" },
  });
}
