/**
 * Comparing recipes: rows of facts read from each recipe object (never typed by hand), a status
 * per row, and the critical differences the checks know about. The rows themselves are domain
 * knowledge and live with the stage library (stages/compare-rows.ts).
 */
import type { Recipe } from "./recipe.ts";

/** A row of a comparison: how to read one fact from a recipe. */
export interface ComparisonRow {
  readonly key: string;
  /** A difference in this row changes which library a binary loads: shown as "conflict". */
  readonly abi?: boolean;
  value(r: Recipe): string;
}

/** One compared row. */
export interface ComparedRow {
  readonly key: string;
  readonly values: readonly string[];
  readonly status: "same" | "differs" | "conflict";
}

/** A comparison of two or more recipes. */
export interface Comparison {
  readonly recipes: readonly string[];
  readonly rows: readonly ComparedRow[];
  /** Per recipe, sentences on what each consumer links and loads (from artifacts and checks). */
  readonly critical: readonly (readonly string[])[];
  readonly notes: readonly (readonly string[])[];
}

/**
 * Compare recipes row by row.
 *
 * @example
 * compareRecipes([officialRecipe(), alignedRecipe()], nixlImageRows, linkageFacts)
 */
export function compareRecipes(recipes: readonly Recipe[], rows: readonly ComparisonRow[], critical: (r: Recipe) => string[]): Comparison {
  return {
    recipes: recipes.map((r) => r.name),
    rows: rows.map((row) => {
      const values = recipes.map((r) => row.value(r));
      const same = values.every((v) => v === values[0]);
      return { key: row.key, values, status: same ? "same" : row.abi === true ? "conflict" : "differs" };
    }),
    critical: recipes.map(critical),
    notes: recipes.map((r) => r.notes),
  };
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/**
 * The comparison as a Markdown "Version and Approach Comparison".
 *
 * @example
 * process.stdout.write(comparisonMarkdown(c))
 */
export function comparisonMarkdown(c: Comparison, title = "Version and Approach Comparison"): string {
  const head = `| component / path | ${c.recipes.join(" | ")} | status |`;
  const sep = `| --- | ${c.recipes.map(() => "---").join(" | ")} | --- |`;
  const lines = [`## ${title}`, "", head, sep, ...c.rows.map((r) => `| ${cell(r.key)} | ${r.values.map(cell).join(" | ")} | ${r.status} |`), ""];
  lines.push(
    "Status: **same**; **differs** (a different choice); **conflict** (a different choice of a library that binaries load at run time: an artifact built by one recipe does not belong in the other's image).",
    "",
    "### Critical differences: which libfabric each build links, and where it is loaded from at run time",
    "",
  );
  c.recipes.forEach((name, i) => {
    lines.push(`**${name}**`, "", ...(c.critical[i] ?? []).map((s) => `- ${s}`), "");
  });
  if (c.notes.some((n) => n.length > 0)) {
    lines.push("### Notes", "");
    c.recipes.forEach((name, i) => {
      for (const n of c.notes[i] ?? []) lines.push(`- **${name}**: ${n}`);
    });
    lines.push("");
  }
  return `${lines.join("\n").replace(/\n+$/, "")}\n`;
}
