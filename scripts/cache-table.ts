/**
 * The cache-impact table of docs/performance.md: for each version ARG of a recipe, how many build
 * steps a change re-executes (computed from the stage graph by rebuildPlan), and what share of the
 * build time they take (from per-step time estimates).
 */
import { rebuildPlan, type StageList } from "../src/index.ts";
import type { StepTime } from "./build-times.ts";

/** The ARGs behind a recipe's dev.stagewright.version.* labels, in stage order. */
export function versionLabelArgs(r: StageList): string[] {
  const out: string[] = [];
  for (const s of r.stages) for (const v of Object.values(s.versions)) for (const m of v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** One row: the steps and the share of build time a change of `arg` re-executes. */
export interface CacheImpact {
  readonly arg: string;
  readonly readers: readonly string[];
  readonly rebuilt: number;
  readonly total: number;
  readonly fraction: number;
  readonly timeFraction: number;
  readonly stages: readonly string[];
}

/** The rows of the table: per version ARG, the rebuild plan weighted by the steps' times. */
export function cacheImpact(r: StageList, times: ReadonlyMap<string, readonly StepTime[]>): CacheImpact[] {
  const all = [...times.values()].flat().reduce((n, t) => n + t.seconds, 0);
  return versionLabelArgs(r).map((arg) => {
    const p = rebuildPlan(r, arg);
    // A stage re-executes its last `rebuilt` steps (from the first invalidated one to its end).
    const seconds = p.stages.reduce((n, s) => n + (times.get(s.stage) ?? []).slice(s.steps - s.rebuilt).reduce((k, t) => k + t.seconds, 0), 0);
    return {
      arg,
      readers: p.stages.filter((s) => s.reason === "arg" || s.reason === "image").map((s) => s.stage),
      rebuilt: p.rebuilt,
      total: p.total,
      fraction: p.fraction,
      timeFraction: all === 0 ? 0 : seconds / all,
      stages: p.stages.filter((s) => s.rebuilt > 0).map((s) => `${s.stage} ${s.rebuilt}/${s.steps}`),
    };
  });
}

const pct = (x: number) => `${Math.round(100 * x)} %`;

/** The Markdown table for a recipe, with the average of both figures as its last row. */
export function cacheImpactTable(r: StageList, times: ReadonlyMap<string, readonly StepTime[]>): string {
  const rows = cacheImpact(r, times);
  const mean = (f: (c: CacheImpact) => number) => rows.reduce((n, c) => n + f(c), 0) / rows.length;
  return [
    "| version ARG | read by | steps re-executed (computed) | fraction | build time re-run (estimated) | stages re-executed (steps / of) |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map((c) => `| \`${c.arg}\` | ${c.readers.join(", ")} | ${c.rebuilt} of ${c.total} | ${pct(c.fraction)} | ${pct(c.timeFraction)} | ${c.stages.join(", ")} |`),
    `| **average** | | | **${pct(mean((c) => c.fraction))}** | **${pct(mean((c) => c.timeFraction))}** | |`,
  ].join("\n");
}
