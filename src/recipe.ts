import { checkStages } from "./check.ts";
import { StagewrightError } from "./errors.ts";
import { nameProblem } from "./validate.ts";
import type { Joined } from "./options.ts";
import { renderDockerfile } from "./render.ts";
import type { CheckStages, Refuse } from "./rules.ts";
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
  /** The platforms the image builds for, the first the default (the build script's --platform, the bake file's PLATFORMS). */
  readonly platforms: readonly Platform[];
  /** The library's platform rules (which component versions build for which platform), run again whenever values change the stages. */
  readonly platformRules?: PlatformRules;
  /** The Dockerfile text. */
  render(): string;
}

/** Options of {@link recipe}. */
export interface RecipeOptions {
  readonly description?: string;
  readonly labels?: readonly (readonly [string, string])[];
  readonly notes?: readonly string[];
  /** The platforms the image builds for, the first the default; default: linux/amd64 only. */
  readonly platforms?: readonly Platform[];
  /** Rules about platforms from the stage library: one sentence per problem, none when the stages build for them. */
  readonly platformRules?: PlatformRules;
}

/**
 * A stage library's platform rules: the problems of building these stages for these platforms.
 *
 * @example
 * const rules: PlatformRules = (stages, platforms) => (platforms.includes("linux/arm64") ? [] : [])
 */
export type PlatformRules = (stages: readonly AnyStage[], platforms: readonly Platform[]) => readonly string[];

/**
 * A platform as BuildKit names it (`--platform`, TARGETPLATFORM).
 *
 * @example
 * const p: Platform = "linux/arm64"
 */
export type Platform = (typeof PLATFORM_LIST)[number];
/** The platforms, listed once for the type, the runtime list and both twins' sentences. */
const PLATFORM_LIST = ["linux/amd64", "linux/arm64"] as const;

/**
 * Every platform a recipe may name, in the order the build script and the bake file list them.
 *
 * @example
 * PLATFORMS.includes("linux/arm64") // true
 */
export const PLATFORMS: readonly Platform[] = Object.freeze([...PLATFORM_LIST]);

type PlatformNames = Joined<typeof PLATFORM_LIST, ", ">;
type FirstNotPlatform<P> = P extends readonly [infer H, ...infer R] ? (H extends Platform ? FirstNotPlatform<R> : H) : never;
type HasTwice<P> = P extends readonly [infer H, ...infer R] ? (H extends R[number] ? true : HasTwice<R>) : false;

/**
 * The compile-time twin of recipe()'s platform check, for a recipe named by a literal N and a
 * platforms tuple P: the sentence the runtime check throws, or never (also when the name or the
 * list is not literal: then the element type, Platform, decides, and the runtime check words it).
 *
 * @example
 * type E = PlatformsProblem<"demo", readonly ["linux/arm"]> // 'recipe demo: platform "linux/arm" is not one of linux/amd64, linux/arm64'
 */
export type PlatformsProblem<N extends string, P> = string extends N
  ? never
  : P extends readonly unknown[]
    ? number extends P["length"]
      ? never
      : [FirstNotPlatform<P>] extends [never]
        ? P extends readonly [] ? `recipe ${N}: give each platform once, at least one (${PlatformNames})`
          : HasTwice<P> extends true ? `recipe ${N}: give each platform once, at least one (${PlatformNames})` : never
        : FirstNotPlatform<P> extends infer B extends string ? `recipe ${N}: platform "${B}" is not one of ${PlatformNames}` : never
    : never;

/**
 * The options parameter of {@link recipe}: {@link RecipeOptions}, with a platforms tuple that breaks
 * the runtime check refused with its sentence: the {@link Refuse} of {@link PlatformsProblem}, which
 * tsc reports at the key as a missing property, the whole sentence on the first line.
 *
 * @example
 * function f<const N extends string, const P extends readonly string[]>(name: N, o: RecipeOptionsArg<N, P>) {}
 */
export type RecipeOptionsArg<N extends string, P> = Omit<RecipeOptions, "platforms"> & {
  readonly platforms?: [PlatformsProblem<N, P>] extends [never] ? P & readonly Platform[] : Refuse<PlatformsProblem<N, P>>;
};

/**
 * Compose stages. At compile time a stage that breaks a composition rule is reported at its place
 * in the array with a sentence naming both sides; at run time the same rules run again (for values
 * that arrived as data) and throw a StagewrightError with the same sentence.
 *
 * @example
 * export default recipe("nixl-aligned", [base, fabric, ucxBuild, nixlBuild, runtimeStage])
 */
export function recipe<const S extends readonly AnyStage[], const N extends string = string, const P extends readonly string[] = readonly Platform[]>(
  name: N,
  stages: CheckStages<S>,
  options: RecipeOptionsArg<N, P> = {},
): Recipe<S> {
  // S is inferred back through the mapped type; a value that passed the check is S itself, and
  // options that passed are RecipeOptions (P is a list of platforms).
  return makeRecipe(name, stages as unknown as S, options as RecipeOptions);
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
  const platforms = options.platforms ?? ["linux/amd64"];
  const badPlatform = platforms.find((p) => !PLATFORMS.includes(p));
  if (badPlatform !== undefined) throw new StagewrightError("invalid-value", `recipe ${name}: platform ${JSON.stringify(badPlatform)} is not one of ${PLATFORMS.join(", ")}`);
  if (platforms.length === 0 || new Set(platforms).size !== platforms.length) throw new StagewrightError("invalid-value", `recipe ${name}: give each platform once, at least one (${PLATFORMS.join(", ")})`);
  const platformProblems = options.platformRules?.(stages, platforms) ?? [];
  if (platformProblems.length > 0) throw new StagewrightError("invalid-value", platformProblems[0]!, {}, [...platformProblems]);
  return Object.freeze({
    name,
    description,
    stages,
    labels,
    notes: options.notes ?? [],
    final,
    platforms: Object.freeze([...platforms]),
    ...(options.platformRules === undefined ? {} : { platformRules: options.platformRules }),
    render: () => renderDockerfile({ name, description, stages, labels }),
  });
}
