import { checkStages } from "./check.ts";
import { StagewrightError } from "./errors.ts";
import { nameProblem } from "./validate.ts";
import { renderDockerfile } from "./render.ts";
import type { CheckStages } from "./rules.ts";
import type { AnyStage } from "./stage.ts";

/**
 * A composition of stages into one Dockerfile; the last stage is the image's final stage.
 *
 * @example
 * const r = recipe("demo", [base, app]); process.stdout.write(r.render())
 */
export interface Recipe<S extends readonly AnyStage[] = readonly AnyStage[]> {
  readonly name: string;
  readonly description: string;
  readonly stages: S;
  readonly labels: readonly (readonly [string, string])[];
  /** Why the recipe deviates from what it was specified as or aligned with (shown by comparisons). */
  readonly notes: readonly string[];
  /** The final stage (the default build target). */
  readonly final: AnyStage;
  /** The Dockerfile text. */
  render(): string;
}

/** Options of {@link recipe}. */
export interface RecipeOptions {
  readonly description?: string;
  readonly labels?: readonly (readonly [string, string])[];
  readonly notes?: readonly string[];
}

/**
 * Compose stages. At compile time a stage that breaks a composition rule is reported at its place
 * in the array with a sentence naming both sides; at run time the same rules run again (for values
 * that arrived as data) and throw a StagewrightError with the same sentence.
 *
 * @example
 * export default recipe("nixl-aligned", [base, fabric, ucxBuild, nixlBuild, runtimeStage])
 */
export function recipe<const S extends readonly AnyStage[]>(name: string, stages: S & CheckStages<S>, options: RecipeOptions = {}): Recipe<S> {
  return makeRecipe(name, stages, options);
}

/**
 * The runtime-only form of {@link recipe}, for stages assembled from data whose types are not
 * literal (YAML, CLI). Same rules, same messages, thrown as StagewrightError.
 *
 * @example
 * const r = recipeFromStages(name, stagesBuiltFromYaml)
 */
export function recipeFromStages(name: string, stages: readonly AnyStage[], options: RecipeOptions = {}): Recipe {
  return makeRecipe(name, stages, options);
}

function makeRecipe<S extends readonly AnyStage[]>(name: string, stages: S, options: RecipeOptions): Recipe<S> {
  const badName = nameProblem("recipe", name);
  if (badName !== undefined) throw new StagewrightError("invalid-value", badName);
  checkStages(stages);
  const final = stages[stages.length - 1];
  if (final === undefined) throw new StagewrightError("recipe-file", `recipe ${name} has no stages; give it at least one stage`);
  const description = options.description ?? final.description;
  const labels = options.labels ?? [];
  return Object.freeze({
    name,
    description,
    stages,
    labels,
    notes: options.notes ?? [],
    final,
    render: () => renderDockerfile({ name, description, stages, labels }),
  });
}
