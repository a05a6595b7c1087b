/**
 * `npm run bench`: how the type-level bookkeeping scales. Generates synthetic recipes of 10, 50, 200,
 * 500 and 1000 stages with chained artifacts (stage i needs the artifact of stage i-1, shares one ARG,
 * and the recipe is checked by `recipe()`'s types), then measures the CPU time (user + system) of
 * `tsc --noEmit` on each, and the render time. Runs are paired: each round checks every size once,
 * alternating the order of the sizes, so a slower or busier minute of the shared machine hits all
 * sizes alike; the table shows the median of the rounds. Results are recorded in docs/performance.md.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const sizes = (process.argv[2] ?? "10,50,200,500,1000").split(",").map(Number);
const dir = join(process.cwd(), ".bench");
const runs = Number(process.env["BENCH_RUNS"] ?? 5);
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

/** CPU seconds (user + system) of this process's waited-for children, from /proc (Linux). */
function childCpuSeconds(): number {
  // Fields after the command name: state is field 3; cutime and cstime are fields 16 and 17, in clock ticks.
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[13]) + Number(fields[14]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** One tsc run: its CPU seconds and whether it reported no error. */
function check(n: number): { cpu: number; ok: boolean } {
  const before = childCpuSeconds();
  let ok = true;
  try {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit", "-p", join(dir, `tsconfig-${n}.json`)], { stdio: "pipe" });
  } catch (e) {
    ok = false;
    process.stderr.write(String((e as { stdout?: Buffer }).stdout ?? e).slice(0, 2000));
  }
  return { cpu: childCpuSeconds() - before, ok };
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const rows: string[] = [`| stages | tsc --noEmit CPU time (median of ${runs}, paired) | ratio to ${sizes[0]} stages | render | error-free |`, "| ---: | ---: | ---: | ---: | --- |"];
try {
  for (const n of sizes) {
    writeFileSync(join(dir, `recipe-${n}.ts`), source(n));
    writeFileSync(
      join(dir, `tsconfig-${n}.json`),
      JSON.stringify({ extends: "../tsconfig.json", include: [`recipe-${n}.ts`, "../src/types"], compilerOptions: { incremental: false } }),
    );
  }
  const cpu = new Map<number, number[]>(sizes.map((n) => [n, []]));
  const ok = new Map<number, boolean>(sizes.map((n) => [n, true]));
  for (let k = 0; k < runs; k++) {
    // Alternate the order of the sizes from round to round.
    for (const n of k % 2 === 0 ? sizes : [...sizes].reverse()) {
      const r = check(n);
      cpu.get(n)!.push(r.cpu);
      if (!r.ok) ok.set(n, false);
    }
  }
  const base = median(cpu.get(sizes[0]!)!);
  for (const n of sizes) {
    const mod = (await import(join(dir, `recipe-${n}.ts`))) as { r: { render(): string } };
    const r0 = performance.now();
    mod.r.render();
    const renderMs = performance.now() - r0;
    const m = median(cpu.get(n)!);
    rows.push(`| ${n} | ${m.toFixed(2)} s | ${(m / base).toFixed(2)}x | ${renderMs.toFixed(1)} ms | ${ok.get(n) ? "yes" : "NO"} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`shape: ${shape}\n${rows.join("\n")}\n`);
process.stdout.write(`\nbudget: ${sizes[sizes.length - 1]} stages within 3x the ${sizes[0]}-stage CPU time, without a depth error\n`);
