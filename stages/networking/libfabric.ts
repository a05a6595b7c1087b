/**
 * libfabric: built from the release tarball with EFA, CUDA and GDRCopy (both dlopen'd), as the
 * official NIXL image configures it. Facts: shared/reference/nixl-official-image.md §3,
 * aws-efa-stack.md §2.
 *
 * Differences from the official 0.7.1 step, on purpose: no `./autogen.sh` (the release tarball ships
 * configure) and no `--disable-rstream` (the provider is gone since v1.20.0, so the flag only
 * printed an unrecognized-option warning).
 */
import {
  artifact,
  componentArgs,
  buildNeeds,
  checkOptions,
  defineStage,
  downloadScript,
  pathIn,
  SOURCE_MIRROR,
  type AnyStage,
  type Artifact,
  type KnownOptions,
  type NeedOf,
  type OptionLiteralChecks,
} from "../../src/index.ts";
import { MAKE_J, compile, publishStaged } from "../build-steps.ts";
import { NPROC, sha256Arg, stagedDir } from "../shared.ts";

/** Options of {@link libfabric}. */
export interface LibfabricOptions<V extends string = string, P extends string = string> {
  /** Release tag with its v, e.g. "v2.3.0". */
  readonly version: V;
  /** Install prefix (LIBFABRIC_INSTALL_PATH). Default "/usr/local". */
  readonly prefix?: P;
  /** Build the EFA provider (needs rdma-core headers). Default true. */
  readonly efa?: boolean;
  /** CUDA HMEM support, dlopen'd at run time. Default true. */
  readonly cuda?: boolean;
  /** GDRCopy support (dlopen'd), from this artifact's headers. */
  readonly gdrcopy?: Artifact<"gdrcopy">;
}

/**
 * The configure flags for the chosen features; `gdrcopyPrefix` as instructions write it.
 *
 * @example
 * libfabricConfigureFlags({ efa: true, cuda: true, gdrcopyPrefix: "${GDRCOPY_PREFIX}" })
 */
export function libfabricConfigureFlags(o: { efa: boolean; cuda: boolean; gdrcopyPrefix: string | undefined }): string[] {
  return [
    '--prefix="${LIBFABRIC_INSTALL_PATH}"',
    "--disable-verbs",
    "--disable-psm3",
    "--disable-opx",
    "--disable-usnic",
    o.efa ? "--enable-efa" : "--disable-efa",
    ...(o.cuda ? ["--with-cuda=/usr/local/cuda", "--enable-cuda-dlopen"] : []),
    ...(o.cuda && o.gdrcopyPrefix !== undefined ? [`--with-gdrcopy="${o.gdrcopyPrefix}"`, "--enable-gdrcopy-dlopen"] : []),
  ];
}

/**
 * The libfabric stage; its artifact is the one every consumer (NIXL, aws-ofi-nccl) builds against.
 *
 * @example
 * const fabric = libfabric(sys, { version: "v2.3.0", prefix: "/usr/local", gdrcopy: gdr.provides.gdrcopy })
 */
export function libfabric<const F extends AnyStage, const O extends LibfabricOptions>(
  from: F,
  options: O & KnownOptions<O, LibfabricOptions, "libfabric"> & OptionLiteralChecks<O>,
) {
  type V = O["version"];
  checkOptions("libfabric", options, ["version", "prefix", "efa", "cuda", "gdrcopy"]);
  const { version: LIBFABRIC_VERSION, prefix: LIBFABRIC_INSTALL_PATH, prefixValue: prefix } = componentArgs(options, "/usr/local", {
    version: ["LIBFABRIC_VERSION", "libfabric release tag (with its v)"],
    prefix: ["LIBFABRIC_INSTALL_PATH", "libfabric install prefix; every consumer builds and loads from here"],
  });
  const LIBFABRIC_SHA256 = sha256Arg("LIBFABRIC_SHA256", LIBFABRIC_VERSION, (v) => `libfabric-${v.replace(/^v/, "")}`, "libfabric release tarball");
  const staged = stagedDir("libfabric");
  const gdr = options.gdrcopy;
  const flags = libfabricConfigureFlags({ efa: options.efa ?? true, cuda: options.cuda ?? true, gdrcopyPrefix: gdr === undefined ? undefined : pathIn(gdr, "") });
  return defineStage({
    name: "libfabric",
    description: "libfabric from the release tarball: EFA provider, CUDA and GDRCopy dlopen'd",
    from,
    args: [LIBFABRIC_VERSION, LIBFABRIC_INSTALL_PATH, LIBFABRIC_SHA256, SOURCE_MIRROR, NPROC],
    needs: buildNeeds(options.gdrcopy) as unknown as NeedOf<O["gdrcopy"]>[],
    provides: {
      libfabric: artifact({
        kind: "libfabric", producer: "libfabric", version: options.version as V, prefix, prefixArg: LIBFABRIC_INSTALL_PATH, versionArg: LIBFABRIC_VERSION,
        layout: { lib: ["lib"], include: ["include"], bin: ["bin"], pkgconfig: ["lib/pkgconfig"], plugins: ["lib/libfabric"] },
        runtimeFiles: ["lib/libfabric.so.1", "bin/fi_info"], runtimePaths: ["lib", "bin"],
        delivery: { type: "staged", dir: staged }, ldconfig: true, facts: { distribution: "upstream" }, sonames: ["libfabric.so.1"],
      }),
    },
    steps: [
      compile(
        [
          "mkdir -p /usr/local/src/libfabric",
          "cd /usr/local/src/libfabric",
          downloadScript("https://github.com/ofiwg/libfabric/releases/download/${LIBFABRIC_VERSION}/libfabric-${LIBFABRIC_VERSION#v}.tar.bz2", "libfabric.tar.bz2", "LIBFABRIC_SHA256"),
          "tar -xjf libfabric.tar.bz2 --strip-components=1",
          `./configure \\\n    ${flags.join(" \\\n    ")}`,
          MAKE_J,
          `make DESTDIR=${staged} install`,
          publishStaged(staged),
          '"${LIBFABRIC_INSTALL_PATH}/bin/fi_info" --version',
        ].join("\n"),
      ),
    ],
    versions: { libfabric: "${LIBFABRIC_VERSION}" },
  });
}
