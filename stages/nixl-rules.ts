/**
 * NIXL's compatibility rules, as data: the core derives from each one object both the runtime check
 * (at generation) and the compile-time check (tsc, when versions are literals), with one sentence.
 * Each cites its public source.
 * Facts: each rule's `source`; the per-tag facts are docs/facts/nixl-tags.yaml.
 */
import { compareVersions, resolvedVersion, type RuleData, type VersionLt, type VersionRule } from "../src/index.ts";
import { NIXL_RELEASES, nixlHasMesonOption, nixlRelease, SOURCE_MESON_OPTIONS, type NixlHasMesonOption, type NixlMesonOption } from "./nixl-versions.ts";

/** Source of rule nixl-libfabric-option: the PR that added the LIBFABRIC plugin and -Dlibfabric_path (first tagged in 0.6.1). */
export const SOURCE_LIBFABRIC_OPTION = "https://github.com/ai-dynamo/nixl/pull/784";
/** Source of rule nixl-libfabric-min for 0.6.1-0.7.x: the plugin README's stated minimum. */
export const SOURCE_LIBFABRIC_MIN_07 = "https://github.com/ai-dynamo/nixl/blob/0.7.1/src/plugins/libfabric/README.md";
/** Source of rule nixl-libfabric-min from 0.8.0: the PR that lowered the minimum to v1.21.0. */
export const SOURCE_LIBFABRIC_MIN_08 = "https://github.com/ai-dynamo/nixl/pull/961";
/** Source of rule nixl-ucx-line: the official image's UCX_REF per tag (contrib/Dockerfile at each tag). */
export const SOURCE_UCX_LINE = "https://github.com/ai-dynamo/nixl/blob/v1.4.0/contrib/Dockerfile (ARG UCX_REF, at each tag: docs/facts/nixl-tags.yaml)";

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
 * Rule nixl-ucx-line: the UCX release line the official image pins per NIXL tag (NIXL_RELEASES; a test
 * checks these clauses against it), with the UCX release to build instead. v1.0.1 already moved to
 * 1.21; v1.3.1 (tagged on main) has v1.4.0's 1.22, v1.3.2 (release branch) is back on 1.21. A UCX the
 * base image holds (HPC-X) has no version the recipe knows; the comparison shows it.
 *
 * @example
 * NIXL_UCX_LINE.clauses.flatMap((c) => ("line" in c ? [c.line] : [])) // ["1.19", "1.20", "1.21", "1.22", "1.21", "1.22"]
 */
export const NIXL_UCX_LINE = {
  id: "nixl-ucx-line",
  summary: "UCX release line per NIXL release, as the official image pins it",
  source: SOURCE_UCX_LINE,
  needs: "ucx",
  clauses: [
    { from: "base-image" },
    { when: ">=0.6.0 <0.8.0", line: "1.19", problem: `${UCX_LINE_PROBLEM}; build UCX v1.19.0 (--set UCX_VERSION=v1.19.0)` },
    { when: ">=0.8.0 <1.0.1", line: "1.20", problem: `${UCX_LINE_PROBLEM}; build UCX v1.20.1 (--set UCX_VERSION=v1.20.1)` },
    { when: ">=1.0.1 <1.3.1", line: "1.21", problem: `${UCX_LINE_PROBLEM}; build UCX v1.21.0 (--set UCX_VERSION=v1.21.0)` },
    { when: ">=1.3.1 <1.3.2", line: "1.22", problem: `${UCX_LINE_PROBLEM}; build UCX v1.22.0 (--set UCX_VERSION=v1.22.0)` },
    { when: ">=1.3.2 <1.4.0", line: "1.21", problem: `${UCX_LINE_PROBLEM}; build UCX v1.21.0 (--set UCX_VERSION=v1.21.0)` },
    { when: ">=1.4.0 <1.5.0", line: "1.22", problem: `${UCX_LINE_PROBLEM}; build UCX v1.22.0 (--set UCX_VERSION=v1.22.0)` },
  ],
} as const satisfies RuleData;

/**
 * The UCX release line the official image pins for a NIXL version (its known release: the tag, or
 * the nearest earlier tag of its MAJOR.MINOR line), and the UCX release stagewright pins for it.
 *
 * @example
 * ucxLineFor("v1.3.1") // { line: "1.22", pin: "v1.22.0", tag: "v1.3.1" }
 */
export function ucxLineFor(nixl: string): { readonly line: string; readonly pin: string; readonly tag: string } | undefined {
  const r = nixlRelease(nixl);
  return r === undefined ? undefined : { line: r.ucx.replace(/^v(\d+\.\d+)\..*$/, "$1"), pin: r.ucx, tag: r.tag };
}

/** Source of rule nixl-meta-setuptools: the meson target that runs `uv build`, the meta package's build backend, and the official image's setuptools step. */
export const SOURCE_META_SETUPTOOLS =
  "https://github.com/ai-dynamo/nixl/blob/0.7.1/src/bindings/python/nixl-meta/meson.build, https://github.com/ai-dynamo/nixl/blob/0.7.1/src/bindings/python/nixl-meta/pyproject.toml.in and https://github.com/ai-dynamo/nixl/blob/0.9.0/contrib/Dockerfile";
/** The first NIXL release whose meson builds the nixl meta wheel (the metaWheel column of NIXL_RELEASES; a test checks). */
export const NIXL_FIRST_META_WHEEL = "0.7.1";

/**
 * Rule nixl-meta-setuptools: from 0.7.1 NIXL's meson builds the nixl meta wheel with `uv build`
 * whenever uv is on PATH, and the wheel steps put uv there; with build isolation off (UV_VENV_ENV)
 * uv runs the setuptools of the environment as is, so the image the nixl stage builds in must hold
 * setuptools (the venv's setuptools artifact). A bare image holding no setuptools fails at ninja's
 * `build_nixl_meta`; the nixl stage also checks it at build time, before meson.
 *
 * @example
 * NIXL_META_SETUPTOOLS.needs // "setuptools"
 */
export const NIXL_META_SETUPTOOLS = {
  id: "nixl-meta-setuptools",
  summary: `NIXL >= ${NIXL_FIRST_META_WHEEL} builds its nixl meta wheel with uv build (no build isolation): the image it builds in must hold setuptools`,
  source: SOURCE_META_SETUPTOOLS,
  needs: "setuptools",
  held: true,
  clauses: [
    {
      when: `>=${NIXL_FIRST_META_WHEEL}`, option: { wheel: true }, present: true,
      problem: "NIXL {self} builds its nixl meta wheel with uv build and build isolation off, which runs the setuptools of the venv, but the image the nixl stage builds in holds no setuptools; build NIXL on a venv made with setuptools (option setuptools: true of cudaDlBase or pythonVenv, the default)",
    },
  ],
} as const satisfies RuleData;

/**
 * The rules of a NIXL stage, as data.
 *
 * @example
 * NIXL_RULES.map((r) => r.id) // ["nixl-libfabric-option", "nixl-libfabric-min", "nixl-ucx-line", "nixl-meta-setuptools"]
 */
export const NIXL_RULES = [NIXL_LIBFABRIC_OPTION, NIXL_LIBFABRIC_MIN, NIXL_UCX_LINE, NIXL_META_SETUPTOOLS] as const;

/**
 * The rules on what NIXL is built against (libfabric, UCX), without the one on the nixl stage's own
 * wheel steps: the nixl-wheel stage builds with meson-python and its host base checks setuptools.
 *
 * @example
 * NIXL_PAIRING_RULES.length // 3
 */
export const NIXL_PAIRING_RULES = [NIXL_LIBFABRIC_OPTION, NIXL_LIBFABRIC_MIN, NIXL_UCX_LINE] as const;

/** How the official image builds NIXL's Python package: build-wheel.sh (to v1.3.0, v1.3.2) or `uv pip install --system .` (v1.3.1, v1.4.0). */
export type NixlWheelMethod = "build-wheel" | "uv-system";

/** What the nixl stage's steps depend on, by NIXL version (docs/facts/nixl-tags.yaml). */
export interface NixlFeatures {
  /** -Dlibfabric_path and the LIBFABRIC plugin (0.6.1+). */
  readonly libfabricPlugin: boolean;
  /** The GUSLI plugin (0.7.0+). */
  readonly gusli: boolean;
  /** The nixl-cu<N> wheel plus the nixl meta wheel (0.7.1+). */
  readonly metaWheel: boolean;
  /** The UCX_MO plugin (up to 0.7.x). */
  readonly ucxMo: boolean;
  /** How the Python package is built. */
  readonly wheel: NixlWheelMethod;
}

/**
 * The features of a NIXL version that change the stage's steps.
 *
 * @example
 * nixlFeatures("0.6.1") // { libfabricPlugin: true, gusli: false, metaWheel: false, ucxMo: true, wheel: "build-wheel" }
 */
export function nixlFeatures(version: string): NixlFeatures {
  const at = (min: string) => compareVersions(version, min) !== -1;
  // A line the library does not know builds like the newest known release below it.
  const known = nixlRelease(version) ?? [...NIXL_RELEASES].reverse().find((r) => compareVersions(r.tag, version) !== 1);
  return { libfabricPlugin: at("0.6.1"), gusli: at("0.7.0"), metaWheel: known?.metaWheel ?? at(NIXL_FIRST_META_WHEEL), ucxMo: !at("0.8.0"), wheel: known?.wheel ?? "build-wheel" };
}

const FEATURE_WORDS: Record<keyof NixlFeatures, string> = {
  libfabricPlugin: "the LIBFABRIC plugin",
  gusli: "the GUSLI plugin",
  metaWheel: "the nixl meta wheel",
  ucxMo: "the UCX_MO plugin",
  wheel: "how the Python package is built",
};

/**
 * The rule that keeps a NIXL_VERSION from data within what the stage's steps were generated for:
 * any version whose steps are the same passes (e.g. v1.1.0, v1.2.0, v1.3.0 and v1.3.2 share them;
 * so do v1.3.1 and v1.4.0); one that needs other steps is refused with what differs.
 *
 * @example
 * generatedForRule("0.7.1").id // "nixl-generated-for"
 */
export function generatedForRule(generated: string): VersionRule {
  const want = nixlFeatures(generated);
  return {
    id: "nixl-generated-for",
    summary: "NIXL_VERSION must need the same steps as the version the stage was generated for",
    source: "docs/facts/nixl-tags.yaml (plugins, meta wheel and wheel method per tag; https://github.com/ai-dynamo/nixl/blob/v1.4.0/contrib/Dockerfile)",
    check: (ctx) => {
      const v = ctx.arg("NIXL_VERSION");
      if (v === undefined) return undefined;
      const got = nixlFeatures(v);
      const differ = (Object.keys(want) as (keyof NixlFeatures)[]).filter((k) => got[k] !== want[k]).map((k) => `${FEATURE_WORDS[k]}: ${String(want[k])} for ${generated}, ${String(got[k])} for ${v}`);
      if (differ.length === 0) return undefined;
      return `the nixl stage was generated for NIXL ${generated} and NIXL ${v} needs other steps (${differ.join("; ")}); create the stage with nixl(…, { version: "${v}" }) instead of changing NIXL_VERSION`;
    },
  };
}

/** Source of rule nixl-meson-option. */
export const SOURCE_MESON_OPTION = SOURCE_MESON_OPTIONS;

/**
 * The problem sentence of rule nixl-meson-option.
 *
 * @example
 * mesonOptionProblem("v1.1.0", "nixl_cuda_arch_list")
 */
export function mesonOptionProblem(nixl: string, option: NixlMesonOption): string {
  return `NIXL ${nixl} has no meson option ${option} (see meson_options.txt at the tag); drop it from the meson option or use a NIXL that has it`;
}

/**
 * Rule nixl-meson-option for the meson options a stage gives: each must exist in the NIXL version
 * (NIXL_VERSION, which values from data may change). Its compile-time twin is NixlMesonProblem.
 *
 * @example
 * mesonOptionRule(["build_nixl_ep"]).id // "nixl-meson-option"
 */
export function mesonOptionRule(given: readonly NixlMesonOption[]): VersionRule {
  return {
    id: "nixl-meson-option",
    summary: "every meson option given to NIXL exists in that NIXL version",
    source: SOURCE_MESON_OPTION,
    check: (ctx) => {
      const v = ctx.arg("NIXL_VERSION");
      if (v === undefined) return undefined;
      const missing = given.find((o) => nixlHasMesonOption(v, o) === false);
      return missing === undefined ? undefined : mesonOptionProblem(v, missing);
    },
  };
}

/** Source of rule nixl-libfabric-gb200: the dynamo PR that moved EFA images to libfabric v2.5.1 for GB200. */
export const SOURCE_LIBFABRIC_GB200 = "https://github.com/ai-dynamo/dynamo/pull/9727";
/** The first libfabric release EFA GPU RDMA on aarch64 (GB200) works with (dynamo PR 9727). */
export const LIBFABRIC_GB200_MIN = "v2.5.1";
/**
 * The libfabric each EFA installer ships, where a public source states it (docs/facts/dependencies.yaml);
 * an installer not listed is not judged by rule nixl-libfabric-gb200.
 */
export const EFA_INSTALLER_LIBFABRIC = { "1.47.0": "2.4.0amzn1.0" } as const;

/**
 * The problem sentence of rule nixl-libfabric-gb200.
 *
 * @example
 * libfabricGb200Problem("libfabric", "v2.3.0")
 */
export function libfabricGb200Problem(producer: string, libfabric: string): string {
  return `EFA GPU RDMA on aarch64 (GB200) needs libfabric >= ${LIBFABRIC_GB200_MIN} (CUDA dmabuf try/fallback for fi_mr_reg) but stage ${producer} builds libfabric ${libfabric}; build libfabric ${LIBFABRIC_GB200_MIN} (--set LIBFABRIC_VERSION=${LIBFABRIC_GB200_MIN})`;
}

/**
 * Rule nixl-libfabric-gb200: on aarch64 (the nixl stage's `arch` option, else ARCH), the libfabric
 * NIXL's LIBFABRIC plugin uses must be >= v2.5.1; an EFA installer's libfabric is judged by the
 * version that installer ships (EFA_INSTALLER_LIBFABRIC). Compile-time twin: NixlGb200Problem.
 *
 * @example
 * libfabricGb200Rule(undefined).id // "nixl-libfabric-gb200"
 */
export function libfabricGb200Rule(arch: string | undefined): VersionRule {
  return {
    id: "nixl-libfabric-gb200",
    summary: "EFA GPU RDMA on aarch64 (GB200) needs libfabric >= v2.5.1",
    source: SOURCE_LIBFABRIC_GB200,
    check: (ctx) => {
      const fabric = ctx.artifact("libfabric");
      if (fabric === undefined || (arch ?? ctx.arg("ARCH")) !== "aarch64") return undefined;
      const v = resolvedVersion(fabric, ctx.arg);
      if (fabric.facts["distribution"] === "efa-installer") {
        const shipped = (EFA_INSTALLER_LIBFABRIC as Readonly<Record<string, string>>)[v.replace(/^efa-installer-/, "")];
        return shipped === undefined || compareVersions(shipped, LIBFABRIC_GB200_MIN) !== -1 ? undefined : libfabricGb200Problem(fabric.producer, `${shipped} (EFA installer ${v.replace(/^efa-installer-/, "")})`);
      }
      return compareVersions(v, LIBFABRIC_GB200_MIN) === -1 ? libfabricGb200Problem(fabric.producer, v) : undefined;
    },
  };
}

/**
 * Compile-time twin of rule nixl-meson-option for a literal NIXL version and the meson options
 * given: the full sentence for the first option the version lacks, or never.
 *
 * @example
 * type E = NixlMesonProblem<"v1.1.0", "nixl_cuda_arch_list"> // "stage nixl: NIXL v1.1.0 has no meson option nixl_cuda_arch_list ..."
 */
export type NixlMesonProblem<NV extends string, K extends NixlMesonOption> = string extends NV ? never
  : K extends NixlMesonOption
    ? NixlHasMesonOption<NV, K> extends false
      ? `stage nixl: NIXL ${NV} has no meson option ${K} (see meson_options.txt at the tag); drop it from the meson option or use a NIXL that has it (rule nixl-meson-option; source: ${typeof SOURCE_MESON_OPTION}); to build anyway, add an explicit override { rule: "nixl-meson-option", reason: "..." }`
      : never
    : never;

type ShippedBy<LV extends string> = LV extends `efa-installer-${infer IV}` ? (IV extends keyof typeof EFA_INSTALLER_LIBFABRIC ? [(typeof EFA_INSTALLER_LIBFABRIC)[IV], ` (EFA installer ${IV})`] : never) : [LV, ""];

/**
 * Compile-time twin of rule nixl-libfabric-gb200 for a literal arch and libfabric version: the
 * full sentence, or never.
 *
 * @example
 * type E = NixlGb200Problem<"aarch64", "libfabric", "v2.3.0"> // "stage nixl: EFA GPU RDMA on aarch64 (GB200) needs libfabric >= v2.5.1 ..."
 */
export type NixlGb200Problem<Arch extends string, By extends string, LV extends string> = Arch extends "aarch64"
  ? ShippedBy<LV> extends [infer V extends string, infer Said extends string]
    ? VersionLt<V, typeof LIBFABRIC_GB200_MIN> extends true
      ? `stage nixl: EFA GPU RDMA on aarch64 (GB200) needs libfabric >= ${typeof LIBFABRIC_GB200_MIN} (CUDA dmabuf try/fallback for fi_mr_reg) but stage ${By} builds libfabric ${V}${Said}; build libfabric ${typeof LIBFABRIC_GB200_MIN} (--set LIBFABRIC_VERSION=${typeof LIBFABRIC_GB200_MIN}) (rule nixl-libfabric-gb200; source: ${typeof SOURCE_LIBFABRIC_GB200}); to build anyway, add an explicit override { rule: "nixl-libfabric-gb200", reason: "..." }`
      : never
    : never
  : never;
