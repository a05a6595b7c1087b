/**
 * Every committed generated file, by repository-relative path, computed from the recipes. Shared by
 * scripts/generate.ts (writes them) and test/generated.test.ts (compares them).
 */
import { companionFiles, renderStageAlone } from "../src/index.ts";
import { builtinRecipes } from "../recipes/index.ts";

/** Path → content of every generated file in the repository. */
export function generatedFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, make] of Object.entries(builtinRecipes)) {
    const r = make();
    for (const [file, text] of Object.entries(companionFiles(r))) out[`generated/${name}/${file}`] = text;
    // Golden files: each stage of each built-in recipe rendered alone.
    for (const s of r.stages) out[`test/golden/${name}/${s.name}.Dockerfile`] = renderStageAlone(s);
  }
  return out;
}
