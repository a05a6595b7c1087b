/**
 * gdrcopy: the GDRCopy user-space library (libgdrapi) only; the gdrdrv kernel module lives on the host.
 * Facts (https://github.com/NVIDIA/gdrcopy/blob/v2.4.1/Makefile): from v2.2 the Makefile uses lowercase `prefix` and
 * installs to `$(prefix)/lib` (not lib64); `make PREFIX=` is silently ignored. Target `lib_install`
 * installs libgdrapi.so.2.x, .so.2, .so and the headers.
 */
import { MAKE_J, SOURCE_MIRROR, compileStep, custom, defineComponent, option, tarball, type ComponentSpec, type OptionsOf } from "../../src/index.ts";
import { NPROC, sha256Arg, stagedDir } from "../shared.ts";

/** The GDRCopy component, declared once. */
export const GDRCOPY_SPEC = {
  name: "gdrcopy",
  options: {
    version: option.version({ doc: 'release tag, e.g. "v2.4.1"', required: true }),
    prefix: option.path({ doc: 'install prefix. Default "/usr/local"' }),
  },
  version: { option: "version", arg: "GDRCOPY_VERSION", doc: "GDRCopy release tag", form: { expected: "a GDRCopy release tag with its v", example: "v2.4.1", shapes: [{ shape: "v<N>.<N>[.<N>]" }], source: "https://github.com/NVIDIA/gdrcopy/tags" } },
  prefix: { option: "prefix", arg: "GDRCOPY_PREFIX", doc: "GDRCopy install prefix (lowercase prefix= in its Makefile)", default: "/usr/local" },
  artifacts: { gdrcopy: { kind: "gdrcopy", delivery: "staged", version: "own" } },
} as const satisfies ComponentSpec;

/** Options of {@link gdrcopy}. */
export type GdrcopyOptions = OptionsOf<typeof GDRCOPY_SPEC.options>;

/**
 * The GDRCopy stage.
 *
 * @example
 * const gdr = gdrcopy(sys, { version: "v2.4.1" })
 */
export const gdrcopy = defineComponent(GDRCOPY_SPEC, (c) => {
  const GDRCOPY_SHA256 = sha256Arg("GDRCOPY_SHA256", c.versionArg!, (v) => `gdrcopy-${v.replace(/^v/, "")}`, "GDRCopy tag archive");
  const staged = stagedDir("gdrcopy");
  return {
    description: "GDRCopy user-space library (libgdrapi); the gdrdrv module comes from the host",
    args: [GDRCOPY_SHA256, SOURCE_MIRROR, NPROC],
    details: {
      gdrcopy: {
        layout: { lib: ["lib"], include: ["include"] },
        // libfabric dlopens the unversioned libgdrapi.so (https://github.com/ofiwg/libfabric/blob/v2.3.0/src/hmem_cuda_gdrcopy.c), so it is a runtime file.
        runtimeFiles: ["lib/libgdrapi.so.2", "lib/libgdrapi.so"], runtimePaths: ["lib"],
        delivery: { type: "staged", dir: staged }, ldconfig: true,
      },
    },
    steps: [
      compileStep({
        source: tarball({ dir: "/usr/local/src/gdrcopy", url: "https://github.com/NVIDIA/gdrcopy/archive/refs/tags/${GDRCOPY_VERSION}.tar.gz", file: "gdrcopy.tar.gz", sha256: GDRCOPY_SHA256 }),
        build: custom([`${MAKE_J} prefix="\${GDRCOPY_PREFIX}" lib`], (dest) => `make prefix="\${GDRCOPY_PREFIX}" DESTDIR=${dest} lib_install\ntest -e "${dest}\${GDRCOPY_PREFIX}/lib/libgdrapi.so"`),
        staged,
      }),
    ],
    versions: { gdrcopy: "${GDRCOPY_VERSION}" },
  };
});
