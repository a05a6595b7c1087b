/**
 * Wires the domain-free CLI (src/cli.ts) to the stage library and the built-in recipes. Started by
 * bin/stagewright.mjs, which knows whether this runs compiled (dist/bin/cli.js) or from source.
 */
import { runCli } from "../src/cli.ts";
import { builtinRecipes, builtinVariants, recipeAliases, recipeVersions } from "../recipes/index.ts";
import { nixlImageRows, nixlLinkage, runLockCommand, versionsCommand } from "../stages/index.ts";

/**
 * Run the stagewright command; returns its exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { version: "0.1.0", loadTypeScript: async () => {} })
 */
export async function main(argv: readonly string[], how: { readonly version: string; readonly loadTypeScript: () => Promise<void> }): Promise<number> {
  return runCli(
    argv,
    { builtins: builtinRecipes, aliases: recipeAliases, variants: builtinVariants, versioned: recipeVersions, commands: [versionsCommand], compareRows: nixlImageRows, critical: nixlLinkage, lock: runLockCommand, ...how },
    { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
  );
}
