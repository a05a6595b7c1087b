/**
 * The cache-impact table of docs/performance.md: for each component version of a recipe (the ARGs
 * behind one dev.stagewright.version.* label, changed together, as a version bump changes them), how
 * many build steps a bump re-executes (computed from the stage graph by rebuildPlan), and what share
 * of the build time they take (from per-step time estimates).
 */
import { rebuildPlan, type StageList } from "../src/index.ts";
import type { StepTime } from "./build-times.ts";

/** The ARGs behind a recipe's dev.stagewright.version.* labels, in stage order. */
export function versionLabelArgs(r: StageList): string[] {
  return [...new Set(versionComponents(r).flatMap((c) => c.args))];
}

/** One component version: the labels it writes and the ARGs they read (bumped together). */
export interface VersionComponent {
  readonly labels: readonly string[];
  readonly args: readonly string[];
}

/**
 * The component versions of a recipe: each dev.stagewright.version.* label that reads ARGs, in
 * stage order; labels that read the same ARGs are one component (doca and rdma-core, both
 * DOCA_BUILD). The base image is one component, `${BASE_IMAGE}:${BASE_TAG}`: a bump of it changes
 * the tag, and a new repository comes with a tag of its own.
 */
export function versionComponents(r: StageList): VersionComponent[] {
  const out: { labels: string[]; args: string[] }[] = [];
  for (const s of r.stages) {
    for (const [label, v] of Object.entries(s.versions)) {
      const args = [...new Set([...v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!))];
      if (args.length === 0) continue;
      const same = out.find((c) => c.args.length === args.length && c.args.every((a) => args.includes(a)));
      if (same !== undefined) same.labels.push(label);
      else out.push({ labels: [label], args });
    }
  }
  return out;
}

/** One row: the steps and the share of build time a bump of `args` (together) re-executes. */
export interface CacheImpact {
  /** The ARGs bumped, joined with " + ". */
  readonly arg: string;
  readonly labels: readonly string[];
  readonly readers: readonly string[];
  readonly rebuilt: number;
  readonly total: number;
  readonly fraction: number;
  readonly timeFraction: number;
  readonly stages: readonly string[];
}

function row(r: StageList, times: ReadonlyMap<string, readonly StepTime[]>, args: readonly string[], labels: readonly string[]): CacheImpact {
  const all = [...times.values()].flat().reduce((n, t) => n + t.seconds, 0);
  const p = rebuildPlan(r, args);
  // A stage re-executes its last `rebuilt` steps (from the first invalidated one to its end).
  const seconds = p.stages.reduce((n, s) => n + (times.get(s.stage) ?? []).slice(s.steps - s.rebuilt).reduce((k, t) => k + t.seconds, 0), 0);
  return {
    arg: p.arg,
    labels,
    readers: p.stages.filter((s) => s.reason === "arg" || s.reason === "image").map((s) => s.stage),
    rebuilt: p.rebuilt,
    total: p.total,
    fraction: p.fraction,
    timeFraction: all === 0 ? 0 : seconds / all,
    stages: p.stages.filter((s) => s.rebuilt > 0).map((s) => `${s.stage} ${s.rebuilt}/${s.steps}`),
  };
}

/** The rows of the table: per component version, the rebuild plan weighted by the steps' times. */
export function cacheImpact(r: StageList, times: ReadonlyMap<string, readonly StepTime[]>): CacheImpact[] {
  return versionComponents(r).map((c) => row(r, times, c.args, c.labels));
}

/** The same figures with every ARG behind a label bumped alone (the table's previous rows). */
export function cacheImpactPerArg(r: StageList, times: ReadonlyMap<string, readonly StepTime[]>): CacheImpact[] {
  return versionLabelArgs(r).map((arg) => row(r, times, [arg], []));
}

const pct = (x: number) => `${Math.round(100 * x)} %`;
const mean = (rows: readonly CacheImpact[], f: (c: CacheImpact) => number) => rows.reduce((n, c) => n + f(c), 0) / rows.length;

/** The Markdown table for a recipe, with the average of both figures, and the per-ARG average, as its last rows. */
export function cacheImpactTable(r: StageList, times: ReadonlyMap<string, readonly StepTime[]>): string {
  const rows = cacheImpact(r, times);
  const perArg = cacheImpactPerArg(r, times);
  return [
    "| component (labels) | ARGs bumped | read by | steps re-executed (computed) | fraction | build time re-run (estimated) | stages re-executed (steps / of) |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((c) => `| ${c.labels.join(", ")} | ${c.arg.split(" + ").map((a) => `\`${a}\``).join(" + ")} | ${c.readers.join(", ")} | ${c.rebuilt} of ${c.total} | ${pct(c.fraction)} | ${pct(c.timeFraction)} | ${c.stages.join(", ")} |`),
    `| **average** (${rows.length} components) | | | | **${pct(mean(rows, (c) => c.fraction))}** | **${pct(mean(rows, (c) => c.timeFraction))}** | |`,
    `| average per ARG, each bumped alone (${perArg.length} ARGs) | | | | ${pct(mean(perArg, (c) => c.fraction))} | ${pct(mean(perArg, (c) => c.timeFraction))} | |`,
  ].join("\n");
}
