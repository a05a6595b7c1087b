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
import type { AnyStage, Held, Need } from "./stage.ts";

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
export type ProvidedBy<S> = S extends AnyStage
  ? S["provides"][keyof S["provides"]] extends infer A ? (A extends AnyArtifact ? Held<A["kind"], A["prefix"], A["producer"]> : never) : never
  : never;
// Read by indexed access once S is known to be a stage (one cached relation per stage), not by
// inferring from an object pattern, which builds a pattern object and array type per stage.
type NeedsOf<S> = S extends AnyStage ? S["needs"][number] : never;
type ArgsOf<S> = S extends AnyStage ? S["args"][number] : never;
type ContainsOf<S> = S extends AnyStage ? Extract<S["contains"][number], Held> : never;
type NameOf<S> = S extends AnyStage ? S["name"] : never;
/** A stage's name as a table key: never when it is widened to string. */
type NameKey<S> = NameOf<S> extends infer N extends string ? (Wide<N> extends true ? never : N) : never;
type NeedHeldOf<S> = NeedsOf<S> extends infer N ? (N extends Need<infer K, infer P, infer By> ? (By extends string ? Held<K, P, By> : never) : never) : never;

/** What a stage was built against: one of its needs (producer null: stated by kind and prefix). */
interface Against<K extends string = string, P extends string = string, By extends string | null = string | null> {
  readonly kind: K;
  readonly prefix: P;
  readonly producer: By;
}

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
type IndexLt<A extends string, B extends string> = LengthOrder<A, B> extends infer L ? (L extends "lt" ? true : L extends "gt" ? false : SameLengthLt<A, B>) : never;
/** True when any index of the union U comes before I. */
type AnyBefore<U, I extends string> = true extends (U extends string ? IndexLt<U, I> : never) ? true : false;
/** The earliest index of a union of indices. */
type FirstIndex<U, All = U> = U extends string ? (AnyBefore<All, U> extends true ? never : U) : never;

// ---- the recipe, resolved once into tables ----
//
// The tables are built from unions of small interface types (Held, Arg, [name, index]), never from
// the stages tuple itself, and the per-stage rules below see only the tables and their own stage.
// A conditional type that had the whole tuple in scope would re-instantiate all of its stages each
// time tsc combines mappers inside it: that was the n² of the old recursive walk.

/** Stage name and index pairs. */
// (Type arguments that are aliases make tsc defer a reference and keep the mapper, with S in it:
// results of aliases are first bound with `infer`.)
type NamedIndices<S extends readonly unknown[]> = { [I in keyof S]: NameKey<S[I]> extends infer N ? [N, I] : never }[number];
/** A union keyed by one of its fields; a key's value is the union of the members with that key. */
type KeyBy<U, F extends string> = { [X in U as KeyOf<X, F>]: X };
/** The key of X under field F (indexed access, no pattern object per member); never when widened. */
type KeyOf<X, F extends string> = F extends keyof X ? (X[F] extends infer Key extends string ? (string extends Key ? never : Key) : never) : never;
/** A need of a stage, with the stage it belongs to. */
interface AgainstEntry<Consumer extends string = string, K extends string = string, P extends string = string, By extends string | null = string | null> extends Against<K, P, By> {
  readonly consumer: Consumer;
}
type AgainstEntries<X> = X extends unknown ? AgainstEntriesOf<X> : never;
type AgainstEntriesOf<X> = NeedsOf<X> extends infer N ? (N extends Need<infer K, infer P, infer By> ? (Wide<K | P> extends true ? never : NameKey<X> extends infer C extends string ? AgainstEntry<C, K, P, By> : never) : never) : never;
/** An ARG declaration with its stage and index (read only when an ARG has two defaults). */
interface ArgDeclaration<N extends string = string, D extends string = string, Stage extends string = string, I extends string = string> {
  readonly name: N;
  readonly default: D;
  readonly stage: Stage;
  readonly index: I;
}
type ArgDeclarations<S extends readonly unknown[]> = { [I in keyof S]: ArgsOf<S[I]> extends infer A ? (A extends Arg<infer N, infer D> ? (NameOf<S[I]> extends infer Name extends string ? ArgDeclaration<N, D, Name, I & string> : never) : never) : never }[number];

/** The tables every stage is checked against. */
interface Graph<Pos = unknown, Prov = unknown, Kinds = unknown, Built = unknown, Args = unknown, Decls = unknown, WideP extends boolean = boolean> {
  /** Stage name -> [name, index] (a union when a name is used twice). */
  readonly pos: Pos;
  /** Stage name -> what it provides (Held). */
  readonly prov: Prov;
  /** Artifact kind -> every provider of it in the recipe. */
  readonly kinds: Kinds;
  /** Stage name -> what it was built against. */
  readonly built: Built;
  /** ARG name -> every distinct Arg<name, default>. */
  readonly args: Args;
  /** Every ARG declaration (a union: read only when an ARG has two defaults; keyed, one shared ARG would cost n²). */
  readonly decls: Decls;
  /** True when some provided artifact's kind or producer is widened: rule 2 cannot be decided then. */
  readonly wide: WideP;
}
// Evaluated through `infer`, so that the Graph holds the finished tables and no reference to S:
// a Graph<...> written with S inside would be a deferred reference re-instantiating S.
type GraphOf<S extends readonly unknown[]> = [
  KeyBy<NamedIndices<S>, "0">,
  KeyBy<ProvidedBy<S[number]>, "producer">,
  KeyBy<ProvidedBy<S[number]>, "kind">,
  KeyBy<AgainstEntries<S[number]>, "consumer">,
  KeyBy<ArgsOf<S[number]>, "name">,
  ArgDeclarations<S>,
  Wide<ProvidedBy<S[number]>["kind"] | ProvidedBy<S[number]>["producer"]>,
] extends [infer Pos, infer Prov, infer Kinds, infer Built, infer Args, infer Decls, infer WideP extends boolean]
  ? Graph<Pos, Prov, Kinds, Built, Args, Decls, WideP>
  : never;

/** A table lookup: the value under key K, or never. */
type At<T, K> = T extends { readonly [P in K & PropertyKey]: infer V } ? V : never;
/** The index (or indices) of a stage name. */
type PosOf<G extends Graph, N> = At<G["pos"], N> extends infer E ? (E extends readonly [string, infer I] ? I : never) : never;

// ---- the rules ----

/** Rule 2: the need's producer (or any producer of the kind) must come earlier. */
type ProducerProblem<G extends Graph, K extends string, By, Consumer extends string, I extends string> =
  G["wide"] extends true
    ? never
    : By extends string
      ? Wide<By> extends true
        ? never
        : AnyBefore<PosOf<G, By>, I> extends true
          ? [Extract<At<G["prov"], By>, { readonly kind: K }>] extends [never]
            ? `${Consumer} needs ${K} from stage ${By}, which is not in the recipe before ${Consumer}; add stage ${By} before ${Consumer}`
            : never
          : `${Consumer} needs ${K} from stage ${By}, which is not in the recipe before ${Consumer}; add stage ${By} before ${Consumer}`
      : EarlierProviders<At<G["kinds"], K>, G, I> extends infer E extends Held
        ? [E] extends [never]
          ? `${Consumer} needs ${K} but no earlier stage provides it; add a stage that provides ${K} before ${Consumer}`
          : Ambiguous<K, E, E, Consumer>
        : never;
type EarlierProviders<H, G extends Graph, I extends string> = H extends Held<string, string, infer By> ? (AnyBefore<PosOf<G, By>, I> extends true ? H : never) : never;

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

type NeedProblems<G extends Graph, Nd, Consumer extends string, I extends string> =
  Nd extends Need<infer K, infer P, infer By>
    ? Wide<K> extends true
      ? never
      : [ProducerProblem<G, K, By, Consumer, I>] extends [never]
        ? PrefixProblem<K, P, At<G["kinds"], K>, Consumer>
        : ProducerProblem<G, K, By, Consumer, I>
    : never;

/** Rule 3: one ARG name, one default; a stage is compared with the first stage that declares the ARG. */
type ArgProblems<G extends Graph, A, Consumer extends string, I extends string> =
  A extends Arg<infer N, infer D>
    ? Wide<N | D> extends true
      ? never
      : [At<G["args"], N>] extends [Arg<string, D>]
        ? never
        : FirstDeclaration<Extract<G["decls"], { readonly name: N }>> extends ArgDeclaration<string, infer D0, infer S0, infer F>
          ? F extends I
            ? never
            : Wide<D0> extends true
              ? never
              : D0 extends D
                ? never
                : `ARG ${N} defaults to ${D0} in stage ${S0} but to ${D} in stage ${Consumer}; one image has one value per ARG: give both stages the same default`
          : never
    : never;
/** The first declaration of an ARG (computed only when the ARG has two defaults). */
type FirstDeclaration<Decls, All = Decls> = Decls extends ArgDeclaration<string, string, string, infer I> ? ([FirstIndex<I, IndexOf<All>>] extends [never] ? never : Decls) : never;
type IndexOf<D> = D extends ArgDeclaration<string, string, string, infer J> ? J : never;

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
type AgainstProblems<G extends Graph, X, Image extends string> =
  ContainsOf<X> extends infer All extends Held
    ? Extract<All, NeedHeldOf<X>> extends infer New extends Held
      ? MismatchesOf<Exclude<New["producer"], Image>, G["built"], All, Image> | MismatchesOf<Exclude<All["producer"], Image>, G["built"], New, Image>
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

/** All rule violations of the stage X at index I, given the recipe's tables G. */
export type StageProblems<G extends Graph, X, I extends string> =
  NameKey<X> extends infer N extends string
    ? [N] extends [never]
      ? never
      : ([PosOf<G, N>] extends [I] ? false : AnyBefore<PosOf<G, N>, I>) extends true
        ? `two stages are named ${N}; stage names must be unique: rename one`
        :
            | NeedProblems<G, NeedsOf<X>, N, I>
            | ArgProblems<G, ArgsOf<X>, N, I>
            | DuplicateProblems<NeedHeldOf<X> | ProvidedBy<X>, ContainsOf<X>, N>
            | InImageProblems<NeedsOf<X>, ContainsOf<X>, N>
            | AgainstProblems<G, X, N>
    : never;

type Verdict<X, Problems> = [Problems] extends [never] ? X : Refuse<Problems & string>;

/**
 * The recipe check: the stages tuple, with every offending stage replaced by the refusal of its
 * sentence(s). A plain array (not a tuple) is returned unchanged: nothing to check at compile time.
 *
 * @example
 * declare function recipe<const S extends readonly AnyStage[]>(name: string, stages: CheckStages<S>): void
 */
export type CheckStages<S extends readonly unknown[]> = { readonly [I in keyof S]: I extends `${number}` ? Verdict<S[I], StageProblems<GraphOf<S>, S[I], I>> : S[I] };

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
