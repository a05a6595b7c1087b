/** A refusal as a value, for tests that compare sentences. */
import { StagewrightError } from "../../src/index.ts";

/** The message of the StagewrightError f throws, or "" when f returns; any other error is rethrown. */
export function refusalOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof StagewrightError) return e.message;
    throw e;
  }
  return "";
}
