/**
 * `npm run bench`: how the type-level bookkeeping scales. Generates synthetic recipes of 10, 50 and
 * 200 stages with chained artifacts (stage i needs the artifact of stage i-1, shares one ARG, and
 * the recipe is checked by `recipe()`'s types), then prints the `tsc --noEmit` time of each and the
 * render time. Results and the command are recorded in docs/performance.md.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const sizes = (process.argv[2] ?? "10,50,200").split(",").map(Number);
const dir = join(process.cwd(), ".bench");
const runs = Number(process.env["BENCH_RUNS"] ?? 3);
/** "fan" (default): builders FROM one system stage, needs chained i -> i-1, as real recipes are shaped.
 *  "from-chain": every stage FROM the previous one as well (a deep base chain). */
const shape = process.env["BENCH_SHAPE"] === "from-chain" ? "from-chain" : "fan";

function source(n: number): string {
  const lines = [
    'import { artifact, buildNeed, defineStage, image, pathArg, recipe, run } from "../src/index.ts";',
    'const SHARED = pathArg("SHARED_PREFIX", "/opt/shared", "a prefix every stage reads");',
    'const s0 = defineStage({ name: "s0", description: "root", from: image("debian:bookworm"), args: [SHARED],',
    '  provides: { a: artifact({ kind: "k0", producer: "s0", version: "1.0.0", prefix: "/opt/k0", delivery: { type: "staged", dir: "/opt/s/s0" } }) },',
    '  steps: [run(\'echo "${SHARED_PREFIX}"\')] });',
  ];
  for (let i = 1; i < n; i++) {
    lines.push(
      `const s${i} = defineStage({ name: "s${i}", description: "stage ${i}", from: ${shape === "fan" ? "s0" : `s${i - 1}`}, args: [SHARED], needs: [buildNeed(s${i - 1}.provides.a)],`,
      `  provides: { a: artifact({ kind: "k${i}", producer: "s${i}", version: "1.0.0", prefix: "/opt/k${i}", delivery: { type: "staged", dir: "/opt/s/s${i}" } }) },`,
      `  steps: [run('echo "\${SHARED_PREFIX}" ${i}')] });`,
    );
  }
  lines.push(`export const r = recipe("bench-${n}", [${Array.from({ length: n }, (_, i) => `s${i}`).join(", ")}]);`);
  return `${lines.join("\n")}\n`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const rows: string[] = ["| stages | tsc --noEmit (median of " + runs + ") | render | error-free |", "| ---: | ---: | ---: | --- |"];
const baseline: Record<number, number> = {};
try {
  for (const n of sizes) {
    const file = join(dir, `recipe-${n}.ts`);
    writeFileSync(file, source(n));
    writeFileSync(
      join(dir, `tsconfig-${n}.json`),
      JSON.stringify({ extends: "../tsconfig.json", include: [`recipe-${n}.ts`, "../src/types"], compilerOptions: { incremental: false } }),
    );
    const times: number[] = [];
    let ok = true;
    for (let k = 0; k < runs; k++) {
      const t0 = performance.now();
      try {
        execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit", "-p", join(dir, `tsconfig-${n}.json`)], { stdio: "pipe" });
      } catch (e) {
        ok = false;
        process.stderr.write(String((e as { stdout?: Buffer }).stdout ?? e));
      }
      times.push(performance.now() - t0);
    }
    const mod = (await import(file)) as { r: { render(): string } };
    const r0 = performance.now();
    mod.r.render();
    const renderMs = performance.now() - r0;
    baseline[n] = median(times);
    rows.push(`| ${n} | ${(median(times) / 1000).toFixed(2)} s | ${renderMs.toFixed(1)} ms | ${ok ? "yes" : "NO"} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`shape: ${shape}\n${rows.join("\n")}\n`);
const small = baseline[sizes[0]!];
const large = baseline[sizes[sizes.length - 1]!];
if (small !== undefined && large !== undefined) {
  process.stdout.write(`\nratio ${sizes[sizes.length - 1]} / ${sizes[0]} stages: ${(large / small).toFixed(2)}x (budget: 3x)\n`);
}
