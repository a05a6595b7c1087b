/**
 * Rule torch-cuda's two twins (stages/torch.ts: torchCudaProblem at run time, TorchCudaProblem at
 * compile time) are written separately, so this test holds them together over the whole table:
 * every torch line of TORCH_CUDA_BUILDS against every CUDA the table names and one it does not;
 * tsc must find the type's sentence identical to the runtime one (never where the runtime has none).
 * A line added to the table but not to the type's ordered list fails here.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import ts from "typescript";
import { afterAll, expect, test } from "vitest";
import { ruleMessage } from "../src/index.ts";
import { TORCH_CUDA_BUILDS, torchCudaProblem, torchCudaRule } from "../stages/index.ts";

const dir = mkdtempSync(resolve("test/.tsc-messages-torch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("TorchCudaProblem equals the runtime sentence for every torch line and CUDA of the table", () => {
  const cudas = [...new Set(Object.values(TORCH_CUDA_BUILDS).flatMap((r) => [...r.cuda])), "11.8"].sort();
  const lines = Object.keys(TORCH_CUDA_BUILDS);
  expect(lines.length).toBeGreaterThan(2);
  const checks: string[] = [];
  for (const line of lines) {
    for (const cuda of cudas) {
      const problem = torchCudaProblem(`${line}.0`, cuda);
      const want = problem === undefined ? "never" : JSON.stringify(ruleMessage("runtime", torchCudaRule(), problem));
      checks.push(`const c${checks.length}: Eq<TorchCudaProblem<"${line}.0", "${cuda}">, ${want}> = true;`);
    }
  }
  const file = resolve(dir, "twins.ts");
  writeFileSync(
    file,
    [
      'import type { TorchCudaProblem } from "../../stages/index.ts";',
      "type Eq<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;",
      ...checks,
      `export const all = [${checks.map((_, i) => `c${i}`).join(", ")}];`,
    ].join("\n"),
  );
  const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, allowImportingTsExtensions: true, skipLibCheck: true });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0]);
  expect(problems).toEqual([]);
  // Both outcomes occur, so the comparison is not vacuous.
  expect(checks.some((c) => c.endsWith("never> = true;"))).toBe(true);
  expect(checks.some((c) => !c.endsWith("never> = true;"))).toBe(true);
}, 120_000);
