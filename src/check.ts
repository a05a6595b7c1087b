import { StagewrightError, type ErrorCode } from "./errors.ts";
import {
  argConflict,
  duplicateArtifact,
  duplicateStage,
  missingProducer,
  ambiguousProducer,
  prefixMismatch,
  producerNotInRecipe,
} from "./messages.ts";
import { argValueProblem } from "./arg.ts";
import { ancestors, type AnyStage, type Held } from "./stage.ts";
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
 * The runtime twin of the type-level rules (rules.ts): the same six rules, the same sentences, for
 * stages whose facts arrived as plain strings (YAML, CLI flags) or were widened on the way.
 * Also checks what types cannot: every stage's base is in the recipe before it, and every ARG
 * default is valid for its kind.
 *
 * @example
 * const problems = findProblems([base, fabric, nixlStage]) // [] when the composition is consistent
 */
export function findProblems(stages: readonly AnyStage[]): Problem[] {
  const problems: Problem[] = [];
  const provided: Held[] = [];
  const names = new Set<string>();
  const seenArgs = new Map<string, { default: string; stage: string }>();

  for (const s of stages) {
    if (names.has(s.name)) {
      problems.push({ code: "duplicate-stage", message: duplicateStage(s.name), stage: s.name });
      continue;
    }
    for (const base of ancestors(s).slice(0, 1)) {
      if (!names.has(base.name)) {
        problems.push({
          code: "missing-producer",
          message: `stage ${s.name} is built FROM stage ${base.name}, which is not in the recipe before ${s.name}; add stage ${base.name} before ${s.name}`,
          stage: s.name,
        });
      }
    }
    for (const n of s.needs) {
      const ofKind = provided.filter((p) => p.kind === n.kind);
      if (n.producer !== null && !ofKind.some((p) => p.producer === n.producer)) {
        problems.push({ code: "missing-producer", message: producerNotInRecipe(s.name, n.kind, n.producer), stage: s.name });
        continue;
      }
      if (n.producer === null && ofKind.length === 0) {
        problems.push({ code: "missing-producer", message: missingProducer(s.name, n.kind), stage: s.name });
        continue;
      }
      if (n.producer === null && ofKind.length > 1) {
        problems.push({ code: "missing-producer", message: ambiguousProducer(s.name, n.kind, ofKind[0]!.producer, ofKind[1]!.producer), stage: s.name });
        continue;
      }
      for (const p of ofKind) {
        if (p.prefix !== n.prefix) {
          problems.push({ code: "prefix-mismatch", message: prefixMismatch(s.name, n.kind, n.prefix, p.producer, p.prefix), stage: s.name });
        }
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
    names.add(s.name);
    for (const a of Object.values(s.provides)) provided.push(a);
  }
  problems.push(...ruleProblems(stages));
  return problems;
}

/** Evaluate every stage's version rules against the recipe's resolved ARG values. */
function ruleProblems(stages: readonly AnyStage[]): Problem[] {
  const values = new Map<string, string>();
  for (const s of stages) for (const a of stageArgs(s)) if (!values.has(a.name)) values.set(a.name, a.default);
  const out: Problem[] = [];
  for (const s of stages) {
    const ctx: RuleContext = {
      arg: (name) => values.get(name),
      artifact: (kind) => s.needs.find((n) => n.kind === kind)?.artifact ?? Object.values(s.provides).find((a) => a.kind === kind) ?? findContained(s, kind),
    };
    const overridden = new Set(s.overrides.map((o) => o.rule));
    for (const o of s.overrides) {
      if (!s.rules.some((r) => r.id === o.rule)) {
        out.push({ code: "version-rule", message: `stage ${s.name}: override names rule ${o.rule}, which the stage does not have; known rules: ${s.rules.map((r) => r.id).join(", ") || "none"}`, stage: s.name });
      }
      if (o.reason.trim().length < 10) {
        out.push({ code: "version-rule", message: `stage ${s.name}: the override of rule ${o.rule} needs a reason (at least a sentence) so the output says why`, stage: s.name });
      }
    }
    for (const r of s.rules) {
      if (overridden.has(r.id)) continue;
      const problem = r.check(ctx);
      if (problem !== undefined) out.push({ code: "version-rule", message: ruleMessage(s.name, r, problem), stage: s.name });
    }
  }
  return out;
}

function findContained(s: AnyStage, kind: string) {
  for (const a of ancestors(s)) {
    const hit = Object.values(a.provides).find((p) => p.kind === kind);
    if (hit !== undefined && s.contains.some((c) => c.kind === kind && c.producer === hit.producer)) return hit;
  }
  return undefined;
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
