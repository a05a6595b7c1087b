/**
 * Version comparison at the type level, for rules whose versions are literals. Handles
 * `[v]MAJOR.MINOR[.PATCH][suffix]`; a suffix (rc2, -1, amzn5.0) is ignored, so the compile-time
 * check is never stricter than the runtime rule, which uses semver and is authoritative.
 */

type Digit = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9";
type LeadingDigits<S extends string, Acc extends string = ""> = S extends `${infer C}${infer R}`
  ? C extends Digit ? LeadingDigits<R, `${Acc}${C}`> : Acc
  : Acc;
type ToNum<S extends string> = S extends `${Digit}${string}` ? (LeadingDigits<S> extends `${infer N extends number}` ? N : never) : never;
type AllNums<T extends unknown[]> = T extends [infer A, infer B, infer C] ? ([A] extends [never] ? never : [B] extends [never] ? never : [C] extends [never] ? never : T) : never;

/** `[major, minor, patch]` of a version literal, or never when it does not parse. */
export type ParseVersion<V extends string> = V extends `v${infer R}`
  ? ParseVersion<R>
  : V extends `${infer A}.${infer B}.${infer C}`
    ? AllNums<[ToNum<A>, ToNum<B>, ToNum<C>]>
    : V extends `${infer A}.${infer B}`
      ? AllNums<[ToNum<A>, ToNum<B>, 0]>
      : never;

type BuildTuple<N extends number, T extends unknown[] = []> = T["length"] extends N ? T : BuildTuple<N, [...T, unknown]>;
type NumLt<A extends number, B extends number> = A extends B ? false : BuildTuple<B> extends [...BuildTuple<A>, ...unknown[]] ? true : false;

type TupleLt<A extends readonly number[], B extends readonly number[]> = A extends [infer A0 extends number, ...infer AR extends number[]]
  ? B extends [infer B0 extends number, ...infer BR extends number[]]
    ? A0 extends B0 ? TupleLt<AR, BR> : NumLt<A0, B0>
    : false
  : false;

/**
 * True when version literal A is lower than B (suffixes ignored); `boolean` when either is not
 * a literal or does not parse, so callers can skip the compile-time check.
 *
 * @example
 * type T = VersionLt<"0.6.0", "0.6.1"> // true
 */
export type VersionLt<A extends string, B extends string> = string extends A | B
  ? boolean
  : [ParseVersion<A>, ParseVersion<B>] extends [infer PA extends number[], infer PB extends number[]]
    ? [PA] extends [never] ? boolean : [PB] extends [never] ? boolean : TupleLt<PA, PB>
    : boolean;
