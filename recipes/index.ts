/**
 * The built-in recipes, by name, as the CLI and the generator load them.
 *
 * @example
 * builtinRecipes["nixl-aligned"]!().render()
 */
import type { Recipe } from "../src/index.ts";
import type { RecipeVersions } from "../src/cli.ts";
import type { NixlTag } from "../stages/index.ts";
import { alignedRecipe } from "./aligned.ts";
import { currentRecipe } from "./current.ts";
import { OFFICIAL_TAGS, officialRecipe } from "./official.ts";
import { productionRecipe } from "./production.ts";
import { gpuHostRecipe } from "./gpu-host.ts";

/** Built-in recipe factories by recipe name. */
export const builtinRecipes: Readonly<Record<string, () => Recipe>> = {
  "nixl-official": () => officialRecipe(),
  "nixl-production": () => productionRecipe(),
  "nixl-aligned": () => alignedRecipe(),
  "nixl-current": () => currentRecipe(),
  "gpu-host": () => gpuHostRecipe(),
  "gpu-host-system-copies": () => gpuHostRecipe({ removeSystemCopies: false }),
};

/** Built-in recipes at a version: the official recipe at any known NIXL tag (`official@v1.4.0`). */
export const recipeVersions: Readonly<Record<string, RecipeVersions>> = {
  "nixl-official": { known: OFFICIAL_TAGS, make: (tag) => officialRecipe(tag as NixlTag) },
};

/** Short names the CLI accepts for the built-in recipes. */
export const recipeAliases: Readonly<Record<string, string>> = {
  official: "nixl-official",
  production: "nixl-production",
  aligned: "nixl-aligned",
  current: "nixl-current",
};

/**
 * The variants of each built-in recipe that the bake file builds as targets of their own, beside
 * the recipe itself (`<recipe>-<variant>`, each with its Dockerfile).
 */
export const builtinVariants: Readonly<Record<string, Readonly<Record<string, () => Recipe>>>> = {
  "nixl-aligned": { "no-nccl": () => alignedRecipe({ nccl: false }), "build-nccl": () => alignedRecipe({ nccl: true, buildNccl: true }), devel: () => alignedRecipe({ nccl: true, flavour: "devel" }) },
  "nixl-current": { devel: () => currentRecipe({ flavour: "devel" }) },
};
