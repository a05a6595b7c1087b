/**
 * gpu-host: the stage library's networking stack built on a GPU host itself with the host script
 * (`stagewright render gpu-host --format script`), from a mirror directory, with the aligned
 * recipe's versions where they build with CUDA 13: GDRCopy (user library), libfabric (from its git
 * tag: a mirror made from git cannot reproduce the release tarball), UCX, NIXL with its Python
 * wheel (meson-python; no uv, no Rust), aws-ofi-nccl, and the runtime stage's loader setup and
 * linkage assertions. NCCL v2.23.4-1 does not build with CUDA 13 (rule nccl-cuda-13), so there is
 * no NCCL stage. docs/build-truth.md says what a run proves.
 *
 *   npx tsx recipes/gpu-host.ts --out DIR     # Dockerfile.gpu-host, host-gpu-host.sh, ...
 *   scripts/gpu-host-run.sh MIRROR_DIR        # the whole run on a GPU host without network
 */
import { recipe, withTestScript } from "../src/index.ts";
import { runRecipeMain } from "../src/main.ts";
import { awsOfiNccl, gdrcopy, hostBase, libfabric, nixl, nixlImageTestScript, nixlWheel, runtime, ucx } from "../stages/index.ts";

/** The stages of the gpu-host recipe, before the final stage is chosen. */
export function gpuHostStages() {
  const base = hostBase({ cuda: "13.0" });
  const gdr = gdrcopy(base, { version: "v2.4.1" });
  const fabric = libfabric(base, { version: "v2.3.0", prefix: "/usr/local", gdrcopy: gdr.provides.gdrcopy, source: "git" });
  // Not the aligned /usr: the host's own UCX lives under /usr/lib/x86_64-linux-gnu, and its /usr stays the distribution's.
  const ucxBuild = ucx(base, { version: "v1.19.0", prefix: "/usr/local/ucx", gdrcopy: gdr.provides.gdrcopy, java: false });
  const nixlBuild = nixl(base, {
    version: "0.7.1",
    libfabric: fabric.provides.libfabric,
    ucx: ucxBuild.provides.ucx,
    rust: false,
    tests: false,
    nixlbench: false,
    wheel: false,
  });
  // The wheel builds in its own stage (meson-python, no uv), in parallel with nixl.
  const wheel = nixlWheel(base, { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: ucxBuild.provides.ucx });
  const ofi = awsOfiNccl(base, { version: "v1.12.1-aws", libfabric: fabric.provides.libfabric });
  return { base, gdr, fabric, ucxBuild, nixlBuild, wheel, ofi };
}

/** Options of {@link gpuHostRecipe}. */
export interface GpuHostOptions {
  /**
   * Purge the distribution packages that ship a second libfabric.so.1 / libucp.so.0 before the
   * loader setup. Default true; false leaves them, and the linkage assertions must catch them.
   */
  readonly removeSystemCopies: boolean;
}

/**
 * The gpu-host recipe.
 *
 * @example
 * process.stdout.write(renderHostScript(gpuHostRecipe()))
 */
export function gpuHostRecipe(options: GpuHostOptions = { removeSystemCopies: true }) {
  const s = gpuHostStages();
  const artifacts = [
    s.fabric.provides.libfabric,
    s.gdr.provides.gdrcopy,
    s.ucxBuild.provides.ucx,
    s.nixlBuild.provides.nixl,
    s.wheel.provides.nixlWheel,
    s.ofi.provides.awsOfiNccl,
  ] as const;
  // checkResolution: ldd of every runtime file must resolve on the host too (driver libraries skipped), so a run there
  // shows the resolution check against a real CUDA install (docs/build-truth.md).
  const final = runtime(s.base, artifacts, { installWheel: "unzip", torch: "provided", removeSystemCopies: options.removeSystemCopies, omitEnv: ["NIXL_PLUGIN_DIR"], checkWheelPlugins: true, checkResolution: true });
  // The in-image test script, run on the host after the runtime stage (scripts/gpu-host-run.sh): its checks then run for real.
  return withTestScript(recipe(options.removeSystemCopies ? "gpu-host" : "gpu-host-system-copies", [s.base, s.gdr, s.fabric, s.ucxBuild, s.nixlBuild, s.wheel, s.ofi, final], {
    description: options.removeSystemCopies
      ? "GDRCopy, libfabric, UCX, NIXL (wheel), aws-ofi-nccl built on a CUDA 13 GPU host from a mirror; one copy of each library"
      : "gpu-host with the distribution's libfabric and UCX left in the loader cache (the assertions must catch them)",
    notes: ["no NCCL: v2.23.4-1 does not build with CUDA 13 (rule nccl-cuda-13)", "no nixlbench, no Rust bindings: the host has no gflags and no Rust"],
  }), nixlImageTestScript);
}

/** The default recipe of this module, as the stagewright CLI loads it. */
export default (): ReturnType<typeof gpuHostRecipe> => gpuHostRecipe();

runRecipeMain(import.meta.url, () => gpuHostRecipe());
