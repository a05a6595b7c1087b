/**
 * nixl-production: the earlier production approach. NGC PyTorch 25.06 base; the EFA installer's
 * libfabric in /opt/amazon/efa as THE libfabric (and its aws-ofi-nccl); NIXL built against it
 * into /opt/nvidia/nvda_nixl (meson's default prefix); the base image's HPC-X UCX; GDRCopy; NCCL.
 *
 * As specified it used NIXL 0.6.0, which has no `-Dlibfabric_path` option (0.6.1 is the first):
 * stagewright refuses that combination (rule nixl-libfabric-option; test/recipes.test.ts). This
 * recipe uses the nearest valid version, 0.6.1, whose LIBFABRIC plugin accepts EFA installer
 * >= 1.43.2 (1.43.3 here). docs/comparison.md shows the difference.
 *
 *   npx tsx recipes/production.ts > Dockerfile
 */
import { recipe, withTestScript } from "../src/index.ts";
import { runRecipeMain } from "../src/main.ts";
import { cudaDlBase, efaDrivers, etcdCppApi, gdrcopy, nccl, nixl, nixlImageTestScript, preinstalled, runtime, uvStage } from "../stages/index.ts";

/** The NIXL version the production approach was specified with, and the one this recipe uses. */
export const PRODUCTION_NIXL_SPECIFIED = "0.6.0";
export const PRODUCTION_NIXL = "0.6.1";

/**
 * The stages of the production approach with a given NIXL version (the spec's 0.6.0 is refused).
 *
 * @example
 * productionStages("0.6.1")
 */
export function productionStages(nixlVersion: string) {
  const uv = uvStage();
  // NGC PyTorch images need their HPC-X for torch (https://github.com/aws-samples/awsome-distributed-training), so its UCX stays.
  const base = cudaDlBase(uv, { image: "nvcr.io/nvidia/pytorch", tag: "25.06-py3", cuda: "12.9", removeHpcxUcx: false });
  const hpcxUcx = preinstalled(base, { name: "hpcx-ucx", kind: "ucx", prefix: "/opt/hpcx/ucx", version: "HPC-X from nvcr.io/nvidia/pytorch:25.06-py3", file: "lib/libucp.so.0", sonames: ["libucp.so.0"] });
  const efa = efaDrivers(hpcxUcx, { version: "1.43.3", libfabric: "provide" });
  const gdr = gdrcopy(efa, { version: "v2.4.1" });
  const etcd = etcdCppApi(efa, {});
  // meson's defaults: prefix /opt/nvidia/nvda_nixl and, up to 0.7.x, a debug build.
  const nixlBuild = nixl(efa, {
    version: nixlVersion,
    prefix: "/opt/nvidia/nvda_nixl",
    buildType: "debug",
    libfabric: efa.provides.libfabric,
    ucx: hpcxUcx.provides.ucx,
    etcd: etcd.provides.etcd,
  });
  const ncclBuild = nccl(efa, { version: "v2.23.4-1" });
  const final = runtime(efa, [gdr.provides.gdrcopy, etcd.provides.etcd, nixlBuild.provides.nixl, nixlBuild.provides.nixlWheel, nixlBuild.provides.nixlbench, ncclBuild.provides.nccl]);
  return [uv, base, hpcxUcx, efa, gdr, etcd, nixlBuild, ncclBuild, final] as const;
}

/**
 * The production approach as a recipe, with the nearest valid NIXL version.
 *
 * @example
 * productionRecipe().render()
 */
export function productionRecipe() {
  return withTestScript(
    recipe("nixl-production", productionStages(PRODUCTION_NIXL), {
      description: `the earlier production approach: NGC PyTorch base, the EFA installer's libfabric in /opt/amazon/efa, NIXL ${PRODUCTION_NIXL} (specified: ${PRODUCTION_NIXL_SPECIFIED}, which has no libfabric_path) in /opt/nvidia/nvda_nixl`,
      notes: [
        `specified with NIXL ${PRODUCTION_NIXL_SPECIFIED}, which has no -Dlibfabric_path option and no LIBFABRIC plugin (rule nixl-libfabric-option, https://github.com/ai-dynamo/nixl/pull/784); the recipe uses ${PRODUCTION_NIXL}, the first version with both, whose plugin accepts EFA installer >= 1.43.2`,
        "the EFA installer's aws-ofi-nccl is used as installed (building a second one would put two aws-ofi-nccl in the image: rule 4)",
        "the NGC PyTorch base keeps its HPC-X (torch needs it), so NIXL's UCX plugin is built against HPC-X's UCX in /opt/hpcx/ucx; its version is the base image's, not pinned by the recipe",
      ],
    }),
    nixlImageTestScript,
  );
}

/** The default recipe of this module, as the stagewright CLI loads it. */
export default (): ReturnType<typeof productionRecipe> => productionRecipe();

runRecipeMain(import.meta.url, () => productionRecipe());
