// Summarise reports/mutation/<run>.ndjson (scripts/stryker-progress.mjs) per file: killed,
// survived, timeout, no coverage, compile errors, ignored, and the score Stryker computes
// ((killed + timeout) / (killed + timeout + survived + no coverage)); then every survivor.
// Usage: node scripts/mutation-summary.mjs [run]   (run: core, rules, lint, ...; default core)
import { readFileSync } from "node:fs";
import { relative } from "node:path";

const run = process.argv[2] ?? "core";
const rows = readFileSync(`reports/mutation/${run}.ndjson`, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const files = new Map();
for (const r of rows) {
  const f = relative(process.cwd(), r.file);
  const c = files.get(f) ?? { Killed: 0, Survived: 0, Timeout: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 };
  c[r.status] = (c[r.status] ?? 0) + 1;
  files.set(f, c);
}
const score = (c) => {
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage;
  return valid === 0 ? "n/a" : `${((100 * detected) / valid).toFixed(1)} %`;
};
console.log("| file | killed | survived | timeout | no coverage | compile error | ignored (static) | score |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
const total = { Killed: 0, Survived: 0, Timeout: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 };
for (const [f, c] of [...files].sort()) {
  for (const k of Object.keys(total)) total[k] += c[k] ?? 0;
  console.log(`| ${f} | ${c.Killed} | ${c.Survived} | ${c.Timeout} | ${c.NoCoverage} | ${c.CompileError} | ${c.Ignored} | ${score(c)} |`);
}
console.log(`| all | ${total.Killed} | ${total.Survived} | ${total.Timeout} | ${total.NoCoverage} | ${total.CompileError} | ${total.Ignored} | ${score(total)} |`);
console.log("\nSurvivors and no coverage:");
for (const r of rows.filter((x) => x.status === "Survived" || x.status === "NoCoverage").sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)) {
  console.log(`- ${relative(process.cwd(), r.file)}:${r.line} ${r.mutator} ${r.status}: ${JSON.stringify(r.replacement).slice(0, 120)}`);
}
