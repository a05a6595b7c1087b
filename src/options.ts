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
export interface OptionKind<T = unknown, R extends boolean = boolean, L extends LiteralCheck = LiteralCheck, D = unknown> {
  readonly doc: string;
  readonly required: R;
  readonly literal: L;
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
export type AnyOptionKind = OptionKind<unknown, boolean, LiteralCheck, unknown>;

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
/** The problem of one declared option's value, without stage and option (as the kind's runtime check words it). */
type ValueProblem<Kind, V> = LiteralProblem<LiteralOf<Kind>, V> extends infer P extends string ? P : ArtifactKindProblem<ValueOf<Kind>, V>;

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
 * sentence, and O with each offending key's value replaced by the Refuse of its own sentence (so an
 * object literal is reported at the offending key). tsc's first line then holds the sentence, not
 * the component's spec.
 *
 * @example
 * function f<const O extends object>(o: OptionsVerdict<O, O, OptionProblems<O, typeof kinds, "x">>) {}
 */
export type OptionsVerdict<O, Good, P> = [P] extends [never]
  ? Good
  : Refuse<P extends OptionProblem<PropertyKey, infer S> ? S : never> & {
      readonly [K in keyof O]: [Extract<P, OptionProblem<K, string>>] extends [never] ? O[K] : Refuse<Extract<P, OptionProblem<K, string>>[1]>;
    };

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

function kind<T, R extends boolean, L extends LiteralCheck, D>(o: KindOpts<R, D>, literal: L, check: (v: unknown) => string | undefined, artifactKind?: string, image?: OptionKind["image"]): OptionKind<T, R, L, D> {
  return Object.freeze({
    doc: o.doc,
    required: (o.required ?? false) as R,
    literal,
    default: o.default as D,
    ...(artifactKind !== undefined ? { artifactKind } : {}),
    ...(image !== undefined ? { image } : {}),
    check,
  });
}

const str = (v: unknown) => (typeof v === "string" ? undefined : `${JSON.stringify(v)} is not a string`);

/**
 * The option kinds. Each returns the declaration the option type and the runtime check derive from.
 *
 * @example
 * const options = { version: option.version({ doc: "release tag", required: true }), efa: option.boolean({ doc: "EFA provider", default: true }) }
 */
export const option = {
  /** A pinned version (no latest, no shell metacharacters); its literal is checked by tsc too. */
  version<const R extends boolean = false, const D extends string | undefined = undefined>(o: KindOpts<R, D>): OptionKind<string, R, "version", D> {
    return kind(o, "version", (v) => str(v) ?? versionProblem(v as string));
  },
  /** An absolute, normalised path; its literal is checked by tsc too. */
  path<const R extends boolean = false, const D extends string | undefined = undefined>(o: KindOpts<R, D>): OptionKind<string, R, "path", D> {
    return kind(o, "path", (v) => str(v) ?? pathProblem(v as string));
  },
  /** A string matching a pattern; `expected` says in words what it must look like. */
  string<const R extends boolean = false, const D extends string | undefined = undefined>(o: KindOpts<R, D> & { readonly pattern?: RegExp; readonly expected?: string }): OptionKind<string, R, "none", D> {
    return kind(o, "none", (v) => str(v) ?? (o.pattern === undefined || o.pattern.test(v as string) ? undefined : `${JSON.stringify(v)} is not ${o.expected ?? `a value matching ${String(o.pattern)}`}`));
  },
  /**
   * One part of the stage's FROM image (repository, tag, or a reference pinned by digest): checked
   * as the ARG it becomes (the component's `image` declaration names it); a tag literal by tsc too.
   */
  image<const P extends ImagePart, const R extends boolean = false, const D extends string | undefined = undefined>(
    part: P,
    o: KindOpts<R, D> & { readonly example?: string },
  ): OptionKind<string, R, P extends "tag" ? "image-tag" : "none", D> {
    const example = o.example ?? "";
    const argKind = imagePartKind(part, example);
    return kind(o, (part === "tag" ? "image-tag" : "none") as P extends "tag" ? "image-tag" : "none", (v) => str(v) ?? argValueProblem(argKind, v as string), undefined, { part, example });
  },
  /** true or false. */
  boolean<const R extends boolean = false, const D extends boolean | undefined = undefined>(o: KindOpts<R, D>): OptionKind<boolean, R, "none", D> {
    return kind(o, "none", (v) => (typeof v === "boolean" ? undefined : `${JSON.stringify(v)} is not true or false`));
  },
  /** One of a fixed set of strings. */
  oneOf<const V extends readonly string[], const R extends boolean = false, const D extends V[number] | undefined = undefined>(values: V, o: KindOpts<R, D>): OptionKind<V[number], R, "none", D> {
    return kind(o, "none", (v) => (typeof v === "string" && values.includes(v) ? undefined : `${JSON.stringify(v)} is not one of ${values.map((x) => JSON.stringify(x)).join(", ")}`));
  },
  /** A list of values from a fixed set. */
  listOf<const V extends readonly string[], const R extends boolean = false>(values: V, o: KindOpts<R, undefined> & { readonly hint?: string }): OptionKind<readonly V[number][], R, "none", undefined> {
    return kind(o, "none", (v) => {
      if (!Array.isArray(v)) return `${JSON.stringify(v)} is not a list`;
      const bad = v.find((x) => typeof x !== "string" || !values.includes(x));
      return bad === undefined ? undefined : `${String(bad)} is not one of ${values.join(", ")}${o.hint !== undefined ? ` (${o.hint})` : ""}`;
    });
  },
  /** An artifact of one kind (taken from the stage that provides it, never a restated path). */
  artifact<const K extends string, const R extends boolean = false>(artifactKind: K, o: KindOpts<R, undefined>): OptionKind<Artifact<K, string, string, string>, R, "none", undefined> {
    return kind(o, "none", (v) => {
      const a = v as Partial<AnyArtifact> | null;
      if (typeof a !== "object" || a === null || typeof a.kind !== "string" || typeof a.prefix !== "string") return "the value is not an artifact: pass the artifact of the stage that provides it (stage.provides.<name>)";
      return a.kind === artifactKind ? undefined : `the value is a ${a.kind} artifact, not ${artifactKind}: pass the ${artifactKind} artifact of the stage that provides it`;
    }, artifactKind);
  },
  /** Explicit overrides of the stage's version rules (each with a reason). */
  overrides(): OptionKind<readonly RuleOverride[], false, "none", undefined> {
    return kind({ doc: "rules an expert overrides on purpose, each with its reason" }, "none", (v) =>
      Array.isArray(v) && v.every((x) => typeof x === "object" && x !== null && typeof (x as RuleOverride).rule === "string" && typeof (x as RuleOverride).reason === "string")
        ? undefined
        : 'the value is not a list of { rule: "...", reason: "..." }');
  },
  /** ENV pairs, in order. */
  env(o: KindOpts<false, undefined>): OptionKind<readonly (readonly [string, string])[], false, "none", undefined> {
    return kind(o, "none", (v) => (Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === "string")) ? undefined : 'the value is not a list of ["NAME", "value"] pairs'));
  },
  /** An artifact layout (directories relative to the prefix). */
  layout(o: KindOpts<false, undefined>): OptionKind<Partial<ArtifactLayout>, false, "none", undefined> {
    const keys = ["lib", "include", "bin", "pkgconfig", "plugins"];
    return kind(o, "none", (v) =>
      typeof v === "object" && v !== null && Object.entries(v).every(([k, x]) => keys.includes(k) && Array.isArray(x) && x.every((d) => typeof d === "string"))
        ? undefined
        : `the value is not a layout: an object of ${keys.join(", ")} lists`);
  },
  /** A list of strings. */
  strings(o: KindOpts<false, undefined>): OptionKind<readonly string[], false, "none", undefined> {
    return kind(o, "none", (v) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? undefined : "the value is not a list of strings"));
  },
  /** A value of another type, with its own runtime check. */
  custom<T, const R extends boolean = false, const D = undefined>(o: KindOpts<R, D> & { readonly check: (v: unknown) => string | undefined }): OptionKind<T, R, "none", D> {
    return kind(o, "none", o.check);
  },
};
