/**
 * Every committed generated file, by repository-relative path, computed from the recipes. Shared by
 * scripts/generate.ts (writes them) and test/generated.test.ts (compares them).
 */
import { readFileSync } from "node:fs";
import { compareRecipes, comparisonMarkdown, companionFiles, mermaidGraph, renderStageAlone } from "../src/index.ts";
import { builtinRecipes } from "../recipes/index.ts";
import { nixlImageRows, nixlLinkage } from "../stages/index.ts";

/** Path → content of every generated file in the repository. */
export function generatedFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, make] of Object.entries(builtinRecipes)) {
    const r = make();
    for (const [file, text] of Object.entries(companionFiles(r))) out[`generated/${name}/${file}`] = text;
    // Golden files: each stage of each built-in recipe rendered alone.
    for (const s of r.stages) out[`test/golden/${name}/${s.name}.Dockerfile`] = renderStageAlone(s);
  }
  const recipes = ["nixl-official", "nixl-production", "nixl-aligned"].map((n) => builtinRecipes[n]!());
  out["docs/comparison.md"] = [
    "# official vs production vs aligned",
    "",
    "Generated from the recipe objects by `npm run generate` (the same as `npx stagewright compare official production aligned`);",
    "test/generated.test.ts fails when it is out of date. Every cell is read from the recipes; test/compare.test.ts checks the",
    "official column against shared/reference/nixl-official-image.md.",
    "",
    comparisonMarkdown(compareRecipes(recipes, nixlImageRows, nixlLinkage)),
  ].join("\n");
  const aligned = builtinRecipes["nixl-aligned"]!();
  out["docs/architecture.md"] = readFileSync("docs/templates/architecture.md", "utf8").replace("%GRAPH%", mermaidGraph(aligned).trimEnd());
  return out;
}
