/**
 * Issue 11 item 3: torch is an explicit, pinned, CUDA-matched choice of the final stage, never what
 * `uv pip install <wheel>` pulls from the default index. Rule torch-cuda (runtime twin here, the
 * compile-time twin in test/types/torch.test-d.ts) reads PyTorch's release compatibility matrix
 * (TORCH_CUDA_BUILDS); the install and NCCL scripts are checked as rendered, and their Python is
 * compiled by the python3 of this machine (torch itself is not installed here).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { refusalOf } from "./support/refusal.ts";
import { artifact, recipeFromStages, runtimePackagesOf } from "../src/index.ts";
import { ALIGNED_TORCH, alignedRecipe, alignedStages } from "../recipes/aligned.ts";
import { CURRENT_TORCH, currentRecipe } from "../recipes/current.ts";
import { officialRecipe } from "../recipes/official.ts";
import { gpuHostRecipe } from "../recipes/gpu-host.ts";
import { NIXL_RUNTIME_PACKAGES, TORCH_CUDA_BUILDS, cudaRuntimeBase, runtime, torchCudaProblem, torchCudaRule, torchIndexUrl, torchNcclCheck } from "../stages/index.ts";

const SOURCE = "https://github.com/pytorch/pytorch/blob/main/RELEASE.md#release-compatibility-matrix";
const runtimeText = (text: string) => text.slice(text.lastIndexOf("\nFROM "));

describe("rule torch-cuda: a pinned torch needs a build for the image's CUDA", () => {
  test("the aligned and current pins have one (2.8 is the only line built for CUDA 12.9; 2.12 for 13.0 brings NCCL 2.29.7)", () => {
    expect(torchCudaProblem(ALIGNED_TORCH, "12.9")).toBeUndefined();
    expect(torchCudaProblem(CURRENT_TORCH, "13.0")).toBeUndefined();
    expect(TORCH_CUDA_BUILDS["2.12"].nccl["13.0"]).toBe("2.29.7");
    expect(torchIndexUrl("12.9")).toBe("https://download.pytorch.org/whl/cu129");
    expect(torchIndexUrl("13.0")).toBe("https://download.pytorch.org/whl/cu130");
  });
  test("just past the bound: torch 2.9.0 on CUDA 12.9, 2.8.0 on 13.0, 2.12.0 on 12.8", () => {
    expect(torchCudaProblem("2.9.0", "12.9")).toBe('torch 2.9.0 has no build for the base\'s CUDA 12.9 (PyTorch builds 2.9 for CUDA 12.6, 12.8, 13.0); use torch 2.8 (a line with a CUDA 12.9 build), or torch: "none"');
    expect(torchCudaProblem("2.8.0", "13.0")).toBe('torch 2.8.0 has no build for the base\'s CUDA 13.0 (PyTorch builds 2.8 for CUDA 12.6, 12.8, 12.9); use torch 2.9, 2.10, 2.11, 2.12, 2.13, 2.14 (a line of these with a CUDA 13.0 build), or torch: "none"');
    expect(torchCudaProblem("2.12.0", "12.8")).toContain("use torch 2.8, 2.9, 2.10, 2.11 (a line of these with a CUDA 12.8 build)");
  });
  test("a CUDA no line builds for, and a line the table does not know", () => {
    expect(torchCudaProblem("2.8.0", "12.5")).toBe('torch 2.8.0 has no build for the base\'s CUDA 12.5 (PyTorch builds 2.8 for CUDA 12.6, 12.8, 12.9); no torch line in the table has a CUDA 12.5 build: use a base whose CUDA PyTorch builds for, or torch: "none"');
    expect(torchCudaProblem("2.20.0", "12.9")).toBeUndefined();
  });
  test("the runtime twin reads TORCH_VERSION and the CUDA the image holds (which follows BASE_TAG)", () => {
    const cuda = (v: string) => artifact({ kind: "cuda", producer: "base", version: v, prefix: "/usr/local/cuda", delivery: { type: "in-image" } });
    const check = (torch: string | undefined, cv: string | undefined) =>
      torchCudaRule().check({ arg: (n) => (n === "TORCH_VERSION" ? torch : undefined), artifact: (k) => (k === "cuda" && cv !== undefined ? cuda(cv) : undefined) });
    expect(check("2.9.0", "12.9")).toContain("torch 2.9.0 has no build for the base's CUDA 12.9");
    expect(check("2.8.0", "12.9")).toBeUndefined();
    expect(check("2.8.0", "unknown")).toBeUndefined();
    expect(check(undefined, "12.9")).toBeUndefined();
    expect(check("2.8.0", undefined)).toBeUndefined();
  });
  test("at generation the aligned image with torch 2.9.0 is refused with the full sentence; an override builds it", () => {
    const s = alignedStages();
    const arts = [s.gdr.provides.gdrcopy, s.fabric.provides.libfabric, s.ucxBuild.provides.ucx, s.etcd.provides.etcd, s.sdk.provides.awsSdk, s.gus.provides.gusli, s.nixlBuild.provides.nixl, s.nixlBuild.provides.nixlWheel] as const;
    const stages = [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.sdk, s.gus, s.py, s.nixlBuild] as const;
    expect(refusalOf(() => recipeFromStages("x", [...stages, runtime(s.dc, arts, { uv: s.uv, torch: "2.9.0" as string as "2.8.0" })]))).toBe(
      `stage runtime: torch 2.9.0 has no build for the base's CUDA 12.9 (PyTorch builds 2.9 for CUDA 12.6, 12.8, 13.0); use torch 2.8 (a line with a CUDA 12.9 build), or torch: "none" (rule torch-cuda; source: ${SOURCE}); to build anyway, add an explicit override { rule: "torch-cuda", reason: "..." }`,
    );
    // The same on the lean runtime base (the aligned default): it holds the CUDA of its runtime image.
    const lean = cudaRuntimeBase({ build: s.base, doca: s.dc, packages: [...runtimePackagesOf(arts), ...NIXL_RUNTIME_PACKAGES] });
    expect(refusalOf(() => recipeFromStages("x", [...stages, lean, runtime(lean, arts, { uv: s.uv, torch: "2.9.0" as string as "2.8.0" })]))).toContain("stage runtime: torch 2.9.0 has no build for the base's CUDA 12.9");
    const forced = runtime(s.dc, arts, { uv: s.uv, torch: "2.9.0" as string as "2.8.0", overrides: [{ rule: "torch-cuda", reason: "a local torch 2.9.0 build for CUDA 12.9 on our own index" }] });
    expect(refusalOf(() => recipeFromStages("x", [...stages, forced]))).toBe("");
  });
});

describe("the final stage installs torch as chosen", () => {
  test("pinned (aligned): TORCH_VERSION, PyTorch's index for the image's CUDA before the wheels, the CUDA match and the NCCL check", () => {
    const t = runtimeText(alignedRecipe().render());
    expect(t).toContain(`ARG TORCH_VERSION="${ALIGNED_TORCH}"`);
    const torchLine = t.indexOf('uv pip install --index-url "https://download.pytorch.org/whl/cu${cuda//./}" "torch==${TORCH_VERSION}"');
    expect(torchLine).toBeGreaterThan(0);
    expect(torchLine).toBeLessThan(t.indexOf("uv pip install /opt/stagewright/wheels/*.whl"));
    expect(t).toContain("the image has CUDA {sys.argv[1]}: pin a torch with a build for it");
    expect(t).toContain("a torch process maps {len(loaded)} libnccl files");
    // The loader-wide one-copy check of the base's NCCL stays; torch's copy is judged by what a torch process maps.
    expect(t).toContain("the loader must see exactly one libnccl.so.2");
  });
  test("current pins its own torch; the official recipe and the default take none: no torch, the bindings imported", () => {
    expect(runtimeText(currentRecipe().render())).toContain(`ARG TORCH_VERSION="${CURRENT_TORCH}"`);
    const t = runtimeText(officialRecipe("0.7.1").render());
    expect(t).not.toContain("TORCH_VERSION");
    expect(t).toContain("uv pip install --no-deps /opt/stagewright/wheels/*.whl numpy");
    expect(t).toContain('importlib.import_module(pkg + "._bindings")');
    expect(t).not.toContain('python -c "import nixl"');
    expect(t).not.toContain("a torch process maps");
  });
  test("the gpu-host recipe's torch is the host's (provided): its unzip install and import are as the run proved them, and its NCCL is checked too", () => {
    const t = gpuHostRecipe().render();
    expect(t).toContain('python3 -c "import nixl"');
    expect(t).not.toContain("TORCH_VERSION");
    // The host's torch maps its own site-packages NCCL, not the loader cache's (docs/build-truth.md): the cache check alone cannot see it.
    expect(runtimeText(t)).toContain(torchNcclCheck());
  });
  test("refused: a pinned torch with the unzip install, the plugin check without torch, a value that is not a version", () => {
    const s = alignedStages();
    const arts = [s.fabric.provides.libfabric, s.ucxBuild.provides.ucx, s.nixlBuild.provides.nixl, s.nixlBuild.provides.nixlWheel] as const;
    expect(refusalOf(() => runtime(s.dc, arts, { installWheel: "unzip", torch: "2.8.0" }))).toBe('runtime, option torch: "2.8.0" cannot be installed with installWheel "unzip", which installs no dependencies; use torch "provided" (the python3 on PATH has torch) or "none"');
    expect(refusalOf(() => runtime(s.dc, arts, { checkWheelPlugins: true }))).toBe('runtime, option checkWheelPlugins: the plugin check imports nixl._api, which imports torch, and option torch is "none"; choose a pinned torch or "provided"');
    expect(refusalOf(() => runtime(s.dc, arts, { torch: "2.8" as never }))).toBe('runtime, option torch: "2.8" is not a torch version such as 2.8.0, "none" or "provided"');
  });
  test("the Python the scripts run compiles (torch itself is not installed on this machine)", () => {
    const bodies = [...torchNcclCheck().matchAll(/python -c '([^']*)'/g), ...runtimeText(alignedRecipe().render()).matchAll(/python -c '([^']*)'/g)].map((m) => m[1]!);
    expect(bodies.length).toBeGreaterThanOrEqual(3);
    for (const body of bodies) {
      const r = spawnSync("python3", ["-c", "import sys; compile(sys.argv[1], '<stagewright>', 'exec')", body], { encoding: "utf8" });
      expect(r.stderr, body).toBe("");
      expect(r.status).toBe(0);
    }
  });
});
