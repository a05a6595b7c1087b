/**
 * nccl: NCCL from its tag archive, and aws-ofi-nccl built `--with-libfabric` from the same libfabric
 * artifact NIXL uses, with `--enable-platform-aws` passed explicitly (autodetection reads DMI and
 * /sys/hypervisor, which a `docker build` does not see as EC2).
 * Facts: NCCL's build (`make src.build`: https://github.com/NVIDIA/nccl/blob/v2.23.4-1/README.md; `make install PREFIX=`:
 * https://github.com/NVIDIA/nccl/blob/v2.23.4-1/src/Makefile), aws-ofi-nccl's configure flags (https://github.com/aws/aws-ofi-nccl/blob/v1.12.1-aws/configure.ac and m4/) and its pairings
 * (https://github.com/aws/aws-ofi-nccl/blob/v1.13.2-aws/RELEASENOTES.md).
 */
import {
  MAKE_J,
  SOURCE_MIRROR,
  compileStep,
  configureMake,
  custom,
  defineComponent,
  fetchedSource,
  heldArtifact,
  option,
  sh,
  stringArg,
  tarball,
  type AnyArtifact,
  type ComponentSpec,
  type OptionsOf,
  type RuleData,
  type VersionForm,
} from "../src/index.ts";
import { NPROC, sha256Arg, stagedDir } from "./shared.ts";

const GENCODE = /^(-gencode=arch=compute_\d+,code=(sm|compute)_\d+a?)( -gencode=arch=compute_\d+,code=(sm|compute)_\d+a?)*$/;

/** NVCC_GENCODE below CUDA 12.8: A100 (sm_80) and H100/H200 (sm_90), plus compute_90 PTX. */
export const NCCL_GENCODE_HOPPER = "-gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90,code=sm_90 -gencode=arch=compute_90,code=compute_90";
/**
 * NVCC_GENCODE from CUDA 12.8 on: also Blackwell, B200/GB200 (sm_100) and RTX PRO/consumer (sm_120), plus compute_120
 * PTX, as NCCL's own defaults for CUDA >= 12.8 (CUDA12_8_GENCODE and the compute_120 PTX in makefiles/common.mk,
 * https://github.com/NVIDIA/nccl/blob/v2.27.7-1/makefiles/common.mk; v2.23.4-1's defaults stop at sm_90).
 */
export const NCCL_GENCODE_BLACKWELL = "-gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90,code=sm_90 -gencode=arch=compute_100,code=sm_100 -gencode=arch=compute_120,code=sm_120 -gencode=arch=compute_120,code=compute_120";

/**
 * The default NVCC_GENCODE for a CUDA version ("12.9"): Blackwell included from 12.8 on; an unknown version gets
 * the Hopper list, which every CUDA >= 11.8 compiles.
 *
 * @example
 * ncclGencodeFor("12.9") === NCCL_GENCODE_BLACKWELL // true
 */
export function ncclGencodeFor(cuda: string): string {
  const m = /^(\d+)\.(\d+)/.exec(cuda);
  if (m === null) return NCCL_GENCODE_HOPPER;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 12 || (major === 12 && minor >= 8) ? NCCL_GENCODE_BLACKWELL : NCCL_GENCODE_HOPPER;
}

/** Source of rule nccl-cuda-13: NCCL's makefile and CUDA wrapper at the first tag that builds with CUDA 13 (compare v2.26.6-1). */
export const SOURCE_NCCL_CUDA_13 =
  "https://github.com/NVIDIA/nccl/blob/v2.27.3-1/makefiles/common.mk (CUDA 13: no pre-sm_75 gencodes, -std=c++17) and https://github.com/NVIDIA/nccl/blob/v2.27.3-1/src/include/cudawrap.h (versioned PFN_cu* typedefs), against the same files at v2.26.6-1";

/** Rule nccl-cuda-13: the first NCCL release that builds with CUDA 13. */
export const NCCL_FIRST_CUDA_13 = "v2.27.3-1";

/**
 * Rule nccl-cuda-13: NCCL before v2.27.3-1 does not build with CUDA 13 (the CUDA toolkit the base
 * image holds): its cudawrap.h names the unversioned `PFN_cuXxx` typedefs CUDA 13 no longer has, it
 * compiles with -std=c++11 (CUDA 13's CCCL headers need C++17), and its default gencodes include
 * the pre-sm_75 targets CUDA 13 dropped.
 *
 * @example
 * NCCL_CUDA_13.clauses[0].below // "13.0"
 */
export const NCCL_CUDA_13 = {
  id: "nccl-cuda-13",
  summary: `NCCL before ${NCCL_FIRST_CUDA_13} does not build with CUDA 13`,
  source: SOURCE_NCCL_CUDA_13,
  needs: "cuda",
  held: true,
  clauses: [
    {
      when: "<2.27.3",
      below: "13.0",
      problem: `NCCL {self} does not build with CUDA {version} from stage {producer} (unversioned PFN_cu* typedefs, -std=c++11, pre-sm_75 gencodes); use NCCL ${NCCL_FIRST_CUDA_13} or later with CUDA {bound} and later, or leave NCCL out`,
    },
  ],
} as const satisfies RuleData;

/** The NCCL component, declared once. */
export const NCCL_SPEC = {
  name: "nccl",
  options: {
    version: option.version({ doc: 'tag, e.g. "v2.23.4-1"', required: true }),
    prefix: option.path({ doc: 'install prefix (NCCL_PREFIX). Default "/usr/local"' }),
    gencode: option.string({ doc: "NVCC_GENCODE; default from the base's CUDA: sm_80, sm_90 and compute_90 PTX, and from CUDA 12.8 on also sm_100, sm_120 and compute_120 PTX (ncclGencodeFor)", pattern: GENCODE, expected: "one or more -gencode=arch=compute_NN,code=sm_NN" }),
    overrides: option.overrides(),
  },
  version: { option: "version", arg: "NCCL_VERSION", doc: "NCCL tag", form: { expected: "an NCCL release tag with its v and its -N build number", example: "v2.27.3-1", shapes: [{ shape: "v<N>.<N>.<N>-<N>" }], source: "https://github.com/NVIDIA/nccl/tags" } },
  prefix: { option: "prefix", arg: "NCCL_PREFIX", doc: "NCCL install prefix", default: "/usr/local" },
  artifacts: { nccl: { kind: "nccl", delivery: "staged", version: "own" } },
  rules: [NCCL_CUDA_13],
} as const satisfies ComponentSpec;

/** Options of {@link nccl}. */
export type NcclOptions = OptionsOf<typeof NCCL_SPEC.options>;

/**
 * The NCCL stage.
 *
 * @example
 * const n = nccl(sys, { version: "v2.23.4-1" })
 */
export const nccl = defineComponent(NCCL_SPEC, (c) => {
  const NCCL_SHA256 = sha256Arg("NCCL_SHA256", c.versionArg!, (v) => `nccl-${v.replace(/^v/, "")}`, "NCCL tag archive");
  const cuda = heldArtifact(c.from, "cuda");
  const given = c.options["gencode"] as string | undefined;
  // From the base's CUDA as the recipe declares it (a BASE_TAG moved by values from data does not move it: pass NCCL_GENCODE too).
  const NCCL_GENCODE = stringArg("NCCL_GENCODE", given ?? ncclGencodeFor(cuda.version), GENCODE, "one or more -gencode=arch=compute_NN,code=sm_NN", "NVCC_GENCODE for NCCL (fewer targets build faster)");
  const staged = stagedDir("nccl");
  return {
    description: "NCCL from its tag archive",
    args: [NCCL_SHA256, NCCL_GENCODE, SOURCE_MIRROR, NPROC],
    details: {
      nccl: {
        // include too: an image that builds NCCL replaces the base's, whose nccl.h (libnccl-dev) it removes.
        layout: { lib: ["lib"], include: ["include"], pkgconfig: ["lib/pkgconfig"] }, runtimeFiles: ["lib/libnccl.so.2", "include/nccl.h"], runtimePaths: ["lib", "include"], sonames: ["libnccl.so.2"],
        delivery: { type: "staged", dir: staged }, ldconfig: true,
      },
    },
    steps: [
      compileStep({
        source: tarball({ dir: "/usr/local/src/nccl", url: "https://github.com/NVIDIA/nccl/archive/refs/tags/${NCCL_VERSION}.tar.gz", file: "nccl.tar.gz", sha256: NCCL_SHA256 }),
        build: custom([
          sh`${MAKE_J} src.build CUDA_HOME=${cuda} NVCC_GENCODE="${NCCL_GENCODE}" PREFIX="${c.prefixArg!}"`,
          "# NCCL's install target has no DESTDIR: stage the files its install target copies",
          `mkdir -p "${staged}\${NCCL_PREFIX}/lib/pkgconfig" "${staged}\${NCCL_PREFIX}/include"`,
          `cp -P build/lib/lib* "${staged}\${NCCL_PREFIX}/lib/"`,
          `cp -P build/lib/pkgconfig/* "${staged}\${NCCL_PREFIX}/lib/pkgconfig/"`,
          `cp build/include/* "${staged}\${NCCL_PREFIX}/include/"`,
        ]),
        staged,
      }),
    ],
    versions: { nccl: "${NCCL_VERSION}" },
  };
});

/** Source of rule aws-ofi-nccl-libfabric-min. */
export const SOURCE_OFI_LIBFABRIC_MIN = "https://github.com/aws/aws-ofi-nccl/pull/333 and https://github.com/aws/aws-ofi-nccl/blob/v1.13.2-aws/RELEASENOTES.md";

/**
 * aws-ofi-nccl's libfabric rule ({@link SOURCE_OFI_LIBFABRIC_MIN}): EFA needs libfabric >= 1.18.0;
 * v1.13.x-aws with --enable-platform-aws refuses libfabric < 1.22.0 at configure time. The EFA
 * installer's libfabric is exempt: AWS builds its own aws-ofi-nccl against it.
 *
 * @example
 * OFI_LIBFABRIC_MIN.clauses.length // 4
 */
export const OFI_LIBFABRIC_MIN = {
  id: "aws-ofi-nccl-libfabric-min",
  summary: "aws-ofi-nccl on EFA needs libfabric >= 1.18.0; v1.13.x-aws platform-aws builds need >= 1.22.0",
  source: SOURCE_OFI_LIBFABRIC_MIN,
  needs: "libfabric",
  clauses: [
    { from: "efa-installer" },
    { when: ">=1.13.0", option: { platformAws: true }, atLeast: "1.22.0", problem: "aws-ofi-nccl {self} with --enable-platform-aws needs libfabric >= {bound} but stage {producer} builds libfabric {version}" },
    { option: { platformAws: true }, atLeast: "1.18.0", problem: "aws-ofi-nccl {self} with --enable-platform-aws needs libfabric >= {bound} but stage {producer} builds libfabric {version}" },
    { option: { platformAws: false }, atLeast: "1.18.0", problem: "aws-ofi-nccl {self} needs libfabric >= {bound} but stage {producer} builds libfabric {version}" },
  ],
} as const satisfies RuleData;

/**
 * How aws-ofi-nccl writes its release tags: with both spellings before v1.7.0, with the -aws suffix
 * from v1.7.0-aws to v1.13.2-aws, without it from v1.14.0.
 */
export const AWS_OFI_NCCL_FORM = {
  expected: "an aws-ofi-nccl release tag: v…-aws up to v1.13.2-aws, v… from v1.14.0",
  example: "v1.12.1-aws, v1.20.0",
  shapes: [{ shape: "v<N>.<N>.<N>[-aws]", below: "1.7.0" }, { shape: "v<N>.<N>.<N>-aws", below: "1.14.0" }, { shape: "v<N>.<N>.<N>" }],
  source: "https://github.com/aws/aws-ofi-nccl/tags",
} as const satisfies VersionForm;

/** The aws-ofi-nccl component, declared once. */
export const AWS_OFI_NCCL_SPEC = {
  name: "aws-ofi-nccl",
  options: {
    version: option.version({ doc: 'tag, e.g. "v1.12.1-aws"', required: true }),
    libfabric: option.artifact("libfabric", { doc: "the libfabric to build against: the same artifact NIXL uses", required: true }),
    prefix: option.path({ doc: 'install prefix. Default "/opt/amazon/ofi-nccl" (AWS\'s own packaging)' }),
    platformAws: option.boolean({ doc: "--enable-platform-aws (AWS tuning + tuner)", default: true }),
    overrides: option.overrides(),
  },
  version: { option: "version", arg: "AWS_OFI_NCCL_VERSION", doc: "aws-ofi-nccl tag", form: AWS_OFI_NCCL_FORM },
  prefix: { option: "prefix", arg: "AWS_OFI_NCCL_PREFIX", doc: "aws-ofi-nccl install prefix", default: "/opt/amazon/ofi-nccl" },
  artifacts: { awsOfiNccl: { kind: "aws-ofi-nccl", delivery: "staged", version: "own" } },
  rules: [OFI_LIBFABRIC_MIN],
} as const satisfies ComponentSpec;

/** Options of {@link awsOfiNccl}. */
export type AwsOfiNcclOptions = OptionsOf<typeof AWS_OFI_NCCL_SPEC.options>;

/** Where each runtime ENV of {@link ofiRuntimeEnv} comes from (docs/sources.md, issue 11 rows 6a-6e). */
export const OFI_ENV_SOURCES = {
  NCCL_TUNER_PLUGIN: "https://github.com/aws/aws-ofi-nccl/blob/v1.12.1-aws/src/Makefile.am and https://github.com/NVIDIA/nccl/blob/v2.23.4-1/src/misc/tuner.cc",
  NCCL_NET: "https://github.com/aws/aws-ofi-nccl/blob/v1.12.1-aws/src/nccl_ofi_interface_nvidia.c",
  NCCL_SOCKET_IFNAME: "https://github.com/aws-samples/awsome-distributed-training/blob/7217859f67bc693c52ff175ccc6082c41dbd7a1b/micro-benchmarks/nccl-tests/nccl-tests.Dockerfile",
} as const;

/**
 * The runtime environment AWS documents for EFA images, for an image holding aws-ofi-nccl:
 * - NCCL_TUNER_PLUGIN: the tuner is a separate library (libnccl-ofi-tuner.so, platform-aws builds
 *   only) that NCCL loads only when named, so without it the tuner is never used;
 * - NCCL_NET="AWS Libfabric" (the plugin's network name): a missing or broken plugin then fails
 *   NCCL's init instead of falling back to sockets;
 * - NCCL_SOCKET_IFNAME=^docker,lo,veth: keep NCCL's bootstrap off the docker bridge, loopback and veth pairs.
 *
 * @example
 * ofiRuntimeEnv(true).map(([k]) => k) // ["NCCL_TUNER_PLUGIN", "NCCL_NET", "NCCL_SOCKET_IFNAME"]
 */
export function ofiRuntimeEnv(platformAws: boolean): readonly (readonly [string, string])[] {
  return [
    ...(platformAws ? [["NCCL_TUNER_PLUGIN", "${AWS_OFI_NCCL_PREFIX}/lib/libnccl-ofi-tuner.so"] as const] : []),
    ["NCCL_NET", "AWS Libfabric"],
    ["NCCL_SOCKET_IFNAME", "^docker,lo,veth"],
  ];
}

/**
 * The aws-ofi-nccl stage (the NCCL net plugin for libfabric).
 *
 * @example
 * const ofi = awsOfiNccl(sys, { version: "v1.12.1-aws", libfabric: fabric.provides.libfabric })
 */
export const awsOfiNccl = defineComponent(AWS_OFI_NCCL_SPEC, (c) => {
  const platformAws = c.options["platformAws"] === true;
  const fabric = c.options["libfabric"] as AnyArtifact;
  const AWS_OFI_NCCL_SHA256 = sha256Arg("AWS_OFI_NCCL_SHA256", c.versionArg!, (v) => `aws-ofi-nccl-${v.replace(/^v/, "")}`, "aws-ofi-nccl tag archive");
  const staged = stagedDir("aws-ofi-nccl");
  const src = fetchedSource(tarball({ dir: "/usr/local/src/aws-ofi-nccl", url: "https://github.com/aws/aws-ofi-nccl/archive/refs/tags/${AWS_OFI_NCCL_VERSION}.tar.gz", file: "aws-ofi-nccl.tar.gz", sha256: AWS_OFI_NCCL_SHA256 }));
  return {
    description: "aws-ofi-nccl (NCCL net plugin) built against the image's libfabric artifact",
    args: [AWS_OFI_NCCL_SHA256, SOURCE_MIRROR, NPROC],
    details: {
      awsOfiNccl: {
        layout: { lib: ["lib"] }, runtimeFiles: ["lib/libnccl-net.so", ...(platformAws ? ["lib/libnccl-ofi-tuner.so"] : [])], runtimePaths: ["lib", "share"],
        delivery: { type: "staged", dir: staged }, ldconfig: true,
        // --with-hwloc=/usr: the plugin links the distribution's hwloc.
        runtimePackages: ["libhwloc15"],
        facts: { libfabricLinked: `${fabric.producer}:${fabric.prefix}` },
        links: [{ file: "lib/libnccl-net.so", soname: "libfabric.so.1", kind: "libfabric" }],
        env: ofiRuntimeEnv(platformAws),
      },
    },
    // The download runs before libfabric is copied in: a libfabric bump re-runs the build, not the download.
    stepsBeforeNeeds: 1,
    steps: [
      src.fetch,
      compileStep({
        source: src.source,
        build: configureMake({
          autogen: "a tag archive has no configure script",
          flags: [
            '--prefix="${AWS_OFI_NCCL_PREFIX}"',
            '--libdir="${AWS_OFI_NCCL_PREFIX}/lib"',
            sh`--with-libfabric="${fabric}"`,
            sh`--with-cuda=${heldArtifact(c.from, "cuda")}`,
            "--with-hwloc=/usr",
            platformAws ? "--enable-platform-aws" : "--disable-platform-aws",
            "--disable-tests",
          ],
        }),
        staged,
      }),
    ],
    versions: { "aws-ofi-nccl": "${AWS_OFI_NCCL_VERSION}" },
  };
});
