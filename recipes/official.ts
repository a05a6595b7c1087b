/**
 * nixl-official: the official NIXL image's choices at a release tag (0.6.1 … v1.4.0; default 0.7.1),
 * written with stagewright's stages from the stage library's version table (stages/nixl-versions.ts):
 * base image, DOCA, UCX (the branch's release tag, pinned), libfabric, gRPC from apt or abseil + gRPC
 * from source, etcd/aws-sdk-cpp/gusli flags, build type, wheel method. The layout is multi-stage.
 * Where the recipe differs from the tag's contrib/Dockerfile, its notes say so (docs/comparison.md
 * shows them); test/nixl-tags.test.ts compares each tag's rendering with docs/facts/nixl-tags.yaml.
 *
 *   npx tsx recipes/official.ts > Dockerfile
 *   npx tsx recipes/official.ts v1.4.0 > Dockerfile
 */
import { recipe, withTestScript } from "../src/index.ts";
import { runRecipeMain } from "../src/main.ts";
import {
  abseil,
  awsSdkCpp,
  cudaDlBase,
  doca,
  etcdCppApi,
  grpc,
  gusli,
  libfabric,
  nixl,
  nixlImageTestScript,
  nixlOfficial,
  NIXL_ABSEIL_GRPC,
  NIXL_RELEASES,
  platformProblems,
  platformsFor,
  BOTH_PLATFORMS,
  preinstalled,
  runtime,
  ucx,
  uvStage,
  type NixlRelease,
  type NixlTag,
} from "../stages/index.ts";

/** The tags {@link officialRecipe} renders: every release the stage library knows. */
export const OFFICIAL_TAGS: readonly NixlTag[] = NIXL_RELEASES.map((r) => r.tag);

/** A release row with its version fields widened to string. */
type Versions<R> = { readonly [K in keyof R]: K extends "tag" | "base" | "ucx" | "ucxRef" | "libfabric" | "doca" | "awsSdk" | "venv" ? string : R[K] };

/** Where this recipe deliberately differs from the tag's contrib/Dockerfile, one sentence each. */
function differences(r: Versions<NixlRelease>): string[] {
  const index = (t: string) => OFFICIAL_TAGS.indexOf(t as NixlTag);
  const at = (t: string) => index(r.tag) >= index(t);
  return [
    "the official Dockerfile clones etcd-cpp-apiv3 and gusli at an unpinned HEAD and installs torch unpinned; written with stagewright's stages, they are pinned by commit and torch is not installed: the runtime installs the NIXL wheels without their dependencies plus numpy (option torch \"none\"), so import nixl, whose _api imports torch, needs the consumer's torch (a pinned, CUDA-matched torch is the option torch: \"<version>\")",
    "the official libfabric step runs ./autogen.sh on the release tarball and passes --disable-rstream (a provider gone since v1.20.0); the stage does neither",
    "the official image is one stage that keeps its source and build trees; here each component is a stage and the final image holds only the declared runtime files",
    ...(r.ucx !== r.ucxRef ? [`the official image checks out the UCX branch ${r.ucxRef} (its head at build time); the recipe pins that line's release tag ${r.ucx} by commit`] : []),
    ...(!at("0.9.0") ? ["the recipe passes -Ducx_path (the UCX artifact's prefix, the official UCX_PREFIX) and sets ENV NIXL_PLUGIN_DIR, which the official image does from 0.9.0 only; meson finds the same UCX either way"] : []),
    ...(r.venv === "/workspace/nixl/.venv" ? ["the official image keeps its venv in /workspace/nixl/.venv at this tag; the recipe's is /workspace/.venv (the layout from 0.7.1)"] : []),
    ...(r.venv === "none" ? ["the official image installs into the system Python (UV_BREAK_SYSTEM_PACKAGES, UV_PYTHON, uv pip install --system); the recipe keeps the /workspace/.venv venv and builds the NIXL package as a wheel (uv build --wheel --no-build-isolation), installed into the venv of the final image"] : []),
    ...(r.setuptools ? ["the official image upgrades setuptools to >= 80.9.0 in its Python environment; the recipe's venv pins setuptools 80.9.0"] : []),
    ...(r.metaWheel && !r.setuptools ? ["the official image gets setuptools for the nixl meta wheel only as a dependency of the unpinned torch; the recipe's venv pins setuptools 80.9.0 (rule nixl-meta-setuptools)"] : []),
    ...(r.azure ? ["the official image builds azure-sdk-for-cpp (azure-storage-blobs_12.15.0) for the AZURE_BLOB plugin; the recipe does not, so that plugin is not built"] : []),
    ...(r.ep ? ["the official image builds NIXL EP (BUILD_NIXL_EP=true: -Dbuild_nixl_ep=true -Dbuild_examples=true, UCX --enable-experimental-api, ENV PKG_CONFIG_PATH with DOCA, PYTHONPATH); the recipe does not build NIXL EP"] : []),
    ...(at("0.9.0") && !r.ep ? ["the official image sets ENV PKG_CONFIG_PATH (rdma-core, UCX, DOCA) and PYTHONPATH for NIXL EP, which it does not build by default; the recipe sets neither"] : []),
    ...(r.grpc === "source" && at("v1.2.0") ? ["the official image drops liburing-dev from apt (NIXL's liburing wrap builds it); the recipe's base keeps the apt package, which meson finds first"] : []),
  ];
}

/**
 * The official choices at a tag as a recipe.
 *
 * @example
 * officialRecipe("v1.4.0").render()
 */
export function officialRecipe(tag: NixlTag = "0.7.1") {
  // Versions as plain strings: one function renders every tag, so the rules run at generation (the
  // compile-time twins judge literal versions, which a recipe written for one tag has).
  const r: Versions<NixlRelease> = nixlOfficial(tag);
  const cxx20 = r.cxx === "20";
  const uv = uvStage();
  // setuptools from the table: NIXL's meson builds the nixl meta wheel with it from 0.7.1 (rule nixl-meta-setuptools).
  const base = cudaDlBase(uv, { tag: r.base, setuptools: r.metaWheel, ...(r.grpc === "source" ? { grpcFromApt: false } : {}) });
  const dc = doca(base, { build: r.doca });
  // GDRCopy is expected under /usr/local from the base image (not built by the official Dockerfile).
  const gdr = preinstalled(dc, { name: "base-gdrcopy", kind: "gdrcopy", prefix: "/usr/local", version: "from the base image", file: "include/gdrapi.h", layout: { lib: ["lib"], include: ["include"] } });
  const fabric = libfabric(gdr, { version: r.libfabric, prefix: "/usr/local", gdrcopy: gdr.provides.gdrcopy });
  const ucxBuild = ucx(gdr, { version: r.ucx, ...(r.ucxGdrcopy ? { gdrcopy: gdr.provides.gdrcopy } : {}), configure: r.ucxConfigure });
  const grpcStages = r.grpc === "source"
    ? (() => {
        const absl = abseil(gdr, { cxxStandard: cxx20 ? "20" : "17" });
        return { absl, grpcBuild: grpc(gdr, { abseil: absl.provides.abseil, version: NIXL_ABSEIL_GRPC.grpc, cxxStandard: cxx20 ? "20" : "17" }) };
      })()
    : undefined;
  const etcd = etcdCppApi(gdr, {
    ...(r.etcdCxx === "default" ? {} : { cxxStandard: r.etcdCxx }),
    ...(grpcStages === undefined ? {} : { grpc: grpcStages.grpcBuild.provides.grpc }),
  });
  const sdk = awsSdkCpp(gdr, { version: r.awsSdk, components: r.awsSdkOnly, ...(cxx20 ? { cxxStandard: "20" } : {}) });
  const gus = r.gusli ? gusli(gdr, { cxx20 }) : undefined;
  const nixlBuild = nixl(gdr, {
    version: r.tag,
    buildType: r.buildType,
    libfabric: fabric.provides.libfabric,
    ucx: ucxBuild.provides.ucx,
    etcd: etcd.provides.etcd,
    awsSdk: sdk.provides.awsSdk,
    ...(gus === undefined ? {} : { gusli: gus.provides.gusli }),
  });
  const final = runtime(gdr, [
    fabric.provides.libfabric,
    ucxBuild.provides.ucx,
    ...(grpcStages === undefined ? [] : [grpcStages.absl.provides.abseil, grpcStages.grpcBuild.provides.grpc]),
    etcd.provides.etcd,
    sdk.provides.awsSdk,
    ...(gus === undefined ? [] : [gus.provides.gusli]),
    nixlBuild.provides.nixl,
    nixlBuild.provides.nixlWheel,
    nixlBuild.provides.nixlbench,
  ]);
  const stages = [uv, base, dc, gdr, fabric, ucxBuild, ...(grpcStages === undefined ? [] : [grpcStages.absl, grpcStages.grpcBuild]), etcd, sdk, ...(gus === undefined ? [] : [gus]), nixlBuild, final];
  return withTestScript(
    recipe(tag === "0.7.1" ? "nixl-official" : `nixl-official-${tag}`, stages, {
      // contrib/build-container.sh at 0.7.1 builds the same Dockerfile with --platform linux/$(uname -m).
      platforms: platformsFor(stages, BOTH_PLATFORMS),
      platformRules: platformProblems,
      description: `the official NIXL ${tag} image's choices (contrib/Dockerfile at tag ${tag}), written with stagewright's stages`,
      notes: differences(r),
    }),
    nixlImageTestScript,
  );
}

/** The default recipe of this module, as the stagewright CLI loads it. */
export default (): ReturnType<typeof officialRecipe> => officialRecipe();

runRecipeMain(import.meta.url, () => officialRecipe());
