/**
 * The cache-impact table of docs/performance.md: for each version ARG of a recipe, how many build
 * steps a change re-executes (computed from the stage graph by rebuildPlan).
 */
import { rebuildPlan, type StageList } from "../src/index.ts";

/** The ARGs behind a recipe's dev.stagewright.version.* labels, in stage order. */
export function versionLabelArgs(r: StageList): string[] {
  const out: string[] = [];
  for (const s of r.stages) for (const v of Object.values(s.versions)) for (const m of v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** The Markdown table for a recipe. */
export function cacheImpactTable(r: StageList): string {
  const rows = versionLabelArgs(r).map((arg) => {
    const p = rebuildPlan(r, arg);
    const readers = p.stages.filter((s) => s.reason === "arg" || s.reason === "image").map((s) => s.stage);
    const stages = p.stages.filter((s) => s.rebuilt > 0).map((s) => `${s.stage} ${s.rebuilt}/${s.steps}`);
    return `| \`${arg}\` | ${readers.join(", ")} | ${p.rebuilt} of ${p.total} | ${Math.round(100 * p.fraction)} % | ${stages.join(", ")} |`;
  });
  return ["| version ARG | read by | steps re-executed (computed) | fraction | stages re-executed (steps / of) |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}
