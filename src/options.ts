/**
 * Options with kinds. A component declares each option once, with its kind; the option type
 * (with the refusal of unknown keys and the checks of version and path literals) and the runtime
 * check of an options object are both derived from that one declaration, so they cannot drift.
 */
import type { AnyArtifact, Artifact, ArtifactLayout } from "./artifact.ts";
import { argValueProblem, type PathLiteralCheck, type VersionLiteralCheck } from "./arg.ts";
import { imagePartKind, type ImagePart, type ImageTagCheck } from "./image-ref.ts";
import { unknownOption } from "./messages.ts";
import { fail, pathProblem, versionProblem } from "./validate.ts";
import type { Refuse } from "./rules.ts";
import type { RuleOverride } from "./version-rules.ts";

/** Which compile-time literal check an option's value gets. */
export type LiteralCheck = "version" | "path" | "image-tag" | "none";

/**
 * One declared option: its documentation, whether it is required, its default, and the runtime
 * check of a value. `T` is the value type the option type derives; `L` the literal check.
 *
 * @example
 * const o: OptionKind<string, true> = option.version({ doc: "release tag", required: true })
 */
export interface OptionKind<T = unknown, R extends boolean = boolean, L extends LiteralCheck = LiteralCheck, D = unknown, S extends ValueShape = ValueShape> {
  readonly doc: string;
  readonly required: R;
  readonly literal: L;
  /** What a value must be: both twins word a value of another type from it ({@link ValueShape}). */
  readonly shape: S;
  /** The value used when the option is not given (undefined: none). */
  readonly default: D;
  /** For artifact options: the artifact kind the value must have. */
  readonly artifactKind?: string;
  /** For image options: the part of the FROM image reference the value is, and an example for its sentence. */
  readonly image?: { readonly part: ImagePart; readonly example: string };
  /** A problem sentence for a value that is not of this kind, or undefined. */
  check(value: unknown): string | undefined;
  /** Type-level only: the value type. */
  readonly valueType?: T;
}

/** Any option kind. */
export type AnyOptionKind = OptionKind<unknown, boolean, LiteralCheck, unknown, ValueShape>;

/**
 * What a value of an option must be, as data that both twins read: at run time
 * {@link valueTypeProblem} words a value of another type from it, and at compile time
 * {@link ValueTypeProblem} words a literal of another type from it, the same sentence. A `custom`
 * option has its own check and no compile-time sentence (tsc's own message).
 *
 * @example
 * const s: ValueShape = { type: "oneOf", values: ["release", "git"] }
 */
export type ValueShape =
  | { readonly type: "string" | "boolean" | "artifact" | "overrides" | "env" | "layout" | "strings" | "custom" }
  | { readonly type: "oneOf"; readonly values: readonly string[] }
  | { readonly type: "listOf"; readonly values: readonly string[]; readonly hint: string | undefined };

/** The directories of a layout option, in the order its sentence names them. */
const LAYOUT_KEYS = ["lib", "include", "bin", "pkgconfig", "plugins"] as const;
type LayoutKey = (typeof LAYOUT_KEYS)[number];
// The sentences of values that are not of the option's shape at all, literal types for both twins.
const NOT_ARTIFACT = "the value is not an artifact: pass the artifact of the stage that provides it (stage.provides.<name>)";
const NOT_OVERRIDES = 'the value is not a list of { rule: "...", reason: "..." }';
const NOT_ENV = 'the value is not a list of ["NAME", "value"] pairs';
const NOT_LAYOUT = "the value is not a layout: an object of lib, include, bin, pkgconfig, plugins lists";
const NOT_STRINGS = "the value is not a list of strings";

const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === "string");

/**
 * The runtime twin of {@link ValueTypeProblem}: the problem of a value that is not of the option's
 * shape (without stage and option), or undefined. A kind's own checks (a pinned version, an
 * absolute path, a pattern, the artifact's kind) come after it.
 *
 * @example
 * valueTypeProblem({ type: "boolean" }, "yes") // '"yes" is not true or false'
 */
export function valueTypeProblem(shape: ValueShape, v: unknown): string | undefined {
  switch (shape.type) {
    case "string":
      return typeof v === "string" ? undefined : `${JSON.stringify(v)} is not a string`;
    case "boolean":
      return typeof v === "boolean" ? undefined : `${JSON.stringify(v)} is not true or false`;
    case "oneOf":
      return typeof v === "string" && shape.values.includes(v) ? undefined : `${JSON.stringify(v)} is not one of ${shape.values.map((x) => JSON.stringify(x)).join(", ")}`;
    case "listOf": {
      if (!Array.isArray(v)) return `${JSON.stringify(v)} is not a list`;
      // findIndex, not find: an undefined element is refused too.
      const i = v.findIndex((x) => typeof x !== "string" || !shape.values.includes(x));
      return i === -1 ? undefined : `${String(v[i])} is not one of ${shape.values.join(", ")}${shape.hint !== undefined ? ` (${shape.hint})` : ""}`;
    }
    case "artifact": {
      const a = v as { readonly kind?: unknown; readonly prefix?: unknown } | null;
      return typeof a === "object" && a !== null && typeof a.kind === "string" && typeof a.prefix === "string" ? undefined : NOT_ARTIFACT;
    }
    case "overrides":
      return Array.isArray(v) && v.every((x) => typeof x === "object" && x !== null && typeof (x as RuleOverride).rule === "string" && typeof (x as RuleOverride).reason === "string") ? undefined : NOT_OVERRIDES;
    case "env":
      return Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === "string")) ? undefined : NOT_ENV;
    case "layout":
      return typeof v === "object" && v !== null && !Array.isArray(v) && Object.entries(v).every(([k, x]) => (LAYOUT_KEYS as readonly string[]).includes(k) && isStringList(x)) ? undefined : NOT_LAYOUT;
    case "strings":
      return isStringList(v) ? undefined : NOT_STRINGS;
    case "custom":
      return undefined;
  }
}

// ---- the compile-time twin: JSON.stringify and String() of literal types ----

type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;
/** True when some member of V is assignable to T (distributive: a union passes if one member may). */
type Some<V, T> = true extends (V extends T ? true : never) ? true : false;
type JsonEscape<S extends string, Acc extends string = ""> = S extends `${infer C}${infer R}`
  ? JsonEscape<R, `${Acc}${C extends '"' ? '\\"' : C extends "\\" ? "\\\\" : C extends "\n" ? "\\n" : C extends "\t" ? "\\t" : C extends "\r" ? "\\r" : C}`>
  : Acc;
/** `JSON.stringify(v)` of a literal type (string, number, boolean, null, or a tuple of them); never when the value is not known. */
type Json<V> = true extends IsUnion<V>
  ? never
  : [V] extends [string] ? (string extends V ? never : `"${JsonEscape<V>}"`)
  : [V] extends [number] ? (number extends V ? never : `${V}`)
  : [V] extends [boolean] ? `${V}`
  : [V] extends [null] ? "null"
  : V extends readonly unknown[] ? (number extends V["length"] ? never : `[${JsonItems<V>}]`)
  : never;
type JsonItems<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R]
  ? ([H] extends [undefined] ? "null" : Json<H>) extends infer J extends string ? (R extends readonly [] ? J : `${J},${JsonItems<R>}`) : never
  : "";
/** `String(v)` of a literal type; never when the value is not known. */
type StringOf<V> = true extends IsUnion<V>
  ? never
  : [V] extends [string] ? (string extends V ? never : V)
  : [V] extends [number] ? (number extends V ? never : `${V}`)
  : [V] extends [boolean | null | undefined] ? `${V & (boolean | null | undefined)}`
  : never;
/** `list.join(separator)` of a tuple of literals; never for an array whose order the type does not know. */
type Join<T extends readonly string[], Sep extends string> = number extends T["length"]
  ? never
  : T extends readonly [infer H extends string, ...infer R extends readonly string[]] ? (R extends readonly [] ? H : `${H}${Sep}${Join<R, Sep>}`) : "";
type QuotedList<T extends readonly string[]> = number extends T["length"]
  ? never
  : T extends readonly [infer H extends string, ...infer R extends readonly string[]] ? (R extends readonly [] ? Json<H> : `${Json<H>}, ${QuotedList<R>}`) : "";
/** The first element of a tuple that is not one of the values, as `[element]`, or `[]`. */
type FirstBad<T extends readonly unknown[], Vs> = T extends readonly [infer H, ...infer R] ? ([H] extends [Vs] ? FirstBad<R, Vs> : [H]) : [];
type Worded<V, Tail extends string> = Json<V> extends infer J extends string ? `${J}${Tail}` : never;
type ListProblem<Vs extends readonly string[], H, V> = true extends IsUnion<V>
  ? never
  : V extends readonly unknown[]
    ? number extends V["length"]
      ? never
      : FirstBad<V, Vs[number]> extends [infer B]
        ? `${StringOf<B>} is not one of ${Join<Vs, ", ">}${H extends string ? (string extends H ? never : ` (${H})`) : ""}`
        : never
    : Worded<V, " is not a list">;
type LayoutLike<V> = V extends readonly unknown[] ? false : V extends object ? ([Exclude<keyof V, LayoutKey>] extends [never] ? ([V[keyof V]] extends [readonly string[]] ? true : false) : false) : false;

/**
 * The compile-time twin of {@link valueTypeProblem}: for a value type V that is not of the shape S,
 * the sentence the runtime check throws (without stage and option), or never when V is of the
 * shape or when the sentence names a value the type does not know (a widened string, an object):
 * then tsc's own message stands, and the runtime check words it.
 *
 * @example
 * type P = ValueTypeProblem<{ type: "boolean" }, "yes"> // '"yes" is not true or false'
 */
export type ValueTypeProblem<S, V> = 0 extends 1 & V
  ? never
  : unknown extends V
    ? never
    : S extends { readonly type: infer T }
      ? T extends "string" ? (Some<V, string> extends true ? never : Worded<V, " is not a string">)
      : T extends "boolean" ? (Some<V, boolean> extends true ? never : Worded<V, " is not true or false">)
      : T extends "oneOf" ? (S extends { readonly values: infer Vs extends readonly string[] } ? ([V] extends [Vs[number]] ? never : Worded<V, ` is not one of ${QuotedList<Vs>}`>) : never)
      : T extends "listOf" ? (S extends { readonly values: infer Vs extends readonly string[]; readonly hint: infer H } ? ListProblem<Vs, H, V> : never)
      : T extends "artifact" ? (Some<V, { readonly kind: string; readonly prefix: string }> extends true ? never : typeof NOT_ARTIFACT)
      : T extends "overrides" ? (Some<V, readonly { readonly rule: string; readonly reason: string }[]> extends true ? never : typeof NOT_OVERRIDES)
      : T extends "env" ? (Some<V, readonly (readonly [string, string])[]> extends true ? never : typeof NOT_ENV)
      : T extends "layout" ? (true extends LayoutLike<V> ? never : typeof NOT_LAYOUT)
      : T extends "strings" ? (Some<V, readonly string[]> extends true ? never : typeof NOT_STRINGS)
      : never
      : never;

/** The options a component declares, by name. */
export type OptionKinds = { readonly [name: string]: AnyOptionKind };

type ValueOf<K> = K extends OptionKind<infer T, boolean, LiteralCheck, unknown> ? T : never;
type RequiredKeys<Os> = { [K in keyof Os]: Os[K] extends { readonly required: true } ? K : never }[keyof Os];
type OptionalKeys<Os> = Exclude<keyof Os, RequiredKeys<Os>>;

/**
 * The option type a set of option kinds derives: required keys required, the others optional.
 *
 * @example
 * type O = OptionsOf<{ version: OptionKind<string, true> }> // { readonly version: string }
 */
export type OptionsOf<Os> = { readonly [K in RequiredKeys<Os>]: ValueOf<Os[K]> } & { readonly [K in OptionalKeys<Os>]?: ValueOf<Os[K]> };

/** The default of each option that has one. */
export type DefaultsOf<Os> = { readonly [K in keyof Os as Os[K] extends { readonly default: undefined } ? never : K]: Os[K] extends { readonly default: infer D } ? D : never };

/**
 * An option's compile-time problem: the option's key and the sentence, the same sentence the runtime
 * check throws for that value.
 *
 * @example
 * type P = OptionProblem<"prefx", "unknown option prefx for stage libfabric; remove it or use one of the options the stage declares">
 */
export type OptionProblem<K extends PropertyKey = PropertyKey, S extends string = string> = readonly [K, S];

/**
 * The sentence for an undeclared option key, as {@link unknownOption} writes it.
 *
 * @example
 * type S = UnknownOptionSentence<"libfabric", "prefx">
 */
export type UnknownOptionSentence<N extends string, K extends string> = `unknown option ${K} for stage ${N}; remove it or use one of the options the stage declares`;

type LiteralProblem<L, V> = V extends string
  ? L extends "version" ? VersionLiteralCheck<V> : L extends "path" ? PathLiteralCheck<V> : L extends "image-tag" ? ImageTagCheck<V> : unknown
  : unknown;
type LiteralOf<Kind> = Kind extends { readonly literal: infer L } ? L : "none";
/** An artifact option given an artifact of another kind (both kinds literal). */
type ArtifactKindProblem<T, V> = T extends Artifact<infer Want>
  ? string extends Want
    ? never
    : V extends { readonly kind: infer Got extends string }
      ? string extends Got ? never : Got extends Want ? never : `the value is a ${Got} artifact, not ${Want}: pass the ${Want} artifact of the stage that provides it`
      : never
  : never;
type ShapeOf<Kind> = Kind extends { readonly shape: infer S } ? S : never;
/**
 * The problem of one declared option's value, without stage and option (as the kind's runtime check
 * words it): a value of another type first, then the kind's own literal or artifact-kind check.
 */
type ValueProblem<Kind, V> = ValueTypeProblem<ShapeOf<Kind>, V> extends infer T extends string
  ? [T] extends [never] ? KindProblem<Kind, V> : T
  : KindProblem<Kind, V>;
type KindProblem<Kind, V> = LiteralProblem<LiteralOf<Kind>, V> extends infer P extends string ? P : ArtifactKindProblem<ValueOf<Kind>, V>;

/**
 * Every option problem of O as {@link OptionProblem} pairs: undeclared keys, version and path
 * literals that are not pinned or not absolute, artifacts of the wrong kind. An undeclared key and an
 * artifact of another kind read as {@link checkOptionValues} words them; a version or path literal
 * as arg.ts's literal checks word it (without the runtime's quotes around the value).
 *
 * @example
 * type P = OptionProblems<{ prefx: "/opt" }, { version: AnyOptionKind }, "libfabric">
 */
export type OptionProblems<O, Os, N extends string> = {
  readonly [K in keyof O]-?: K extends string
    ? (K extends keyof Os ? ValueProblem<Os[K], O[K]> extends infer P extends string ? `${N}, option ${K}: ${P}` : never : UnknownOptionSentence<N, K>) extends infer S extends string
      ? [S] extends [never] ? never : OptionProblem<K, S>
      : never
    : never;
}[keyof O];

/**
 * The parameter type an options object O is checked against: `Good` when O has no problem, else a
 * refusal whose printed form is short and starts with the sentence(s): the {@link Refuse} of every
 * sentence, and O with each offending key's value replaced by the Refuse of its own sentence where
 * that puts the whole sentence on the first line of tsc's diagnostic for an object literal:
 * - a value that is an object (an artifact, a stage, a list): tsc reports the key with
 *   `Property '<sentence>' is missing in type …`, and a property name is never cut;
 * - a primitive value (a version string): tsc reports the key with `Type 'string' is not assignable
 *   to type 'Refuse<"<sentence>">'`, a printed type, which tsc cuts after 320 characters; so only a
 *   sentence that fits ({@link FitsTypeName}).
 * When one problem cannot be reported at its key that way (a longer sentence on a primitive value,
 * a key O does not have), no key is replaced: tsc then refuses the whole object, `Argument of type
 * … parameter of type 'Refuse<"<sentence>"> & …'` (the sentence's start) and on the next line
 * `Property '<sentence>' is missing in type …` (the whole sentence), and no sentence is hidden
 * behind another key's. Through a variable tsc always prints those two lines.
 *
 * @example
 * function f<const O extends object>(o: OptionsVerdict<O, O, OptionProblems<O, typeof kinds, "x">>) {}
 */
export type OptionsVerdict<O, Good, P> = [P] extends [never]
  ? Good
  : Refuse<P extends OptionProblem<PropertyKey, infer S> ? S : never> & ([AtItsKey<O, P>] extends [true]
      ? { readonly [K in keyof O]: [Extract<P, OptionProblem<K, string>>] extends [never] ? O[K] : Refuse<Extract<P, OptionProblem<K, string>>[1]> }
      : { readonly [K in keyof O]: O[K] });

/** true when every problem of P can be reported at its own key of O with its whole sentence on tsc's first line. */
type AtItsKey<O, P> = false extends (P extends OptionProblem<infer K, string> ? (K extends keyof O ? (O[K] extends object ? true : KeySentenceFits<Extract<P, OptionProblem<K, string>>[1]>) : false) : never) ? false : true;
type KeySentenceFits<S extends string> = IsUnion<S> extends true ? false : FitsTypeName<S>;

type Drop10<S extends string> = S extends `${infer _0}${infer _1}${infer _2}${infer _3}${infer _4}${infer _5}${infer _6}${infer _7}${infer _8}${infer _9}${infer R}` ? R : never;
/** A sentence written inside a printed string literal type: each `"` and `\` takes two characters. */
type Escaped<S extends string> = S extends `${infer A}${'"' | "\\"}${infer B}` ? `${A}..${Escaped<B>}` : S;
type Within<S extends string, N extends 0[]> = N extends [0, ...infer Rest extends 0[]] ? ([Drop10<S>] extends [never] ? true : Within<Drop10<S>, Rest>) : [Drop10<S>] extends [never] ? true : false;
/**
 * Whether tsc prints `Refuse<"S">` whole: it cuts a printed type name of 320 characters or more
 * (TypeScript's defaultMaximumTruncationLength, doubled for diagnostics), so the sentence, written
 * as a string literal, must take at most 309 characters (counted ten at a time: thirty tens and fewer than ten more).
 *
 * @example
 * type T = FitsTypeName<"a short sentence"> // true
 */
export type FitsTypeName<S extends string> = Within<Escaped<S>, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>;

/**
 * The parameter type of a component's options: the object itself and the declared shape when O has
 * no problem (O is inferred from the value, never from the declaration, so undeclared keys are
 * caught through a variable too), else the {@link OptionsVerdict} refusal of its sentences. `First`
 * adds problems of option values (a version form); `Later` are problems judged only when every option
 * is of its kind (version rules), as at run time.
 *
 * @example
 * function f<const O extends object>(options: OptionsArg<typeof kinds, "x", O>) {}
 */
export type OptionsArg<Os, N extends string, O, Later = never, First = never> = OptionsVerdict<
  O,
  O & OptionsOf<Os>,
  OptionProblems<O, Os, N> | First extends infer P ? ([P] extends [never] ? Later : P) : never
>;

/**
 * The runtime twin of {@link OptionsArg}: throws for an undeclared option, a missing required one,
 * or a value that is not of its kind. Returns the options with defaults applied.
 *
 * @example
 * checkOptionValues("ucx", { version: "v1.19.0" }, { version: option.version({ doc: "tag", required: true }) })
 */
export function checkOptionValues(stage: string, options: object, kinds: OptionKinds): { readonly [k: string]: unknown } {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    fail("invalid-value", `stage ${stage}: options must be an object`, { stage });
  }
  const given = options as { readonly [k: string]: unknown };
  for (const key of Object.keys(given)) {
    if (!(key in kinds)) fail("unknown-option", unknownOption(stage, key), { stage, option: key });
  }
  const out: { [k: string]: unknown } = {};
  for (const [key, kind] of Object.entries(kinds)) {
    const value = given[key];
    if (value === undefined) {
      if (kind.required) fail("invalid-value", `stage ${stage}: option ${key} is required (${kind.doc})`, { stage, option: key });
      if (kind.default !== undefined) out[key] = kind.default;
      continue;
    }
    const problem = kind.check(value);
    if (problem !== undefined) fail("invalid-value", `${stage}, option ${key}: ${problem}`, { stage, option: key });
    out[key] = value;
  }
  return out;
}

interface KindOpts<R extends boolean, D> {
  readonly doc: string;
  readonly required?: R;
  readonly default?: D;
}

/** An option kind: a value of another shape is worded from `shape`; `more` checks a value of the shape further. */
function kind<T, R extends boolean, L extends LiteralCheck, D, S extends ValueShape>(
  o: KindOpts<R, D>,
  literal: L,
  shape: S,
  more?: (v: unknown) => string | undefined,
  artifactKind?: string,
  image?: OptionKind["image"],
): OptionKind<T, R, L, D, S> {
  return Object.freeze({
    doc: o.doc,
    required: (o.required ?? false) as R,
    literal,
    shape,
    default: o.default as D,
    ...(artifactKind !== undefined ? { artifactKind } : {}),
    ...(image !== undefined ? { image } : {}),
    check: (v: unknown) => valueTypeProblem(shape, v) ?? more?.(v),
  });
}

const STRING = { type: "string" } as const;

/**
 * The option kinds. Each returns the declaration the option type and the runtime check derive from.
 *
 * @example
 * const options = { version: option.version({ doc: "release tag", required: true }), efa: option.boolean({ doc: "EFA provider", default: true }) }
 */
export const option = {
  /** A pinned version (no latest, no shell metacharacters); its literal is checked by tsc too. */
  version<const R extends boolean = false, const D extends string | undefined = undefined>(o: KindOpts<R, D>): OptionKind<string, R, "version", D, typeof STRING> {
    return kind(o, "version", STRING, (v) => versionProblem(v as string));
  },
  /** An absolute, normalised path; its literal is checked by tsc too. */
  path<const R extends boolean = false, const D extends string | undefined = undefined>(o: KindOpts<R, D>): OptionKind<string, R, "path", D, typeof STRING> {
    return kind(o, "path", STRING, (v) => pathProblem(v as string));
  },
  /** A string matching a pattern; `expected` says in words what it must look like. */
  string<const R extends boolean = false, const D extends string | undefined = undefined>(o: KindOpts<R, D> & { readonly pattern?: RegExp; readonly expected?: string }): OptionKind<string, R, "none", D, typeof STRING> {
    return kind(o, "none", STRING, (v) => (o.pattern === undefined || o.pattern.test(v as string) ? undefined : `${JSON.stringify(v)} is not ${o.expected ?? `a value matching ${String(o.pattern)}`}`));
  },
  /**
   * One part of the stage's FROM image (repository, tag, or a reference pinned by digest): checked
   * as the ARG it becomes (the component's `image` declaration names it); a tag literal by tsc too.
   */
  image<const P extends ImagePart, const R extends boolean = false, const D extends string | undefined = undefined>(
    part: P,
    o: KindOpts<R, D> & { readonly example?: string },
  ): OptionKind<string, R, P extends "tag" ? "image-tag" : "none", D, typeof STRING> {
    const example = o.example ?? "";
    const argKind = imagePartKind(part, example);
    return kind(o, (part === "tag" ? "image-tag" : "none") as P extends "tag" ? "image-tag" : "none", STRING, (v) => argValueProblem(argKind, v as string), undefined, { part, example });
  },
  /** true or false. */
  boolean<const R extends boolean = false, const D extends boolean | undefined = undefined>(o: KindOpts<R, D>): OptionKind<boolean, R, "none", D, { readonly type: "boolean" }> {
    return kind(o, "none", { type: "boolean" } as const);
  },
  /** One of a fixed set of strings (a value outside it is refused by tsc with the runtime's sentence). */
  oneOf<const V extends readonly string[], const R extends boolean = false, const D extends V[number] | undefined = undefined>(
    values: V,
    o: KindOpts<R, D>,
  ): OptionKind<V[number], R, "none", D, { readonly type: "oneOf"; readonly values: V }> {
    return kind(o, "none", { type: "oneOf", values } as const);
  },
  /**
   * A list of values from a fixed set; `hint` is added to the sentence for a value outside it. For
   * tsc to write that sentence too, the values are a tuple and the hint a literal (see {@link joined}).
   */
  listOf<const V extends readonly string[], const R extends boolean = false, const H extends string | undefined = undefined>(
    values: V,
    o: KindOpts<R, undefined> & { readonly hint?: H },
  ): OptionKind<readonly V[number][], R, "none", undefined, { readonly type: "listOf"; readonly values: V; readonly hint: H }> {
    return kind(o, "none", { type: "listOf", values, hint: o.hint as H } as const);
  },
  /** An artifact of one kind (taken from the stage that provides it, never a restated path). */
  artifact<const K extends string, const R extends boolean = false>(artifactKind: K, o: KindOpts<R, undefined>): OptionKind<Artifact<K, string, string, string>, R, "none", undefined, { readonly type: "artifact" }> {
    return kind(o, "none", { type: "artifact" } as const, (v) => {
      const a = v as AnyArtifact;
      return a.kind === artifactKind ? undefined : `the value is a ${a.kind} artifact, not ${artifactKind}: pass the ${artifactKind} artifact of the stage that provides it`;
    }, artifactKind);
  },
  /** Explicit overrides of the stage's version rules (each with a reason). */
  overrides(): OptionKind<readonly RuleOverride[], false, "none", undefined, { readonly type: "overrides" }> {
    return kind({ doc: "rules an expert overrides on purpose, each with its reason" }, "none", { type: "overrides" } as const);
  },
  /** ENV pairs, in order. */
  env(o: KindOpts<false, undefined>): OptionKind<readonly (readonly [string, string])[], false, "none", undefined, { readonly type: "env" }> {
    return kind(o, "none", { type: "env" } as const);
  },
  /** An artifact layout (directories relative to the prefix). */
  layout(o: KindOpts<false, undefined>): OptionKind<Partial<ArtifactLayout>, false, "none", undefined, { readonly type: "layout" }> {
    return kind(o, "none", { type: "layout" } as const);
  },
  /** A list of strings. */
  strings(o: KindOpts<false, undefined>): OptionKind<readonly string[], false, "none", undefined, { readonly type: "strings" }> {
    return kind(o, "none", { type: "strings" } as const);
  },
  /** A value of another type, with its own runtime check (tsc's own message for a value of another type). */
  custom<T, const R extends boolean = false, const D = undefined>(o: KindOpts<R, D> & { readonly check: (v: unknown) => string | undefined }): OptionKind<T, R, "none", D, { readonly type: "custom" }> {
    return kind(o, "none", { type: "custom" } as const, o.check);
  },
};

/**
 * `list.join(separator)` with its literal type kept, for a sentence made from a list that tsc writes
 * too (the hint of an {@link option.listOf}).
 *
 * @example
 * joined(["-y", "--skip-kmod"] as const, " ") // "-y --skip-kmod", typed so
 */
export function joined<const T extends readonly string[], const S extends string>(list: T, separator: S): Joined<T, S> {
  return list.join(separator) as Joined<T, S>;
}

/**
 * The type of {@link joined}: the joined literal for a tuple of literals, else string.
 *
 * @example
 * type J = Joined<readonly ["-y", "--skip-kmod"], " "> // "-y --skip-kmod"
 */
export type Joined<T extends readonly string[], S extends string> = [Join<T, S>] extends [never] ? string : Join<T, S>;
