/**
 * The brand every StagewrightError carries. A registered symbol, so an error thrown by one copy of
 * the library (a consumer's `stagewright` from dist/, a checkout's src/ run through tsx) is
 * recognised by any other copy: identity is the brand, not the class object.
 */
const BRAND: unique symbol = Symbol.for("stagewright.error") as never;

/**
 * Every mistake stagewright reports is a StagewrightError: a sentence that names both sides of the
 * conflict and the fix, plus where it happened (stage, ARG, option), so a CLI can print one line
 * instead of a stack trace. `instanceof StagewrightError` and {@link isStagewrightError} test the
 * brand, so they hold across copies of the library.
 *
 * @example
 * try { checkRecipe(stages) } catch (e) { if (e instanceof StagewrightError) console.error(e.message) }
 */
export class StagewrightError extends Error {
  /** A stable machine-readable code, e.g. "prefix-mismatch". */
  readonly code: ErrorCode;
  /** Where the problem is: the stage, ARG or option it concerns. */
  readonly where: Readonly<{ stage?: string; arg?: string; option?: string; file?: string }>;
  /** Every problem found when more than one was collected; the message is the first. */
  readonly problems: readonly string[];

  /** The cross-copy identity (see BRAND). */
  readonly [BRAND] = true;

  /** `e instanceof StagewrightError` holds for an error of any copy of the library. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value);
  }

  constructor(
    code: ErrorCode,
    message: string,
    where: StagewrightError["where"] = {},
    problems: readonly string[] = [message],
  ) {
    super(problems.length > 1 ? problems.join("\n") : message);
    this.name = "StagewrightError";
    this.code = code;
    this.where = where;
    this.problems = problems;
  }
}

/** The kinds of error stagewright raises; one per rule. */
export type ErrorCode =
  | "prefix-mismatch"
  | "missing-producer"
  | "arg-conflict"
  | "duplicate-artifact"
  | "unknown-option"
  | "duplicate-stage"
  | "invalid-value"
  | "invalid-arg-name"
  | "version-rule"
  | "render"
  | "lint"
  | "values"
  | "recipe-file"
  | "file"
  | "lock"
  | "mirror";

/**
 * Narrow an unknown thrown value to a StagewrightError.
 *
 * @example
 * catch (e) { if (isStagewrightError(e)) process.exitCode = 2 }
 */
export function isStagewrightError(e: unknown): e is StagewrightError {
  return hasBrand(e);
}

function hasBrand(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}
