/**
 * The composition rules at the type level. `CheckStages<S>` maps a tuple of stages to the same
 * tuple, except that a stage breaking a rule becomes a {@link Refuse} of the sentence that explains
 * it; `recipe()` takes `CheckStages<S>` (S is inferred back through the mapped type), so tsc points
 * at the offending stage and its diagnostic starts with the whole sentence.
 *
 * The sentences are the templates of messages.ts, letter for letter. Values whose types are widened
 * to `string` (data from YAML or CLI flags) are skipped here and caught by the runtime twin in check.ts.
 *
 * Cost: the recipe is resolved once into lookup tables keyed by stage name, kind and ARG name
 * (mapped types, one pass each), and every stage is checked against them by a homomorphic mapped
 * type: no recursion over the tuple, so no depth limit and no cost that grows with the square of
 * the number of stages. "Earlier in the recipe" compares tuple positions as decimal strings.
 */
import type { Arg } from "./arg.ts";
import type { AnyArtifact } from "./artifact.ts";
import type { Held, Need } from "./stage.ts";

type Wide<T extends string> = string extends T ? true : false;

/**
 * A compile-time refusal: the sentence is the name of a property that no value has. tsc then prints
 * `Property '<sentence>' is missing in type …` as the first line of its diagnostic: the whole
 * sentence, first (type names are cut after 320 characters in diagnostics, property names never).
 *
 * @example
 * type E = Refuse<"nixl needs libfabric but no earlier stage provides it; ...">
 */
export type Refuse<M extends string> = { readonly [K in M]: never };

/**
 * The sentence(s) of a refusal, or never for anything else.
 *
 * @example
 * type M = SentenceOf<Refuse<"a sentence">> // "a sentence"
 */
export type SentenceOf<X> = X extends Refuse<infer M> ? (string extends M ? never : M) : never;

/** Provided artifacts of a stage as a union of Held. */
export type ProvidedBy<S> = S extends { readonly provides: infer P }
  ? P[keyof P] extends infer A ? (A extends AnyArtifact ? Held<A["kind"], A["prefix"], A["producer"]> : never) : never
  : never;
type NeedsOf<S> = S extends { readonly needs: readonly (infer N)[] } ? N : never;
type ArgsOf<S> = S extends { readonly args: readonly (infer A)[] } ? A : never;
type ContainsOf<S> = S extends { readonly contains: readonly (infer C)[] } ? Extract<C, Held> : never;
type NameOf<S> = S extends { readonly name: infer N extends string } ? N : never;
/** A stage's name as a table key: never when it is widened to string. */
type NameKey<S> = NameOf<S> extends infer N extends string ? (Wide<N> extends true ? never : N) : never;
type NeedHeldOf<S> = NeedsOf<S> extends infer N ? (N extends Need<infer K, infer P, infer By> ? (By extends string ? Held<K, P, By> : never) : never) : never;

/** What a stage was built against: one of its needs (producer null: stated by kind and prefix). */
interface Against<K extends string = string, P extends string = string, By extends string | null = string | null> {
  readonly kind: K;
  readonly prefix: P;
  readonly producer: By;
}
type AgainstOf<S> = NeedsOf<S> extends infer N ? (N extends Need<infer K, infer P, infer By> ? (Wide<K | P> extends true ? never : Against<K, P, By>) : never) : never;

// ---- positions: "earlier in the recipe" on decimal index strings ("0" … "999") ----

type Digit = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9";
interface LowerDigits { "0": never; "1": "0"; "2": "0" | "1"; "3": "0" | "1" | "2"; "4": "0" | "1" | "2" | "3"; "5": "0" | "1" | "2" | "3" | "4"; "6": "0" | "1" | "2" | "3" | "4" | "5"; "7": "0" | "1" | "2" | "3" | "4" | "5" | "6"; "8": "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7"; "9": Exclude<Digit, "9"> }
/** "lt", "eq" or "gt" for the lengths of two digit strings. */
type LengthOrder<A extends string, B extends string> = A extends `${Digit}${infer RA}`
  ? B extends `${Digit}${infer RB}` ? LengthOrder<RA, RB> : "gt"
  : B extends "" ? "eq" : "lt";
type SameLengthLt<A extends string, B extends string> = A extends `${infer DA extends Digit}${infer RA}`
  ? B extends `${infer DB extends Digit}${infer RB}`
    ? DA extends DB ? SameLengthLt<RA, RB> : DA extends LowerDigits[DB] ? true : false
    : false
  : false;
/** True when index A comes before index B (both decimal strings without leading zeros). */
type IndexLt<A extends string, B extends string> = LengthOrder<A, B> extends "lt" ? true : LengthOrder<A, B> extends "gt" ? false : SameLengthLt<A, B>;
/** True when any index of the union U comes before I. */
type AnyBefore<U, I extends string> = true extends (U extends string ? IndexLt<U, I> : never) ? true : false;
/** The earliest index of a union of indices. */
type FirstIndex<U, All = U> = U extends string ? (AnyBefore<All, U> extends true ? never : U) : never;

// ---- the recipe, resolved once into tables ----

type Indices<S> = Extract<keyof S, `${number}`>;
/** Stage name -> its index (a union when a name is used twice). */
type Positions<S> = { [I in Indices<S> as NameKey<S[I]>]: I };
/** Stage name -> what it provides. */
type ProvidedTable<S extends readonly unknown[]> = { [X in S[number] as NameKey<X>]: ProvidedBy<X> };
/** Stage name -> what it was built against. */
type AgainstTable<S extends readonly unknown[]> = { [X in S[number] as NameKey<X>]: AgainstOf<X> };
/** Artifact kind -> every provider of it in the recipe. */
type KindTable<S extends readonly unknown[]> = { [H in ProvidedBy<S[number]> as Wide<H["kind"]> extends true ? never : H["kind"]]: H };
/** ARG name -> every default it has in the recipe. */
type DefaultsTable<S extends readonly unknown[]> = { [A in ArgsOf<S[number]> as A extends Arg<infer N> ? (Wide<N> extends true ? never : N) : never]: A extends Arg<string, infer D> ? D : never };
/** True when some provided artifact's kind or producer is widened: rule 2 cannot be decided then. */
type WideProviders<S extends readonly unknown[]> = Wide<ProvidedBy<S[number]>["kind"] | ProvidedBy<S[number]>["producer"]>;

type At<T, K> = T[K & keyof T];

// ---- the rules ----

/** Rule 2: the need's producer (or any producer of the kind) must come earlier. */
type ProducerProblem<S extends readonly unknown[], K extends string, By, Consumer extends string, I extends string> =
  WideProviders<S> extends true
    ? never
    : By extends string
      ? Wide<By> extends true
        ? never
        : AnyBefore<At<Positions<S>, By>, I> extends true
          ? [Extract<At<ProvidedTable<S>, By>, { readonly kind: K }>] extends [never]
            ? `${Consumer} needs ${K} from stage ${By}, which is not in the recipe before ${Consumer}; add stage ${By} before ${Consumer}`
            : never
          : `${Consumer} needs ${K} from stage ${By}, which is not in the recipe before ${Consumer}; add stage ${By} before ${Consumer}`
      : EarlierProviders<At<KindTable<S>, K>, Positions<S>, I> extends infer E extends Held
        ? [E] extends [never]
          ? `${Consumer} needs ${K} but no earlier stage provides it; add a stage that provides ${K} before ${Consumer}`
          : Ambiguous<K, E, E, Consumer>
        : never;
type EarlierProviders<H, Pos, I extends string> = H extends Held<string, string, infer By> ? (AnyBefore<At<Pos, By>, I> extends true ? H : never) : never;

/** Rule 2, for a requirement stated by kind alone: more than one earlier producer of that kind. */
type Ambiguous<K extends string, Each extends Held, All extends Held, Consumer extends string> =
  Each extends Held<string, string, infer B1>
    ? Exclude<All, { readonly producer: B1 }> extends infer O
      ? O extends Held<string, string, infer B2>
        ? `${Consumer} needs ${K} but stages ${B1} and ${B2} both provide it; take the ${K} artifact of one of them instead of stating the kind`
        : never
      : never
    : never;

/** Rule 1: every producer of the kind in the recipe, wherever it is listed, installs it at the consumer's prefix. */
type PrefixProblem<K extends string, P extends string, Providers, Consumer extends string> =
  Providers extends Held<string, infer Q, infer By>
    ? Wide<Q | P> extends true
      ? never
      : Q extends P
        ? never
        : `${Consumer} needs ${K} at ${P} but stage ${By} installs it at ${Q}; build ${Consumer} against the ${K} artifact of stage ${By}, or install ${K} at ${P}`
    : never;

type NeedProblems<S extends readonly unknown[], Nd, Consumer extends string, I extends string> =
  Nd extends Need<infer K, infer P, infer By>
    ? Wide<K> extends true
      ? never
      : [ProducerProblem<S, K, By, Consumer, I>] extends [never]
        ? PrefixProblem<K, P, At<KindTable<S>, K>, Consumer>
        : ProducerProblem<S, K, By, Consumer, I>
    : never;

/** Rule 3: one ARG name, one default; a stage is compared with the first stage that declares the ARG. */
type ArgProblems<S extends readonly unknown[], A, Consumer extends string, I extends string> =
  A extends Arg<infer N, infer D>
    ? Wide<N | D> extends true
      ? never
      : [At<DefaultsTable<S>, N>] extends [D]
        ? never
        : FirstDeclaring<S, N> extends infer F extends string
          ? F extends I
            ? never
            : Extract<ArgsOf<At<S, F>>, { readonly name: N }> extends Arg<string, infer D0>
              ? Wide<D0> extends true
                ? never
                : D0 extends D
                  ? never
                  : `ARG ${N} defaults to ${D0} in stage ${NameOf<At<S, F>>} but to ${D} in stage ${Consumer}; one image has one value per ARG: give both stages the same default`
              : never
          : never
    : never;
/** The index of the first stage that declares ARG N (computed only when the ARG has two defaults). */
type FirstDeclaring<S extends readonly unknown[], N extends string> = FirstIndex<{ [J in Indices<S>]: [Extract<ArgsOf<S[J]>, { readonly name: N }>] extends [never] ? never : J }[Indices<S>]>;

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

/**
 * Rule 7: an image that holds what a stage built holds exactly the artifacts of the kinds that stage
 * was built against (same producer, same prefix). Pairs of inherited artifacts were checked at the
 * base; here every pair with at least one artifact the stage adds.
 */
type AgainstProblems<S extends readonly unknown[], X, Image extends string> =
  ContainsOf<X> extends infer All extends Held
    ? Extract<All, NeedHeldOf<X>> extends infer New extends Held
      ? MismatchesOf<Exclude<New["producer"], Image>, AgainstTable<S>, All, Image> | MismatchesOf<Exclude<All["producer"], Image>, AgainstTable<S>, New, Image>
      : never
    : never;
type MismatchesOf<Producer, Table, Items extends Held, Image extends string> = Producer extends string ? Mismatch<At<Table, Producer>, Items, Producer, Image> : never;
type Mismatch<B, Items extends Held, Producer extends string, Image extends string> =
  B extends Against<infer K, infer P, infer ByB>
    ? Extract<Items, { readonly kind: K }> extends infer H
      ? H extends Held<string, infer Q, infer ByH>
        ? Wide<Q | ByH> extends true
          ? never
          : [Q, ByB] extends [P, ByH | null]
            ? never
            : `stage ${Image} holds what stage ${Producer} built against ${K} at ${P}${ByB extends string ? ` from stage ${ByB}` : ""}, next to ${K} at ${Q} from stage ${ByH}; an image must hold exactly the ${K} its stages were built against: build ${Producer} against the ${K} artifact of stage ${ByH}, or build ${Image} FROM a stage without that ${K}`
        : never
      : never
    : never;

/** Rule 8: an in-image artifact reaches a stage only through its FROM chain. */
type InImageProblems<Nd, All extends Held, Consumer extends string> =
  Nd extends Need<infer K, string, infer By, infer D>
    ? By extends string
      ? Wide<K | By> extends true
        ? never
        : [D] extends ["in-image"]
          ? [Extract<All, { readonly kind: K; readonly producer: By }>] extends [never]
            ? `${Consumer} needs ${K} from stage ${By}, which is part of that stage's image and cannot be copied, but ${Consumer} is not built FROM ${By}; build ${Consumer} FROM stage ${By} (or a stage built FROM it), or use a staged ${K} artifact`
            : never
          : never
      : never
    : never;

/** All rule violations of the stage X at index I of the recipe S. */
export type StageProblems<S extends readonly unknown[], X, I extends string> =
  NameKey<X> extends infer N extends string
    ? [N] extends [never]
      ? never
      : AnyBefore<At<Positions<S>, N>, I> extends true
        ? `two stages are named ${N}; stage names must be unique: rename one`
        :
            | NeedProblems<S, NeedsOf<X>, N, I>
            | ArgProblems<S, ArgsOf<X>, N, I>
            | DuplicateProblems<NeedHeldOf<X> | ProvidedBy<X>, ContainsOf<X>, N>
            | InImageProblems<NeedsOf<X>, ContainsOf<X>, N>
            | AgainstProblems<S, X, N>
    : never;

type Verdict<X, Problems> = [Problems] extends [never] ? X : Refuse<Problems & string>;

/**
 * The recipe check: the stages tuple, with every offending stage replaced by the refusal of its
 * sentence(s). A plain array (not a tuple) is returned unchanged: nothing to check at compile time.
 *
 * @example
 * declare function recipe<const S extends readonly AnyStage[]>(name: string, stages: CheckStages<S>): void
 */
export type CheckStages<S extends readonly unknown[]> = { readonly [I in keyof S]: I extends `${number}` ? Verdict<S[I], StageProblems<S, S[I], I>> : S[I] };

/**
 * True when the stages tuple breaks no rule; handy for type tests.
 *
 * @example
 * expectTypeOf<IsValidRecipe<[typeof base, typeof fabric]>>().toEqualTypeOf<true>()
 */
export type IsValidRecipe<S extends readonly unknown[]> = [RecipeProblems<S>] extends [never] ? true : false;

/**
 * The sentences a stages tuple produces (never when it is valid); handy for type tests.
 *
 * @example
 * expectTypeOf<RecipeProblems<[typeof nixl]>>().toEqualTypeOf<"nixl needs libfabric but ...">()
 */
export type RecipeProblems<S extends readonly unknown[]> = SentenceOf<CheckStages<S>[number]>;
