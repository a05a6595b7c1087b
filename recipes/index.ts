/**
 * The built-in recipes, by name, as the CLI and the generator load them.
 *
 * @example
 * builtinRecipes["nixl-aligned"]!().render()
 */
import type { Recipe } from "../src/index.ts";
import { alignedRecipe } from "./aligned.ts";

/** Built-in recipe factories by recipe name. */
export const builtinRecipes: Readonly<Record<string, () => Recipe>> = {
  "nixl-aligned": () => alignedRecipe(),
};
