/**
 * ucx: UCX from git at a pinned tag and commit, with verbs, EFA, CUDA, GDRCopy, multi-threaded.
 * Facts: shared/reference/nixl-official-image.md §2 step 7 and §3 (exact 0.7.1 flags);
 * aws-efa-stack.md §5 (`--with-efa` is an on/off switch using rdma-core).
 */
import {
  artifact,
  componentArgs,
  buildNeeds,
  checkOptions,
  defineStage,
  gitCheckoutScript,
  pathIn,
  SOURCE_MIRROR,
  type AnyStage,
  type Artifact,
  type KnownOptions,
  type NeedOf,
  type OptionLiteralChecks,
} from "../../src/index.ts";
import { MAKE_J, compile, publishStaged } from "../build-steps.ts";
import { NPROC, commitArg, stagedDir } from "../shared.ts";

/** Options of {@link ucx}. */
export interface UcxOptions<V extends string = string, P extends string = string> {
  /** Git tag, e.g. "v1.19.0". */
  readonly version: V;
  /** Install prefix (UCX_PREFIX). Default "/usr", as the official image. */
  readonly prefix?: P;
  /** The GDRCopy to build the gdr_copy transport against. */
  readonly gdrcopy?: Artifact<"gdrcopy">;
}

/**
 * UCX configure flags (official 0.7.1 set; the GDRCopy path comes from the artifact).
 *
 * @example
 * ucxConfigureFlags("${GDRCOPY_PREFIX}")
 */
export function ucxConfigureFlags(gdrcopyPrefix: string | undefined): string[] {
  return [
    '--prefix="${UCX_PREFIX}"', "--enable-shared", "--disable-static", "--disable-doxygen-doc", "--enable-optimizations",
    "--enable-cma", "--enable-devel-headers", "--with-cuda=/usr/local/cuda", "--with-verbs", "--with-dm",
    gdrcopyPrefix === undefined ? "--without-gdrcopy" : `--with-gdrcopy="${gdrcopyPrefix}"`, "--with-efa", "--enable-mt",
  ];
}

/**
 * The UCX stage.
 *
 * @example
 * const ucxBuild = ucx(sys, { version: "v1.19.0", gdrcopy: gdr.provides.gdrcopy })
 */
export function ucx<const F extends AnyStage, const O extends UcxOptions>(
  from: F,
  options: O & KnownOptions<O, UcxOptions, "ucx"> & OptionLiteralChecks<O>,
) {
  type V = O["version"];
  checkOptions("ucx", options, ["version", "prefix", "gdrcopy"]);
  const { version: UCX_VERSION, prefix: UCX_PREFIX, prefixValue: prefix } = componentArgs(options, "/usr", {
    version: ["UCX_VERSION", "UCX git tag"],
    prefix: ["UCX_PREFIX", "UCX install prefix"],
  });
  const UCX_COMMIT = commitArg("UCX_COMMIT", UCX_VERSION, (v) => `ucx-${v.replace(/^v/, "")}`);
  const staged = stagedDir("ucx");
  const gdr = options.gdrcopy;
  return defineStage({
    name: "ucx",
    description: "UCX with verbs, EFA, CUDA and GDRCopy, multi-threaded",
    from,
    args: [UCX_VERSION, UCX_PREFIX, UCX_COMMIT, SOURCE_MIRROR, NPROC],
    needs: buildNeeds(options.gdrcopy) as unknown as NeedOf<O["gdrcopy"]>[],
    provides: {
      ucx: artifact({
        kind: "ucx", producer: "ucx", version: options.version as V, prefix, prefixArg: UCX_PREFIX, versionArg: UCX_VERSION,
        layout: { lib: ["lib"], include: ["include"], bin: ["bin"], pkgconfig: ["lib/pkgconfig"], plugins: ["lib/ucx"] },
        runtimeFiles: ["lib/libucp.so.0", "lib/libucs.so.0", "lib/libuct.so.0", "bin/ucx_info"],
        runtimePaths: ["lib", "bin"], delivery: { type: "staged", dir: staged }, ldconfig: true, sonames: ["libucp.so.0"],
      }),
    },
    steps: [
      compile(
        [
          "cd /usr/local/src",
          gitCheckoutScript("https://github.com/openucx/ucx.git", "ucx", "UCX_VERSION", "UCX_COMMIT"),
          "cd ucx",
          "./autogen.sh",
          `./configure \\\n    ${ucxConfigureFlags(gdr === undefined ? undefined : pathIn(gdr, "")).join(" \\\n    ")}`,
          MAKE_J,
          `${MAKE_J} DESTDIR=${staged} install-strip`,
          publishStaged(staged),
          '"${UCX_PREFIX}/bin/ucx_info" -v',
        ].join("\n"),
      ),
    ],
    versions: { ucx: "${UCX_VERSION}" },
  });
}
