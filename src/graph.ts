/**
 * The stage graph of a recipe: which stage builds FROM or copies from which, which stages a change
 * reaches, and how many build steps a changed build ARG re-executes under BuildKit's cache.
 *
 * The rebuild model is BuildKit's, as measured by test/build/ on real builds of the smoke recipe:
 * - a stage re-executes every step from the first one that is invalidated to its end;
 * - a step is invalidated when it is the first to read the changed ARG (the renderer declares an
 *   ARG right before its first reader, and every later RUN has it in its environment), when it
 *   copies (`COPY --from`, `RUN --mount=from=`) from a stage that re-executed anything, or when the
 *   stage's base (a stage FROM, or an image whose reference reads the ARG) changed;
 * - steps are the instructions BuildKit numbers (`[stage i/n]`) other than FROM: RUN, COPY, ADD and
 *   WORKDIR. ENV, ARG, LABEL, SHELL and comments change no layer and are not counted.
 * The figure is an upper bound: it assumes every re-executed step changes its output, where BuildKit
 * may still find a later copy's content unchanged.
 */
import { stageArgs } from "./args-of.ts";
import { instructionText } from "./dockerfile-text.ts";
import type { Instruction } from "./instructions.ts";
import type { AnyStage } from "./stage.ts";
import { fail } from "./validate.ts";

/** What the graph functions read of a recipe (a {@link Recipe} or anything with its stages). */
export interface StageList {
  readonly stages: readonly AnyStage[];
}

/**
 * One dependency: stage `to` builds FROM stage `from` ("from"), or copies files out of it ("copy":
 * `COPY --from`, including the copies that build and runtime needs generate, and `RUN --mount=from=`).
 */
export interface RecipeEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: "from" | "copy";
}

/**
 * The edges of a recipe's stage graph, in recipe order of the dependent stage (its "from" edge
 * first). Copies from external images are not edges; each (from, to, kind) appears once.
 *
 * @example
 * recipeEdges(smokeRecipe())
 * // [{ from: "base", to: "greet", kind: "from" }, { from: "base", to: "hello", kind: "from" },
 * //  { from: "greet", to: "hello", kind: "copy" }, { from: "base", to: "runtime", kind: "from" },
 * //  { from: "greet", to: "runtime", kind: "copy" }, { from: "hello", to: "runtime", kind: "copy" }]
 */
export function recipeEdges(recipe: StageList): RecipeEdge[] {
  const names = new Set(recipe.stages.map((s) => s.name));
  const out: RecipeEdge[] = [];
  const seen = new Set<string>();
  const push = (e: RecipeEdge) => {
    const key = `${e.kind}\u0000${e.from}\u0000${e.to}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(e);
  };
  for (const s of recipe.stages) {
    if ("steps" in s.from) push({ from: s.from.name, to: s.name, kind: "from" });
    for (const ins of s.steps) for (const src of stagesReadBy(ins)) if (names.has(src)) push({ from: src, to: s.name, kind: "copy" });
  }
  return out;
}

/**
 * Every stage that depends on `stageName`, directly or through other stages, in recipe order (the
 * stage itself excluded): what a change to that stage can rebuild.
 *
 * @example
 * stageDependents(smokeRecipe(), "greet") // ["hello", "runtime"]
 * stageDependents(smokeRecipe(), "hello") // ["runtime"]
 */
export function stageDependents(recipe: StageList, stageName: string): string[] {
  stageNamed(recipe, stageName);
  const next = new Map<string, string[]>();
  for (const e of recipeEdges(recipe)) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const reached = new Set<string>();
  const queue = [stageName];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    for (const to of next.get(name) ?? []) {
      if (reached.has(to) || to === stageName) continue;
      reached.add(to);
      queue.push(to);
    }
  }
  return recipe.stages.map((s) => s.name).filter((n) => reached.has(n));
}

/** What a changed ARG re-executes in one stage. */
export interface StageRebuild {
  readonly stage: string;
  /** Steps of the stage (see {@link stageSteps}). */
  readonly steps: number;
  /** Steps re-executed: from the first invalidated one to the end. */
  readonly rebuilt: number;
  /**
   * Why the stage changes: it reads the ARG ("arg"), copies from a stage whose files change
   * ("copy"), builds FROM a stage that changes ("from"), or FROM an image whose reference reads the
   * ARG ("image"); null when it does not change. A stage can change with no step re-executed (an
   * ENV that reads the ARG after the last step, or a stage without steps on a changed image).
   */
  readonly reason: "arg" | "from" | "copy" | "image" | null;
}

/** What a changed ARG (or ARGs changed together) re-executes in a recipe, stage by stage. */
export interface RebuildPlan {
  /** The changed ARG; ARGs changed together are joined with " + ". */
  readonly arg: string;
  readonly rebuilt: number;
  readonly total: number;
  /** rebuilt / total (0 for a recipe without steps). */
  readonly fraction: number;
  readonly stages: readonly StageRebuild[];
}

/**
 * The instructions of a stage that BuildKit executes as numbered steps (RUN, COPY, ADD, WORKDIR),
 * in order: what BuildKit numbers `[stage i/n]` (for a stage FROM an image, n also counts the FROM).
 *
 * @example
 * stageSteps(smokeRecipe().final).map((i) => i.op) // ["COPY", "COPY", "RUN", "RUN"]
 */
export function stageSteps(stage: AnyStage): Instruction[] {
  return stage.steps.filter((i) => i.op === "RUN" || i.op === "COPY" || i.op === "ADD" || i.op === "WORKDIR");
}

/**
 * Stage by stage, the steps a changed value of `argName` re-executes after a full build (the model
 * in this module's comment); given several names, the steps that changing all of them in one build
 * re-executes (a component whose version is written by two ARGs, `${BASE_IMAGE}:${BASE_TAG}`).
 * Throws for a name that is no ARG of the recipe.
 *
 * @example
 * rebuildPlan(smokeRecipe(), "HELLO_VERSION").stages.filter((s) => s.rebuilt > 0).map((s) => s.stage) // ["hello", "runtime"]
 * rebuildPlan(alignedRecipe(), ["BASE_IMAGE", "BASE_TAG"]).arg // "BASE_IMAGE + BASE_TAG"
 */
export function rebuildPlan(recipe: StageList, argName: string | readonly string[]): RebuildPlan {
  const stages = recipe.stages;
  const names: readonly string[] = typeof argName === "string" ? [argName] : argName;
  const known = new Set([...stages.flatMap(stageArgs), ...stages.flatMap((s) => ("steps" in s.from ? [] : s.from.args))].map((a) => a.name));
  if (names.length === 0) fail("values", `no ARG given; the recipe's ARGs are: ${[...known].sort().join(", ")}`);
  for (const name of names) if (!known.has(name)) fail("values", `ARG ${name} is not an ARG of this recipe; its ARGs are: ${[...known].sort().join(", ")}`, { arg: name });
  const final = stages[stages.length - 1];
  // stateChanged: the stage's image differs in any way (a stage FROM it re-executes everything);
  // filesChanged: its files differ (a stage that copies from it re-executes from that copy on).
  const stateChanged = new Set<string>();
  const filesChanged = new Set<string>();
  const out: StageRebuild[] = [];
  for (const s of stages) {
    const counted = stageSteps(s);
    let first: number | null = null;
    let reason: StageRebuild["reason"] = null;
    if ("steps" in s.from) {
      if (stateChanged.has(s.from.name)) [first, reason] = [0, "from"];
    } else if (s.from.args.some((a) => names.includes(a.name))) [first, reason] = [0, "image"];
    if (first === null) {
      const declared = s === final ? names : names.filter((n) => stageArgs(s).some((a) => a.name === n));
      const declares = declared.length > 0;
      const readsArg = new RegExp(`\\$\\{?(${declared.join("|")})(?![A-Za-z0-9_])`);
      let index = 0;
      for (const ins of s.steps) {
        const isStep = counted.includes(ins);
        if (declares && readsArg.test(instructionText(ins))) reason = "arg";
        else if (isStep && stagesReadBy(ins).some((n) => filesChanged.has(n))) reason = "copy";
        if (reason !== null) {
          first = index;
          break;
        }
        if (isStep) index++;
      }
    }
    const rebuilt = first === null ? 0 : counted.length - first;
    if (reason !== null) stateChanged.add(s.name);
    if (rebuilt > 0 || reason === "image" || (reason === "from" && "steps" in s.from && filesChanged.has(s.from.name))) filesChanged.add(s.name);
    out.push({ stage: s.name, steps: counted.length, rebuilt, reason });
  }
  const total = out.reduce((n, s) => n + s.steps, 0);
  const rebuilt = out.reduce((n, s) => n + s.rebuilt, 0);
  return { arg: names.join(" + "), rebuilt, total, fraction: total === 0 ? 0 : rebuilt / total, stages: out };
}

/**
 * The fraction of a recipe's steps that a changed value of `argName` re-executes after a full
 * build: {@link rebuildPlan}'s rebuilt / total.
 *
 * @example
 * rebuildFraction(smokeRecipe(), "HELLO_VERSION") // 0.4 (4 of 10 steps: hello's RUN, three of runtime's four)
 * rebuildFraction(smokeRecipe(), "SMOKE_BASE_IMAGE") // 1
 */
export function rebuildFraction(recipe: StageList, argName: string | readonly string[]): number {
  return rebuildPlan(recipe, argName).fraction;
}

/** Names a step reads files from: `COPY/ADD --from=<name>` and `RUN --mount=...,from=<name>`. */
function stagesReadBy(ins: Instruction): string[] {
  if (ins.op === "COPY" && ins.from !== undefined) return [ins.from];
  if (ins.op === "RUN") return ins.mounts.flatMap((m) => (m.type === "bind" && m.from !== undefined ? [m.from] : []));
  return [];
}

function stageNamed(recipe: StageList, name: string): AnyStage {
  const s = recipe.stages.find((x) => x.name === name);
  if (s === undefined) fail("values", `stage ${name} is not a stage of this recipe; its stages are: ${recipe.stages.map((x) => x.name).join(", ")}`, { stage: name });
  return s;
}
