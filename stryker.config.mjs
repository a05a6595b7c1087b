// Mutation testing (docs/testing.md): `npm run mutate`. Slow on two shared cores, so it is not
// part of `npm test` or CI's default path.
import { readFileSync, readdirSync } from "node:fs";

// Rule data declared in a stage file that holds other code too: the line range of every
// `export const X = { ... } as const satisfies RuleData;` block, found when the run starts, so
// the ranges follow edits of those files.
function ruleDataRanges(file) {
  const lines = readFileSync(file, "utf8").split("\n");
  const ranges = [];
  let start;
  lines.forEach((line, i) => {
    if (/^export const \w+ = \{$/.test(line)) start = i + 1;
    if (start !== undefined && /^\} as const satisfies RuleData;$/.test(line)) {
      ranges.push(`${file}:${start}-${i + 1}`);
      start = undefined;
    }
  });
  return ranges;
}

// Stage files whose whole content is rule data or version facts.
const ruleFiles = ["stages/nixl-rules.ts", "stages/nixl-versions.ts"];
const stageRuleData = readdirSync("stages")
  .filter((f) => f.endsWith(".ts"))
  .map((f) => `stages/${f}`)
  .filter((f) => !ruleFiles.includes(f))
  .flatMap(ruleDataRanges);

// The rule, check, values and lint modules of the core (issue 14's goal: 85 % killed).
const coreModules = ["src/rules.ts", "src/rule-data.ts", "src/version-rules.ts", "src/check.ts", "src/values.ts", "src/lint.ts"];

// The tests that state the core rules. A mutant counts as killed when one of these fails: the
// golden files and rendered-recipe tests would catch more, but each mutant would then load
// dozens of test files (two hours a run here), and a rule should be pinned by its own test.
const coreTests = [
  "test/rules.test.ts",
  "test/rule-data.test.ts",
  "test/check.test.ts",
  "test/values.test.ts",
  "test/lint.test.ts",
  "test/holes.test.ts",
  "test/bad-input.test.ts",
  "test/versions.test.ts",
  "test/platforms.test.ts",
  "test/image-ref.test.ts",
];

// Which run (docs/testing.md):
// - default: the core modules. Their code runs inside tests, and also while test files load
//   (a recipe built at the top of a file), which makes Stryker call those mutants "static" and
//   rerun the whole suite, after a reload, for each one: hours here. With ignoreStatic, a mutant
//   that tests also cover runs with those tests only; one that runs only while modules load (a
//   module-level constant) is ignored and listed as such.
// - MUTATE=stages: the stage library's rule files. StrykerJS mutates nothing inside `as const`,
//   so the rule data objects have no mutants; what it mutates is the constants they read and the
//   helpers. A module-level constant's mutant is static, and here it is not switched on when its
//   module is evaluated: its "survived" means "not tested"; docs/testing.md says how each was
//   checked by hand.
// - MUTATE=lint or MUTATE=rule-data,check (core modules by name): those modules alone, with their
//   own reports and incremental file.
// - MUTATE=all: the whole of src/ (not measured here: hours on two cores).
const run = process.env.MUTATE ?? "core";
const runs = {
  core: { mutate: coreModules, ignoreStatic: true, testFiles: coreTests },
  stages: {
    mutate: [...ruleFiles, ...stageRuleData],
    ignoreStatic: false,
    testFiles: ["test/rule-data.test.ts", "test/versions.test.ts", "test/nixl-tags.test.ts", "test/nixl-rules.test.ts"],
  },
  all: { mutate: ["src/**/*.ts"], ignoreStatic: true },
};
// MUTATE=<module>[,<module>...] (lint, check, values, rule-data, version-rules, rules): those core modules.
const modules = new Map(coreModules.map((m) => [m.slice(4, -3), m]));
if (!(run in runs) && run.split(",").every((m) => modules.has(m))) runs[run] = { ...runs.core, mutate: run.split(",").map((m) => modules.get(m)) };
if (!(run in runs)) throw new Error(`MUTATE=${run}: expected one of ${Object.keys(runs).join(", ")}`);

// MUTATE_QUICK=1: each core module against its own unit tests only, without the typescript
// checker (whose fresh type check of the mutated file and its importers was most of a run's
// time here). Quicker by a factor of several; a mutant that would not compile then runs the
// tests like any other, so a survivor has to be looked at for that (docs/testing.md).
const ownTests = {
  "src/rules.ts": [],
  "src/rule-data.ts": ["test/rule-data.test.ts"],
  "src/version-rules.ts": ["test/rule-data.test.ts"],
  "src/check.ts": ["test/check.test.ts", "test/rules.test.ts"],
  "src/values.ts": ["test/values.test.ts"],
  "src/lint.ts": ["test/lint.test.ts"],
};
const quick = process.env.MUTATE_QUICK === "1";
if (quick && runs[run].testFiles === coreTests) runs[run] = { ...runs[run], testFiles: [...new Set(runs[run].mutate.flatMap((m) => ownTests[m] ?? coreTests))] };
const variant = quick ? `${run}-quick` : run;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...runs[run],
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.ts" },
  checkers: quick ? [] : ["typescript"],
  // What the typescript checker compiles for each mutant: the library itself (src/, stages/).
  // Rechecking only the files that import the mutated one keeps a check at seconds instead of a
  // whole-project recheck (the type-level rules make that slow); a mutant whose error would show
  // further away is not marked as a compile error and runs the tests instead.
  tsconfigFile: "tsconfig.mutate.json",
  coverageAnalysis: "perTest",
  // Two cores shared by several people.
  concurrency: 1,
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${variant}.json`,
  plugins: ["@stryker-mutator/*", "./scripts/stryker-progress.mjs"],
  reporters: ["clear-text", "progress", "html", "json", "progress-file"],
  htmlReporter: { fileName: `reports/mutation/${variant}.html` },
  jsonReporter: { fileName: `reports/mutation/${variant}.json` },
  timeoutMS: 20_000,
  dryRunTimeoutMinutes: 20,
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: ".stryker-tmp",
  ignorePatterns: ["out", "dist", ".bench", "reports", ".vitest-cache"],
};
