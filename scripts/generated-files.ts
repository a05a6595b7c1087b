/**
 * Every committed generated file, by repository-relative path, computed from the recipes. Shared by
 * scripts/generate.ts (writes them) and test/generated.test.ts (compares them).
 */
import { companionFiles } from "../src/index.ts";
import { builtinRecipes } from "../recipes/index.ts";

/** Path → content of every generated file in the repository. */
export function generatedFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, make] of Object.entries(builtinRecipes)) {
    for (const [file, text] of Object.entries(companionFiles(make()))) out[`generated/${name}/${file}`] = text;
  }
  return out;
}
