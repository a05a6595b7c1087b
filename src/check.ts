import { StagewrightError, type ErrorCode } from "./errors.ts";
import {
  argConflict,
  duplicateArtifact,
  duplicateStage,
  missingProducer,
  ambiguousProducer,
  prefixMismatch,
  producerNotInRecipe,
  builtAgainstMismatch,
  inImageNotInBase,
} from "./messages.ts";
import { argValueProblem } from "./arg.ts";
import type { AnyStage, Held } from "./stage.ts";
import type { AnyArtifact } from "./artifact.ts";
import { resolveRecipe, type RecipeGraph, type ResolvedStage } from "./recipe-graph.ts";
import { ruleMessage, type RuleContext } from "./version-rules.ts";
import { stageArgs } from "./args-of.ts";

/** One rule violation found at run time. */
export interface Problem {
  readonly code: ErrorCode;
  readonly message: string;
  readonly stage: string;
  readonly arg?: string;
}

/**
 * The runtime twin of the type-level rules (rules.ts): the same rules, the same sentences, for
 * stages whose facts arrived as plain strings (YAML, CLI flags) or were widened on the way.
 * Also checks what types cannot: every stage's base is in the recipe before it, and every ARG
 * default is valid for its kind. Version rules are evaluated for the stage that declares them and
 * again in every image that holds what it built (with the artifacts that image holds).
 *
 * @example
 * const problems = findProblems([base, fabric, nixlStage]) // [] when the composition is consistent
 */
export function findProblems(stages: readonly AnyStage[]): Problem[] {
  const graph = resolveRecipe(stages);
  const problems: Problem[] = [];
  const provided: Held[] = [];
  const names = new Set<string>();
  const seenArgs = new Map<string, { default: string; stage: string }>();

  for (const r of graph.stages) {
    const s = r.stage;
    if (names.has(s.name)) {
      problems.push({ code: "duplicate-stage", message: duplicateStage(s.name), stage: s.name });
      continue;
    }
    for (const base of r.chain.slice(0, 1)) {
      if (!names.has(base.name)) {
        problems.push({
          code: "missing-producer",
          message: `stage ${s.name} is built FROM stage ${base.name}, which is not in the recipe before ${s.name}; add stage ${base.name} before ${s.name}`,
          stage: s.name,
        });
      }
    }
    for (const n of s.needs) {
      const earlier = provided.filter((p) => p.kind === n.kind);
      if (n.producer !== null && !earlier.some((p) => p.producer === n.producer)) {
        problems.push({ code: "missing-producer", message: producerNotInRecipe(s.name, n.kind, n.producer), stage: s.name });
        continue;
      }
      if (n.producer === null && earlier.length === 0) {
        problems.push({ code: "missing-producer", message: missingProducer(s.name, n.kind), stage: s.name });
        continue;
      }
      if (n.producer === null && earlier.length > 1) {
        problems.push({ code: "missing-producer", message: ambiguousProducer(s.name, n.kind, earlier[0]!.producer, earlier[1]!.producer), stage: s.name });
        continue;
      }
      // Every provider of the kind in the recipe, wherever it is listed.
      for (const p of graph.providers(n.kind)) {
        if (p.prefix !== n.prefix) {
          problems.push({ code: "prefix-mismatch", message: prefixMismatch(s.name, n.kind, n.prefix, p.producer, p.prefix), stage: s.name });
        }
      }
      if (n.artifact !== undefined && n.artifact.delivery.type === "in-image" && !r.added.some((h) => h.kind === n.kind && h.producer === n.producer)) {
        problems.push({ code: "missing-producer", message: inImageNotInBase(s.name, n.kind, n.artifact.producer), stage: s.name });
      }
    }
    // Every ARG the stage declares, its own and those of the artifacts it copies or installs.
    for (const a of stageArgs(s)) {
      const valueProblem = argValueProblem(a.kind, a.default);
      if (valueProblem !== undefined) {
        problems.push({ code: "invalid-value", message: `stage ${s.name}, ARG ${a.name}: ${valueProblem}`, stage: s.name, arg: a.name });
      }
      const seen = seenArgs.get(a.name);
      if (seen === undefined) seenArgs.set(a.name, { default: a.default, stage: s.name });
      else if (seen.default !== a.default) {
        problems.push({ code: "arg-conflict", message: argConflict(a.name, seen.default, seen.stage, a.default, s.name), stage: s.name, arg: a.name });
      }
    }
    const byKind = new Map<string, Held>();
    for (const c of s.contains) {
      const first = byKind.get(c.kind);
      if (first === undefined) byKind.set(c.kind, c);
      else if (first.producer !== c.producer) {
        problems.push({ code: "duplicate-artifact", message: duplicateArtifact(s.name, c.kind, first.prefix, first.producer, c.prefix, c.producer), stage: s.name });
      }
    }
    problems.push(...againstProblems(graph, r));
    names.add(s.name);
    for (const a of Object.values(s.provides)) provided.push(a);
  }
  problems.push(...ruleProblems(graph));
  return problems;
}

/**
 * Rule 7: the image of `r` holds, for every stage whose outputs it holds, exactly the artifacts of
 * the kinds that stage was built against. As at the type level, only pairs with at least one
 * artifact that `r` adds are compared: pairs it inherits were compared at its base.
 */
function againstProblems(graph: RecipeGraph, r: ResolvedStage): Problem[] {
  const image = r.stage.name;
  const out = new Set<string>();
  const compare = (producers: readonly Held[], items: readonly Held[]) => {
    for (const producer of new Set(producers.map((h) => h.producer))) {
      if (producer === image) continue;
      for (const b of graph.byName.get(producer)?.against ?? []) {
        for (const h of items) {
          if (h.kind !== b.kind) continue;
          if (h.prefix === b.prefix && (b.producer === null || h.producer === b.producer)) continue;
          out.add(builtAgainstMismatch(image, producer, b.kind, b.prefix, b.producer, h.prefix, h.producer));
        }
      }
    }
  };
  compare(r.added, r.holds);
  compare(r.holds, r.added);
  return [...out].map((message) => ({ code: "prefix-mismatch", message, stage: image }));
}

/**
 * Evaluate every stage's version rules against the recipe's resolved ARG values: for the stage
 * itself (the artifacts it needs, provides or holds) and in every image that holds what it built
 * (the artifacts of that image), so a libfabric swapped in by a later image is judged too.
 */
function ruleProblems(graph: RecipeGraph): Problem[] {
  const values = new Map<string, string>();
  for (const { stage } of graph.stages) for (const a of stageArgs(stage)) if (!values.has(a.name)) values.set(a.name, a.default);
  const arg = (name: string) => values.get(name);
  const out: Problem[] = [];
  const seen = new Set<string>();
  const report = (stage: string, message: string) => {
    if (seen.has(message)) return;
    seen.add(message);
    out.push({ code: "version-rule", message, stage });
  };
  for (const { stage: s } of graph.stages) {
    const own: RuleContext = {
      arg,
      // What it needs, what it provides, else what its image holds: inherited (provided by an
      // ancestor, or copied into one through a need), minus what the chain removed.
      artifact: (kind) => s.needs.find((n) => n.kind === kind)?.artifact ?? Object.values(s.provides).find((a) => a.kind === kind) ?? heldArtifact(s.contains, kind),
    };
    const overridden = new Set(s.overrides.map((o) => o.rule));
    for (const o of s.overrides) {
      if (!s.rules.some((r) => r.id === o.rule)) {
        report(s.name, `stage ${s.name}: override names rule ${o.rule}, which the stage does not have; known rules: ${s.rules.map((r) => r.id).join(", ") || "none"}`);
      }
      if (o.reason.trim().length < 10) {
        report(s.name, `stage ${s.name}: the override of rule ${o.rule} needs a reason (at least a sentence) so the output says why`);
      }
    }
    const live = s.rules.filter((r) => !overridden.has(r.id));
    for (const r of live) {
      const problem = r.check(own);
      if (problem !== undefined) report(s.name, ruleMessage(s.name, r, problem));
    }
    for (const holder of graph.holdersOf(s.name)) {
      const inImage: RuleContext = { arg, artifact: (kind) => heldArtifact(holder.holds, kind) ?? own.artifact(kind) };
      for (const r of live) {
        const problem = r.check(inImage);
        if (problem !== undefined && r.check(own) !== problem) report(holder.stage.name, ruleMessage(`${s.name}, in the image of stage ${holder.stage.name}`, r, problem));
      }
    }
  }
  return out;
}

function heldArtifact(holds: readonly Held[], kind: string): AnyArtifact | undefined {
  const hit = holds.find((h) => h.kind === kind);
  return hit !== undefined && "delivery" in hit ? (hit as AnyArtifact) : undefined;
}

/**
 * Throw a StagewrightError listing every problem, or return the stages unchanged.
 *
 * @example
 * checkStages([base, fabric, nixlStage])
 */
export function checkStages<S extends readonly AnyStage[]>(stages: S): S {
  const problems = findProblems(stages);
  const first = problems[0];
  if (first !== undefined) {
    throw new StagewrightError(first.code, first.message, { stage: first.stage, ...(first.arg ? { arg: first.arg } : {}) }, problems.map((p) => p.message));
  }
  return stages;
}
