/**
 * libfabric: built from the release tarball with EFA, CUDA and GDRCopy (both dlopen'd), as the
 * official NIXL image configures it (https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile); the release
 * assets keep the v in the tag and drop it in the file name (https://github.com/ofiwg/libfabric/releases/tag/v2.3.0).
 *
 * Differences from the official 0.7.1 step, on purpose: no `./autogen.sh` (the release tarball ships
 * configure) and no `--disable-rstream` (the provider is gone since v1.20.0, so the flag only
 * printed an unrecognized-option warning: prov/rstream is in
 * https://github.com/ofiwg/libfabric/tree/v1.20.0/prov, not in v1.21.0's or v2.3.0's tree).
 */
import {
  SOURCE_MIRROR,
  compileStep,
  configureMake,
  defineComponent,
  fetchedSource,
  heldArtifact,
  option,
  sh,
  tarball,
  git,
  type AnyArtifact,
  type ComponentSpec,
  type OptionsOf,
  type Script,
} from "../../src/index.ts";
import { NPROC, commitArg, sha256Arg, stagedDir } from "../shared.ts";

/** The libfabric component, declared once. */
export const LIBFABRIC_SPEC = {
  name: "libfabric",
  options: {
    version: option.version({ doc: 'release tag with its v, e.g. "v2.3.0"', required: true }),
    prefix: option.path({ doc: 'install prefix (LIBFABRIC_INSTALL_PATH). Default "/usr/local"' }),
    efa: option.boolean({ doc: "build the EFA provider (needs rdma-core headers)", default: true }),
    cuda: option.boolean({ doc: "CUDA HMEM support, dlopen'd at run time", default: true }),
    gdrcopy: option.artifact("gdrcopy", { doc: "GDRCopy support (dlopen'd), from this artifact's headers" }),
    source: option.oneOf(["release", "git"], {
      doc: 'release: the release tarball, which ships configure. git: the tag from git, pinned by commit, then ./autogen.sh (needs libtool), for mirrors made from git repositories, which cannot reproduce the release tarball (made by make dist). Default "release"',
      default: "release",
    }),
  },
  version: { option: "version", arg: "LIBFABRIC_VERSION", doc: "libfabric release tag (with its v)", form: { expected: "a libfabric release tag with its v", example: "v2.3.0", shapes: [{ shape: "v<N>.<N>.<N>[rc<N>]" }], source: "https://github.com/ofiwg/libfabric/tags" } },
  prefix: { option: "prefix", arg: "LIBFABRIC_INSTALL_PATH", doc: "libfabric install prefix; every consumer builds and loads from here", default: "/usr/local" },
  artifacts: { libfabric: { kind: "libfabric", delivery: "staged", version: "own" } },
} as const satisfies ComponentSpec;

/** Options of {@link libfabric}. */
export type LibfabricOptions = OptionsOf<typeof LIBFABRIC_SPEC.options>;

/**
 * The configure flags for the chosen features; the CUDA and GDRCopy paths come from their artifacts.
 *
 * @example
 * libfabricConfigureFlags({ efa: true, cuda: cudaArtifact, gdrcopy: gdr.provides.gdrcopy })
 */
export function libfabricConfigureFlags(o: { efa: boolean; cuda: AnyArtifact | undefined; gdrcopy: AnyArtifact | undefined }): (string | Script)[] {
  return [
    '--prefix="${LIBFABRIC_INSTALL_PATH}"',
    "--disable-verbs",
    "--disable-psm3",
    "--disable-opx",
    "--disable-usnic",
    o.efa ? "--enable-efa" : "--disable-efa",
    ...(o.cuda !== undefined ? [sh`--with-cuda=${o.cuda}`, "--enable-cuda-dlopen"] : []),
    ...(o.cuda !== undefined && o.gdrcopy !== undefined ? [sh`--with-gdrcopy="${o.gdrcopy}"`, "--enable-gdrcopy-dlopen"] : []),
  ];
}

/**
 * The libfabric stage; its artifact is the one every consumer (NIXL, aws-ofi-nccl) builds against.
 *
 * @example
 * const fabric = libfabric(sys, { version: "v2.3.0", prefix: "/usr/local", gdrcopy: gdr.provides.gdrcopy })
 */
export const libfabric = defineComponent(LIBFABRIC_SPEC, (c) => {
  const lockId = (v: string) => `libfabric-${v.replace(/^v/, "")}`;
  const fromGit = c.options["source"] === "git";
  // One pin per source: the release tarball's sha256, or the tag's commit.
  const LIBFABRIC_PIN = fromGit ? commitArg("LIBFABRIC_COMMIT", c.versionArg!, lockId) : sha256Arg("LIBFABRIC_SHA256", c.versionArg!, lockId, "libfabric release tarball");
  const staged = stagedDir("libfabric");
  const o = c.options;
  const src = fetchedSource(
    fromGit
      ? git({ repo: "https://github.com/ofiwg/libfabric.git", dir: "libfabric", ref: c.versionArg!, commit: LIBFABRIC_PIN })
      : tarball({
          dir: "/usr/local/src/libfabric",
          url: "https://github.com/ofiwg/libfabric/releases/download/${LIBFABRIC_VERSION}/libfabric-${LIBFABRIC_VERSION#v}.tar.bz2",
          file: "libfabric.tar.bz2",
          sha256: LIBFABRIC_PIN,
        }),
  );
  const flags = libfabricConfigureFlags({ efa: o["efa"] === true, cuda: o["cuda"] === true ? heldArtifact(c.from, "cuda") : undefined, gdrcopy: o["gdrcopy"] as AnyArtifact | undefined });
  return {
    description: `libfabric from ${fromGit ? "its git tag (autogen.sh)" : "the release tarball"}: EFA provider, CUDA and GDRCopy dlopen'd`,
    args: [LIBFABRIC_PIN, SOURCE_MIRROR, NPROC],
    details: {
      libfabric: {
        layout: { lib: ["lib"], include: ["include"], bin: ["bin"], pkgconfig: ["lib/pkgconfig"], plugins: ["lib/libfabric"] },
        runtimeFiles: ["lib/libfabric.so.1", "bin/fi_info"], runtimePaths: ["lib", "bin"],
        delivery: { type: "staged", dir: staged }, ldconfig: true, facts: { distribution: "upstream" }, sonames: ["libfabric.so.1"],
      },
    },
    // The download runs before GDRCopy is copied in: a GDRCopy bump re-runs the build, not the download.
    stepsBeforeNeeds: 1,
    steps: [
      src.fetch,
      compileStep({
        source: src.source,
        build: configureMake({ flags, ...(fromGit ? { autogen: "a git checkout ships no configure script" } : {}) }),
        staged,
        after: ['"${LIBFABRIC_INSTALL_PATH}/bin/fi_info" --version'],
      }),
    ],
    versions: { libfabric: "${LIBFABRIC_VERSION}" },
  };
});
