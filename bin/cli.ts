/**
 * Wires the domain-free CLI (src/cli.ts) to the stage library and the built-in recipes.
 */
import { runCli } from "../src/cli.ts";
import { builtinRecipes, builtinVariants, recipeAliases } from "../recipes/index.ts";
import { nixlImageRows, nixlLinkage, runLockCommand } from "../stages/index.ts";

const code = await runCli(
  process.argv.slice(2),
  { builtins: builtinRecipes, aliases: recipeAliases, variants: builtinVariants, compareRows: nixlImageRows, critical: nixlLinkage, lock: runLockCommand },
  { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
);
process.exitCode = code;
