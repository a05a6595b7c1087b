/**
 * The entry point recipe modules share: `npx tsx recipes/x.ts` prints the Dockerfile,
 * `--out DIR` writes the Dockerfile and its companions. A user mistake prints one line and the fix,
 * exits non-zero, and leaves nothing half-written.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isStagewrightError } from "./errors.ts";
import type { Recipe } from "./recipe.ts";
import { writeCompanions } from "./companions.ts";

/**
 * Run a recipe module as a program when it is the process's entry point (not when imported).
 *
 * @example
 * runRecipeMain(import.meta.url, () => alignedRecipe())
 */
export function runRecipeMain(moduleUrl: string, make: () => Recipe): void {
  const entry = process.argv[1];
  if (entry === undefined) return;
  let isMain = false;
  try {
    isMain = realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    isMain = false;
  }
  if (!isMain) return;
  const argv = process.argv.slice(2);
  try {
    const r = make();
    if (argv.length === 0) {
      process.stdout.write(r.render());
      return;
    }
    if (argv[0] === "--out" && argv[1] !== undefined && argv.length === 2) {
      const files = writeCompanions(r, argv[1]);
      for (const f of files) process.stderr.write(`wrote ${f}\n`);
      return;
    }
    if (argv[0] === "--help" || argv[0] === "-h") {
      process.stdout.write(`usage: npx tsx <recipe.ts> [--out DIR]\n  (no option)  print the Dockerfile\n  --out DIR    write Dockerfile.${r.name}, build-${r.name}.sh, test-${r.name}.sh, .dockerignore and docker-bake.hcl into DIR\n`);
      return;
    }
    process.stderr.write(`stagewright: unknown arguments ${argv.join(" ")}; use --out DIR, --help, or nothing to print the Dockerfile\n`);
    process.exitCode = 2;
  } catch (e) {
    if (isStagewrightError(e)) {
      process.stderr.write(`stagewright: ${e.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}
