/**
 * nixl-aligned: the NIXL + AWS EFA image, aligned with how the official NIXL 0.7.1 image is built
 * (docs/aligned.md says where and why it differs), with every cross-stage value flowing through an
 * artifact.
 *
 *   npx tsx recipes/aligned.ts > Dockerfile        # the Dockerfile
 *   npx tsx recipes/aligned.ts --out DIR           # Dockerfile, build and test scripts, .dockerignore
 */
import { fail, recipe, runtimePackagesOf, withTestScript, type AnyStage, type CheckStages } from "../src/index.ts";
import { runRecipeMain } from "../src/main.ts";
import {
  awsOfiNccl,
  awsSdkCpp,
  cudaDlBase,
  doca,
  etcdCppApi,
  gdrcopy,
  gusli,
  libfabric,
  nccl,
  nixl,
  nixlImageTestScript,
  platformProblems,
  platformsFor,
  pythonVenv,
  BOTH_PLATFORMS,
  cudaRuntimeBase,
  NIXL_RUNTIME_PACKAGES,
  runtime,
  ucx,
  uvStage,
} from "../stages/index.ts";

/**
 * The torch the aligned image installs for the NIXL wheel: 2.8.0, the one PyTorch release line with a
 * CUDA 12.9 build (https://download.pytorch.org/whl/cu129; docs/aligned.md, rule torch-cuda).
 */
export const ALIGNED_TORCH = "2.8.0";

/** The stages of the aligned image, before the final stage is chosen. */
export function alignedStages() {
  const uv = uvStage();
  // No venv in the base: PYTHON_VERSION is read by the venv stage, which only NIXL and the runtime build on.
  const base = cudaDlBase(uv, { tag: "25.06-cuda12.9-devel-ubuntu24.04", venv: false });
  const dc = doca(base, {});
  // Each builder starts from the smallest stage it needs (docs/performance.md): GDRCopy, etcd-cpp-apiv3,
  // the AWS SDK, gusli and NCCL use no rdma-core, so a DOCA bump does not rebuild them.
  const gdr = gdrcopy(base, { version: "v2.4.1" });
  // The official 0.7.1 pairing: libfabric v2.3.0 (v1.21.0 is refused for NIXL 0.7.x: docs/aligned.md).
  const fabric = libfabric(dc, { version: "v2.3.0", prefix: "/usr/local", gdrcopy: gdr.provides.gdrcopy });
  const ucxBuild = ucx(dc, { version: "v1.19.0", gdrcopy: gdr.provides.gdrcopy });
  const etcd = etcdCppApi(base, {});
  const sdk = awsSdkCpp(base, {});
  const gus = gusli(base, {});
  const py = pythonVenv(uv, dc);
  const nixlBuild = nixl(py, {
    version: "0.7.1",
    libfabric: fabric.provides.libfabric,
    ucx: ucxBuild.provides.ucx,
    etcd: etcd.provides.etcd,
    awsSdk: sdk.provides.awsSdk,
    gusli: gus.provides.gusli,
  });
  const ncclBuild = nccl(base, { version: "v2.23.4-1" });
  const ofi = awsOfiNccl(dc, { version: "v1.12.1-aws", libfabric: fabric.provides.libfabric });
  return { uv, base, dc, gdr, fabric, ucxBuild, etcd, sdk, gus, py, nixlBuild, ncclBuild, ofi };
}

/** Options of {@link alignedRecipe}. Generation-time booleans, never shell tests. */
export interface AlignedOptions {
  /** NCCL support: aws-ofi-nccl (the NCCL net plugin on the image's libfabric) for the image's NCCL. Default true. */
  readonly nccl: boolean;
  /**
   * Build NCCL (v2.23.4-1, with its headers and a gencode list from the base's CUDA) and remove the base image's.
   * Default false: the image's NCCL is the base's, whose version the build prints. NIXL does not use NCCL, and
   * aws-ofi-nccl builds against the NCCL headers it bundles, so building one only replaces what the base ships.
   */
  readonly buildNccl?: boolean;
  /**
   * The final image's base. "lean" (the default): a CUDA runtime image with only what the artifacts
   * load at run time (stages/runtime-base.ts). "devel": the doca stage, which keeps the CUDA
   * toolkit, compilers and -dev packages, for users who compile at run time (JIT kernels).
   */
  readonly flavour?: "lean" | "devel";
}

/** The artifacts the final image holds, in copy order, for each NCCL choice. */
function finalArtifacts(s: ReturnType<typeof alignedStages>) {
  // The runtime copies in an order that re-applies the fewest copies per version bump (every step after
  // a re-executed one re-executes): GDRCopy first (libfabric, UCX, aws-ofi-nccl and NIXL build on it), then
  // the rdma-core consumers, the C++ libraries right before NIXL (their bumps reach NIXL anyway), NCCL
  // last (nothing else changes with it). docs/performance.md.
  const head = [s.gdr.provides.gdrcopy, s.fabric.provides.libfabric, s.ucxBuild.provides.ucx] as const;
  const cppLibs = [s.etcd.provides.etcd, s.sdk.provides.awsSdk, s.gus.provides.gusli] as const;
  const nixlArtifacts = [s.nixlBuild.provides.nixl, s.nixlBuild.provides.nixlWheel, s.nixlBuild.provides.nixlbench] as const;
  return {
    buildNccl: [...head, s.ofi.provides.awsOfiNccl, ...cppLibs, ...nixlArtifacts, s.ncclBuild.provides.nccl] as const,
    nccl: [...head, s.ofi.provides.awsOfiNccl, ...cppLibs, ...nixlArtifacts] as const,
    none: [...head, ...cppLibs, ...nixlArtifacts] as const,
  };
}

/**
 * The aligned recipe. The final image is lean by default (`flavour: "lean"`, a CUDA runtime image);
 * `flavour: "devel"` builds it over the doca stage instead, for users who compile at run time.
 *
 * @example
 * process.stdout.write(alignedRecipe({ nccl: true }).render())
 */
export function alignedRecipe(options: AlignedOptions = { nccl: true }) {
  const flavour: unknown = options.flavour ?? "lean";
  if (flavour !== "lean" && flavour !== "devel") {
    fail("invalid-value", `alignedRecipe: flavour ${JSON.stringify(flavour)} is neither "lean" nor "devel"; use "lean" (a CUDA runtime image, the default) or "devel" (over the doca stage, for compiling at run time)`, { option: "flavour" });
  }
  const s = alignedStages();
  const a = finalArtifacts(s);
  // No version numbers here: values from data can change them, the dev.stagewright.version.* labels follow.
  const full = "NIXL over AWS EFA (libfabric), UCX, GDRCopy, NCCL + aws-ofi-nccl on an NGC CUDA base, aligned with the official NIXL image";
  const description = options.nccl && options.buildNccl === true ? full : options.nccl ? full.replace("NCCL + aws-ofi-nccl", "aws-ofi-nccl for the base's NCCL") : full.replace(", NCCL + aws-ofi-nccl", "");
  const notes = [
    "the image was specified from a version summary pairing NIXL 0.7.1 with libfabric v1.21.0; the 0.7.x LIBFABRIC plugin needs libfabric >= v2.3.0rc2 (rule nixl-libfabric-min), so the recipe ships the official 0.7.1 pairing, v2.3.0 (docs/aligned.md)",
    "NIXL is built as a release build (--buildtype=release); the official 0.7.1 image builds the meson default, debug",
    flavour === "devel"
      ? "the final image is built over the doca stage (the devel flavour: CUDA toolkit, compilers, -dev packages), for compiling at run time"
      : 'the final image is built on a CUDA runtime image (the lean flavour); alignedRecipe({ flavour: "devel" }) builds it over the doca stage, with the CUDA toolkit and compilers',
  ];
  // The NCCL choice decides which builders exist; one Dockerfile for both platforms (ARCH follows
  // --platform, stages/shared.ts; the arm64 data is stages/platforms.ts).
  const make = <const S extends readonly AnyStage[]>(stages: S & CheckStages<S>) =>
    withTestScript(recipe("nixl-aligned", stages, { description, notes, platforms: platformsFor(stages, BOTH_PLATFORMS), platformRules: platformProblems }), nixlImageTestScript);
  const b = [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.sdk, s.gus, s.py, s.nixlBuild] as const;
  const buildNccl = options.nccl && options.buildNccl === true;
  if (flavour === "devel") {
    if (buildNccl) return make([...b, s.ncclBuild, s.ofi, runtime(s.dc, a.buildNccl, { uv: s.uv, torch: ALIGNED_TORCH })] as const);
    if (options.nccl) return make([...b, s.ofi, runtime(s.dc, a.nccl, { uv: s.uv, torch: ALIGNED_TORCH })] as const);
    return make([...b, runtime(s.dc, a.none, { uv: s.uv, torch: ALIGNED_TORCH })] as const);
  }
  // The lean base installs what the final image's artifacts declare they load at run time.
  const lean = cudaRuntimeBase({
    build: s.base,
    doca: s.dc,
    packages: [...runtimePackagesOf(buildNccl ? a.buildNccl : options.nccl ? a.nccl : a.none), ...NIXL_RUNTIME_PACKAGES],
  });
  if (buildNccl) return make([...b, s.ncclBuild, s.ofi, lean, runtime(lean, a.buildNccl, { uv: s.uv, torch: ALIGNED_TORCH })] as const);
  if (options.nccl) return make([...b, s.ofi, lean, runtime(lean, a.nccl, { uv: s.uv, torch: ALIGNED_TORCH })] as const);
  return make([...b, lean, runtime(lean, a.none, { uv: s.uv, torch: ALIGNED_TORCH })] as const);
}

/** The default recipe of this module, as the stagewright CLI loads it. */
export default (): ReturnType<typeof alignedRecipe> => alignedRecipe();

runRecipeMain(import.meta.url, () => alignedRecipe());
