/**
 * The composition rules at the type level. `CheckStages<S>` maps a tuple of stages to the same
 * tuple, except that a stage breaking a rule is replaced by the sentence that explains it; `recipe()`
 * takes `S & CheckStages<S>`, so tsc points at the offending stage and prints the sentence.
 *
 * The sentences are the templates of messages.ts, letter for letter. Values whose types are widened
 * to `string` (data from YAML or CLI flags) are skipped here and caught by the runtime twin in check.ts.
 *
 * The walk is tail-recursive with accumulators, so it costs one pass over the tuple.
 */
import type { Arg } from "./arg.ts";
import type { AnyArtifact } from "./artifact.ts";
import type { AnyStage, Held, Need } from "./stage.ts";

type Wide<T extends string> = string extends T ? true : false;

/** Provided artifacts of a stage as a union of Held. */
export type ProvidedBy<S> = S extends { readonly provides: infer P }
  ? P[keyof P] extends infer A ? (A extends AnyArtifact ? Held<A["kind"], A["prefix"], A["producer"]> : never) : never
  : never;
type NeedsOf<S> = S extends { readonly needs: readonly (infer N)[] } ? N : never;
type ArgsOf<S> = S extends { readonly args: readonly (infer A)[] } ? A : never;
type ContainsOf<S> = S extends { readonly contains: readonly (infer C)[] } ? C : never;
type NameOf<S> = S extends { readonly name: infer N extends string } ? N : never;

/** Rule 2: the need's producer (or any producer of the kind) must come earlier. */
type ProducerProblem<K extends string, By, Provided extends Held, Consumer extends string> =
  Wide<Provided["kind"] | Provided["producer"]> extends true
    ? never
    : By extends string
      ? Wide<By> extends true
        ? never
        : [Extract<Provided, { readonly kind: K; readonly producer: By }>] extends [never]
          ? `${Consumer} needs ${K} from stage ${By}, which is not in the recipe before ${Consumer}; add stage ${By} before ${Consumer}`
          : never
      : [Extract<Provided, { readonly kind: K }>] extends [never]
        ? `${Consumer} needs ${K} but no earlier stage provides it; add a stage that provides ${K} before ${Consumer}`
        : Ambiguous<K, Extract<Provided, { readonly kind: K }>, Extract<Provided, { readonly kind: K }>, Consumer>;

/** Rule 2, for a requirement stated by kind alone: more than one earlier producer of that kind. */
type Ambiguous<K extends string, Each extends Held, All extends Held, Consumer extends string> =
  Each extends Held<string, string, infer B1>
    ? Exclude<All, { readonly producer: B1 }> extends infer O
      ? O extends Held<string, string, infer B2>
        ? `${Consumer} needs ${K} but stages ${B1} and ${B2} both provide it; take the ${K} artifact of one of them instead of stating the kind`
        : never
      : never
    : never;

/** Rule 1: every producer of the kind must install it at the prefix the consumer was built for. */
type PrefixProblem<K extends string, P extends string, Provided extends Held, Consumer extends string> =
  Extract<Provided, { readonly kind: K }> extends infer A
    ? A extends Held<string, infer Q, infer By>
      ? Wide<Q | P> extends true
        ? never
        : Q extends P
          ? never
          : `${Consumer} needs ${K} at ${P} but stage ${By} installs it at ${Q}; build ${Consumer} against the ${K} artifact of stage ${By}, or install ${K} at ${P}`
      : never
    : never;

type NeedProblems<Nd, Provided extends Held, Consumer extends string> =
  Nd extends Need<infer K, infer P, infer By>
    ? Wide<K> extends true
      ? never
      : [ProducerProblem<K, By, Provided, Consumer>] extends [never]
        ? PrefixProblem<K, P, Provided, Consumer>
        : ProducerProblem<K, By, Provided, Consumer>
    : never;

/** An ARG default seen in an earlier stage. */
interface SeenArg<N extends string = string, D extends string = string, S extends string = string> {
  readonly name: N;
  readonly default: D;
  readonly stage: S;
}
type ToSeen<A, S extends string> = A extends Arg<infer N, infer D> ? SeenArg<N, D, S> : never;

/** Rule 3: one ARG name, one default. */
type ArgProblems<A, Seen extends SeenArg, Consumer extends string> =
  A extends Arg<infer N, infer D>
    ? Wide<N | D> extends true
      ? never
      : Extract<Seen, { readonly name: N }> extends infer E
        ? E extends SeenArg<string, infer D0, infer S0>
          ? Wide<D0> extends true
            ? never
            : D0 extends D
              ? never
              : `ARG ${N} defaults to ${D0} in stage ${S0} but to ${D} in stage ${Consumer}; one image has one value per ARG: give both stages the same default`
          : never
        : never
    : never;

/**
 * Rule 4: no two artifacts of one kind from different producers in one image. Only what the stage
 * adds (copied-in needs and its own artifacts) is compared with everything the image holds: what it
 * inherits was checked at its base stage, which keeps the check linear in the base chain's depth.
 * The sentence names the held artifact first, the added one second, as the runtime check does.
 */
type DuplicateProblems<New extends Held, All extends Held, Stage extends string> =
  New extends Held<infer K, infer P, infer By>
    ? Wide<K | By> extends true
      ? never
      : Exclude<Extract<All, { readonly kind: K }>, { readonly producer: By }> extends infer O
        ? O extends Held<string, infer P0, infer By0>
          ? `stage ${Stage} would hold two ${K}: ${P0} from stage ${By0} and ${P} from stage ${By}; keep one, or remove the other explicitly (removes: ["${K}"])`
          : never
        : never
    : never;

type NeedHeldOf<S> = NeedsOf<S> extends infer N ? (N extends Need<infer K, infer P, infer By> ? (By extends string ? Held<K, P, By> : never) : never) : never;

/** All rule violations of one stage, given what came before it. */
export type StageProblems<S, Provided extends Held, Names extends string, Seen extends SeenArg> =
  NameOf<S> extends infer N extends string
    ? Wide<N> extends false
      ? N extends Names
        ? `two stages are named ${N}; stage names must be unique: rename one`
        : NeedProblems<NeedsOf<S>, Provided, N> | ArgProblems<ArgsOf<S>, Seen, N> | DuplicateProblems<NeedHeldOf<S> | ProvidedBy<S>, Extract<ContainsOf<S>, Held>, N>
      : never
    : never;

/**
 * The recipe check: the stages tuple, with every offending stage replaced by its sentence(s).
 *
 * @example
 * declare function recipe<const S extends readonly AnyStage[]>(name: string, stages: S & CheckStages<S>): void
 */
export type CheckStages<S extends readonly unknown[]> = Walk<S, never, never, never, []>;

type Walk<S extends readonly unknown[], Provided extends Held, Names extends string, Seen extends SeenArg, Out extends readonly unknown[]> =
  S extends readonly [infer H, ...infer T]
    ? Walk<
        T,
        Provided | ProvidedBy<H>,
        Names | NameOf<H>,
        Seen | ToSeen<ArgsOf<H>, NameOf<H>>,
        [...Out, [StageProblems<H, Provided, Names, Seen>] extends [never] ? H : StageProblems<H, Provided, Names, Seen>]
      >
    : S extends readonly []
      ? Readonly<Out>
      : S; // a non-tuple array (widened): nothing to check at compile time

/**
 * True when the stages tuple breaks no rule; handy for type tests.
 *
 * @example
 * expectTypeOf<IsValidRecipe<[typeof base, typeof fabric]>>().toEqualTypeOf<true>()
 */
export type IsValidRecipe<S extends readonly AnyStage[]> = CheckStages<S> extends S ? true : false;

/**
 * The sentences a stages tuple produces (never when it is valid); handy for type tests.
 *
 * @example
 * expectTypeOf<RecipeProblems<[typeof nixl]>>().toEqualTypeOf<"nixl needs libfabric but ...">()
 */
export type RecipeProblems<S extends readonly unknown[]> = Extract<CheckStages<S>[number], string>;
