/**
 * nixl-official: the official NIXL image's choices at tag 0.7.1, written with stagewright's stages
 * (contrib/Dockerfile, meson.build and src/plugins/ of https://github.com/ai-dynamo/nixl at tag 0.7.1). The layout is multi-stage; the choices are the
 * official ones: cuda-dl-base 25.03-cuda12.8, UCX v1.19.0 in /usr, libfabric v2.3.0 in /usr/local,
 * GDRCopy expected from the base image, NIXL 0.7.1 as a debug build (meson's default at 0.7.x) in
 * /usr/local/nixl, Rust 1.86.0, the venv in /workspace/.venv, no EFA installer and no NCCL.
 * Where stagewright cannot express the official step as written, the stage's choice is used and
 * docs/comparison.md says so (pinned etcd-cpp-apiv3/gusli commits, no --disable-rstream).
 *
 *   npx tsx recipes/official.ts > Dockerfile
 */
import { recipe, withTestScript } from "../src/index.ts";
import { runRecipeMain } from "../src/main.ts";
import { awsSdkCpp, cudaDlBase, doca, etcdCppApi, gusli, libfabric, nixl, nixlImageTestScript, platformProblems, platformsFor, BOTH_PLATFORMS, preinstalled, runtime, ucx, uvStage } from "../stages/index.ts";

/**
 * The official 0.7.1 choices as a recipe.
 *
 * @example
 * officialRecipe().render()
 */
export function officialRecipe() {
  const uv = uvStage();
  const base = cudaDlBase(uv, { tag: "25.03-cuda12.8-devel-ubuntu24.04" });
  const dc = doca(base, {});
  // §3: "GDRCopy is expected under /usr/local from the base image (not built here)".
  const gdr = preinstalled(dc, { name: "base-gdrcopy", kind: "gdrcopy", prefix: "/usr/local", version: "from the base image", file: "include/gdrapi.h", layout: { lib: ["lib"], include: ["include"] } });
  const fabric = libfabric(gdr, { version: "v2.3.0", prefix: "/usr/local", gdrcopy: gdr.provides.gdrcopy });
  const ucxBuild = ucx(gdr, { version: "v1.19.0", gdrcopy: gdr.provides.gdrcopy });
  const etcd = etcdCppApi(gdr, {});
  const sdk = awsSdkCpp(gdr, {});
  const gus = gusli(gdr, {});
  const nixlBuild = nixl(gdr, {
    version: "0.7.1",
    buildType: "debug",
    libfabric: fabric.provides.libfabric,
    ucx: ucxBuild.provides.ucx,
    etcd: etcd.provides.etcd,
    awsSdk: sdk.provides.awsSdk,
    gusli: gus.provides.gusli,
  });
  const final = runtime(gdr, [
    fabric.provides.libfabric,
    ucxBuild.provides.ucx,
    etcd.provides.etcd,
    sdk.provides.awsSdk,
    gus.provides.gusli,
    nixlBuild.provides.nixl,
    nixlBuild.provides.nixlWheel,
    nixlBuild.provides.nixlbench,
  ]);
  const stages = [uv, base, dc, gdr, fabric, ucxBuild, etcd, sdk, gus, nixlBuild, final] as const;
  return withTestScript(
    recipe("nixl-official", stages, {
      // contrib/build-container.sh at 0.7.1 builds the same Dockerfile with --platform linux/$(uname -m).
      platforms: platformsFor(stages, BOTH_PLATFORMS),
      platformRules: platformProblems,
      description: "the official NIXL 0.7.1 image's choices (contrib/Dockerfile at tag 0.7.1), written with stagewright's stages",
      notes: [
        "the official Dockerfile clones etcd-cpp-apiv3 and gusli at an unpinned HEAD and installs torch unpinned; written with stagewright's stages, they are pinned by commit and torch is left out (not needed by NIXL)",
        "the official libfabric step runs ./autogen.sh on the release tarball and passes --disable-rstream (a provider gone since v1.20.0); the stage does neither",
        "the official image is one stage that keeps its source and build trees; here each component is a stage and the final image holds only the declared runtime files",
      ],
    }),
    nixlImageTestScript,
  );
}

/** The default recipe of this module, as the stagewright CLI loads it. */
export default (): ReturnType<typeof officialRecipe> => officialRecipe();

runRecipeMain(import.meta.url, () => officialRecipe());
