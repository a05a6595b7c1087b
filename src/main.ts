/**
 * The entry point recipe modules share: `npx tsx my-recipe.ts` prints the Dockerfile, `-o FILE`
 * writes it atomically, `--out DIR` writes the Dockerfile and its companions. A user mistake prints
 * one line and the fix, exits non-zero, and leaves nothing half-written (with `> Dockerfile` the
 * shell truncates the file before the recipe runs; `-o Dockerfile` keeps the old one on a refusal).
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isStagewrightError } from "./errors.ts";
import type { Recipe } from "./recipe.ts";
import { writeCompanions } from "./companions.ts";
import { writeFileAtomic } from "./files.ts";
import { lintStages } from "./lint.ts";

/**
 * The warnings a render prints beside the Dockerfile (not fatal: the build prints NOT verified and
 * the hash, but never silent), one line each.
 *
 * @example
 * renderWarnings(alignedRecipe()) // ["warning: stage doca: ... (rule missing-checksum)"]
 */
export function renderWarnings(r: Recipe): string[] {
  return lintStages(r.stages)
    .filter((f) => f.severity === "warning")
    .map((f) => `warning: ${f.message} (rule ${f.rule})`);
}

function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

function usage(name: string): string {
  return `usage: npx tsx <recipe.ts> [-o FILE | --out DIR]
  (no option)      print the Dockerfile
  -o, --output F   write the Dockerfile to F atomically (a refusal leaves F as it was)
  --out DIR        write Dockerfile.${name}, build-${name}.sh, test-${name}.sh, .dockerignore and docker-bake.hcl into DIR
`;
}

/**
 * Run a recipe module as a program when it is the process's entry point (not when imported): the
 * same one-line errors as the stagewright CLI for a consumer's own `tsx my-recipe.ts`.
 *
 * @example
 * runRecipeMain(import.meta.url, () => recipe("mine", [uv, base, fabric]))
 */
export function runRecipeMain(moduleUrl: string, make: () => Recipe): void {
  if (!isEntryPoint(moduleUrl)) return;
  const argv = process.argv.slice(2);
  const fail = (message: string, code: number) => {
    process.stderr.write(`stagewright: ${message}\n`);
    process.exitCode = code;
  };
  try {
    if (argv[0] === "--help" || argv[0] === "-h") {
      process.stdout.write(usage(make().name));
      return;
    }
    const [flag, value] = argv;
    const known = argv.length === 0 || (argv.length === 2 && value !== undefined && ["-o", "--output", "--out"].includes(flag ?? ""));
    if (!known) return fail(`unknown arguments ${argv.join(" ")}; use -o FILE, --out DIR, --help, or nothing to print the Dockerfile`, 2);
    const r = make();
    if (argv.length === 0) process.stdout.write(r.render());
    else if (flag === "--out") for (const f of writeCompanions(r, value!)) process.stderr.write(`wrote ${f}\n`);
    else {
      writeFileAtomic(value!, r.render());
      process.stderr.write(`wrote ${value}\n`);
    }
    for (const w of renderWarnings(r)) process.stderr.write(`${w}\n`);
  } catch (e) {
    if (!isStagewrightError(e)) throw e;
    fail(e.problems.length > 1 ? `${e.problems[0]}\n${e.problems.slice(1).map((p) => `  ${p}`).join("\n")}` : e.message, 1);
  }
}
