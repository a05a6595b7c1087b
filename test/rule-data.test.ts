/**
 * The runtime twin of every library version rule, at its boundaries: just below, at and just above
 * each bound. The rules are data; test/types/rule-data.test-d.ts checks the compile-time twin of the
 * same data at the same boundaries.
 */
import { describe, expect, test } from "vitest";
import { artifact, compareVersions, fillProblem, inRange, onLine, releaseOf, ruleDataProblem, ruleMessage, ruleOf, type RuleData } from "../src/index.ts";
import { EFA_FLAG_VERSION, NCCL_CUDA_13, NIXL_LIBFABRIC_MIN, NIXL_LIBFABRIC_OPTION, NIXL_UCX_LINE, OFI_LIBFABRIC_MIN } from "../stages/index.ts";

/** The problem of a rule for a stage at version `self` with `options`, building against an artifact of `kind`. */
function problem(rule: RuleData, self: string, options: Record<string, unknown>, needed?: { kind: string; version: string; distribution?: string }): string | undefined {
  const a = needed === undefined ? undefined : artifact({
    kind: needed.kind, producer: "p", version: needed.version, prefix: "/usr", delivery: { type: "in-image" },
    ...(needed.distribution !== undefined ? { facts: { distribution: needed.distribution } } : {}),
  });
  return ruleDataProblem(rule, { options: { ...options, ...(a !== undefined && rule.needs !== undefined ? { [rule.needs]: a } : {}) }, versionArg: "V" }, {
    arg: (n) => (n === "V" ? self : undefined),
    artifact: (k) => (a !== undefined && a.kind === k ? a : undefined),
  });
}

describe("release numbers, as the compile-time twin reads them", () => {
  test("parses like ParseVersion", () => {
    expect(releaseOf("v1.13.2-aws")).toEqual([1, 13, 2]);
    expect(releaseOf("2.3.0rc2")).toEqual([2, 3, 0]);
    expect(releaseOf("0.8")).toEqual([0, 8, 0]);
    expect(releaseOf("HPC-X (base image)")).toBeUndefined();
  });
  test("ranges and lines", () => {
    expect(inRange("0.7.1", ">=0.6.1 <0.8.0")).toBe(true);
    expect(inRange("0.8.0", ">=0.6.1 <0.8.0")).toBe(false);
    expect(inRange("0.6.1", ">=0.6.1 <0.8.0")).toBe(true);
    expect(inRange("0.6.0", ">=0.6.1 <0.8.0")).toBe(false);
    expect(inRange("x", "<0.8.0")).toBeUndefined();
    expect(onLine("v1.19.0", "1.19")).toBe(true);
    expect(onLine("1.190.0", "1.19")).toBe(false);
  });
});

describe("nixl-libfabric-option", () => {
  test("0.6.0 with a libfabric is refused; 0.6.1 is not; 0.6.0 without one is fine", () => {
    expect(problem(NIXL_LIBFABRIC_OPTION, "0.6.0", {}, { kind: "libfabric", version: "v2.3.0" })).toBe("NIXL 0.6.0 has no libfabric_path meson option and no LIBFABRIC plugin (both first in 0.6.1); use NIXL 0.6.1 or later");
    expect(problem(NIXL_LIBFABRIC_OPTION, "0.6.1", {}, { kind: "libfabric", version: "v2.3.0" })).toBeUndefined();
    expect(problem(NIXL_LIBFABRIC_OPTION, "0.6.0", {})).toBeUndefined();
  });
});

describe("nixl-libfabric-min", () => {
  const lf = (version: string, distribution?: string) => ({ kind: "libfabric", version, ...(distribution !== undefined ? { distribution } : {}) });
  test("NIXL 0.7.x: libfabric v2.3.0rc2 is the bound (rc1 below, v2.3.0 above)", () => {
    expect(problem(NIXL_LIBFABRIC_MIN, "0.7.1", {}, lf("v2.3.0rc1"))).toBe("NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage p builds libfabric v2.3.0rc1; use libfabric >= v2.3.0rc2, or NIXL 0.8.0 or later, which needs libfabric >= v1.21.0");
    expect(problem(NIXL_LIBFABRIC_MIN, "0.7.1", {}, lf("v2.2.0"))).toContain("builds libfabric v2.2.0");
    // Below the installer's bound too: still the source libfabric's sentence (the installer clause is for installers only).
    expect(problem(NIXL_LIBFABRIC_MIN, "0.7.1", {}, lf("v1.22.0"))).toBe("NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage p builds libfabric v1.22.0; use libfabric >= v2.3.0rc2, or NIXL 0.8.0 or later, which needs libfabric >= v1.21.0");
    expect(problem(NIXL_LIBFABRIC_MIN, "0.7.1", {}, lf("v2.3.0rc2"))).toBeUndefined();
    expect(problem(NIXL_LIBFABRIC_MIN, "0.7.1", {}, lf("v2.3.0"))).toBeUndefined();
  });
  test("NIXL 0.7.x: EFA installer 1.43.2 is the bound", () => {
    expect(problem(NIXL_LIBFABRIC_MIN, "0.7.1", {}, lf("1.43.1", "efa-installer"))).toBe("NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage p builds libfabric from EFA installer 1.43.1; use libfabric >= v2.3.0rc2, or NIXL 0.8.0 or later, which needs libfabric >= v1.21.0");
    expect(problem(NIXL_LIBFABRIC_MIN, "0.7.1", {}, lf("1.43.2", "efa-installer"))).toBeUndefined();
    expect(problem(NIXL_LIBFABRIC_MIN, "0.7.1", {}, lf("1.43.3", "efa-installer"))).toBeUndefined();
  });
  test("the NIXL range: 0.6.1 is in it, 0.8.0 is on the next line (v1.21.0 the bound), any installer fine there", () => {
    expect(problem(NIXL_LIBFABRIC_MIN, "0.6.1", {}, lf("v2.2.0"))).toContain("NIXL 0.6.1 needs libfabric >= v2.3.0rc2");
    expect(problem(NIXL_LIBFABRIC_MIN, "0.6.0", {}, lf("v2.2.0"))).toBeUndefined();
    expect(problem(NIXL_LIBFABRIC_MIN, "0.8.0", {}, lf("v1.20.0"))).toBe("NIXL 0.8.0 needs libfabric >= v1.21.0 but stage p builds libfabric v1.20.0");
    expect(problem(NIXL_LIBFABRIC_MIN, "0.8.0", {}, lf("v1.21.0"))).toBeUndefined();
    expect(problem(NIXL_LIBFABRIC_MIN, "0.8.0", {}, lf("v1.22.0"))).toBeUndefined();
    expect(problem(NIXL_LIBFABRIC_MIN, "0.8.0", {}, lf("1.40.0", "efa-installer"))).toBeUndefined();
  });
});

describe("nixl-ucx-line", () => {
  const u = (version: string, distribution?: string) => ({ kind: "ucx", version, ...(distribution !== undefined ? { distribution } : {}) });
  test("each NIXL line pins one UCX line; lines end where the next begins", () => {
    expect(problem(NIXL_UCX_LINE, "0.7.1", {}, u("v1.19.0"))).toBeUndefined();
    expect(problem(NIXL_UCX_LINE, "0.7.1", {}, u("v1.20.0"))).toBe("NIXL 0.7.1 is built and tested with UCX 1.19.x (the official image's UCX_REF) but stage p builds UCX v1.20.0; build UCX v1.19.0 (--set UCX_VERSION=v1.19.0)");
    expect(problem(NIXL_UCX_LINE, "0.8.0", {}, u("v1.19.0"))).toContain("UCX 1.20.x");
    expect(problem(NIXL_UCX_LINE, "0.8.0", {}, u("v1.20.0"))).toBeUndefined();
    expect(problem(NIXL_UCX_LINE, "1.1.0", {}, u("v1.21.0"))).toBeUndefined();
    expect(problem(NIXL_UCX_LINE, "1.4.0", {}, u("v1.21.0"))).toContain("UCX 1.22.x");
    expect(problem(NIXL_UCX_LINE, "1.5.0", {}, u("v1.19.0"))).toBeUndefined();
    expect(problem(NIXL_UCX_LINE, "0.5.0", {}, u("v1.19.0"))).toBeUndefined();
  });
  test("the clauses are the version table's: at every known tag its pinned UCX passes and the other lines are refused with that pin", async () => {
    const { NIXL_RELEASES } = await import("../stages/index.ts");
    const pins = [...new Set(NIXL_RELEASES.map((r) => r.ucx))];
    for (const r of NIXL_RELEASES) {
      expect(problem(NIXL_UCX_LINE, r.tag, {}, u(r.ucx)), r.tag).toBeUndefined();
      for (const other of pins.filter((p) => p.split(".")[1] !== r.ucx.split(".")[1])) expect(problem(NIXL_UCX_LINE, r.tag, {}, u(other)), `${r.tag} with ${other}`).toContain(`build UCX ${r.ucx} (--set UCX_VERSION=${r.ucx})`);
    }
  });
  test("a UCX the base image holds is exempt", () => {
    expect(problem(NIXL_UCX_LINE, "0.7.1", {}, u("1.18.0", "base-image"))).toBeUndefined();
  });
});

describe("nccl-cuda-13 (the CUDA toolkit the base holds: a held artifact, a below bound)", () => {
  const cuda = (version: string) => ({ kind: "cuda", version });
  const refused = (nccl: string, cv: string) =>
    `NCCL ${nccl} does not build with CUDA ${cv} from stage p (unversioned PFN_cu* typedefs, -std=c++11, pre-sm_75 gencodes); use NCCL v2.27.3-1 or later with CUDA 13.0 and later, or leave NCCL out`;
  test("NCCL just below v2.27.3-1 with CUDA 13.0 (and later) is refused; v2.27.3-1 and later build", () => {
    expect(problem(NCCL_CUDA_13, "v2.26.6-1", {}, cuda("13.0"))).toBe(refused("v2.26.6-1", "13.0"));
    expect(problem(NCCL_CUDA_13, "v2.23.4-1", {}, cuda("13.1"))).toBe(refused("v2.23.4-1", "13.1"));
    expect(problem(NCCL_CUDA_13, "v2.27.3-1", {}, cuda("13.0"))).toBeUndefined();
    expect(problem(NCCL_CUDA_13, "v2.29.7-1", {}, cuda("13.0"))).toBeUndefined();
  });
  test("CUDA just below 13.0 takes any NCCL; no CUDA in the image, or one that does not parse, is not judged", () => {
    expect(problem(NCCL_CUDA_13, "v2.23.4-1", {}, cuda("12.9"))).toBeUndefined();
    expect(problem(NCCL_CUDA_13, "v2.23.4-1", {})).toBeUndefined();
    expect(problem(NCCL_CUDA_13, "v2.23.4-1", {}, cuda("unknown"))).toBeUndefined();
  });
});

describe("aws-ofi-nccl-libfabric-min", () => {
  const lf = (version: string, distribution?: string) => ({ kind: "libfabric", version, ...(distribution !== undefined ? { distribution } : {}) });
  test("v1.13.x-aws with --enable-platform-aws: 1.22.0 is the bound", () => {
    expect(problem(OFI_LIBFABRIC_MIN, "v1.13.0-aws", { platformAws: true }, lf("v1.21.0"))).toBe("aws-ofi-nccl v1.13.0-aws with --enable-platform-aws needs libfabric >= 1.22.0 but stage p builds libfabric v1.21.0");
    expect(problem(OFI_LIBFABRIC_MIN, "v1.13.0-aws", { platformAws: true }, lf("v1.22.0"))).toBeUndefined();
  });
  test("below v1.13.0, or without platform-aws: 1.18.0 is the bound", () => {
    expect(problem(OFI_LIBFABRIC_MIN, "v1.12.1-aws", { platformAws: true }, lf("v1.21.0"))).toBeUndefined();
    expect(problem(OFI_LIBFABRIC_MIN, "v1.12.1-aws", { platformAws: true }, lf("v1.17.0"))).toBe("aws-ofi-nccl v1.12.1-aws with --enable-platform-aws needs libfabric >= 1.18.0 but stage p builds libfabric v1.17.0");
    expect(problem(OFI_LIBFABRIC_MIN, "v1.13.2-aws", { platformAws: false }, lf("v1.18.0"))).toBeUndefined();
    expect(problem(OFI_LIBFABRIC_MIN, "v1.13.2-aws", { platformAws: false }, lf("v1.17.0"))).toBe("aws-ofi-nccl v1.13.2-aws needs libfabric >= 1.18.0 but stage p builds libfabric v1.17.0");
  });
  test("the EFA installer's libfabric is exempt", () => {
    expect(problem(OFI_LIBFABRIC_MIN, "v1.13.2-aws", { platformAws: true }, lf("1.0.0", "efa-installer"))).toBeUndefined();
  });
});

describe("efa-flag-version", () => {
  test("--check-signatures from 1.48.0, --enable-ngc from 1.49.0", () => {
    expect(problem(EFA_FLAG_VERSION, "1.47.0", { flags: ["--check-signatures"] })).toBe("EFA installer 1.47.0 has no --check-signatures flag (first in 1.48.0)");
    expect(problem(EFA_FLAG_VERSION, "1.48.0", { flags: ["--check-signatures"] })).toBeUndefined();
    expect(problem(EFA_FLAG_VERSION, "1.48.0", { flags: ["--enable-ngc"] })).toBe("EFA installer 1.48.0 has no --enable-ngc flag (first in 1.49.0)");
    expect(problem(EFA_FLAG_VERSION, "1.49.0", { flags: ["--enable-ngc"] })).toBeUndefined();
    expect(problem(EFA_FLAG_VERSION, "1.30.0", { flags: ["--debug-packages"] })).toBeUndefined();
  });
});

describe("the comparisons both twins share, at their edges", () => {
  test("releaseOf: leading v's, two or three parts, a suffix after the digits; anything else is undecided", () => {
    expect(releaseOf("vv1.2.3")).toEqual([1, 2, 3]);
    expect(releaseOf("1.10.30")).toEqual([1, 10, 30]);
    expect(releaseOf("1.2.3.4")).toEqual([1, 2, 3]);
    expect(releaseOf("1.2.3rc1")).toEqual([1, 2, 3]);
    expect(releaseOf("12.34")).toEqual([12, 34, 0]);
    expect(releaseOf("1")).toBeUndefined();
    expect(releaseOf("1.x")).toBeUndefined();
    expect(releaseOf("x.1")).toBeUndefined();
    expect(releaseOf("1.2.x")).toBeUndefined();
    expect(releaseOf("1.2.")).toBeUndefined();
    // Only leading v's are dropped: a v inside the version leaves it undecided.
    expect(releaseOf("1.v2.3")).toBeUndefined();
  });
  test("inRange: each comparator decides; equal is not below; an unknown comparator is undecided", () => {
    expect(inRange("0.8.0", "<0.8.0")).toBe(false);
    expect(inRange("0.7.99", "<0.8.0")).toBe(true);
    expect(inRange("0.8.0", ">=0.8.0")).toBe(true);
    expect(inRange("0.8.0", ">=0.8.1")).toBe(false);
    expect(inRange("1.0.0", ">=0.1.0 <2.0.0 >=1.0.1")).toBe(false);
    expect(inRange("2.0.0", "<1.0.0 >=1.0.0")).toBe(false);
    expect(inRange("1.0.0", "=1.0.0")).toBeUndefined();
    expect(inRange("1.0.0", ">=x")).toBeUndefined();
    expect(inRange("1.0.0", "<x")).toBeUndefined();
  });
  test("onLine: with or without v; a version that does not parse is undecided", () => {
    expect(onLine("1.19.2", "1.19")).toBe(true);
    expect(onLine("v1.19.2", "1.19")).toBe(true);
    expect(onLine("1.1.0", "1.19")).toBe(false);
    expect(onLine("x1.19.0", "1.19")).toBeUndefined();
  });
  test("fillProblem fills every known placeholder and keeps an unknown one", () => {
    expect(fillProblem("{self} {self} {nope} {Bound}", { self: "1.0" })).toBe("1.0 1.0 {nope} {Bound}");
  });
  test("compareVersions: v-prefixes and rc suffixes order; a version that does not parse is undecided", () => {
    expect(compareVersions("v2.3.0", "2.3.0rc2")).toBe(1);
    expect(compareVersions("2.3.0rc1", "v2.3.0rc2")).toBe(-1);
    expect(compareVersions("v1.21.0", "1.21")).toBe(0);
    expect(compareVersions("main", "1.0.0")).toBeUndefined();
    expect(compareVersions("1.0.0", "main")).toBeUndefined();
  });
});

describe("a data rule, clause by clause (a made-up rule, so each condition is seen alone)", () => {
  const lf = (version: string, distribution?: string) => artifact({
    kind: "libfabric", producer: "fab", version, prefix: "/usr", delivery: { type: "in-image" },
    ...(distribution !== undefined ? { facts: { distribution } } : {}),
  });
  /** The rule reads the artifact through the option `fabric`, whose artifact is of kind libfabric. */
  const check = (rule: RuleData, self: string | undefined, options: Record<string, unknown>, held?: ReturnType<typeof lf>) =>
    ruleDataProblem(rule, { options: { ...options, ...(held !== undefined ? { fabric: held } : {}) }, versionArg: "X_VERSION" }, {
      arg: (n) => (n === "X_VERSION" ? self : undefined),
      artifact: (k) => (held !== undefined && k === held.kind ? held : undefined),
    });
  const min = {
    id: "x-min", summary: "s", source: "https://e.org/x", needs: "fabric",
    clauses: [
      { from: "vendor" },
      { when: ">=2.0.0", option: { fast: true }, atLeast: "1.22.0", problem: "X {self} (fast) needs {bound}, {producer} has {version}" },
      { atLeast: "1.18.0", problem: "X {self} needs {bound}, {producer} has {version}" },
    ],
  } as const satisfies RuleData;
  test("the needed artifact is found by the kind of the option's artifact, not the option's name", () => {
    expect(check(min, "1.0.0", {}, lf("1.17.0"))).toBe("X 1.0.0 needs 1.18.0, fab has 1.17.0");
  });
  test("no version of its own, or no artifact: nothing to judge", () => {
    expect(check(min, undefined, {}, lf("1.0.0"))).toBeUndefined();
    expect(check(min, "1.0.0", {})).toBeUndefined();
  });
  test("when and option select the stricter clause; a clause whose condition fails falls through", () => {
    expect(check(min, "2.0.0", { fast: true }, lf("1.21.0"))).toBe("X 2.0.0 (fast) needs 1.22.0, fab has 1.21.0");
    expect(check(min, "2.0.0", { fast: true }, lf("1.22.0"))).toBeUndefined();
    expect(check(min, "1.9.9", { fast: true }, lf("1.21.0"))).toBeUndefined();
    expect(check(min, "2.0.0", { fast: false }, lf("1.21.0"))).toBeUndefined();
    expect(check(min, "2.0.0", {}, lf("1.21.0"))).toBeUndefined();
  });
  test("a clause with from exempts that distribution only; a distribution no clause names takes the general clauses", () => {
    expect(check(min, "1.0.0", {}, lf("1.0.0", "vendor"))).toBeUndefined();
    expect(check(min, "1.0.0", {}, lf("1.0.0", "other"))).toBe("X 1.0.0 needs 1.18.0, fab has 1.0.0");
  });
  test("a version that does not parse is not judged", () => {
    expect(check(min, "1.0.0", {}, lf("main"))).toBeUndefined();
    // semver would read 1.2.x as 1.2.0-x (below 1.18.0); the release numbers do not parse, so neither twin judges it.
    expect(check(min, "1.0.0", {}, lf("1.2.x"))).toBeUndefined();
  });
  test("an option value that is not an artifact: the artifact is looked up by the rule's needs name", () => {
    const byName = artifact({ kind: "fabric", producer: "fab", version: "1.0.0", prefix: "/usr", delivery: { type: "in-image" } });
    const ctx = { arg: (n: string) => (n === "X_VERSION" ? "1.0.0" : undefined), artifact: (k: string) => (k === "fabric" ? byName : undefined) };
    for (const value of [null, "a string", { kind: 5 }]) {
      expect(ruleDataProblem(min, { options: { fabric: value }, versionArg: "X_VERSION" }, ctx), JSON.stringify(value)).toBe("X 1.0.0 needs 1.18.0, fab has 1.0.0");
    }
  });
  test("a clause naming a distribution judges that distribution only; other artifacts go on to the next clauses", () => {
    const vendorMin = {
      id: "x-vendor", summary: "s", source: "u", needs: "fabric",
      clauses: [
        { from: "vendor", atLeast: "9.0.0", problem: "vendor {version} below {bound}" },
        { atLeast: "1.0.0", problem: "source {version} below {bound}" },
      ],
    } as const satisfies RuleData;
    expect(check(vendorMin, "1.0.0", {}, lf("2.0.0"))).toBeUndefined();
    expect(check(vendorMin, "1.0.0", {}, lf("0.5.0"))).toBe("source 0.5.0 below 1.0.0");
    expect(check(vendorMin, "1.0.0", {}, lf("2.0.0", "other"))).toBeUndefined();
    expect(check(vendorMin, "1.0.0", {}, lf("2.0.0", "vendor"))).toBe("vendor 2.0.0 below 9.0.0");
    expect(check(vendorMin, "1.0.0", {}, lf("0.5.0", "vendor"))).toBe("vendor 0.5.0 below 9.0.0");
  });
  test("a rule that compares the stage's own version reads no distribution: a from clause there is not a condition", () => {
    const own = { id: "x-own", summary: "s", source: "u", clauses: [{ from: "vendor", atLeast: "2.0.0", problem: "X {self} below {bound}{producer}" }] } as const satisfies RuleData;
    expect(check(own, "1.0.0", {})).toBe("X 1.0.0 below 2.0.0");
  });
  test("every option a clause names must hold", () => {
    const both = { id: "x-both", summary: "s", source: "u", clauses: [{ option: { fast: true, safe: true }, atLeast: "2.0.0", problem: "X {self} fast and safe needs {bound}" }] } as const satisfies RuleData;
    expect(check(both, "1.0.0", { fast: true, safe: true })).toBe("X 1.0.0 fast and safe needs 2.0.0");
    expect(check(both, "1.0.0", { fast: true, safe: false })).toBeUndefined();
    expect(check(both, "1.0.0", { fast: false, safe: true })).toBeUndefined();
  });
  test("list options hold when they contain the value", () => {
    const flags = { id: "x-flag", summary: "s", source: "u", clauses: [{ option: { flags: "--new" }, atLeast: "2.0.0", problem: "X {self} has no --new (first in {bound})" }] } as const satisfies RuleData;
    expect(check(flags, "1.9.0", { flags: ["--old", "--new"] })).toBe("X 1.9.0 has no --new (first in 2.0.0)");
    expect(check(flags, "1.9.0", { flags: ["--old"] })).toBeUndefined();
    expect(check(flags, "1.9.0", { flags: "--new" })).toBe("X 1.9.0 has no --new (first in 2.0.0)");
    expect(check(flags, "1.9.0", {})).toBeUndefined();
  });
  test("absent: the artifact must not be given; its sentence can name the version and producer", () => {
    const absent = { id: "x-absent", summary: "s", source: "u", needs: "fabric", clauses: [{ when: "<1.0.0", absent: true, problem: "X {self} cannot use {producer}'s {version}{bound}" }] } as const satisfies RuleData;
    expect(check(absent, "0.9.0", {}, lf("1.0.0"))).toBe("X 0.9.0 cannot use fab's 1.0.0");
    expect(check(absent, "0.9.0", {})).toBeUndefined();
    expect(check(absent, "1.0.0", {}, lf("1.0.0"))).toBeUndefined();
  });
  test("present: the artifact must be given (none is refused, with the bound of the same clause); given, the clause's other demands judge it", () => {
    const present = { id: "x-present", summary: "s", source: "u", needs: "libfabric", held: true, clauses: [{ when: ">=1.0.0", option: { fast: true }, present: true, atLeast: "1.18.0", problem: "X {self} needs a fabric >= {bound}, has {version}" }] } as const satisfies RuleData;
    expect(check(present, "1.0.0", { fast: true })).toBe("X 1.0.0 needs a fabric >= 1.18.0, has ");
    expect(check(present, "1.0.0", { fast: true }, lf("1.17.0"))).toBe("X 1.0.0 needs a fabric >= 1.18.0, has 1.17.0");
    expect(check(present, "1.0.0", { fast: true }, lf("1.18.0"))).toBeUndefined();
    expect(check(present, "0.9.0", { fast: true })).toBeUndefined();
    expect(check(present, "1.0.0", { fast: false })).toBeUndefined();
  });
  test("line: on the line passes, off it is refused with the line as bound; a clause without a problem sentence reads empty", () => {
    const line = { id: "x-line", summary: "s", source: "u", needs: "fabric", clauses: [{ line: "1.19", problem: "X {self} wants {bound}.x, {producer} has {version}" }] } as const satisfies RuleData;
    expect(check(line, "1.0.0", {}, lf("v1.19.3"))).toBeUndefined();
    expect(check(line, "1.0.0", {}, lf("v1.20.0"))).toBe("X 1.0.0 wants 1.19.x, fab has v1.20.0");
    expect(check(line, "1.0.0", {}, lf("main"))).toBeUndefined();
    const silent = { id: "x-silent", summary: "s", source: "u", clauses: [{ atLeast: "2.0.0" }] } as const satisfies RuleData;
    expect(check(silent, "1.0.0", {})).toBe("");
    const silentLine = { id: "x-silent-line", summary: "s", source: "u", needs: "fabric", clauses: [{ line: "1.19" }] } as const satisfies RuleData;
    expect(check(silentLine, "1.0.0", {}, lf("v1.20.0"))).toBe("");
    const silentAbsent = { id: "x-silent-absent", summary: "s", source: "u", needs: "fabric", clauses: [{ absent: true }] } as const satisfies RuleData;
    expect(check(silentAbsent, "1.0.0", {}, lf("v1.20.0"))).toBe("");
  });
  test("line {self} with lineAfter: the line is read after the marker when the version holds it, else from its start", () => {
    const self = { id: "x-self", summary: "s", source: "u", needs: "fabric", clauses: [{ line: "{self}", lineAfter: "-at", problem: "X {self} is on {bound}, {producer} has {version}" }] } as const satisfies RuleData;
    expect(check(self, "25.10-at1.19-x", {}, lf("1.19"))).toBeUndefined();
    expect(check(self, "25.10-at1.18-x", {}, lf("1.19"))).toBe("X 25.10-at1.18-x is on 1.18, fab has 1.19");
    expect(check(self, "25.10-at1.19.2-x", {}, lf("1.19"))).toBeUndefined();
    expect(check(self, "1.18.1-x", {}, lf("1.19"))).toBe("X 1.18.1-x is on 1.18, fab has 1.19");
    expect(check(self, "25.10-atmain-x", {}, lf("1.19"))).toBeUndefined();
    const plain = { ...self, clauses: [{ line: "{self}", problem: "X {self} is on {bound}" }] } as const satisfies RuleData;
    expect(check(plain, "25.10-at1.19-x", {}, lf("1.19"))).toBe("X 25.10-at1.19-x is on 25.10");
  });
  test("ruleOf binds the rule to a stage's options and keeps its id, summary and source", () => {
    const r = ruleOf(min, { options: {}, versionArg: "X_VERSION" });
    expect([r.id, r.summary, r.source]).toEqual(["x-min", "s", "https://e.org/x"]);
    expect(Object.isFrozen(r)).toBe(true);
    const held = lf("1.0.0");
    expect(ruleOf(min, { options: { fabric: held }, versionArg: "X_VERSION" }).check({ arg: (n) => (n === "X_VERSION" ? "1.0.0" : undefined), artifact: () => held })).toBe("X 1.0.0 needs 1.18.0, fab has 1.0.0");
    expect(ruleMessage("x", r, "P")).toBe('stage x: P (rule x-min; source: https://e.org/x); to build anyway, add an explicit override { rule: "x-min", reason: "..." }');
  });
});
