/**
 * nccl: NCCL from its tag archive, and aws-ofi-nccl built `--with-libfabric` from the same libfabric
 * artifact NIXL uses, with `--enable-platform-aws` passed explicitly (autodetection reads DMI and
 * /sys/hypervisor, which a `docker build` does not see as EC2).
 * Facts: shared/reference/aws-efa-stack.md §3 (flags, outputs, pairings), §5 (NCCL build), §7.1.
 */
import {
  artifact,
  componentArgs,
  buildNeeds,
  checkOptions,
  compareVersions,
  defineStage,
  downloadScript,
  pathIn,
  resolvedVersion,
  stringArg,
  SOURCE_MIRROR,
  type AnyStage,
  type Artifact,
  type KnownOptions,
  type NeedOf,
  type OptionLiteralChecks,
  type Overrides,
  type RuleOverride,
  type VersionRule,
  type VersionLt,
} from "../src/index.ts";
import { MAKE_J, compile, publishStaged } from "./build-steps.ts";
import { NPROC, sha256Arg, stagedDir } from "./shared.ts";

/** Options of {@link nccl}. */
export interface NcclOptions<V extends string = string, P extends string = string> {
  /** Tag, e.g. "v2.23.4-1". */
  readonly version: V;
  /** Install prefix (NCCL_PREFIX). Default "/usr/local". */
  readonly prefix?: P;
  /** NVCC_GENCODE; default sm_80 and sm_90 plus compute_90 PTX (A100/H100/H200 instances). */
  readonly gencode?: string;
}

/**
 * The NCCL stage.
 *
 * @example
 * const n = nccl(sys, { version: "v2.23.4-1" })
 */
export function nccl<const F extends AnyStage, const O extends NcclOptions>(
  from: F,
  options: O & KnownOptions<O, NcclOptions, "nccl"> & OptionLiteralChecks<O>,
) {
  type V = O["version"];
  checkOptions("nccl", options, ["version", "prefix", "gencode"]);
  const { version: NCCL_VERSION, prefix: NCCL_PREFIX, prefixValue: prefix } = componentArgs(options, "/usr/local", {
    version: ["NCCL_VERSION", "NCCL tag"],
    prefix: ["NCCL_PREFIX", "NCCL install prefix"],
  });
  const NCCL_SHA256 = sha256Arg("NCCL_SHA256", NCCL_VERSION, (v) => `nccl-${v.replace(/^v/, "")}`, "NCCL tag archive");
  const NCCL_GENCODE = stringArg(
    "NCCL_GENCODE",
    options.gencode ?? "-gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90,code=sm_90 -gencode=arch=compute_90,code=compute_90",
    /^(-gencode=arch=compute_\d+,code=(sm|compute)_\d+a?)( -gencode=arch=compute_\d+,code=(sm|compute)_\d+a?)*$/,
    "one or more -gencode=arch=compute_NN,code=sm_NN",
    "NVCC_GENCODE for NCCL (fewer targets build faster)",
  );
  const staged = stagedDir("nccl");
  return defineStage({
    name: "nccl",
    description: "NCCL from its tag archive",
    from,
    args: [NCCL_VERSION, NCCL_PREFIX, NCCL_SHA256, NCCL_GENCODE, SOURCE_MIRROR, NPROC],
    provides: {
      nccl: artifact({
        kind: "nccl", producer: "nccl", version: options.version as V, prefix, prefixArg: NCCL_PREFIX, versionArg: NCCL_VERSION,
        layout: { lib: ["lib"], include: ["include"], pkgconfig: ["lib/pkgconfig"] }, runtimeFiles: ["lib/libnccl.so.2"], runtimePaths: ["lib"], sonames: ["libnccl.so.2"],
        delivery: { type: "staged", dir: staged }, ldconfig: true,
      }),
    },
    steps: [
      compile(
        [
          "mkdir -p /usr/local/src/nccl",
          "cd /usr/local/src/nccl",
          downloadScript("https://github.com/NVIDIA/nccl/archive/refs/tags/${NCCL_VERSION}.tar.gz", "nccl.tar.gz", "NCCL_SHA256"),
          "tar -xzf nccl.tar.gz --strip-components=1",
          `${MAKE_J} src.build CUDA_HOME=/usr/local/cuda NVCC_GENCODE="\${NCCL_GENCODE}" PREFIX="\${NCCL_PREFIX}"`,
          "# NCCL's install target has no DESTDIR: stage the files its install target copies",
          `mkdir -p "${staged}\${NCCL_PREFIX}/lib/pkgconfig" "${staged}\${NCCL_PREFIX}/include"`,
          `cp -P build/lib/lib* "${staged}\${NCCL_PREFIX}/lib/"`,
          `cp -P build/lib/pkgconfig/* "${staged}\${NCCL_PREFIX}/lib/pkgconfig/"`,
          `cp build/include/* "${staged}\${NCCL_PREFIX}/include/"`,
          publishStaged(staged),
        ].join("\n"),
      ),
    ],
    versions: { nccl: "${NCCL_VERSION}" },
  });
}

/** Options of {@link awsOfiNccl}. */
export interface AwsOfiNcclOptions<V extends string = string> {
  /** Tag, e.g. "v1.12.1-aws". */
  readonly version: V;
  /** The libfabric to build against: the same artifact NIXL uses. */
  readonly libfabric: Artifact<"libfabric", string, string, string>;
  /** Install prefix. Default "/opt/amazon/ofi-nccl" (AWS's own packaging). */
  readonly prefix?: string;
  /** --enable-platform-aws (AWS tuning + tuner). Default true. */
  readonly platformAws?: boolean;
  readonly overrides?: readonly RuleOverride[];
}

/**
 * aws-ofi-nccl's libfabric rules (aws-efa-stack.md §3, §7.1): EFA needs libfabric >= 1.18.0;
 * v1.13.x-aws with --enable-platform-aws refuses libfabric < 1.22.0 at configure time.
 *
 * @example
 * awsOfiNcclRules(true).map((r) => r.id) // ["aws-ofi-nccl-libfabric-min"]
 */
export function awsOfiNcclRules(platformAws: boolean): readonly VersionRule[] {
  return [
  {
    id: "aws-ofi-nccl-libfabric-min",
    summary: "aws-ofi-nccl on EFA needs libfabric >= 1.18.0; v1.13.x-aws platform-aws builds need >= 1.22.0",
    source: SOURCE_OFI_LIBFABRIC_MIN,
    check: (ctx) => {
      const ofi = ctx.arg("AWS_OFI_NCCL_VERSION");
      const fabric = ctx.artifact("libfabric");
      if (ofi === undefined || fabric === undefined || fabric.facts["distribution"] === "efa-installer") return undefined;
      const v = resolvedVersion(fabric, ctx.arg);
      // Tags up to v1.13.x carry an "-aws" suffix that semver would read as a prerelease.
      const release = ofi.replace(/-aws$/, "");
      const min = platformAws && compareVersions(release, "1.13.0") !== -1 ? "1.22.0" : "1.18.0";
      return compareVersions(v, min) === -1 ? `aws-ofi-nccl ${ofi}${platformAws ? " with --enable-platform-aws" : ""} needs libfabric >= ${min} but stage ${fabric.producer} builds libfabric ${v}` : undefined;
    },
  },
  ];
}

/** Source of rule aws-ofi-nccl-libfabric-min. */
export const SOURCE_OFI_LIBFABRIC_MIN = "https://github.com/aws/aws-ofi-nccl/pull/333 and https://github.com/aws/aws-ofi-nccl/blob/v1.13.2-aws/RELEASENOTES.md";

/**
 * Compile-time twin of rule aws-ofi-nccl-libfabric-min for literal versions: the full sentence, or never.
 *
 * @example
 * type E = OfiLibfabricProblem<"v1.13.2-aws", true, "libfabric", "v1.21.0"> // "stage aws-ofi-nccl: aws-ofi-nccl v1.13.2-aws with ..."
 */
export type OfiLibfabricProblem<OV extends string, PlatformAws extends boolean, By extends string, LV extends string> =
  (PlatformAws extends true ? (VersionLt<OV, "1.13.0"> extends false ? "1.22.0" : "1.18.0") : "1.18.0") extends infer Min extends string
    ? VersionLt<LV, Min> extends true
      ? `stage aws-ofi-nccl: aws-ofi-nccl ${OV}${PlatformAws extends true ? " with --enable-platform-aws" : ""} needs libfabric >= ${Min} but stage ${By} builds libfabric ${LV} (rule aws-ofi-nccl-libfabric-min; source: ${typeof SOURCE_OFI_LIBFABRIC_MIN}); to build anyway, add an explicit override { rule: "aws-ofi-nccl-libfabric-min", reason: "..." }`
      : never
    : never;

type OfiCheck<O> = O extends { readonly version: infer OV extends string; readonly libfabric: Artifact<"libfabric", string, infer By, infer LV> }
  ? [OfiLibfabricProblem<OV, O extends { readonly platformAws: false } ? false : true, By, LV>] extends [never] ? unknown
    : [Overrides<O, "aws-ofi-nccl-libfabric-min">] extends [never] ? { readonly libfabric: OfiLibfabricProblem<OV, O extends { readonly platformAws: false } ? false : true, By, LV> } : unknown
  : unknown;

/**
 * The aws-ofi-nccl stage (the NCCL net plugin for libfabric).
 *
 * @example
 * const ofi = awsOfiNccl(sys, { version: "v1.12.1-aws", libfabric: fabric.provides.libfabric })
 */
export function awsOfiNccl<const F extends AnyStage, const O extends AwsOfiNcclOptions>(
  from: F,
  options: O & KnownOptions<O, AwsOfiNcclOptions, "aws-ofi-nccl"> & OptionLiteralChecks<O> & OfiCheck<O>,
) {
  type V = O["version"];
  checkOptions("aws-ofi-nccl", options, ["version", "libfabric", "prefix", "platformAws", "overrides"]);
  const o = options as AwsOfiNcclOptions<V>;

  const platformAws = o.platformAws ?? true;
  const { version: AWS_OFI_NCCL_VERSION, prefix: AWS_OFI_NCCL_PREFIX, prefixValue: prefix } = componentArgs(options, "/opt/amazon/ofi-nccl", {
    version: ["AWS_OFI_NCCL_VERSION", "aws-ofi-nccl tag"],
    prefix: ["AWS_OFI_NCCL_PREFIX", "aws-ofi-nccl install prefix"],
  });
  const AWS_OFI_NCCL_SHA256 = sha256Arg("AWS_OFI_NCCL_SHA256", AWS_OFI_NCCL_VERSION, (v) => `aws-ofi-nccl-${v.replace(/^v/, "")}`, "aws-ofi-nccl tag archive");
  const staged = stagedDir("aws-ofi-nccl");
  const configure = [
    '--prefix="${AWS_OFI_NCCL_PREFIX}"',
    '--libdir="${AWS_OFI_NCCL_PREFIX}/lib"',
    `--with-libfabric="${pathIn(o.libfabric, "")}"`,
    "--with-cuda=/usr/local/cuda",
    "--with-hwloc=/usr",
    platformAws ? "--enable-platform-aws" : "--disable-platform-aws",
    "--disable-tests",
  ];
  return defineStage({
    name: "aws-ofi-nccl",
    description: "aws-ofi-nccl (NCCL net plugin) built against the image's libfabric artifact",
    from,
    args: [AWS_OFI_NCCL_VERSION, AWS_OFI_NCCL_PREFIX, AWS_OFI_NCCL_SHA256, SOURCE_MIRROR, NPROC],
    needs: buildNeeds(o.libfabric) as unknown as NeedOf<O["libfabric"]>[],
    rules: awsOfiNcclRules(platformAws),
    overrides: o.overrides ?? [],
    provides: {
      awsOfiNccl: artifact({
        kind: "aws-ofi-nccl", producer: "aws-ofi-nccl", version: o.version as V, prefix, prefixArg: AWS_OFI_NCCL_PREFIX, versionArg: AWS_OFI_NCCL_VERSION,
        layout: { lib: ["lib"] }, runtimeFiles: ["lib/libnccl-net.so", ...(platformAws ? ["lib/libnccl-ofi-tuner.so"] : [])], runtimePaths: ["lib", "share"],
        delivery: { type: "staged", dir: staged }, ldconfig: true,
        facts: { libfabricLinked: `${o.libfabric.producer}:${o.libfabric.prefix}` },
        links: [{ file: "lib/libnccl-net.so", soname: "libfabric.so.1", kind: "libfabric" }],
      }),
    },
    steps: [
      compile(
        [
          "mkdir -p /usr/local/src/aws-ofi-nccl",
          "cd /usr/local/src/aws-ofi-nccl",
          downloadScript("https://github.com/aws/aws-ofi-nccl/archive/refs/tags/${AWS_OFI_NCCL_VERSION}.tar.gz", "aws-ofi-nccl.tar.gz", "AWS_OFI_NCCL_SHA256"),
          "tar -xzf aws-ofi-nccl.tar.gz --strip-components=1",
          "# a tag archive has no configure script",
          "./autogen.sh",
          `./configure \\\n    ${configure.join(" \\\n    ")}`,
          MAKE_J,
          `make DESTDIR=${staged} install`,
          publishStaged(staged),
        ].join("\n"),
      ),
    ],
    versions: { "aws-ofi-nccl": "${AWS_OFI_NCCL_VERSION}" },
  });
}
