/**
 * src/graph.ts: the stage graph (edges, dependents) and the rebuild model. test/build/ checks the
 * model step for step against real BuildKit builds of the smoke recipe; here it is pinned without a
 * daemon, on the smoke recipe, the aligned recipe and small synthetic stages.
 */
import { cacheImpact, cacheImpactPerArg, cacheImpactTable, versionComponents, versionLabelArgs } from "../scripts/cache-table.ts";
import { ALIGNED_RUN_TIMES, stepTimes } from "../scripts/build-times.ts";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  StagewrightError,
  artifact,
  buildNeed,
  defineStage,
  fetchedSource,
  tarball,
  copy,
  env,
  image,
  rebuildFraction,
  rebuildPlan,
  recipeEdges,
  recipeFromStages,
  run,
  stageDependents,
  stageSteps,
  versionArg,
  workdir,
} from "../src/index.ts";
import { alignedRecipe } from "../recipes/aligned.ts";
import { smokeRecipe } from "../recipes/smoke.ts";

const smoke = smokeRecipe();
const aligned = alignedRecipe();
// The variant that builds NCCL (issue 11 item 5: the default uses the base image's).
const alignedBuildNccl = alignedRecipe({ nccl: true, buildNccl: true });

describe("recipeEdges", () => {
  test("smoke: FROM chains and the copies the needs generate", () => {
    expect(recipeEdges(smoke)).toEqual([
      { from: "base", to: "greet", kind: "from" },
      { from: "base", to: "hello", kind: "from" },
      { from: "greet", to: "hello", kind: "copy" },
      { from: "base", to: "runtime", kind: "from" },
      { from: "greet", to: "runtime", kind: "copy" },
      { from: "hello", to: "runtime", kind: "copy" },
    ]);
  });

  test("aligned: every edge joins two stages of the recipe, once", () => {
    const edges = recipeEdges(aligned);
    const names = new Set<string>(aligned.stages.map((s) => s.name));
    for (const e of edges) {
      expect(names.has(e.from), e.from).toBe(true);
      expect(names.has(e.to), e.to).toBe(true);
    }
    const keys = edges.map((e) => `${e.kind} ${e.from} ${e.to}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(
      expect.arrayContaining(["copy uv venv", "copy uv runtime", "from base doca", "from base gdrcopy", "from doca libfabric", "from doca venv", "from venv nixl", "copy libfabric nixl", "copy ucx nixl", "copy nixl runtime", "from runtime-base runtime"]),
    );
  });

  test("RUN --mount=type=bind,from=<stage> is a copy edge; COPY --from=<image> is none", () => {
    const a = defineStage({ name: "a", description: "a", from: image("debian:bookworm"), steps: [run("true")] });
    const b = defineStage({
      name: "b",
      description: "b",
      from: image("debian:bookworm"),
      steps: [run("cat /src/x", { mounts: [{ type: "bind", target: "/src", from: "a" }] }), copy(["/x"], "/x", { from: "busybox:1.36" })],
    });
    expect(recipeEdges(recipeFromStages("m", [a, b]))).toEqual([{ from: "a", to: "b", kind: "copy" }]);
  });
});

describe("stageDependents", () => {
  test.each([
    ["base", ["greet", "hello", "runtime"]],
    ["greet", ["hello", "runtime"]],
    ["hello", ["runtime"]],
    ["runtime", []],
  ])("smoke: %s → %j", (stage, dependents) => {
    expect(stageDependents(smoke, stage)).toEqual(dependents);
  });

  test("aligned: libfabric reaches NIXL, aws-ofi-nccl and the runtime, not UCX or NCCL", () => {
    expect(stageDependents(aligned, "libfabric")).toEqual(["nixl", "aws-ofi-nccl", "runtime"]);
    expect(stageDependents(alignedBuildNccl, "nccl")).toEqual(["runtime"]);
  });

  test("an unknown stage is an error naming the stages", () => {
    expect(() => stageDependents(smoke, "nope")).toThrow(StagewrightError);
    expect(() => stageDependents(smoke, "nope")).toThrow("stage nope is not a stage of this recipe; its stages are: base, greet, hello, runtime");
  });
});

describe("rebuildPlan / rebuildFraction", () => {
  const perStage = (arg: string) => Object.fromEntries(rebuildPlan(smoke, arg).stages.map((s) => [s.stage, `${s.rebuilt}/${s.steps}`]));

  test("smoke: steps are what BuildKit numbers (RUN and COPY here)", () => {
    expect(smoke.stages.map((s) => [s.name, stageSteps(s).map((i) => i.op)])).toEqual([
      ["base", ["RUN"]],
      ["greet", ["COPY", "RUN"]],
      ["hello", ["COPY", "COPY", "RUN"]],
      ["runtime", ["COPY", "COPY", "RUN", "RUN"]],
    ]);
  });

  test("smoke GREET_VERSION: greet from its build step, hello and runtime from their copies of greet", () => {
    expect(perStage("GREET_VERSION")).toEqual({ base: "0/1", greet: "1/2", hello: "3/3", runtime: "4/4" });
    expect(rebuildFraction(smoke, "GREET_VERSION")).toBe(0.8);
  });

  test("smoke HELLO_VERSION: greet untouched; runtime from its copy of hello", () => {
    expect(perStage("HELLO_VERSION")).toEqual({ base: "0/1", greet: "0/2", hello: "1/3", runtime: "3/4" });
    expect(rebuildFraction(smoke, "HELLO_VERSION")).toBe(0.4);
    expect(rebuildPlan(smoke, "HELLO_VERSION").stages.map((s) => s.reason)).toEqual([null, null, "arg", "copy"]);
  });

  test("smoke SMOKE_BASE_IMAGE: a new base image rebuilds everything", () => {
    expect(rebuildFraction(smoke, "SMOKE_BASE_IMAGE")).toBe(1);
    expect(rebuildPlan(smoke, "SMOKE_BASE_IMAGE").stages.map((s) => s.reason)).toEqual(["image", "from", "from", "from"]);
  });

  test("an unknown ARG is an error naming the recipe's ARGs", () => {
    expect(() => rebuildFraction(smoke, "NOPE")).toThrow("ARG NOPE is not an ARG of this recipe; its ARGs are: GREET_PREFIX, GREET_VERSION, HELLO_PREFIX, HELLO_VERSION, SMOKE_BASE_IMAGE");
  });

  test("aligned: each version ARG rebuilds only stages that read it and their dependents", () => {
    const versionArgs = [...new Set(aligned.stages.flatMap((s) => s.args.filter((a) => a.kind.type === "version").map((a) => a.name)))];
    expect(versionArgs).toEqual(expect.arrayContaining(["LIBFABRIC_VERSION", "UCX_VERSION", "NIXL_VERSION", "AWS_OFI_NCCL_VERSION"]));
    for (const arg of versionArgs) {
      const plan = rebuildPlan(aligned, arg);
      const readers = plan.stages.filter((s) => s.reason === "arg" || s.reason === "image").map((s) => s.stage);
      const reach = new Set([...readers, ...readers.flatMap((r) => stageDependents(aligned, r))]);
      for (const s of plan.stages) if (s.rebuilt > 0) expect(reach.has(s.stage), `${arg} rebuilds ${s.stage}`).toBe(true);
      expect(plan.rebuilt).toBeGreaterThan(0);
      expect(plan.total).toBe(aligned.stages.reduce((n, s) => n + stageSteps(s).length, 0));
    }
    const changed = (arg: string) => rebuildPlan(aligned, arg).stages.filter((s) => s.rebuilt > 0).map((s) => s.stage);
    expect(changed("NIXL_VERSION")).toEqual(["nixl", "runtime"]);
    expect(rebuildPlan(alignedBuildNccl, "NCCL_VERSION").stages.filter((s) => s.rebuilt > 0).map((s) => s.stage)).toEqual(["nccl", "runtime"]);
    expect(rebuildFraction(aligned, "LIBFABRIC_VERSION")).toBeGreaterThan(rebuildFraction(aligned, "NIXL_VERSION"));
    expect(rebuildFraction(alignedBuildNccl, "NIXL_VERSION")).toBeGreaterThan(rebuildFraction(alignedBuildNccl, "NCCL_VERSION"));
  });

  test("aligned UV_IMAGE: the uv stage has no steps, but the venv and runtime stages copy from it", () => {
    const plan = rebuildPlan(aligned, "UV_IMAGE");
    expect(plan.stages.find((s) => s.stage === "uv")).toMatchObject({ steps: 0, rebuilt: 0, reason: "image" });
    expect(plan.stages.find((s) => s.stage === "base")).toMatchObject({ rebuilt: 0 });
    expect(plan.stages.find((s) => s.stage === "venv")).toMatchObject({ reason: "copy" });
    expect(plan.stages.find((s) => s.stage === "runtime")).toMatchObject({ reason: "copy" });
  });

  test("aligned: builders that use no rdma-core start from base, and PYTHON_VERSION is read late", () => {
    const from = Object.fromEntries(aligned.stages.map((s) => [s.name, "steps" in s.from ? s.from.name : "image"]));
    for (const s of ["gdrcopy", "etcd-cpp-api", "aws-sdk-cpp", "gusli"]) expect(from[s], s).toBe("base");
    const changed = (arg: string) => rebuildPlan(aligned, arg).stages.filter((s) => s.rebuilt > 0).map((s) => s.stage);
    expect(changed("DOCA_BUILD")).toEqual(expect.not.arrayContaining(["gdrcopy", "etcd-cpp-api", "aws-sdk-cpp", "gusli"]));
    expect(changed("PYTHON_VERSION")).toEqual(["venv", "nixl", "runtime"]);
    // The download runs before the GDRCopy copy: a GDRCopy bump re-runs libfabric's build, not its download.
    const plan = rebuildPlan(aligned, "GDRCOPY_VERSION");
    expect(plan.stages.find((s) => s.stage === "libfabric")).toMatchObject({ steps: 3, rebuilt: 2 });
    expect(plan.stages.find((s) => s.stage === "ucx")).toMatchObject({ steps: 3, rebuilt: 2 });
  });

  test("the build-time table gives every RUN step of the aligned recipe a time, and bumps weigh less in time than in steps where compiles are cached", () => {
    const times = stepTimes(aligned, ALIGNED_RUN_TIMES);
    const rows = cacheImpact(aligned, times);
    for (const r of rows) expect(r.timeFraction, r.arg).toBeGreaterThan(0);
    // The lean runtime base starts FROM the runtime image: a bump of the build base does not re-run it.
    expect(rows.find((r) => r.arg === "BASE_IMAGE + BASE_TAG")!.timeFraction).toBeLessThan(1);
    expect(rebuildPlan(aligned, "BASE_TAG").stages.find((s) => s.stage === "runtime-base")?.rebuilt).toBe(0);
    expect(rebuildPlan(aligned, "RUNTIME_TAG").stages.filter((s) => s.rebuilt > 0).map((s) => s.stage)).toEqual(["runtime-base", "runtime"]);
    expect(rows.find((r) => r.arg === "NIXL_VERSION")!.timeFraction).toBeLessThan(rows.find((r) => r.arg === "NIXL_VERSION")!.fraction);
    expect(() => stepTimes(aligned, { ...ALIGNED_RUN_TIMES, nixl: [] })).toThrow("stage nixl has 6 RUN steps but the build-time table gives 0: update scripts/build-times.ts");
  });

  test("stepsBeforeNeeds: a download before the need's copy is not re-executed when the need changes", () => {
    const V = versionArg("A_VERSION", "1.0.0", "a");
    const lib = artifact({ kind: "alib", producer: "a", version: "1.0.0", prefix: "/opt/a", delivery: { type: "staged", dir: "/opt/stagewright/stage/a" } });
    const a = defineStage({ name: "a", description: "a", from: image("debian:bookworm"), args: [V], provides: { lib }, steps: [run("echo ${A_VERSION}")] });
    const S = versionArg("B_SHA256", "0", "b");
    const src = fetchedSource(tarball({ dir: "/usr/local/src/b", url: "https://example.org/b.tar.gz", file: "b.tar.gz", sha256: S }));
    expect(src.source).toEqual({ kind: "tarball", dir: "/usr/local/src/b", lines: ["cd /usr/local/src/b"] });
    const b = defineStage({ name: "b", description: "b", from: image("debian:bookworm"), args: [S], needs: [buildNeed(lib)], stepsBeforeNeeds: 1, steps: [src.fetch, run("cd /usr/local/src/b && make")] });
    expect(stageSteps(b).map((i) => i.op)).toEqual(["RUN", "COPY", "RUN"]);
    expect(rebuildPlan(recipeFromStages("m", [a, b]), "A_VERSION").stages.find((x) => x.stage === "b")).toEqual({ stage: "b", steps: 3, rebuilt: 2, reason: "copy" });
    expect(() => defineStage({ name: "c", description: "c", from: image("debian:bookworm"), stepsBeforeNeeds: 2, steps: [run("true")] })).toThrow(
      "stage c: stepsBeforeNeeds is 2, but it must be a whole number from 0 to the 1 instructions of its steps",
    );
  });

  test("an ENV that reads the ARG after the last step changes the image, not its files", () => {
    const V = versionArg("X_VERSION", "1.0.0", "x");
    const a = defineStage({ name: "a", description: "a", from: image("debian:bookworm"), args: [V], steps: [run("true"), env(["X", "${X_VERSION}"])] });
    const child = defineStage({ name: "child", description: "FROM a", from: a, steps: [run("true"), workdir("/w")] });
    const copier = defineStage({ name: "copier", description: "copies from a", from: image("debian:bookworm"), steps: [copy(["/etc/hostname"], "/x", { from: "a" }), run("true")] });
    const plan = rebuildPlan(recipeFromStages("m", [a, child, copier]), "X_VERSION");
    expect(plan.stages).toEqual([
      { stage: "a", steps: 1, rebuilt: 0, reason: "arg" },
      { stage: "child", steps: 2, rebuilt: 2, reason: "from" },
      { stage: "copier", steps: 2, rebuilt: 0, reason: null },
    ]);
    expect(plan.fraction).toBe(2 / 5);
  });
});

describe("docs/performance.md", () => {
  const doc = readFileSync(new URL("../docs/performance.md", import.meta.url), "utf8");

  test("the aligned recipe's cache-impact table is what rebuildPlan computes", () => {
    const m = /<!-- cache-impact:aligned -->\n([\s\S]*?)\n<!-- \/cache-impact:aligned -->/.exec(doc);
    expect(m, "docs/performance.md lost its <!-- cache-impact:aligned --> markers").not.toBeNull();
    const expected = cacheImpactTable(aligned, stepTimes(aligned, ALIGNED_RUN_TIMES));
    expect(m![1], "docs/performance.md is out of date: run npm run generate").toBe(expected);
  });

  test("one row per component version: the ARGs of one label bumped together, labels of the same ARGs one row", () => {
    const times = stepTimes(aligned, ALIGNED_RUN_TIMES);
    const rows = cacheImpact(aligned, times);
    expect(rows.map((r) => r.arg)).toEqual([
      "BASE_IMAGE + BASE_TAG", "DOCA_BUILD", "GDRCOPY_VERSION", "LIBFABRIC_VERSION", "UCX_VERSION", "ETCD_CPP_API_REF", "AWS_SDK_CPP_VERSION",
      "GUSLI_REF", "PYTHON_VERSION", "NIXL_VERSION", "RUST_VERSION", "AWS_OFI_NCCL_VERSION", "RUNTIME_IMAGE + RUNTIME_TAG",
    ]);
    expect(rows.find((r) => r.arg === "DOCA_BUILD")!.labels).toEqual(["doca", "rdma-core"]);
    expect(versionComponents(aligned).find((c) => c.labels.includes("base-image"))!.args).toEqual(["BASE_IMAGE", "BASE_TAG"]);
    // Bumped together, the base image re-executes what either ARG alone does (both are read by the FROM line).
    const both = rebuildPlan(aligned, ["BASE_IMAGE", "BASE_TAG"]);
    expect(both.arg).toBe("BASE_IMAGE + BASE_TAG");
    expect(both.rebuilt).toBe(rebuildPlan(aligned, "BASE_TAG").rebuilt);
    // The per-ARG rows are still computed, for the table's last line.
    expect(cacheImpactPerArg(aligned, times).map((r) => r.arg)).toEqual(versionLabelArgs(aligned));
  });

  test("the final stage copies uv first and its artifacts in an order no other order beats (re-applied steps summed over the component rows)", () => {
    const final = aligned.stages.at(-1)!;
    const steps = stageSteps(final);
    expect(steps[0]).toMatchObject({ op: "COPY", from: "uv" });
    // Copy steps per producer, in the final stage's order; a row re-applies every step from its first changed group.
    const groups = new Map<string, number>();
    for (const n of final.needs) groups.set(n.producer!, (groups.get(n.producer!) ?? 0) + n.artifact!.runtimePaths.length);
    const plans = versionComponents(aligned).map((c) => rebuildPlan(aligned, c.args));
    const rows = plans.map((p) => ({ full: p.stages.find((x) => x.stage === final.name)!.reason === "from", changed: new Set(p.stages.filter((x) => x.rebuilt > 0).map((x) => x.stage)) }));
    const cost = (order: readonly string[]) =>
      rows.reduce((sum, row) => {
        if (row.full) return sum + steps.length;
        let before = 1;
        for (const g of order) {
          if (row.changed.has(g)) return sum + steps.length - before;
          before += groups.get(g)!;
        }
        return sum;
      }, 0);
    const current = [...groups.keys()];
    // The model agrees with rebuildPlan for the order the recipe has.
    expect(cost(current)).toBe(plans.reduce((n, p) => n + p.stages.find((x) => x.stage === final.name)!.rebuilt, 0));
    const perms = function* (a: readonly string[]): Generator<string[]> {
      if (a.length <= 1) return yield [...a];
      for (let i = 0; i < a.length; i++) for (const p of perms([...a.slice(0, i), ...a.slice(i + 1)])) yield [a[i]!, ...p];
    };
    let best = Infinity;
    for (const p of perms(current)) best = Math.min(best, cost(p));
    expect(cost(current)).toBe(best);
  });

  test("rebuildPlan of ARGs bumped together re-executes from the first step that reads either", () => {
    const together = rebuildPlan(smoke, ["GREET_VERSION", "HELLO_VERSION"]);
    const greet = rebuildPlan(smoke, "GREET_VERSION");
    expect(together.stages.map((s) => s.rebuilt)).toEqual(greet.stages.map((s, i) => Math.max(s.rebuilt, rebuildPlan(smoke, "HELLO_VERSION").stages[i]!.rebuilt)));
    expect(() => rebuildPlan(smoke, ["GREET_VERSION", "NOPE"])).toThrow("ARG NOPE is not an ARG of this recipe");
    expect(() => rebuildPlan(smoke, [])).toThrow("no ARG given");
  });

  test("the smoke recipe's version ARGs are the ones the real builds bump, with the measured figures", () => {
    expect(versionLabelArgs(smoke)).toEqual(["GREET_VERSION", "HELLO_VERSION"]);
    expect(doc).toContain("| `GREET_VERSION` | greet | 8 of 10 | 80 % | base 0/1, greet 1/2, hello 3/3, runtime 4/4 |");
    expect(doc).toContain("| `HELLO_VERSION` | hello | 4 of 10 | 40 % | base 0/1, greet 0/2, hello 1/3, runtime 3/4 |");
    expect(rebuildPlan(smoke, "GREET_VERSION")).toMatchObject({ rebuilt: 8, total: 10 });
    expect(rebuildPlan(smoke, "HELLO_VERSION")).toMatchObject({ rebuilt: 4, total: 10 });
  });
});
