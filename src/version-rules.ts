import type { AnyArtifact } from "./artifact.ts";
import { toSemver } from "./validate.ts";
// Only the function used (start-up time; see src/validate.ts).
import compare from "semver/functions/compare.js";

/**
 * What a version rule can look at: resolved ARG values (defaults after any override) and the
 * artifacts the stage builds against or holds.
 */
export interface RuleContext {
  /** The value of an ARG in this recipe, or undefined when no stage declares it. */
  arg(name: string): string | undefined;
  /** The artifact of a kind that this stage needs or holds. */
  artifact(kind: string): AnyArtifact | undefined;
}

/**
 * A compatibility rule of a component, checked at generation. `check` returns the problem
 * sentence (without the rule id and source, which the checker adds) or undefined.
 *
 * @example
 * const r: VersionRule = { id: "nixl-libfabric-path", summary: "...", source: "https://...", check: () => undefined }
 */
export interface VersionRule {
  readonly id: string;
  readonly summary: string;
  readonly source: string;
  check(ctx: RuleContext): string | undefined;
}

/**
 * An expert's explicit decision to build despite a rule. It is rendered into the Dockerfile (a
 * comment and a label), never applied silently.
 *
 * @example
 * const o: RuleOverride = { rule: "nixl-libfabric-min", reason: "testing libfabric 1.21 with a patched plugin" }
 */
export interface RuleOverride {
  readonly rule: string;
  readonly reason: string;
}

/**
 * `true` when an options object overrides one of `Rule` explicitly (so the rule's compile-time twin
 * stays quiet, as the runtime rule does), else never.
 *
 * @example
 * type T = Overrides<{ overrides: [{ rule: "nixl-ucx-line"; reason: "..." }] }, "nixl-ucx-line"> // true
 */
export type Overrides<O, Rule extends string> = O extends { readonly overrides: readonly (infer R)[] } ? (R extends { readonly rule: Rule } ? true : never) : never;

/**
 * Compare two component versions loosely (v-prefix, rc and package suffixes allowed).
 * Returns undefined when either cannot be ordered.
 *
 * @example
 * compareVersions("v2.3.0", "2.3.0rc2") // 1
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 | undefined {
  const sa = toSemver(a);
  const sb = toSemver(b);
  if (sa === undefined || sb === undefined) return undefined;
  return compare(sa, sb);
}

/**
 * The full sentence of a broken rule: stage, problem, rule id, source and how to override.
 *
 * @example
 * ruleMessage("nixl", nixlRules[0], "NIXL 0.6.0 has no libfabric_path meson option ...")
 */
export function ruleMessage(stage: string, rule: VersionRule, problem: string): string {
  return `stage ${stage}: ${problem} (rule ${rule.id}; source: ${rule.source}); to build anyway, add an explicit override { rule: "${rule.id}", reason: "..." }`;
}
