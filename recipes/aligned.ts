/**
 * nixl-aligned: the NIXL + AWS EFA image, aligned with how the official NIXL 0.7.1 image is built
 * (docs/aligned.md says where and why it differs), with every cross-stage value flowing through an
 * artifact.
 *
 *   npx tsx recipes/aligned.ts > Dockerfile        # the Dockerfile
 *   npx tsx recipes/aligned.ts --out DIR           # Dockerfile, build and test scripts, .dockerignore
 */
import { recipe, withTestScript } from "../src/index.ts";
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
  runtime,
  ucx,
  uvStage,
} from "../stages/index.ts";

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
}

/**
 * The aligned recipe.
 *
 * @example
 * process.stdout.write(alignedRecipe({ nccl: true }).render())
 */
export function alignedRecipe(options: AlignedOptions = { nccl: true }) {
  const s = alignedStages();
  // The runtime copies in an order that re-applies the fewest copies per version bump (every step after
  // a re-executed one re-executes): GDRCopy first (libfabric, UCX, aws-ofi-nccl and NIXL build on it), then
  // the rdma-core consumers, the C++ libraries right before NIXL (their bumps reach NIXL anyway), NCCL
  // last (nothing else changes with it). docs/performance.md.
  const nixlArtifacts = [s.nixlBuild.provides.nixl, s.nixlBuild.provides.nixlWheel, s.nixlBuild.provides.nixlbench] as const;
  const cppLibs = [s.etcd.provides.etcd, s.sdk.provides.awsSdk, s.gus.provides.gusli] as const;
  // No version numbers here: values from data can change them, the dev.stagewright.version.* labels follow.
  const description = "NIXL over AWS EFA (libfabric), UCX, GDRCopy, NCCL + aws-ofi-nccl on an NGC CUDA base, aligned with the official NIXL image";
  const notes = [
    "the image was specified from a version summary pairing NIXL 0.7.1 with libfabric v1.21.0; the 0.7.x LIBFABRIC plugin needs libfabric >= v2.3.0rc2 (rule nixl-libfabric-min), so the recipe ships the official 0.7.1 pairing, v2.3.0 (docs/aligned.md)",
    "NIXL is built as a release build (--buildtype=release); the official 0.7.1 image builds the meson default, debug",
  ];
  const head = [s.gdr.provides.gdrcopy, s.fabric.provides.libfabric, s.ucxBuild.provides.ucx] as const;
  if (options.nccl && options.buildNccl === true) {
    const final = runtime(s.dc, [...head, s.ofi.provides.awsOfiNccl, ...cppLibs, ...nixlArtifacts, s.ncclBuild.provides.nccl], { uv: s.uv });
    const stages = [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.sdk, s.gus, s.py, s.nixlBuild, s.ncclBuild, s.ofi, final] as const;
    return withTestScript(recipe("nixl-aligned", stages, { description, notes, platforms: platformsFor(stages, BOTH_PLATFORMS), platformRules: platformProblems }), nixlImageTestScript);
  }
  if (options.nccl) {
    const final = runtime(s.dc, [...head, s.ofi.provides.awsOfiNccl, ...cppLibs, ...nixlArtifacts], { uv: s.uv });
    const stages = [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.sdk, s.gus, s.py, s.nixlBuild, s.ofi, final] as const;
    // One Dockerfile for both: ARCH follows --platform (stages/shared.ts), the arm64 data is stages/platforms.ts.
    return withTestScript(recipe("nixl-aligned", stages, { description: description.replace("NCCL + aws-ofi-nccl", "aws-ofi-nccl for the base's NCCL"), notes, platforms: platformsFor(stages, BOTH_PLATFORMS), platformRules: platformProblems }), nixlImageTestScript);
  }
  const final = runtime(s.dc, [...head, ...cppLibs, ...nixlArtifacts], { uv: s.uv });
  const stages = [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.sdk, s.gus, s.py, s.nixlBuild, final] as const;
  return withTestScript(recipe("nixl-aligned", stages, {
    description: description.replace(", NCCL + aws-ofi-nccl", ""),
    notes,
    platforms: platformsFor(stages, BOTH_PLATFORMS),
    platformRules: platformProblems,
  }), nixlImageTestScript);
}

/** The default recipe of this module, as the stagewright CLI loads it. */
export default (): ReturnType<typeof alignedRecipe> => alignedRecipe();

runRecipeMain(import.meta.url, () => alignedRecipe());
