/**
 * ucx: UCX from git at a pinned tag and commit, with verbs, EFA, CUDA, GDRCopy, multi-threaded.
 * Facts: the exact 0.7.1 flags of https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile;
 * `--with-efa` is an on/off switch using rdma-core's efadv.h and libefa
 * (https://github.com/openucx/ucx/blob/v1.19.0/src/uct/ib/efa/configure.m4).
 */
import {
  SOURCE_MIRROR,
  compileStep,
  configureMake,
  custom,
  defineComponent,
  fetchedSource,
  MAKE_J,
  lines,
  git,
  heldArtifact,
  option,
  sh,
  type AnyArtifact,
  type ComponentSpec,
  type OptionsOf,
  type Script,
} from "../../src/index.ts";
import { NPROC, commitArg, stagedDir } from "../shared.ts";
import { UCX_AARCH64_FLAGS } from "../platforms.ts";

/** The UCX component, declared once. */
export const UCX_SPEC = {
  name: "ucx",
  options: {
    version: option.version({ doc: 'git tag, e.g. "v1.19.0"', required: true }),
    prefix: option.path({ doc: 'install prefix (UCX_PREFIX). Default "/usr", as the official image' }),
    gdrcopy: option.artifact("gdrcopy", { doc: "the GDRCopy to build the gdr_copy transport against (none: --without-gdrcopy, as the official image from NIXL v1.0.1)" }),
    configure: option.oneOf(["configure", "release-mt"], {
      doc: 'configure (the official image to NIXL 0.8.0, with --enable-mt) or release-mt (contrib/configure-release-mt: release defaults, multi-threaded; the official image from 0.9.0). Default "configure"',
      default: "configure",
    }),
    java: option.boolean({
      doc: "false passes --without-java: UCX's make builds the Java bindings whenever a JDK and Maven are present, and Maven then downloads plugins (fails without network). Default true: UCX's own detection, as the official flags",
      default: true,
    }),
  },
  version: { option: "version", arg: "UCX_VERSION", doc: "UCX git tag", form: { expected: "a UCX release tag with its v", example: "v1.19.0", shapes: [{ shape: "v<N>.<N>.<N>[-rc<N>]" }], source: "https://github.com/openucx/ucx/tags" } },
  prefix: { option: "prefix", arg: "UCX_PREFIX", doc: "UCX install prefix", default: "/usr" },
  artifacts: { ucx: { kind: "ucx", delivery: "staged", version: "own" } },
} as const satisfies ComponentSpec;

/** Options of {@link ucx}. */
export type UcxOptions = OptionsOf<typeof UCX_SPEC.options>;

/**
 * UCX configure flags (official 0.7.1 set, plus UCX_AARCH64_FLAGS; the CUDA and GDRCopy paths come from their artifacts).
 *
 * @example
 * ucxConfigureFlags(cudaArtifact, gdr.provides.gdrcopy)
 */
export function ucxConfigureFlags(cuda: AnyArtifact, gdrcopy: AnyArtifact | undefined, script: "configure" | "release-mt" = "configure", opts: { readonly java?: boolean } = {}): (string | Script)[] {
  const flags = [
    '--prefix="${UCX_PREFIX}"', "--enable-shared", "--disable-static", "--disable-doxygen-doc", "--enable-optimizations",
    "--enable-cma", "--enable-devel-headers", sh`--with-cuda=${cuda}`, "--with-verbs", "--with-dm",
    gdrcopy === undefined ? "--without-gdrcopy" : sh`--with-gdrcopy="${gdrcopy}"`, "--with-efa",
    // configure-release-mt passes --enable-mt itself
    ...(script === "release-mt" ? [] : ["--enable-mt"]),
    ...(opts.java === false ? ["--without-java"] : []),
    // Not the build machine's -mcpu/-march on aarch64 (a no-op on x86_64): one Dockerfile, portable on both.
    ...UCX_AARCH64_FLAGS.flags,
  ];
  return flags;
}

/**
 * The UCX stage.
 *
 * @example
 * const ucxBuild = ucx(sys, { version: "v1.19.0", gdrcopy: gdr.provides.gdrcopy })
 */
export const ucx = defineComponent(UCX_SPEC, (c) => {
  const UCX_COMMIT = commitArg("UCX_COMMIT", c.versionArg!, (v) => `ucx-${v.replace(/^v/, "")}`);
  const staged = stagedDir("ucx");
  const src = fetchedSource(git({ repo: "https://github.com/openucx/ucx.git", dir: "ucx", ref: c.versionArg!, commit: UCX_COMMIT }));
  return {
    description: "UCX with verbs, EFA, CUDA and GDRCopy, multi-threaded",
    args: [UCX_COMMIT, SOURCE_MIRROR, NPROC],
    details: {
      ucx: {
        layout: { lib: ["lib"], include: ["include"], bin: ["bin"], pkgconfig: ["lib/pkgconfig"], plugins: ["lib/ucx"] },
        runtimeFiles: ["lib/libucp.so.0", "lib/libucs.so.0", "lib/libuct.so.0", "bin/ucx_info"],
        runtimePaths: ["lib", "bin"], delivery: { type: "staged", dir: staged }, ldconfig: true, sonames: ["libucp.so.0"],
        // libucs uses libnuma (libnuma-dev is a build dependency); rdma-core comes with the image's one origin.
        runtimePackages: ["libnuma1"],
      },
    },
    // The clone runs before GDRCopy is copied in: a GDRCopy bump re-runs the build, not the clone.
    stepsBeforeNeeds: 1,
    steps: [
      src.fetch,
      compileStep({
        source: src.source,
        build: c.options["configure"] === "release-mt"
          ? custom(
              ["./autogen.sh", lines(["./contrib/configure-release-mt \\\n    ", lines(ucxConfigureFlags(heldArtifact(c.from, "cuda"), c.options["gdrcopy"] as AnyArtifact | undefined, "release-mt", { java: c.options["java"] === true }), " \\\n    ")], ""), MAKE_J],
              (staged) => `${MAKE_J} DESTDIR=${staged} install-strip`,
            )
          : configureMake({
              autogen: true,
              flags: ucxConfigureFlags(heldArtifact(c.from, "cuda"), c.options["gdrcopy"] as AnyArtifact | undefined, "configure", { java: c.options["java"] === true }),
              installTarget: "install-strip",
              parallelInstall: true,
            }),
        staged,
        after: ['"${UCX_PREFIX}/bin/ucx_info" -v'],
      }),
    ],
    versions: { ucx: "${UCX_VERSION}" },
  };
});
