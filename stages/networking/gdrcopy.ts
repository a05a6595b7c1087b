/**
 * gdrcopy: the GDRCopy user-space library (libgdrapi) only; the gdrdrv kernel module lives on the host.
 * Facts: shared/reference/aws-efa-stack.md §4: from v2.2 the Makefile uses lowercase `prefix` and
 * installs to `$(prefix)/lib` (not lib64); `make PREFIX=` is silently ignored. Target `lib_install`
 * installs libgdrapi.so.2.x, .so.2, .so and the headers.
 */
import {
  artifact,
  checkOptions,
  componentArgs,
  defineStage,
  downloadScript,
  SOURCE_MIRROR,
  type AnyStage,
  type KnownOptions,
  type OptionLiteralChecks,
} from "../../src/index.ts";
import { MAKE_J, compile, publishStaged } from "../build-steps.ts";
import { NPROC, sha256Arg, stagedDir } from "../shared.ts";

/** Options of {@link gdrcopy}. */
export interface GdrcopyOptions<V extends string = string, P extends string = string> {
  /** Release tag, e.g. "v2.4.1". */
  readonly version: V;
  /** Install prefix. Default "/usr/local". */
  readonly prefix?: P;
}

/**
 * The GDRCopy stage.
 *
 * @example
 * const gdr = gdrcopy(sys, { version: "v2.4.1" })
 */
export function gdrcopy<const F extends AnyStage, const O extends GdrcopyOptions>(
  from: F,
  options: O & KnownOptions<O, GdrcopyOptions, "gdrcopy"> & OptionLiteralChecks<O>,
) {
  type V = O["version"];
  checkOptions("gdrcopy", options, ["version", "prefix"]);
  const { version: GDRCOPY_VERSION, prefix: GDRCOPY_PREFIX, prefixValue: prefix } = componentArgs(options, "/usr/local", {
    version: ["GDRCOPY_VERSION", "GDRCopy release tag"],
    prefix: ["GDRCOPY_PREFIX", "GDRCopy install prefix (lowercase prefix= in its Makefile)"],
  });
  const GDRCOPY_SHA256 = sha256Arg("GDRCOPY_SHA256", GDRCOPY_VERSION, (v) => `gdrcopy-${v.replace(/^v/, "")}`, "GDRCopy tag archive");
  const staged = stagedDir("gdrcopy");
  return defineStage({
    name: "gdrcopy",
    description: "GDRCopy user-space library (libgdrapi); the gdrdrv module comes from the host",
    from,
    args: [GDRCOPY_VERSION, GDRCOPY_PREFIX, GDRCOPY_SHA256, SOURCE_MIRROR, NPROC],
    provides: {
      gdrcopy: artifact({
        kind: "gdrcopy", producer: "gdrcopy", version: options.version as V, prefix, prefixArg: GDRCOPY_PREFIX, versionArg: GDRCOPY_VERSION,
        layout: { lib: ["lib"], include: ["include"] },
        // libfabric dlopens the unversioned libgdrapi.so (aws-efa-stack.md P7), so it is a runtime file.
        runtimeFiles: ["lib/libgdrapi.so.2", "lib/libgdrapi.so"], runtimePaths: ["lib"],
        delivery: { type: "staged", dir: staged }, ldconfig: true,
      }),
    },
    steps: [
      compile(
        [
          "mkdir -p /usr/local/src/gdrcopy",
          "cd /usr/local/src/gdrcopy",
          downloadScript("https://github.com/NVIDIA/gdrcopy/archive/refs/tags/${GDRCOPY_VERSION}.tar.gz", "gdrcopy.tar.gz", "GDRCOPY_SHA256"),
          "tar -xzf gdrcopy.tar.gz --strip-components=1",
          `${MAKE_J} prefix="\${GDRCOPY_PREFIX}" lib`,
          `make prefix="\${GDRCOPY_PREFIX}" DESTDIR=${staged} lib_install`,
          `test -e "${staged}\${GDRCOPY_PREFIX}/lib/libgdrapi.so"`,
          publishStaged(staged),
        ].join("\n"),
      ),
    ],
    versions: { gdrcopy: "${GDRCOPY_VERSION}" },
  });
}
