/**
 * `npm run bench:startup`: how long first contact takes. The packed package is installed into a
 * fresh project (scripts/pack-consumer.ts) and `stagewright render aligned` (the installed bin, as
 * `npx stagewright` runs it) is timed against the trivial floor: a Node process that reads the
 * same Dockerfile from disk and prints it. Paired runs (floor and command alternate, so load on the
 * machine hits both alike), after one warm-up each; the median of each and the median of the
 * per-pair ratios are printed. docs/performance.md records the result.
 *
 * usage: npx tsx scripts/startup-bench.ts [PAIRS]   (default 15)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packConsumer } from "./pack-consumer.ts";

const pairs = Number(process.argv[2] ?? 15);
const work = mkdtempSync(join(tmpdir(), "stagewright-startup-"));
try {
  const c = packConsumer(work);
  const bin = join(c.dir, "node_modules", ".bin", "stagewright");
  const time = (args: readonly string[]): { ms: number; out: string } => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: c.dir, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr}`);
    return { ms, out: r.stdout };
  };
  const rendered = time([bin, "render", "aligned"]).out;
  writeFileSync(join(c.dir, "Dockerfile"), rendered);
  writeFileSync(join(c.dir, "floor.mjs"), 'import { readFileSync } from "node:fs";\nprocess.stdout.write(readFileSync("Dockerfile", "utf8"));\n');
  const floorArgs = ["floor.mjs"];
  const renderArgs = [bin, "render", "aligned"];
  time(floorArgs);
  const floor: number[] = [];
  const render: number[] = [];
  const ratio: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const f = time(floorArgs);
    const r = time(renderArgs);
    if (f.out !== rendered || r.out !== rendered) throw new Error("the floor and the command must print the same Dockerfile");
    floor.push(f.ms);
    render.push(r.ms);
    ratio.push(r.ms / f.ms);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`pairs: ${pairs}`);
  console.log(`floor (node reads and prints the Dockerfile): median ${median(floor).toFixed(0)} ms`);
  console.log(`stagewright render aligned (installed bin):   median ${median(render).toFixed(0)} ms`);
  console.log(`ratio (median of per-pair ratios):            ${median(ratio).toFixed(2)}x`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
