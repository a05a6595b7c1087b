/**
 * Version forms: the shape an upstream gives its release tags (`v2.3.0`, `v2.27.3-1`, `1.43.3`),
 * declared once as data. The runtime check (one regular expression, so the build script's bash
 * and the bake file's RE2 run the same check as `--set` and values files) and the compile-time
 * check of a literal ({@link VersionFormProblem}) are both read from that one declaration.
 *
 * A shape is written with `<N>` for a release number (digits, no leading zero), `[...]` for an
 * optional part and any other character for itself: `v<N>.<N>.<N>[-rc<N>]`. A form may change with
 * the version (NIXL: plain up to 0.10.1, with its v from v1.0.0): each shape applies to the
 * releases below its `below` and at or above the previous shape's; the release numbers compared
 * are the first three `<N>` of the shape, which a shape with a bound must have before any `[`.
 */
import { fail, type ValueCheck } from "./validate.ts";

/**
 * One tag shape of a {@link VersionForm}, for the releases below `below` (and at or above the previous shape's).
 *
 * @example
 * const plainUntil1: VersionShape = { shape: "<N>.<N>.<N>", below: "1.0.0" }
 */
export interface VersionShape {
  readonly shape: string;
  /** The first release (`MAJOR.MINOR.PATCH`) this shape no longer applies to. */
  readonly below?: string;
}

/**
 * How an upstream writes its release tags.
 *
 * @example
 * const form = { expected: "a libfabric release tag with its v", example: "v2.3.0", shapes: [{ shape: "v<N>.<N>.<N>[rc<N>]" }],
 *   source: "https://github.com/ofiwg/libfabric/tags" } as const satisfies VersionForm
 */
export interface VersionForm {
  /** What a value is, in words, for the sentence: "a libfabric release tag with its v". */
  readonly expected: string;
  /** A value in the form (several, for a form that changes with the version). */
  readonly example: string;
  readonly shapes: readonly VersionShape[];
  /** Where the upstream's tags are listed. */
  readonly source: string;
}

// ---------------------------------------------------------------------------------------------
// Runtime twin: one regular expression

const NUMBER = "(0|[1-9][0-9]*)";

/** A set of integers, as the half-open interval [min, max) (max undefined: unbounded). */
interface Interval {
  readonly min: number;
  readonly max: number | undefined;
}

function release(bound: string, where: string): readonly [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(bound);
  if (m === null) fail("invalid-value", `${where}: bound ${JSON.stringify(bound)} is not MAJOR.MINOR.PATCH`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * The release triples in [lo, hi) as cases of one interval per number (a triple is in the range
 * when, for some case, each of its numbers is in that case's interval).
 */
function rangeCases(lo: readonly number[] | undefined, hi: readonly number[] | undefined): Interval[][] {
  const out: Interval[][] = [];
  const walk = (i: number, loTightAt: boolean, hiTight: boolean, acc: Interval[]): void => {
    let loTight = loTightAt;
    if (i === 3) {
      // lo is inclusive, hi exclusive: a triple equal to hi is out.
      if (!hiTight) out.push(acc);
      return;
    }
    // At or above (…, 0, 0) is any tail: drop the lower bound for the rest (shorter expressions).
    if (loTight && lo!.slice(i).every((x) => x === 0)) loTight = false;
    const min = loTight ? lo![i]! : 0;
    const max = hiTight ? hi![i]! : undefined;
    if (max !== undefined && min > max) return;
    if (loTight && hiTight && min === max) return walk(i + 1, true, true, [...acc, { min, max: min + 1 }]);
    if (loTight) walk(i + 1, true, false, [...acc, { min, max: min + 1 }]);
    const inner: Interval = { min: loTight ? min + 1 : min, max };
    if (inner.max === undefined || inner.min < inner.max) out.push([...acc, inner, ...Array.from({ length: 2 - i }, () => ({ min: 0, max: undefined }))]);
    if (hiTight) walk(i + 1, false, true, [...acc, { min: max!, max: max! + 1 }]);
  };
  walk(0, lo !== undefined, hi !== undefined, []);
  return out;
}

/** Regular expressions for the integers from a to b (inclusive), both written with the same number of digits. */
function sameLength(a: string, b: string): string[] {
  if (a === b) return [a];
  if (a.length === 1) return [`[${a}-${b}]`];
  const rest = a.length - 1;
  if (a[0] === b[0]) return sameLength(a.slice(1), b.slice(1)).map((x) => `${a[0]}${x}`);
  const anyTail = rest === 1 ? "[0-9]" : `[0-9]{${rest}}`;
  // A first or last leading digit whose tail covers every value joins the middle range.
  const aWhole = /^0*$/.test(a.slice(1));
  const bWhole = /^9*$/.test(b.slice(1));
  const from = Number(a[0]) + (aWhole ? 0 : 1);
  const to = Number(b[0]) - (bWhole ? 0 : 1);
  const middle = to >= from ? [`${from === to ? String(from) : `[${from}-${to}]`}${anyTail}`] : [];
  return [
    ...(aWhole ? [] : sameLength(a.slice(1), "9".repeat(rest)).map((x) => `${a[0]}${x}`)),
    ...middle,
    ...(bWhole ? [] : sameLength("0".repeat(rest), b.slice(1)).map((x) => `${b[0]}${x}`)),
  ];
}

/** A regular expression (no lookaround) for the integers of an interval, written without leading zeros. */
function intervalRegex(r: Interval): string {
  if (r.min === 0 && r.max === undefined) return NUMBER;
  const parts: string[] = [];
  const minLength = String(r.min).length;
  const maxLength = r.max === undefined ? minLength : String(r.max - 1).length;
  for (let n = minLength; n <= maxLength; n++) {
    const lo = Math.max(r.min, n === 1 ? 0 : 10 ** (n - 1));
    const hi = r.max === undefined ? 10 ** n - 1 : Math.min(r.max - 1, 10 ** n - 1);
    if (lo <= hi) parts.push(...sameLength(String(lo), String(hi)));
  }
  // Unbounded: any number with more digits too.
  if (r.max === undefined) parts.push(`[1-9][0-9]{${minLength},}`);
  return parts.length === 1 ? parts[0]! : `(${parts.join("|")})`;
}

function literal(text: string): string {
  return text.replace(/[.^$*+?()[\]{}|\\/]/g, "\\$&");
}

/** The regular expression of one shape with its release numbers held to the given intervals. */
function shapeRegex(shape: string, numbers: readonly Interval[] | undefined): string {
  let out = "";
  let n = 0;
  for (let i = 0; i < shape.length; ) {
    if (shape.startsWith("<N>", i)) {
      out += numbers !== undefined && n < 3 ? intervalRegex(numbers[n]!) : NUMBER;
      n++;
      i += 3;
    } else if (shape[i] === "[") {
      out += "(";
      i++;
    } else if (shape[i] === "]") {
      out += ")?";
      i++;
    } else {
      out += literal(shape[i]!);
      i++;
    }
  }
  return out;
}

function checkShape(s: VersionShape, bounded: boolean, form: VersionForm): void {
  const where = `version form "${form.expected}", shape ${JSON.stringify(s.shape)}`;
  const depth = [...s.shape].reduce((d, c) => (d < 0 ? d : c === "[" ? (d === 0 ? 1 : -1) : c === "]" ? d - 1 : d), 0);
  if (depth !== 0) fail("invalid-value", `${where}: [ and ] must pair, without nesting`);
  if (bounded && !/^[^[]*<N>[^[]*<N>[^[]*<N>/.test(s.shape)) fail("invalid-value", `${where}: a shape with a bound needs three <N> before any [ (the release it is compared by)`);
  if (/<N>[0-9]/.test(s.shape)) fail("invalid-value", `${where}: a digit right after <N> cannot be told from the number`);
}

/**
 * The one regular expression a value in the form matches (every shape, each held to its releases).
 *
 * @example
 * versionFormRegex({ expected: "a tag", example: "v1.0.0", shapes: [{ shape: "v<N>.<N>.<N>" }], source: "" }).test("v1.0.0") // true
 */
export function versionFormRegex(form: VersionForm): RegExp {
  if (form.shapes.length === 0) fail("invalid-value", `version form "${form.expected}" has no shape`);
  const parts: string[] = [];
  form.shapes.forEach((s, i) => {
    const lo = i === 0 ? undefined : form.shapes[i - 1]!.below;
    const hi = s.below;
    if (i < form.shapes.length - 1 && hi === undefined) fail("invalid-value", `version form "${form.expected}": every shape but the last needs its below`);
    checkShape(s, lo !== undefined || hi !== undefined, form);
    const where = `version form "${form.expected}"`;
    if (lo === undefined && hi === undefined) parts.push(shapeRegex(s.shape, undefined));
    else for (const c of rangeCases(lo === undefined ? undefined : release(lo, where), hi === undefined ? undefined : release(hi, where))) parts.push(shapeRegex(s.shape, c));
  });
  return new RegExp(`^(${parts.join("|")})$`);
}

/**
 * The sentence for a value that is not in the form: the ARG, what it is, an example, the value.
 *
 * @example
 * versionFormSentence("LIBFABRIC_VERSION", form, "2.3.0") // "LIBFABRIC_VERSION is a libfabric release tag with its v (v2.3.0), not 2.3.0"
 */
export function versionFormSentence(arg: string, form: VersionForm, value: string): string {
  return `${arg} is ${form.expected} (${form.example}), not ${value}`;
}

/**
 * The value check of a form, as data (what `--set`, values files, the build script and the bake
 * file run).
 *
 * @example
 * versionFormCheck("UCX_VERSION", form).pattern.test("v1.19.0") // true
 */
export function versionFormCheck(arg: string, form: VersionForm): ValueCheck {
  return { pattern: versionFormRegex(form), matches: true, problem: (v) => versionFormSentence(arg, form, v) };
}

// ---------------------------------------------------------------------------------------------
// Compile-time twin

type Digit = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9";
type RestDigits<S extends string> = S extends `${Digit}${infer R}` ? RestDigits<R> : S;
/** What follows a release number at the start of S (no leading zero), or never. */
type AfterNumber<S extends string> = S extends `0${infer R}` ? (R extends `${Digit}${string}` ? never : R) : S extends `${Digit}${infer R}` ? RestDigits<R> : never;

type ReadNumber<S extends string, Acc extends string = ""> = S extends `${infer D extends Digit}${infer R}` ? ReadNumber<R, `${Acc}${D}`> : [Acc, S];

/** The release numbers a shape reads from V (its first three `<N>`), as a tuple of digit strings. */
type Numbers<P extends string, V extends string, Acc extends string[] = []> = Acc["length"] extends 3
  ? Acc
  : P extends `<N>${infer R}`
    ? ReadNumber<V> extends [infer Num extends string, infer VR extends string] ? Numbers<R, VR, [...Acc, Num]> : never
    : P extends `${infer C}${infer R}` ? (V extends `${C}${infer VR}` ? Numbers<R, VR, Acc> : never) : never;

/** Whether V is written in shape P. */
type MatchesShape<P extends string, V extends string> = P extends ""
  ? V extends "" ? true : false
  : P extends `<N>${infer R}`
    ? [AfterNumber<V>] extends [never] ? false : MatchesShape<R, AfterNumber<V>>
    : P extends `[${infer Opt}]${infer R}`
      ? MatchesShape<`${Opt}${R}`, V> extends true ? true : MatchesShape<R, V>
      : P extends `${infer C}${infer R}`
        ? V extends `${C}${infer VR}` ? MatchesShape<R, VR> : false
        : false;

type Triple<S extends string> = S extends `${infer A}.${infer B}.${infer C}` ? [A, B, C] : never;
type Length<S extends string, T extends unknown[] = []> = S extends `${string}${infer R}` ? Length<R, [...T, 0]> : T;
type DigitLt<A extends string, B extends string> = A extends B ? false : "0123456789" extends `${string}${A}${string}${B}${string}` ? true : false;
type SameLengthLt<A extends string, B extends string> = A extends `${infer a}${infer ar}` ? (B extends `${infer b}${infer br}` ? (a extends b ? SameLengthLt<ar, br> : DigitLt<a, b>) : false) : false;
/** A < B for numbers written as digit strings without leading zeros (digit by digit: no counting up to them). */
type NumberLt<A extends string, B extends string> = Length<A> extends Length<B> ? SameLengthLt<A, B> : Length<B> extends [...Length<A>, ...unknown[]] ? true : false;
type TripleLt<A, B> = A extends [infer A0 extends string, ...infer AR] ? (B extends [infer B0 extends string, ...infer BR] ? (A0 extends B0 ? TripleLt<AR, BR> : NumberLt<A0, B0>) : false) : false;

type InShapeRange<S, V extends string, Lo> =
  S extends { readonly shape: infer P extends string }
    ? (Lo extends string ? (TripleLt<Numbers<P, V>, Triple<Lo>> extends true ? false : true) : true) extends true
      ? S extends { readonly below: infer Hi extends string } ? TripleLt<Numbers<P, V>, Triple<Hi>> : true
      : false
    : false;

/** Whether V is in one of the shapes (each within its releases). */
type InForm<Ss, V extends string, Lo = undefined> = Ss extends readonly [infer S, ...infer Rest]
  ? (S extends { readonly shape: infer P extends string } ? (MatchesShape<P, V> extends true ? InShapeRange<S, V, Lo> : false) : false) extends true
    ? true
    : InForm<Rest, V, S extends { readonly below: infer B } ? B : undefined>
  : false;

/**
 * The compile-time sentence for a version literal V of ARG A that is not in form F, as the runtime
 * check words it; never when V is in the form or not a literal.
 *
 * @example
 * type E = VersionFormProblem<typeof form, "LIBFABRIC_VERSION", "2.3.0"> // "LIBFABRIC_VERSION is a libfabric release tag with its v (v2.3.0), not 2.3.0"
 */
export type VersionFormProblem<F, A extends string, V extends string> = string extends V
  ? never
  : F extends { readonly shapes: infer Ss; readonly expected: infer E extends string; readonly example: infer X extends string }
    ? InForm<Ss, V> extends true ? never : `${A} is ${E} (${X}), not ${V}`
    : never;
