/**
 * Every committed generated file, by repository-relative path, computed from the recipes. Shared by
 * scripts/generate.ts (writes them) and test/generated.test.ts (compares them).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { compareRecipes, comparisonMarkdown, companionFiles, mermaidGraph, renderStageAlone } from "../src/index.ts";
import { builtinRecipes, builtinVariants } from "../recipes/index.ts";
import { officialRecipe } from "../recipes/official.ts";
import { cacheImpactTable } from "./cache-table.ts";
import { ALIGNED_RUN_TIMES, stepTimes } from "./build-times.ts";
import { nixlImageRows, nixlLinkage, stageLock } from "../stages/index.ts";

/** The lock as a Markdown table: what each source is pinned by. */
function pinTable(): string {
  const rows = [...stageLock().values()].map((p) => {
    const signedBy = [...stageLock().values()].find((k) => k.fingerprint !== null && p.id.startsWith(k.id.replace(/-key$/, "-")));
    const pinKind =
      p.commit !== null && (p.url.endsWith(".git") || p.sha256 === null) ? `commit \`${p.commit.slice(0, 12)}\``
      : p.url.startsWith("docker://") && p.sha256 !== null ? `image digest \`sha256:${p.sha256.slice(0, 16)}…\``
      : p.sha256 !== null ? `sha256 \`${p.sha256.slice(0, 16)}…\``
      : p.fingerprint !== null ? `signing key fingerprint \`${p.fingerprint}\``
      : signedBy !== undefined ? `signature by the key pinned in ${signedBy.id}`
      : p.version === "fingerprint" ? "**nothing: no public source states the full fingerprint (required as a build arg)**"
      : "**nothing: no checksum is published**";
    return `| ${p.id} | ${p.version} | ${pinKind} |`;
  });
  return ["| lock id | version | pinned by |", "| --- | --- | --- |", ...rows].join("\n");
}

/** Path → content of every generated file in the repository. */
export function generatedFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, make] of Object.entries(builtinRecipes)) {
    const r = make();
    const variants = Object.fromEntries(Object.entries(builtinVariants[name] ?? {}).map(([v, m]) => [v, m()]));
    for (const [file, text] of Object.entries(companionFiles(r, variants))) out[`generated/${name}/${file}`] = text;
    // Golden files: each stage of each built-in recipe rendered alone.
    for (const s of r.stages) out[`test/golden/${name}/${s.name}.Dockerfile`] = renderStageAlone(s);
  }
  const recipes = ["nixl-official", "nixl-production", "nixl-aligned"].map((n) => builtinRecipes[n]!());
  out["docs/comparison.md"] = [
    "# official vs production vs aligned",
    "",
    "Generated from the recipe objects by `npm run generate` (the same table as `npx stagewright compare official production aligned`, which titles it with the recipe names);",
    "test/generated.test.ts fails when it is out of date. Every cell is read from the recipes; test/compare.test.ts checks the",
    "official column against the official image's contrib/Dockerfile at tag 0.7.1 (https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile).",
    "",
    comparisonMarkdown(compareRecipes(recipes, nixlImageRows, nixlLinkage)),
    "# official@0.7.1 vs official@v1.4.0 vs current",
    "",
    "How the official build changed from NIXL 0.7.1 to v1.4.0, and the `current` recipe beside it: the same table as",
    "`npx stagewright compare official@0.7.1 official@v1.4.0 current`. The per-tag facts are in docs/facts/nixl-tags.yaml;",
    "test/nixl-tags.test.ts checks every tag's rendering against them.",
    "",
    comparisonMarkdown(compareRecipes([officialRecipe("0.7.1"), officialRecipe("v1.4.0"), builtinRecipes["nixl-current"]!()], nixlImageRows, nixlLinkage), "Version and Approach Comparison: NIXL 0.7.1 → v1.4.0"),
  ].join("\n");
  out["docs/security.md"] = readFileSync("docs/templates/security.md", "utf8").replace("%PINS%", pinTable());
  const aligned = builtinRecipes["nixl-aligned"]!();
  out["docs/performance.md"] = readFileSync("docs/performance.md", "utf8").replace(
    /(<!-- cache-impact:aligned -->\n)[\s\S]*?(\n<!-- \/cache-impact:aligned -->)/,
    (_m, open: string, close: string) => `${open}${cacheImpactTable(aligned, stepTimes(aligned, ALIGNED_RUN_TIMES))}${close}`,
  );
  out["docs/architecture.md"] = readFileSync("docs/templates/architecture.md", "utf8").replace("%GRAPH%", mermaidGraph(aligned).trimEnd());
  return out;
}

/** The directories whose every file is generated (a file there that no recipe produces is stale). */
export const GENERATED_DIRS: readonly string[] = ["generated", "test/golden"];

/**
 * Every file under a directory, recursively, as repository-relative paths.
 *
 * @example
 * filesUnder("test/golden") // ["test/golden/nixl-aligned/base.Dockerfile", ...]
 */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
}
