/**
 * Version rules as data. A rule is written once, as a literal object; one generic type
 * ({@link RuleProblem}) and one runtime function ({@link ruleOf}) read the same object, so a rule
 * cannot exist on one side only and its sentence cannot drift between the two.
 *
 * A rule compares a version (the one a stage builds against, `needs`, or the stage's own) with a
 * bound. Its clauses are tried in order; every clause that applies must hold, and the first one
 * that does not is the problem. A clause applies when:
 * - `when` (a range such as ">=0.6.1 <0.8.0") holds for the stage's own version;
 * - `option` holds: each named option equals the value (a list option: contains it);
 * - `from` names the needed artifact's distribution; a clause without `from` applies to every
 *   distribution that no clause of the rule names.
 * What it demands: `atLeast` (the compared version is at least this), `below` (it is lower than
 * this), `line` (it is on this MAJOR.MINOR line), `absent` (the needed artifact must not be
 * given) or `present` (it must be given: a tool the stage's steps run, held through its base).
 * A clause that demands nothing exempts what it matches.
 *
 * The needed artifact is the one an option carries, or, with `held`, the one of that kind the
 * stage's image holds through its base (a toolkit of the base image the stage compiles with).
 *
 * Both twins compare the same way: `when` and `line` read the release numbers only
 * (`[v]MAJOR.MINOR[.PATCH]`, a suffix ignored); `atLeast` is decided by semver at run time (so
 * v2.3.0rc1 < v2.3.0rc2) and by release numbers at compile time, which is never stricter. A
 * version that does not parse is not judged by either twin.
 */
import type { AnyArtifact } from "./artifact.ts";
import { resolvedVersion } from "./artifact.ts";
import type { OptionProblem } from "./options.ts";
import type { ParseVersion, VersionLt } from "./semver-types.ts";
import { compareVersions, type Overrides, type RuleContext, type VersionRule } from "./version-rules.ts";

/** One clause of a {@link RuleData}. */
export interface RuleClause {
  /** A range on the stage's own version: comparators `>=X` and `<X`, separated by a space. */
  readonly when?: string;
  /** Options that must hold for the clause to apply (a list option must contain the value). */
  readonly option?: { readonly [name: string]: string | boolean };
  /** The distribution of the needed artifact (its `facts.distribution`; its version reads `<distribution>-<version>`). */
  readonly from?: string;
  /** The compared version must be at least this. */
  readonly atLeast?: string;
  /** The compared version must be lower than this (release numbers). */
  readonly below?: string;
  /**
   * The compared version must be on this MAJOR.MINOR release line; `{self}` names the line of the
   * stage's own version (a runtime image whose CUDA must be the builders').
   */
  readonly line?: string;
  /**
   * With line `{self}`: when the stage's version holds this text, the line is read just after its
   * first occurrence (a tag that names the compared version inside it, `25.10-cuda13.0-runtime`
   * after `-cuda`), else from the version's start.
   */
  readonly lineAfter?: string;
  /** The needed artifact must not be given at all. */
  readonly absent?: true;
  /** The needed artifact must be given (held through the base, with `held`); its version is then judged by the other demands. */
  readonly present?: true;
  /**
   * The problem sentence. Placeholders: {self} (the stage's own version), {version} (the compared
   * version), {producer} (the stage that built the needed artifact), {bound} (atLeast, below or line).
   */
  readonly problem?: string;
}

/**
 * A version rule as data. `needs` names the option that carries the artifact the rule compares
 * (its version is the compared one); without it, the stage's own version is compared.
 *
 * @example
 * const r = { id: "x-min", summary: "x needs y >= 2", source: "https://e.org/x", needs: "y",
 *   clauses: [{ atLeast: "2.0.0", problem: "X {self} needs y >= {bound} but stage {producer} builds y {version}" }] } as const satisfies RuleData
 */
export interface RuleData {
  readonly id: string;
  readonly summary: string;
  readonly source: string;
  readonly needs?: string;
  /** `needs` is an artifact kind the stage's image holds through its base, not an option. */
  readonly held?: true;
  /**
   * `needs` names an option that carries a stage (not a build need): the compared artifact is that
   * stage's artifact of this kind (the build base's CUDA, for a runtime image that must match it).
   */
  readonly kind?: string;
  readonly clauses: readonly RuleClause[];
}

// ---------------------------------------------------------------------------------------------
// Runtime twin

/**
 * `[major, minor, patch]` of a version, read as {@link ParseVersion} reads it at compile time
 * (leading v's dropped, a suffix after the digits ignored), or undefined.
 *
 * @example
 * releaseOf("v1.13.2-aws") // [1, 13, 2]
 */
export function releaseOf(version: string): readonly [number, number, number] | undefined {
  const s = version.replace(/^v+/, "");
  const parts = s.split(".");
  if (parts.length < 2) return undefined;
  const num = (p: string | undefined) => (p !== undefined && /^\d/.test(p) ? Number(/^\d+/.exec(p)![0]) : undefined);
  const a = num(parts[0]);
  const b = num(parts[1]);
  const c = parts.length === 2 ? 0 : num(parts.slice(2).join("."));
  return a === undefined || b === undefined || c === undefined ? undefined : [a, b, c];
}

function releaseLt(a: string, b: string): boolean | undefined {
  const ra = releaseOf(a);
  const rb = releaseOf(b);
  if (ra === undefined || rb === undefined) return undefined;
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i]! < rb[i]!;
  return false;
}

/**
 * Whether a version is in a range of `>=X` / `<X` comparators (release numbers only), or
 * undefined when it cannot be decided.
 *
 * @example
 * inRange("0.7.1", ">=0.6.1 <0.8.0") // true
 */
export function inRange(version: string, range: string): boolean | undefined {
  let out: boolean | undefined = true;
  for (const c of range.split(" ")) {
    const lt = c.startsWith(">=") ? releaseLt(version, c.slice(2)) : c.startsWith("<") ? releaseLt(version, c.slice(1)) : undefined;
    if (lt === undefined) return undefined;
    const ok = c.startsWith(">=") ? !lt : lt;
    if (!ok) out = false;
  }
  return out;
}

/**
 * Whether a version is on a MAJOR.MINOR line, or undefined when it does not parse.
 *
 * @example
 * onLine("v1.19.0", "1.19") // true
 */
export function onLine(version: string, line: string): boolean | undefined {
  if (releaseOf(version) === undefined) return undefined;
  return version === line || version === `v${line}` || version.startsWith(`${line}.`) || version.startsWith(`v${line}.`);
}

/**
 * The MAJOR.MINOR line of a version (`12.9.1-runtime-ubuntu24.04` is on `12.9`), or undefined.
 *
 * @example
 * lineOf("12.9.1-runtime-ubuntu24.04") // "12.9"
 */
export function lineOf(version: string): string | undefined {
  const r = releaseOf(version);
  return r === undefined ? undefined : `${r[0]}.${r[1]}`;
}

/** The line `{self}` names: read after `after` when the version holds it (`13.0-runtime` as the type reads it too), else from its start. */
function selfLineOf(self: string, after: string | undefined): string | undefined {
  const i = after === undefined ? -1 : self.indexOf(after);
  if (i < 0) return lineOf(self);
  const rest = self.slice(i + after!.length);
  const m = /^(\d+)\.(\d+)-/.exec(rest);
  return lineOf(rest) ?? (m === null ? undefined : `${Number(m[1])}.${Number(m[2])}`);
}

/**
 * Fill a problem template's placeholders.
 *
 * @example
 * fillProblem("X {self} needs {bound}", { self: "1.0", bound: "2.0" }) // "X 1.0 needs 2.0"
 */
export function fillProblem(template: string, values: { readonly [k: string]: string }): string {
  return template.replace(/\{([a-z]+)\}/g, (m, k: string) => values[k] ?? m);
}

function optionHolds(value: unknown, want: string | boolean): boolean {
  return Array.isArray(value) ? value.includes(want) : value === want;
}

/** What a data rule reads besides the rule context: the stage's options (defaults applied) and its version ARG. */
export interface RuleInputs {
  /** The stage's options, defaults applied. */
  readonly options: { readonly [k: string]: unknown };
  /** The ARG that holds the stage's own version (values from data may change it). */
  readonly versionArg: string;
}

/**
 * The problem sentence of a data rule (without stage, id and source), or undefined.
 *
 * @example
 * ruleDataProblem(rule, { options: { version: "0.7.1" }, versionArg: "NIXL_VERSION" }, ctx)
 */
export function ruleDataProblem(rule: RuleData, inputs: RuleInputs, ctx: RuleContext): string | undefined {
  const self = ctx.arg(inputs.versionArg);
  if (self === undefined) return undefined;
  const needed: AnyArtifact | undefined =
    rule.needs === undefined ? undefined
    : rule.kind !== undefined ? stageArtifactOf(inputs.options[rule.needs], rule.kind)
    : ctx.artifact(rule.held === true ? rule.needs : artifactKindOf(inputs.options[rule.needs]) ?? rule.needs);
  const named = new Set(rule.clauses.flatMap((c) => (c.from === undefined ? [] : [c.from])));
  const distribution = needed?.facts["distribution"];
  for (const c of rule.clauses) {
    if (c.when !== undefined && inRange(self, c.when) !== true) continue;
    if (c.option !== undefined && !Object.entries(c.option).every(([k, v]) => optionHolds(inputs.options[k], v))) continue;
    if (rule.needs !== undefined) {
      if (c.from !== undefined ? distribution !== c.from : distribution !== undefined && named.has(distribution)) continue;
    }
    const line = c.line === "{self}" ? selfLineOf(self, c.lineAfter) : c.line;
    const values = { self, producer: needed?.producer ?? "", bound: c.atLeast ?? c.below ?? line ?? "" };
    if (c.absent === true) {
      if (needed !== undefined) return fillProblem(c.problem ?? "", { ...values, version: resolvedVersion(needed, ctx.arg) });
      continue;
    }
    if (rule.needs !== undefined && needed === undefined) {
      if (c.present === true) return fillProblem(c.problem ?? "", { ...values, version: "" });
      continue;
    }
    const version = needed === undefined ? self : resolvedVersion(needed, ctx.arg);
    const full = { ...values, version };
    if (c.atLeast !== undefined && releaseOf(version) !== undefined && compareVersions(version, c.atLeast) === -1) return fillProblem(c.problem ?? "", full);
    if (c.below !== undefined && releaseLt(version, c.below) === false) return fillProblem(c.problem ?? "", full);
    if (line !== undefined && onLine(version, line) === false) return fillProblem(c.problem ?? "", full);
  }
  return undefined;
}

/** The artifact of `kind` that a stage-valued option's stage provides. */
function stageArtifactOf(v: unknown, kind: string): AnyArtifact | undefined {
  if (typeof v !== "object" || v === null || !("provides" in v)) return undefined;
  return Object.values((v as { readonly provides: { readonly [k: string]: AnyArtifact } }).provides).find((a) => a.kind === kind);
}

function artifactKindOf(v: unknown): string | undefined {
  return typeof v === "object" && v !== null && "kind" in v && typeof (v as { kind: unknown }).kind === "string" ? (v as { kind: string }).kind : undefined;
}

/**
 * The runtime rule of a data rule, bound to one stage's options.
 *
 * @example
 * ruleOf(rule, { options: { version: "0.7.1" }, versionArg: "NIXL_VERSION" }).check(ctx)
 */
export function ruleOf(rule: RuleData, inputs: RuleInputs): VersionRule {
  return Object.freeze({ id: rule.id, summary: rule.summary, source: rule.source, check: (ctx: RuleContext) => ruleDataProblem(rule, inputs, ctx) });
}

// ---------------------------------------------------------------------------------------------
// Compile-time twin

type Fill<T extends string, M extends { readonly [k: string]: string }> = T extends `${infer A}{${infer K}}${infer B}`
  ? K extends keyof M ? `${A}${M[K]}${Fill<B, M>}` : `${A}{${K}}${Fill<B, M>}`
  : T;

/** true / false / boolean (undecidable) for a `>=X <Y` range on a version literal. */
type InRange<V extends string, R extends string> = R extends `${infer C} ${infer Rest}`
  ? Cmp<V, C> extends true ? InRange<V, Rest> : Cmp<V, C>
  : Cmp<V, R>;
type Cmp<V extends string, C extends string> = C extends `>=${infer X}`
  ? VersionLt<V, X> extends true ? false : VersionLt<V, X> extends false ? true : boolean
  : C extends `<${infer X}` ? VersionLt<V, X>
  : boolean;

type OptionValue<O, K extends PropertyKey, Defaults> = O extends { readonly [k in K]: infer X } ? X : K extends keyof Defaults ? Defaults[K] : undefined;
type OptionHolds<X, W> = X extends readonly (infer E)[] ? (W extends E ? true : false) : X extends W ? true : false;
type OptionsHold<O, C, Defaults> = C extends { readonly option: infer Req }
  ? false extends { [K in keyof Req]: OptionHolds<OptionValue<O, K, Defaults>, Req[K]> }[keyof Req] ? false : true
  : true;

/** The needed artifact's distribution and version, read from its version literal `<distribution>-<version>`. */
type Split<V extends string, Named extends string> = SplitBy<V, Named> extends infer S ? ([S] extends [never] ? { readonly from: undefined; readonly version: V } : S) : never;
type SplitBy<V extends string, Named extends string> = Named extends string ? (V extends `${Named}-${infer R}` ? { readonly from: Named; readonly version: R } : never) : never;

type FromHolds<C, D> = C extends { readonly from: infer F } ? ([D] extends [F] ? true : false) : [D] extends [undefined] ? true : false;

type Needed<R, O, Held> = R extends { readonly needs: infer K extends string }
  ? R extends { readonly kind: infer Kd extends string }
    ? O extends { readonly [k in K]: { readonly provides: infer P } } ? ([Extract<P[keyof P], { readonly kind: Kd }>] extends [never] ? undefined : Extract<P[keyof P], { readonly kind: Kd }>) : undefined
    : R extends { readonly held: true }
    ? [Extract<Held, { readonly kind: K }>] extends [never] ? undefined : Extract<Held, { readonly kind: K }>
    : O extends { readonly [k in K]: infer A } ? (A extends AnyArtifact ? A : undefined) : undefined
  : undefined;

type NamedFrom<Cs> = Cs extends readonly (infer C)[] ? (C extends { readonly from: infer F extends string } ? F : never) : never;

/** The sentence of the first clause (of a tuple) that fails, or never. */
type FirstFailing<Cs, Self extends string, A, R, O, Defaults, Named extends string> = Cs extends readonly [infer C, ...infer Rest]
  ? ClauseProblem<C, Self, A, R, O, Defaults, Named> extends infer P
    ? [P] extends [never] ? FirstFailing<Rest, Self, A, R, O, Defaults, Named> : P
    : never
  : never;

type ClauseProblem<C, Self extends string, A, R, O, Defaults, Named extends string> =
  (C extends { readonly when: infer W extends string } ? InRange<Self, W> : true) extends true
    ? OptionsHold<O, C, Defaults> extends true
      ? R extends { readonly needs: string }
        ? [A] extends [undefined]
          ? C extends { readonly present: true; readonly problem: infer T extends string } ? Fill<T, { self: Self; version: ""; producer: ""; bound: BoundOf<C> }> : never
          : A extends AnyArtifact
            ? Split<A["version"], Named> extends { readonly from: infer D; readonly version: infer NV extends string }
              ? FromHolds<C, D> extends true ? Demand<C, Self, NV, A["producer"]> : never
              : never
            : never
        : Demand<C, Self, Self, "">
      : never
    : never;

type BoundOf<C> = C extends { readonly atLeast: infer B extends string } ? B : C extends { readonly below: infer B extends string } ? B : C extends { readonly line: infer B extends string } ? B : "";

type Demand<C, Self extends string, V extends string, By extends string> = C extends { readonly problem: infer T extends string }
  ? C extends { readonly absent: true }
    ? Fill<T, { self: Self; version: V; producer: By; bound: "" }>
    : C extends { readonly atLeast: infer B extends string }
      ? VersionLt<V, B> extends true ? Fill<T, { self: Self; version: V; producer: By; bound: B }> : never
      : C extends { readonly below: infer B extends string }
        ? VersionLt<V, B> extends false ? Fill<T, { self: Self; version: V; producer: By; bound: B }> : never
      : C extends { readonly line: infer L0 extends string }
        ? (L0 extends "{self}" ? SelfLine<Self, C> : L0) extends infer L extends string
          ? [L] extends [never] ? never
            : [ParseVersion<V>] extends [never] ? never
            : V extends `${"v" | ""}${L}` | `${"v" | ""}${L}.${string}` ? never
            : Fill<T, { self: Self; version: V; producer: By; bound: L }>
          : never
        : never
  : never;

/** The MAJOR.MINOR line of a version literal, as {@link lineOf} reads it (never when it has none). */
type LineOf<V extends string> = V extends `v${infer R}` ? LineOf<R>
  : V extends `${infer A extends number}.${infer B}.${string}` ? (B extends `${number}` ? `${A}.${B}` : never)
  : V extends `${infer A extends number}.${infer B extends number}` ? `${A}.${B}`
  : never;

/** The line `{self}` names, as {@link selfLineOf} reads it: after the clause's `lineAfter` when Self holds it. */
type SelfLine<Self extends string, C> = C extends { readonly lineAfter: infer M extends string }
  ? Self extends `${string}${M}${infer R}` ? ([LineOf<R>] extends [never] ? (R extends `${infer A extends number}.${infer B extends number}-${string}` ? `${A}.${B}` : never) : LineOf<R>) : LineOf<Self>
  : LineOf<Self>;

/**
 * The full sentence of a data rule for literal options, as the runtime check reports it (stage,
 * problem, rule id, source, override hint), or never when the rule holds, is overridden, or
 * cannot be decided at compile time. `Self` is the stage's own version literal; `Defaults` the
 * option defaults the rule's `option` conditions fall back to; `Held` the artifacts the stage's
 * base holds (a `held` rule reads its artifact there).
 *
 * @example
 * type E = RuleProblem<typeof rule, "x", "1.0", { y: typeof yArtifact }>
 */
export type RuleProblem<R, Stage extends string, Self extends string, O, Defaults = {}, Held = never> = string extends Self
  ? never
  : R extends RuleData
    ? [Overrides<O, R["id"]>] extends [never]
      ? FirstFailing<R["clauses"], Self, Needed<R, O, Held>, R, O, Defaults, NamedFrom<R["clauses"]>> extends infer P extends string
        ? [P] extends [never] ? never
          : `stage ${Stage}: ${P} (rule ${R["id"]}; source: ${R["source"]}); to build anyway, add an explicit override { rule: "${R["id"]}", reason: "..." }`
        : never
      : never
    : never;

/**
 * The compile-time check of a stage's data rules: for each broken rule, an {@link OptionProblem}
 * pair of the option it names (`needs`, else, or for a `held` artifact, `version`) and its full
 * sentence (never when every rule holds). A component's option type refuses the options with these
 * sentences.
 *
 * @example
 * type P = RuleChecks<typeof rules, "x", "1.0", { y: typeof yArtifact }>
 */
export type RuleChecks<Rs, Stage extends string, Self extends string, O, Defaults = {}, Held = never> = Rs extends readonly (infer R)[]
  ? R extends unknown
    ? RuleProblem<R, Stage, Self, O, Defaults, Held> extends infer P extends string
      ? [P] extends [never] ? never : OptionProblem<R extends { readonly held: true } ? "version" : R extends { readonly needs: infer K extends string } ? K : "version", P>
      : never
    : never
  : never;
