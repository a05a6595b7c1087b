/**
 * NIXL's compatibility rules, as data: the core derives from each one object both the runtime check
 * (at generation) and the compile-time check (tsc, when versions are literals), with one sentence.
 * Each cites its public source.
 * Facts: shared/reference/nixl-official-image.md §0 items 4-5, §8; aws-efa-stack.md §7.1.
 */
import { compareVersions, type RuleData, type VersionRule } from "../src/index.ts";

/** Source of rule nixl-libfabric-option: the PR that added the LIBFABRIC plugin and -Dlibfabric_path (first tagged in 0.6.1). */
export const SOURCE_LIBFABRIC_OPTION = "https://github.com/ai-dynamo/nixl/pull/784";
/** Source of rule nixl-libfabric-min for 0.6.1-0.7.x: the plugin README's stated minimum. */
export const SOURCE_LIBFABRIC_MIN_07 = "https://github.com/ai-dynamo/nixl/blob/0.7.1/src/plugins/libfabric/README.md";
/** Source of rule nixl-libfabric-min from 0.8.0: the PR that lowered the minimum to v1.21.0. */
export const SOURCE_LIBFABRIC_MIN_08 = "https://github.com/ai-dynamo/nixl/pull/961";
/** Source of rule nixl-ucx-line: the official image's UCX_REF per tag. */
export const SOURCE_UCX_LINE = "https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile";

/** Rule nixl-libfabric-min, NIXL 0.6.1-0.7.x: the lowest source libfabric (the plugin README's minimum). */
export const LIBFABRIC_MIN_NIXL_07 = "v2.3.0rc2";
/** Rule nixl-libfabric-min, NIXL 0.6.1-0.7.x: the lowest EFA installer (its libfabric meets the minimum). */
export const EFA_INSTALLER_MIN_NIXL_07 = "1.43.2";
/** Rule nixl-libfabric-min: the NIXL release that lowered the minimum (PR 961). */
export const NIXL_LOWERED_LIBFABRIC_MIN = "0.8.0";
/** Rule nixl-libfabric-min, NIXL 0.8.0 and later: the lowest source libfabric. */
export const LIBFABRIC_MIN_NIXL_08 = "v1.21.0";

/**
 * Rule nixl-libfabric-option: NIXL < 0.6.1 has no -Dlibfabric_path and no LIBFABRIC plugin.
 *
 * @example
 * NIXL_LIBFABRIC_OPTION.needs // "libfabric"
 */
export const NIXL_LIBFABRIC_OPTION = {
  id: "nixl-libfabric-option",
  summary: "NIXL < 0.6.1 has no -Dlibfabric_path and no LIBFABRIC plugin",
  source: SOURCE_LIBFABRIC_OPTION,
  needs: "libfabric",
  clauses: [
    { when: "<0.6.1", absent: true, problem: "NIXL {self} has no libfabric_path meson option and no LIBFABRIC plugin (both first in 0.6.1); use NIXL 0.6.1 or later" },
  ],
} as const satisfies RuleData;

/**
 * Rule nixl-libfabric-min: NIXL 0.6.1-0.7.x needs libfabric >= v2.3.0rc2 (EFA installer >= 1.43.2);
 * NIXL >= 0.8.0 needs >= v1.21.0 (any EFA installer that ships it).
 *
 * @example
 * NIXL_LIBFABRIC_MIN.clauses[1].atLeast // "v2.3.0rc2"
 */
export const NIXL_LIBFABRIC_MIN = {
  id: "nixl-libfabric-min",
  summary: `NIXL 0.6.1-0.7.x needs libfabric >= ${LIBFABRIC_MIN_NIXL_07} (EFA installer >= ${EFA_INSTALLER_MIN_NIXL_07}); NIXL >= ${NIXL_LOWERED_LIBFABRIC_MIN} needs >= ${LIBFABRIC_MIN_NIXL_08}`,
  source: `${SOURCE_LIBFABRIC_MIN_07} and ${SOURCE_LIBFABRIC_MIN_08}`,
  needs: "libfabric",
  clauses: [
    {
      when: `>=0.6.1 <${NIXL_LOWERED_LIBFABRIC_MIN}`, from: "efa-installer", atLeast: EFA_INSTALLER_MIN_NIXL_07,
      problem: `NIXL {self} needs libfabric >= ${LIBFABRIC_MIN_NIXL_07} (or EFA installer >= {bound}) but stage {producer} builds libfabric from EFA installer {version}; use libfabric >= ${LIBFABRIC_MIN_NIXL_07}, or NIXL ${NIXL_LOWERED_LIBFABRIC_MIN} or later, which needs libfabric >= ${LIBFABRIC_MIN_NIXL_08}`,
    },
    {
      when: `>=0.6.1 <${NIXL_LOWERED_LIBFABRIC_MIN}`, atLeast: LIBFABRIC_MIN_NIXL_07,
      problem: `NIXL {self} needs libfabric >= {bound} (or EFA installer >= ${EFA_INSTALLER_MIN_NIXL_07}) but stage {producer} builds libfabric {version}; use libfabric >= {bound}, or NIXL ${NIXL_LOWERED_LIBFABRIC_MIN} or later, which needs libfabric >= ${LIBFABRIC_MIN_NIXL_08}`,
    },
    { when: `>=${NIXL_LOWERED_LIBFABRIC_MIN}`, atLeast: LIBFABRIC_MIN_NIXL_08, problem: "NIXL {self} needs libfabric >= {bound} but stage {producer} builds libfabric {version}" },
  ],
} as const satisfies RuleData;

const UCX_LINE_PROBLEM = "NIXL {self} is built and tested with UCX {bound}.x (the official image's UCX_REF) but stage {producer} builds UCX {version}";

/**
 * Rule nixl-ucx-line: the UCX release line the official image pins per NIXL release line. A UCX
 * the base image holds (HPC-X) has no version the recipe knows; the comparison shows it.
 *
 * @example
 * NIXL_UCX_LINE.clauses.flatMap((c) => ("line" in c ? [c.line] : [])) // ["1.19", "1.20", "1.21", "1.22"]
 */
export const NIXL_UCX_LINE = {
  id: "nixl-ucx-line",
  summary: "UCX release line per NIXL release line, as the official image pins it",
  source: SOURCE_UCX_LINE,
  needs: "ucx",
  clauses: [
    { from: "base-image" },
    { when: ">=0.6.0 <0.8.0", line: "1.19", problem: UCX_LINE_PROBLEM },
    { when: ">=0.8.0 <1.1.0", line: "1.20", problem: UCX_LINE_PROBLEM },
    { when: ">=1.1.0 <1.4.0", line: "1.21", problem: UCX_LINE_PROBLEM },
    { when: ">=1.4.0 <1.5.0", line: "1.22", problem: UCX_LINE_PROBLEM },
  ],
} as const satisfies RuleData;

/**
 * The rules of a NIXL stage, as data.
 *
 * @example
 * NIXL_RULES.map((r) => r.id) // ["nixl-libfabric-option", "nixl-libfabric-min", "nixl-ucx-line"]
 */
export const NIXL_RULES = [NIXL_LIBFABRIC_OPTION, NIXL_LIBFABRIC_MIN, NIXL_UCX_LINE] as const;

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
