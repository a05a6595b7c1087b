/**
 * The stage graph as text: Mermaid (GitHub renders it in Markdown) and Graphviz DOT.
 * Solid arrows: FROM (the stage builds on the other's image); dashed arrows: COPY --from.
 */
import { recipeEdges, type StageList } from "./graph.ts";
import type { AnyStage } from "./stage.ts";

/** The external image a stage starts from, its ARGs replaced by their defaults. */
function externalBase(s: AnyStage): string | undefined {
  if ("steps" in s.from) return undefined;
  const args = s.from.args;
  return s.from.image.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, n: string) => args.find((a) => a.name === n)?.default ?? m);
}

/**
 * Mermaid flowchart of a recipe.
 *
 * @example
 * mermaidGraph(alignedRecipe()) // "flowchart TD\n  ..."
 */
export function mermaidGraph(r: StageList): string {
  const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, "_");
  const lines = ["flowchart TD"];
  r.stages.forEach((s, i) => {
    const ext = externalBase(s);
    if (ext !== undefined) lines.push(`  img${i}[("${ext.replace(/"/g, "'")}")] --> ${id(s.name)}`);
  });
  for (const s of r.stages) lines.push(`  ${id(s.name)}["${s.name}"]`);
  for (const e of recipeEdges(r)) lines.push(`  ${id(e.from)} ${e.kind === "from" ? "-->" : "-.->"} ${id(e.to)}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Graphviz DOT of a recipe.
 *
 * @example
 * dotGraph(alignedRecipe()) // "digraph stages {\n  ..."
 */
export function dotGraph(r: StageList, name = "stages"): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [`digraph ${q(name)} {`, "  rankdir=TB;", "  node [shape=box];"];
  r.stages.forEach((s, i) => {
    const ext = externalBase(s);
    if (ext !== undefined) lines.push(`  ${q(`image${i}`)} [label=${q(ext)}, shape=cylinder];`, `  ${q(`image${i}`)} -> ${q(s.name)};`);
  });
  for (const s of r.stages) lines.push(`  ${q(s.name)};`);
  for (const e of recipeEdges(r)) lines.push(`  ${q(e.from)} -> ${q(e.to)}${e.kind === "copy" ? " [style=dashed]" : ""};`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
