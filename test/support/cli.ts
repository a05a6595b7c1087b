/**
 * The CLI in-process, with what it printed captured: the built-in recipes and comparison rows by
 * default, or another context (a test's own recipes).
 */
import { runCli, type CliContext } from "../../src/cli.ts";
import { builtinRecipes, recipeAliases } from "../../recipes/index.ts";
import { nixlImageRows, nixlLinkage } from "../../stages/index.ts";

/** The context of the shipped CLI: built-in recipes, aliases, comparison rows. */
export const CLI_CONTEXT: CliContext = { builtins: builtinRecipes, aliases: recipeAliases, compareRows: nixlImageRows, critical: nixlLinkage };

/** Run the CLI; its exit code and what it wrote to stdout and stderr. */
export async function cliRun(argv: readonly string[], ctx: CliContext = CLI_CONTEXT): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, ctx, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
