// Only the functions used: the whole of semver costs a new user's first render a noticeable start-up time.
import valid from "semver/functions/valid.js";
import { StagewrightError } from "./errors.ts";

/**
 * Value checks shared by ARG kinds, stage options and values files. Each returns a problem
 * sentence (or undefined) so callers can add where the value came from.
 */

const DOCKER_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Characters a version may hold: enough for v1.21.0, 2.23.4-1, 2.3.0rc2, 2.1.0amzn5.0, v1.20.x. */
const VERSION_CHARS = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/**
 * Why `name` is not a usable Docker ARG name, or undefined when it is.
 *
 * @example
 * argNameProblem("UCX-REF") // "is not a valid ARG name: use letters, digits and _ , not starting with a digit"
 */
export function argNameProblem(name: string): string | undefined {
  return DOCKER_ARG_NAME.test(name)
    ? undefined
    : `${JSON.stringify(name)} is not a valid ARG name: use ASCII letters, digits and _, not starting with a digit`;
}

/**
 * One check of a value, as data: a regular expression the value must match (or must not match),
 * and the sentence when it fails. ARG kinds are lists of these, so the same checks run here and,
 * translated, in every other place a value is checked (the bake file's variable validation).
 *
 * @example
 * const c: ValueCheck = { pattern: /^\//, matches: true, problem: (v) => `${v} is not absolute` }
 */
export interface ValueCheck {
  readonly pattern: RegExp;
  /** true: the value must match the pattern; false: it must not. */
  readonly matches: boolean;
  problem(value: string): string;
}

/**
 * The sentence of the first check that `value` fails, or undefined.
 *
 * @example
 * firstProblem(VERSION_CHECKS, "latest") // "\"latest\" is not a pinned version: ..."
 */
export function firstProblem(checks: readonly ValueCheck[], value: string): string | undefined {
  return checks.find((c) => c.pattern.test(value) !== c.matches)?.problem(value);
}

const versionChars = (value: string) => `${JSON.stringify(value)} is not a version: use digits, letters, ".", "-" and "+" only, e.g. v1.21.0`;

/**
 * What a pinned version must look like: not empty, not a moving name, the characters the
 * components here use (2.23.4-1, 2.3.0rc2, 2.1.0amzn5.0, v1.20.x), at least one digit.
 *
 * @example
 * firstProblem(VERSION_CHECKS, "v1.21.0") // undefined
 */
export const VERSION_CHECKS: readonly ValueCheck[] = Object.freeze([
  { pattern: /^$/, matches: false, problem: () => `an empty value is not a version: give a pinned version such as 1.2.3` },
  { pattern: /^(latest|main|master|head|stable)$/i, matches: false, problem: (v: string) => `${JSON.stringify(v)} is not a pinned version: give an exact version such as 1.2.3` },
  { pattern: VERSION_CHARS, matches: true, problem: versionChars },
  { pattern: /[0-9]/, matches: true, problem: versionChars },
]);

/**
 * What a prefix must look like: absolute, only letters, digits and `. _ - + /`, normalised (no
 * `//`, `/./`, `/../`, no trailing `/` except for `/` itself).
 *
 * @example
 * firstProblem(PATH_CHECKS, "/usr/local") // undefined
 */
export const PATH_CHECKS: readonly ValueCheck[] = Object.freeze([
  { pattern: /^\//, matches: true, problem: (v: string) => `${JSON.stringify(v)} is not an absolute path: start it with /` },
  { pattern: /[^A-Za-z0-9._/+-]/, matches: false, problem: (v: string) => `${JSON.stringify(v)} holds characters a prefix must not hold (spaces, $, quotes, ...): use letters, digits and . _ - + / only` },
  { pattern: /\/\/|\/\.\.?(\/|$)|.\/$/, matches: false, problem: (v: string) => `${JSON.stringify(v)} is not a normalised path: write it without //, /./, /../ or a trailing /` },
]);

/**
 * Why `value` is not a pinned version, or undefined. Accepts semver-like versions with an optional
 * leading v and the suffixes used by the components here (2.23.4-1, 2.3.0rc2, 2.1.0amzn5.0).
 *
 * @example
 * versionProblem("latest") // "latest is not a pinned version ..."
 */
export function versionProblem(value: string): string | undefined {
  return firstProblem(VERSION_CHECKS, value);
}

/**
 * Why `value` is not an absolute, normalised path without spaces or shell/Docker metacharacters.
 *
 * @example
 * pathProblem("usr/local") // "\"usr/local\" is not an absolute path ..."
 */
export function pathProblem(value: string): string | undefined {
  return firstProblem(PATH_CHECKS, value);
}

/**
 * Why `name` is not usable as a build-stage or recipe name, or undefined. Stage names become
 * `FROM ... AS <name>` and `--from=<name>`; recipe names become file names (Dockerfile.<name>), so
 * they are held to lower-case letters, digits, `.`, `_` and `-`, starting with a letter.
 *
 * @example
 * nameProblem("stage", "../etc") // "stage name \"../etc\" ..."
 */
export function nameProblem(what: "stage" | "recipe", name: string): string | undefined {
  return /^[a-z][a-z0-9._-]{0,62}$/.test(name)
    ? undefined
    : `${what} name ${JSON.stringify(name)} is not usable: use lower-case letters, digits, ".", "_" and "-", starting with a letter (at most 63 characters)`;
}

/**
 * Loose semver coercion used by version rules: "v2.3.0" → "2.3.0", "2.3.0rc2" → "2.3.0-rc2",
 * "2.23.4-1" → "2.23.4-1". Returns undefined for values semver cannot order.
 *
 * @example
 * toSemver("v2.3.0rc2") // "2.3.0-rc2"
 */
export function toSemver(version: string): string | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-.]?([A-Za-z][A-Za-z0-9.]*|\d+))?$/.exec(version);
  if (!m) return undefined;
  const core = `${m[1]}.${m[2]}.${m[3] ?? "0"}`;
  const pre = m[4];
  const candidate = pre === undefined ? core : `${core}-${pre}`;
  return valid(candidate) ?? undefined;
}

/**
 * The candidate closest to `name` by edit distance, when it is close enough to be a typo.
 *
 * @example
 * closest("alinged", ["official", "production", "aligned"]) // "aligned"
 */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length]!;
  };
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(name, c);
    if (best === undefined || d < best.d) best = { c, d };
  }
  return best !== undefined && best.d <= Math.max(2, Math.floor(name.length / 4)) ? best.c : undefined;
}

/**
 * Throw a StagewrightError for a problem sentence, adding where it came from.
 *
 * @example
 * fail("invalid-value", `stage libfabric, option version: ${problem}`, { stage: "libfabric", option: "version" })
 */
export function fail(code: StagewrightError["code"], message: string, where: StagewrightError["where"] = {}): never {
  throw new StagewrightError(code, message, where);
}
