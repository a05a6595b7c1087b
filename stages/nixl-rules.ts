/**
 * NIXL's compatibility rules, as data (checked at generation) and as types (checked by tsc when
 * versions are literals). Each cites its public source; the sentences are identical in both forms.
 * Facts: shared/reference/nixl-official-image.md §0 items 4-5, §8; aws-efa-stack.md §7.1.
 */
import { compareVersions, resolvedVersion, ruleMessage, versionSatisfies, type ParseVersion, type VersionLt, type VersionRule } from "../src/index.ts";

/** Source of rule nixl-libfabric-option: the PR that added the LIBFABRIC plugin and -Dlibfabric_path (first tagged in 0.6.1). */
export const SOURCE_LIBFABRIC_OPTION = "https://github.com/ai-dynamo/nixl/pull/784";
/** Source of rule nixl-libfabric-min for 0.6.1-0.7.x: the plugin README's stated minimum. */
export const SOURCE_LIBFABRIC_MIN_07 = "https://github.com/ai-dynamo/nixl/blob/0.7.1/src/plugins/libfabric/README.md";
/** Source of rule nixl-libfabric-min from 0.8.0: the PR that lowered the minimum to v1.21.0. */
export const SOURCE_LIBFABRIC_MIN_08 = "https://github.com/ai-dynamo/nixl/pull/961";
/** Rule nixl-libfabric-min, NIXL 0.6.1-0.7.x: the lowest source libfabric (the plugin README's minimum). */
export const LIBFABRIC_MIN_NIXL_07 = "v2.3.0rc2";
/** Rule nixl-libfabric-min, NIXL 0.6.1-0.7.x: the lowest EFA installer (its libfabric meets the minimum). */
export const EFA_INSTALLER_MIN_NIXL_07 = "1.43.2";
/** Rule nixl-libfabric-min: the NIXL release that lowered the minimum (PR 961). */
export const NIXL_LOWERED_LIBFABRIC_MIN = "0.8.0";
/** Rule nixl-libfabric-min, NIXL 0.8.0 and later: the lowest source libfabric. */
export const LIBFABRIC_MIN_NIXL_08 = "v1.21.0";

/** Source of rule nixl-ucx-line: the official image's UCX_REF per tag. */
export const SOURCE_UCX_LINE = "https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile";

/** The UCX release line the official image pins per NIXL release line. */
export const UCX_LINE_BY_NIXL: readonly { readonly nixl: string; readonly ucx: string }[] = [
  { nixl: ">=0.6.0 <0.8.0", ucx: "1.19" },
  { nixl: ">=0.8.0 <1.1.0", ucx: "1.20" },
  { nixl: ">=1.1.0 <1.4.0", ucx: "1.21" },
  { nixl: ">=1.4.0 <1.5.0", ucx: "1.22" },
];

/**
 * The problem sentence of rule nixl-libfabric-option.
 *
 * @example
 * libfabricOptionProblem("0.6.0")
 */
export function libfabricOptionProblem(nixl: string): string {
  return `NIXL ${nixl} has no libfabric_path meson option and no LIBFABRIC plugin (both first in 0.6.1); use NIXL 0.6.1 or later`;
}
/**
 * The problem sentence of rule nixl-libfabric-min.
 *
 * @example
 * libfabricMinProblem("0.7.1", "libfabric", "v1.21.0", "0.7")
 */
export function libfabricMinProblem(nixl: string, producer: string, libfabric: string, line: "0.7" | "0.8"): string {
  return line === "0.7"
    ? `NIXL ${nixl} needs libfabric >= ${LIBFABRIC_MIN_NIXL_07} (or EFA installer >= ${EFA_INSTALLER_MIN_NIXL_07}) but stage ${producer} builds libfabric ${libfabric}; use libfabric >= ${LIBFABRIC_MIN_NIXL_07}, or NIXL ${NIXL_LOWERED_LIBFABRIC_MIN} or later, which needs libfabric >= ${LIBFABRIC_MIN_NIXL_08}`
    : `NIXL ${nixl} needs libfabric >= ${LIBFABRIC_MIN_NIXL_08} but stage ${producer} builds libfabric ${libfabric}`;
}

/** What the nixl stage's steps depend on, by NIXL version (nixl-official-image.md §5, §8). */
export interface NixlFeatures {
  /** -Dlibfabric_path and the LIBFABRIC plugin (0.6.1+). */
  readonly libfabricPlugin: boolean;
  /** The GUSLI plugin (0.7.0+). */
  readonly gusli: boolean;
  /** The nixl-cu<N> wheel plus the nixl meta wheel (0.7.1+). */
  readonly metaWheel: boolean;
  /** The UCX_MO plugin (up to 0.7.x). */
  readonly ucxMo: boolean;
}

/**
 * The features of a NIXL version that change the stage's steps.
 *
 * @example
 * nixlFeatures("0.6.1") // { libfabricPlugin: true, gusli: false, metaWheel: false, ucxMo: true }
 */
export function nixlFeatures(version: string): NixlFeatures {
  const at = (min: string) => compareVersions(version, min) !== -1;
  return { libfabricPlugin: at("0.6.1"), gusli: at("0.7.0"), metaWheel: at("0.7.1"), ucxMo: !at("0.8.0") };
}

/**
 * The rule that keeps a NIXL_VERSION from data within what the stage's steps were generated for: the
 * wheel layout and the plugin list differ between NIXL versions, so a version that needs other steps
 * must be given when the stage is created, not as a value.
 *
 * @example
 * generatedForRule("0.7.1").id // "nixl-generated-for"
 */
export function generatedForRule(generated: string): VersionRule {
  const want = JSON.stringify(nixlFeatures(generated));
  return {
    id: "nixl-generated-for",
    summary: "NIXL_VERSION must need the same steps as the version the stage was generated for",
    source: "https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile (wheel split, plugins per version)",
    check: (ctx) => {
      const v = ctx.arg("NIXL_VERSION");
      if (v === undefined || JSON.stringify(nixlFeatures(v)) === want) return undefined;
      return `the nixl stage was generated for NIXL ${generated} and NIXL ${v} needs other steps (wheel layout, plugin list); create the stage with nixl(…, { version: "${v}" }) instead of changing NIXL_VERSION`;
    },
  };
}

/**
 * The rules of a NIXL stage.
 *
 * @example
 * nixlRules.map((r) => r.id) // ["nixl-libfabric-option", "nixl-libfabric-min", "nixl-ucx-line"]
 */
export const nixlRules: readonly VersionRule[] = [
  {
    id: "nixl-libfabric-option",
    summary: "NIXL < 0.6.1 has no -Dlibfabric_path and no LIBFABRIC plugin",
    source: SOURCE_LIBFABRIC_OPTION,
    check: (ctx) => {
      const nixl = ctx.arg("NIXL_VERSION");
      if (nixl === undefined || ctx.artifact("libfabric") === undefined) return undefined;
      return compareVersions(nixl, "0.6.1") === -1 ? libfabricOptionProblem(nixl) : undefined;
    },
  },
  {
    id: "nixl-libfabric-min",
    summary: `NIXL 0.6.1-0.7.x needs libfabric >= ${LIBFABRIC_MIN_NIXL_07} (EFA installer >= ${EFA_INSTALLER_MIN_NIXL_07}); NIXL >= ${NIXL_LOWERED_LIBFABRIC_MIN} needs >= ${LIBFABRIC_MIN_NIXL_08}`,
    source: `${SOURCE_LIBFABRIC_MIN_07} and ${SOURCE_LIBFABRIC_MIN_08}`,
    check: (ctx) => {
      const nixl = ctx.arg("NIXL_VERSION");
      const fabric = ctx.artifact("libfabric");
      if (nixl === undefined || fabric === undefined || compareVersions(nixl, "0.6.1") === -1) return undefined;
      const v = resolvedVersion(fabric, ctx.arg);
      const installer = fabric.facts["distribution"] === "efa-installer";
      if (compareVersions(nixl, NIXL_LOWERED_LIBFABRIC_MIN) === -1) {
        const ok = compareVersions(v, installer ? EFA_INSTALLER_MIN_NIXL_07 : LIBFABRIC_MIN_NIXL_07) !== -1;
        return ok ? undefined : libfabricMinProblem(nixl, fabric.producer, installer ? `from EFA installer ${v}` : v, "0.7");
      }
      if (installer) return undefined;
      return compareVersions(v, LIBFABRIC_MIN_NIXL_08) === -1 ? libfabricMinProblem(nixl, fabric.producer, v, "0.8") : undefined;
    },
  },
  {
    id: "nixl-ucx-line",
    summary: "UCX release line per NIXL release line, as the official image pins it",
    source: SOURCE_UCX_LINE,
    check: (ctx) => {
      const nixl = ctx.arg("NIXL_VERSION");
      const ucx = ctx.artifact("ucx");
      // A UCX the base image holds (HPC-X) has no version the recipe knows; the comparison shows it.
      if (nixl === undefined || ucx === undefined || ucx.facts["distribution"] === "base-image") return undefined;
      const line = UCX_LINE_BY_NIXL.find((l) => versionSatisfies(nixl, l.nixl));
      const v = resolvedVersion(ucx, ctx.arg);
      if (line === undefined) return undefined;
      return new RegExp(`^v?${line.ucx.replace(".", "\\.")}\\.`).test(v)
        ? undefined
        : `NIXL ${nixl} is built and tested with UCX ${line.ucx}.x (the official image's UCX_REF) but stage ${ucx.producer} builds UCX ${v}`;
    },
  },
];

/**
 * Compile-time twin of rules nixl-libfabric-option and nixl-libfabric-min for literal versions:
 * the full sentence (as the runtime check reports it), or never when the pairing is fine or not
 * decidable at compile time.
 *
 * @example
 * type E = NixlLibfabricProblem<"0.7.1", "libfabric", "v1.21.0"> // "stage nixl: NIXL 0.7.1 needs libfabric >= v2.3.0rc2 ..."
 */
export type NixlLibfabricProblem<NV extends string, By extends string, LV extends string> =
  VersionLt<NV, "0.6.1"> extends true
    ? `stage nixl: NIXL ${NV} has no libfabric_path meson option and no LIBFABRIC plugin (both first in 0.6.1); use NIXL 0.6.1 or later (rule nixl-libfabric-option; source: ${typeof SOURCE_LIBFABRIC_OPTION}); to build anyway, add an explicit override { rule: "nixl-libfabric-option", reason: "..." }`
    : VersionLt<NV, "0.6.1"> extends false
      ? VersionLt<NV, "0.8.0"> extends true
        ? LV extends `efa-installer-${infer IV extends string}`
          ? VersionLt<IV, "1.43.2"> extends true
            ? `stage nixl: NIXL ${NV} needs libfabric >= ${typeof LIBFABRIC_MIN_NIXL_07} (or EFA installer >= ${typeof EFA_INSTALLER_MIN_NIXL_07}) but stage ${By} builds libfabric from EFA installer ${IV}; use libfabric >= ${typeof LIBFABRIC_MIN_NIXL_07}, or NIXL ${typeof NIXL_LOWERED_LIBFABRIC_MIN} or later, which needs libfabric >= ${typeof LIBFABRIC_MIN_NIXL_08} (rule nixl-libfabric-min; source: ${typeof SOURCE_LIBFABRIC_MIN_07} and ${typeof SOURCE_LIBFABRIC_MIN_08}); to build anyway, add an explicit override { rule: "nixl-libfabric-min", reason: "..." }`
            : never
          : VersionLt<LV, "2.3.0"> extends true
            ? `stage nixl: NIXL ${NV} needs libfabric >= ${typeof LIBFABRIC_MIN_NIXL_07} (or EFA installer >= ${typeof EFA_INSTALLER_MIN_NIXL_07}) but stage ${By} builds libfabric ${LV}; use libfabric >= ${typeof LIBFABRIC_MIN_NIXL_07}, or NIXL ${typeof NIXL_LOWERED_LIBFABRIC_MIN} or later, which needs libfabric >= ${typeof LIBFABRIC_MIN_NIXL_08} (rule nixl-libfabric-min; source: ${typeof SOURCE_LIBFABRIC_MIN_07} and ${typeof SOURCE_LIBFABRIC_MIN_08}); to build anyway, add an explicit override { rule: "nixl-libfabric-min", reason: "..." }`
            : never
        : never
      : never;

/** The UCX release line the official image pins for a NIXL version literal, or never. */
type UcxLine<NV extends string> =
  VersionLt<NV, "0.6.0"> extends true ? never
  : VersionLt<NV, "0.8.0"> extends true ? "1.19"
  : VersionLt<NV, "1.1.0"> extends true ? "1.20"
  : VersionLt<NV, "1.4.0"> extends true ? "1.21"
  : VersionLt<NV, "1.5.0"> extends true ? "1.22"
  : never;

/**
 * Compile-time twin of rule nixl-ucx-line for literal versions: the full sentence, or never.
 *
 * @example
 * type E = NixlUcxProblem<"0.7.1", "ucx", "v1.20.0"> // "stage nixl: NIXL 0.7.1 is built and tested with UCX 1.19.x ..."
 */
export type NixlUcxProblem<NV extends string, By extends string, UV extends string> =
  string extends NV | UV ? never
  : [UcxLine<NV>] extends [never] ? never
  : [ParseVersion<UV>] extends [never] ? never
  : UV extends `${"v" | ""}${UcxLine<NV>}.${string}` ? never
  : `stage nixl: NIXL ${NV} is built and tested with UCX ${UcxLine<NV>}.x (the official image's UCX_REF) but stage ${By} builds UCX ${UV} (rule nixl-ucx-line; source: ${typeof SOURCE_UCX_LINE}); to build anyway, add an explicit override { rule: "nixl-ucx-line", reason: "..." }`;

/**
 * The full runtime sentence of a NIXL rule problem, for tests that compare it with the type-level form.
 *
 * @example
 * nixlRuleMessage("nixl-libfabric-option", libfabricOptionProblem("0.6.0"))
 */
export function nixlRuleMessage(id: string, problem: string): string {
  const rule = nixlRules.find((r) => r.id === id);
  if (rule === undefined) throw new Error(`no NIXL rule ${id}`);
  return ruleMessage("nixl", rule, problem);
}
