/**
 * Build-time estimates per step of the aligned recipe, for the time-weighted figure of the
 * cache-impact table (docs/performance.md). "measured" figures are compile steps timed for real on
 * a GPU host without network, given a mirror directory (H200, 16 cores), by the generated host
 * script; every other figure is an estimate and says so.
 */
import { stageSteps, type StageList } from "../src/index.ts";

/** The time one step takes, and where the figure comes from. */
export interface StepTime {
  readonly seconds: number;
  readonly source: "measured" | "estimate";
}

const m = (seconds: number): StepTime => ({ seconds, source: "measured" });
const e = (seconds: number): StepTime => ({ seconds, source: "estimate" });

/** Every COPY of a staged install: an estimate (files from a local layer). */
export const COPY_TIME: StepTime = e(1);

/**
 * Seconds per RUN step of each stage of `alignedRecipe()`, in step order. A stage whose RUN steps
 * change must change its row here (test/graph.test.ts compares the counts).
 *
 * @example
 * ALIGNED_RUN_TIMES["ucx"] // [clone, build]
 */
export const ALIGNED_RUN_TIMES: Readonly<Record<string, readonly StepTime[]>> = {
  base: [e(1), e(90), e(1)], // ARCH check, apt-get of the build packages, rm HPC-X UCX
  doca: [e(180), e(20), e(1)], // DOCA's signed apt repository, apt upgrade and GPUNetIO; rdma-core reinstall; one-origin check
  gdrcopy: [m(2)], // measured 1-2 s
  libfabric: [e(3), m(55)], // download; build measured 54-56 s (v2.3.0)
  ucx: [e(10), m(112)], // clone; build measured 105-119 s (v1.19.0)
  "etcd-cpp-api": [e(60)],
  "aws-sdk-cpp": [e(300)], // clone with submodules, core + s3
  gusli: [e(30)], // serial make
  venv: [e(20)], // uv venv + the build tools
  nixl: [e(10), m(43), e(60), e(30), e(30), e(120)], // clone; meson build measured 43 s (0.7.1); wheel; nixlbench; rustup; cargo build
  nccl: [e(400)], // src.build for sm_80, sm_90, compute_90
  "aws-ofi-nccl": [e(2), m(15)], // download; build measured 15 s (v1.12.1)
  "runtime-base": [e(40), e(30), e(1)], // Ubuntu run-time packages; DOCA's signed repository and rdma-core's run-time packages; one-origin check + libcudart.so
  runtime: [e(60), e(3)], // venv + NIXL wheel and what it pulls in; loader setup + assertions (the default image builds no NCCL, so nothing to purge)
};

/**
 * The time of every counted step of a recipe's stages (stageSteps order), from a RUN-time table;
 * throws when a stage's RUN steps and its row disagree.
 *
 * @example
 * stepTimes(alignedRecipe(), ALIGNED_RUN_TIMES).get("nixl")?.length
 */
export function stepTimes(r: StageList, runTimes: Readonly<Record<string, readonly StepTime[]>>): Map<string, StepTime[]> {
  const out = new Map<string, StepTime[]>();
  for (const s of r.stages) {
    const steps = stageSteps(s);
    const runs = runTimes[s.name] ?? [];
    const runCount = steps.filter((i) => i.op === "RUN").length;
    if (runCount !== runs.length) throw new Error(`stage ${s.name} has ${runCount} RUN steps but the build-time table gives ${runs.length}: update scripts/build-times.ts`);
    let k = 0;
    out.set(s.name, steps.map((i) => (i.op === "RUN" ? runs[k++]! : COPY_TIME)));
  }
  return out;
}
