/**
 * Rule torch-cuda at compile time (issue 11 item 3): a pinned torch literal on an image whose CUDA
 * is a literal (the host base's `cuda` option) is refused by tsc with the sentence the runtime
 * check prints (test/torch.test.ts); a CUDA tsc does not know (a cuda-dl-base tag's) is left to the
 * runtime twin.
 */
import { describe, expectTypeOf, test } from "vitest";
import { cudaDlBase, hostBase, runtime, uvStage, type TorchCudaProblem } from "../../stages/index.ts";

const host = hostBase({ cuda: "13.0" });

describe("torch-cuda", () => {
  test("torch 2.8.0 on CUDA 13.0 is refused; 2.12.0 compiles; an override switches the twin off", () => {
    // @ts-expect-error stage runtime: torch 2.8.0 has no build for the base's CUDA 13.0 (PyTorch builds 2.8 for CUDA 12.6, 12.8, 12.9); use torch 2.9, 2.10, 2.11, 2.12, 2.13, 2.14 (a line of these with a CUDA 13.0 build), or torch: "none"
    runtime(host, [], { torch: "2.8.0" });
    runtime(host, [], { torch: "2.12.0" });
    runtime(host, [], { torch: "2.8.0", overrides: [{ rule: "torch-cuda", reason: "our own torch 2.8.0 build for CUDA 13.0" }] });
    runtime(host, [], { torch: "none" });
  });
  test("the sentence, whole, as the runtime check reports it", () => {
    expectTypeOf<TorchCudaProblem<"2.9.0", "12.9">>().toEqualTypeOf<
      `stage runtime: torch 2.9.0 has no build for the base's CUDA 12.9 (PyTorch builds 2.9 for CUDA 12.6, 12.8, 13.0); use torch 2.8 (a line with a CUDA 12.9 build), or torch: "none" (rule torch-cuda; source: https://github.com/pytorch/pytorch/blob/main/RELEASE.md#release-compatibility-matrix); to build anyway, add an explicit override { rule: "torch-cuda", reason: "..." }`
    >();
    expectTypeOf<TorchCudaProblem<"2.8.0", "12.9">>().toEqualTypeOf<never>();
    expectTypeOf<TorchCudaProblem<"2.20.0", "12.9">>().toEqualTypeOf<never>();
  });
  test("a CUDA the type does not know (the cuda-dl-base tag's) is the runtime twin's", () => {
    runtime(cudaDlBase(uvStage(), {}), [], { torch: "2.9.0" });
    expectTypeOf<TorchCudaProblem<"2.9.0", string>>().toEqualTypeOf<never>();
  });
});
