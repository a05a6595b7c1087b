/**
 * nixl-current: the NIXL + AWS EFA image on the newest line the stage library knows (NIXL v1.4.0,
 * CUDA 13 base), built the way `aligned` is (every cross-stage value through an artifact, NCCL and
 * aws-ofi-nccl against the same libfabric), with the versions that line calls for:
 * cuda-dl-base 25.10-cuda13.0, DOCA 3.3.0, UCX v1.22.0 (release-mt, no GDRCopy: the official v1.4.0
 * choices), abseil + gRPC from source, libfabric v2.5.1 (EFA GPU RDMA on aarch64/GB200: rule
 * nixl-libfabric-gb200), GDRCopy v2.5.2, NCCL v2.29.7-1 and aws-ofi-nccl v1.20.0 (tested with it).
 * Facts: docs/sources.md, "NIXL 0.6.1 … v1.4.0" and "Dependency moves"; docs/comparison.md compares it.
 *
 *   npx tsx recipes/current.ts > Dockerfile
 */
import { fail, recipe, runtimePackagesOf, withTestScript, type AnyStage } from "../src/index.ts";
import { runRecipeMain } from "../src/main.ts";
import {
  abseil,
  awsOfiNccl,
  awsSdkCpp,
  cudaDlBase,
  doca,
  etcdCppApi,
  gdrcopy,
  grpc,
  gusli,
  libfabric,
  nccl,
  nixl,
  nixlImageTestScript,
  platformProblems,
  platformsFor,
  BOTH_PLATFORMS,
  cudaRuntimeBase,
  NIXL_RUNTIME_PACKAGES,
  runtime,
  ucx,
  uvStage,
} from "../stages/index.ts";

/** NVCC_GENCODE for NCCL on the current line: A100, H100/H200 and B200/GB200 (sm_100), plus compute_100 PTX. */
export const CURRENT_NCCL_GENCODE = "-gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90,code=sm_90 -gencode=arch=compute_100,code=sm_100 -gencode=arch=compute_100,code=compute_100";

/**
 * The torch the current image installs for the NIXL wheel: 2.12.0 from the CUDA 13.0 index, whose
 * wheels bring NCCL 2.29.7, the NCCL this recipe builds (v2.29.7-1): one NCCL version in the image
 * (docs/aligned.md, rule torch-cuda).
 */
export const CURRENT_TORCH = "2.12.0";

/**
 * The stages of the current image, before the final stage.
 *
 * @example
 * currentStages().nixlBuild.provides.nixl.version // "v1.4.0"
 */
export function currentStages() {
  const uv = uvStage();
  // NIXL from v1.0.1 refuses the Abseil Ubuntu's gRPC packages bring: gRPC comes from source.
  const base = cudaDlBase(uv, { tag: "25.10-cuda13.0-devel-ubuntu24.04", grpcFromApt: false });
  const dc = doca(base, { build: "3.3.0-088000-26.01" });
  const gdr = gdrcopy(dc, { version: "v2.5.2" });
  const fabric = libfabric(dc, { version: "v2.5.1", prefix: "/usr/local", gdrcopy: gdr.provides.gdrcopy });
  const ucxBuild = ucx(dc, { version: "v1.22.0", configure: "release-mt" });
  const absl = abseil(dc, { cxxStandard: "20" });
  const grpcBuild = grpc(dc, { abseil: absl.provides.abseil, version: "v1.73.0", cxxStandard: "20" });
  const etcd = etcdCppApi(dc, { cxxStandard: "20", grpc: grpcBuild.provides.grpc });
  const sdk = awsSdkCpp(dc, { version: "1.11.760", components: "s3;s3-crt", cxxStandard: "20" });
  const gus = gusli(dc, { cxx20: true });
  const nixlBuild = nixl(dc, {
    version: "v1.4.0",
    libfabric: fabric.provides.libfabric,
    ucx: ucxBuild.provides.ucx,
    etcd: etcd.provides.etcd,
    awsSdk: sdk.provides.awsSdk,
    gusli: gus.provides.gusli,
  });
  const ncclBuild = nccl(dc, { version: "v2.29.7-1", gencode: CURRENT_NCCL_GENCODE });
  const ofi = awsOfiNccl(dc, { version: "v1.20.0", libfabric: fabric.provides.libfabric });
  return { uv, base, dc, gdr, fabric, ucxBuild, absl, grpcBuild, etcd, sdk, gus, nixlBuild, ncclBuild, ofi };
}

/** The CUDA 13.0 runtime image for the 25.10-cuda13.0 build base (https://github.com/docker/model-runner/blob/87bc051c3bce4ed8160af61fd79158e5346cfbd6/Makefile: `nvidia/cuda:13.0.2-runtime-ubuntu24.04`). */
export const CURRENT_RUNTIME_IMAGE = { image: "nvidia/cuda", tag: "13.0.2-runtime-ubuntu24.04" } as const;

/** Options of {@link currentRecipe}. */
export interface CurrentOptions {
  /** "lean" (the default): the final stage on the CUDA 13.0 runtime image; "devel": over the doca stage, for compiling at run time. */
  readonly flavour?: "lean" | "devel";
}

/**
 * The current recipe.
 *
 * @example
 * process.stdout.write(currentRecipe().render())
 */
export function currentRecipe(options: CurrentOptions = {}) {
  const flavour: unknown = options.flavour ?? "lean";
  if (flavour !== "lean" && flavour !== "devel") {
    fail("invalid-value", `currentRecipe: flavour ${JSON.stringify(flavour)} is neither "lean" nor "devel"; use "lean" (a CUDA runtime image, the default) or "devel" (over the doca stage, for compiling at run time)`, { option: "flavour" });
  }
  const s = currentStages();
  const artifacts = [
    s.fabric.provides.libfabric,
    s.gdr.provides.gdrcopy,
    s.ucxBuild.provides.ucx,
    s.absl.provides.abseil,
    s.grpcBuild.provides.grpc,
    s.etcd.provides.etcd,
    s.sdk.provides.awsSdk,
    s.gus.provides.gusli,
    s.nixlBuild.provides.nixl,
    s.nixlBuild.provides.nixlWheel,
    s.nixlBuild.provides.nixlbench,
    s.ncclBuild.provides.nccl,
    s.ofi.provides.awsOfiNccl,
  ] as const;
  const meta = (stages: readonly AnyStage[]) => ({
    platforms: platformsFor(stages, BOTH_PLATFORMS),
    platformRules: platformProblems,
    description: "NIXL over AWS EFA (libfabric), UCX, GDRCopy, NCCL + aws-ofi-nccl on a CUDA 13 NGC base: the newest line the stage library knows",
    notes: [
      "NIXL v1.4.0's official image installs into the system Python and builds NIXL EP; this recipe keeps the /workspace/.venv venv, builds the NIXL package as a wheel from pyproject.toml, and does not build NIXL EP",
      "libfabric v2.5.1 rather than the official v1.21.0: the first release EFA GPU RDMA on GB200 (aarch64) works with (ai-dynamo/dynamo PR 9727; rule nixl-libfabric-gb200)",
      "UCX v1.22.0 is the release tag of the v1.22.x branch the official v1.4.0 image checks out",
      "rdma-core from DOCA's repository only, as the official image since ai-dynamo/nixl PR 847: the EFA installer over it would keep DOCA's newer packages and add its own, a mixed rdma-core (aws-parallelcluster-cookbook PR 2154)",
      "aws-sdk-cpp 1.11.760 and gRPC v1.73.0 are not pinned to a commit yet (stagewright check lists them)",
      flavour === "devel"
        ? "the final image is built over the doca stage (the devel flavour: CUDA toolkit, compilers, -dev packages), for compiling at run time"
        : 'the final image is built on the CUDA 13.0 runtime image (the lean flavour); currentRecipe({ flavour: "devel" }) builds it over the doca stage',
    ],
  });
  const builders = [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.absl, s.grpcBuild, s.etcd, s.sdk, s.gus, s.nixlBuild, s.ncclBuild, s.ofi] as const;
  if (flavour === "devel") {
    const stages = [...builders, runtime(s.dc, artifacts, { torch: CURRENT_TORCH })] as const;
    return withTestScript(recipe("nixl-current", stages, meta(stages)), nixlImageTestScript);
  }
  const lean = cudaRuntimeBase({ ...CURRENT_RUNTIME_IMAGE, build: s.base, doca: s.dc, packages: [...runtimePackagesOf(artifacts), ...NIXL_RUNTIME_PACKAGES] });
  // The lean base has no venv: the final stage makes its own for the wheel (PYTHON_VERSION read there).
  const stages = [...builders, lean, runtime(lean, artifacts, { uv: s.uv, torch: CURRENT_TORCH })] as const;
  return withTestScript(recipe("nixl-current", stages, meta(stages)), nixlImageTestScript);
}

/** The default recipe of this module, as the stagewright CLI loads it. */
export default (): ReturnType<typeof currentRecipe> => currentRecipe();

runRecipeMain(import.meta.url, () => currentRecipe());
