/**
 * Values from data (`--set`, `--values file.yaml`) pass the runtime twins of the compile-time rules.
 */
import { describe, expect, test } from "vitest";
import { BUILDARCH, NO_VALUES, StagewrightError, TARGETARCH, applyValues, artifact, buildNeed, computedArg, defineStage, expectAt, image, isStagewrightError, mergeValues, parseSets, parseValues, pathArg, recipeArgs, recipeFromStages, run, stringArg, targetUnameArch, versionArg, withValues } from "../src/index.ts";
import { alignedRecipe } from "../recipes/aligned.ts";
import { checkDockerfile } from "./support/checkers.ts";

const r = alignedRecipe();
const argOf = (rec: ReturnType<typeof withValues>, name: string) => recipeArgs(rec).find((a) => a.name === name)?.default;

describe("moving LIBFABRIC_INSTALL_PATH", () => {
  test("for the whole image: accepted, and producer, consumers and runtime move together", () => {
    const moved = withValues(r, parseValues("args:\n  LIBFABRIC_INSTALL_PATH: /opt/libfabric\n", "values.yaml"));
    const text = moved.render();
    expect(text).toContain('ARG LIBFABRIC_INSTALL_PATH="/opt/libfabric"');
    expect(moved.stages.find((s) => s.name === "libfabric")!.provides["libfabric"]!.prefix).toBe("/opt/libfabric");
    expect(moved.stages.find((s) => s.name === "nixl")!.needs.find((n) => n.kind === "libfabric")!.prefix).toBe("/opt/libfabric");
    expect(checkDockerfile(text)).toEqual({ problems: [], skipped: [] });
  });
  test("for the producer only: refused with the sentences tsc would print", () => {
    const values = parseValues("stages:\n  libfabric:\n    LIBFABRIC_INSTALL_PATH: /opt/libfabric\n", "values.yaml");
    expect(() => withValues(r, values)).toThrow(
      "nixl needs libfabric at /usr/local but stage libfabric installs it at /opt/libfabric; build nixl against the libfabric artifact of stage libfabric, or install libfabric at /usr/local",
    );
    try {
      withValues(r, values);
    } catch (e) {
      expect((e as { problems: string[] }).problems).toContain(
        "ARG LIBFABRIC_INSTALL_PATH defaults to /opt/libfabric in stage libfabric but to /usr/local in stage nixl; one image has one value per ARG: give both stages the same default",
      );
    }
  });
});

describe("versions from data run the version rules", () => {
  test("--set LIBFABRIC_VERSION=v1.21.0 is refused for NIXL 0.7.1", () => {
    expect(() => withValues(r, parseSets(["LIBFABRIC_VERSION=v1.21.0"]))).toThrow("rule nixl-libfabric-min");
  });
  test("a version bump brings its checksum from the lock", () => {
    const stages = applyValues(r.stages, parseSets(["LIBFABRIC_VERSION=v1.21.0"]));
    const sha = stages.find((s) => s.name === "libfabric")!.args.find((a) => a.name === "LIBFABRIC_SHA256")!.default;
    expect(sha).toBe("0c1b7b830d9147f661e5d7f359250b85b5a9885c330464cd3b5e5d35b86551c7");
  });
  test("a version the lock does not know gets an empty checksum (the build warns, check lists it)", () => {
    const stages = applyValues(r.stages, parseSets(["GDRCOPY_VERSION=v2.5.1"]));
    expect(stages.find((s) => s.name === "gdrcopy")!.args.find((a) => a.name === "GDRCOPY_SHA256")!.default).toBe("");
  });
  test("a valid override renders", () => {
    const moved = withValues(r, parseSets(["NIXL_BUILD_TYPE=debug"]));
    expect(argOf(moved, "NIXL_BUILD_TYPE")).toBe("debug");
  });
});

describe("bad values are clear errors", () => {
  test.each([
    [["NO_SUCH_ARG=1"], "ARG NO_SUCH_ARG is not an ARG of this recipe; its ARGs are: "],
    [["LIBFABRIC_INSTALL_PATH=usr/local"], 'ARG LIBFABRIC_INSTALL_PATH: "usr/local" is not an absolute path: start it with /'],
    [["NIXL_BUILD_TYPE=fast"], 'ARG NIXL_BUILD_TYPE: "fast" is not one of "release", "debug"'],
    [["LIBFABRIC_VERSION=latest"], 'ARG LIBFABRIC_VERSION: "latest" is not a pinned version'],
    [["NOEQUALS"], "--set NOEQUALS: expected KEY=VALUE"],
  ])("--set %j", (sets, message) => {
    expect(() => withValues(r, parseSets(sets))).toThrow(message);
  });
  test.each([
    ["args:\n  UCX_VERSION: 1.20\n", 'values.yaml:2: args.UCX_VERSION must be a string, got number; quote it (UCX_VERSION: "1.20")'],
    ["args:\n  PYTHON_VERSION: 3.10\n", 'values.yaml:2: args.PYTHON_VERSION must be a string, got number; quote it (PYTHON_VERSION: "3.10")'],
    ["args:\n  A: b: c\n", "values.yaml:2:6: not valid YAML: Nested mappings are not allowed in compact mappings"],
    ["argz:\n  X: y\n", "values.yaml: unknown key argz"],
    ["stages:\n  nope:\n    X: y\n", "stage nope is not a stage of this recipe"],
    ["stages:\n  ucx:\n    LIBFABRIC_VERSION: v2.3.0\n", "stage ucx has no ARG LIBFABRIC_VERSION"],
    ["- a\n- b\n", "values.yaml: expected a mapping"],
    ["args: [\n", "values.yaml:1:8: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]"],
  ])("values file %j", (text, message) => {
    expect(() => withValues(r, parseValues(text, "values.yaml"))).toThrow(message);
  });
  test("later values win", () => {
    expect(mergeValues(parseSets(["A=1"]), parseSets(["A=2"])).args).toEqual({ A: "2" });
  });
});

test("a producer-only move from a values file ends with the data-side fix", () => {
  try {
    withValues(r, parseValues("stages:\n  libfabric:\n    LIBFABRIC_INSTALL_PATH: /opt/libfabric\n", "values.yaml"));
    throw new Error("expected a refusal");
  } catch (e) {
    expect((e as { problems: string[] }).problems.at(-1)).toBe(
      "fix in the values: one image has one value per ARG, so move LIBFABRIC_INSTALL_PATH under args: (the whole image) instead of stages: libfabric",
    );
  }
});

describe("explicit overrides from data", () => {
  const yaml = "args:\n  LIBFABRIC_VERSION: v1.21.0\noverrides:\n  - stage: nixl\n    rule: nixl-libfabric-min\n    reason: reproducing the never-tagged main of 2025-11-03 for a bisect\n";
  test("an override in the values file builds a refused pairing anyway, visibly", () => {
    const text = withValues(r, parseValues(yaml, "values.yaml")).render();
    expect(text).toContain("# stagewright: rule nixl-libfabric-min is overridden here on purpose: reproducing the never-tagged main of 2025-11-03 for a bisect");
    expect(text).toContain('LABEL dev.stagewright.override.nixl-libfabric-min="reproducing the never-tagged main of 2025-11-03 for a bisect"');
  });
  test.each([
    ["overrides:\n  - stage: nixel\n    rule: nixl-libfabric-min\n    reason: a reason long enough\n", "override of rule nixl-libfabric-min: stage nixel is not a stage of this recipe (did you mean nixl?)"],
    ["overrides:\n  - stage: nixl\n    rule: nixl-everything\n    reason: a reason long enough\n", "stage nixl: override names rule nixl-everything, which the stage does not have"],
    ["overrides:\n  - stage: nixl\n    rule: nixl-ucx-line\n", "values.yaml: overrides[0].reason must be a string"],
    ["overrides:\n  - stage: nixl\n    rule: nixl-ucx-line\n    reason: x\n    why: y\n", "values.yaml: overrides[0]: unknown key why; an override has stage, rule and reason"],
    ["overrides: nixl\n", "values.yaml: overrides must be a list of { stage, rule, reason }"],
  ])("%j", (text, message) => {
    expect(() => withValues(r, parseValues(text, "values.yaml"))).toThrow(message);
  });
});

describe("values files and flags at their edges (a two-stage recipe of its own)", () => {
  const A = pathArg("A_PATH", "/opt/a", "a");
  const B = versionArg("B_VERSION", "v1.0.0", "b");
  const ARCH = targetUnameArch("ARCH");
  const base = defineStage({ name: "base", description: "b", from: image("debian:${DEBIAN_TAG}", [stringArg("DEBIAN_TAG", "bookworm", /^[a-z]+$/, "a codename", "debian")]), steps: [run("true")] });
  const tool = defineStage({ name: "tool", description: "t", from: base, args: [A, B, ARCH, TARGETARCH], steps: [run('echo "$A_PATH" "$B_VERSION" "$ARCH" "$TARGETARCH"')] });
  const small = recipeFromStages("small", [base, tool]);
  const v = (text: string) => parseValues(text, "v.yaml");

  test("an empty file or one of comments sets nothing", () => {
    expect(v("")).toBe(NO_VALUES);
    expect(v("# nothing here\n")).toBe(NO_VALUES);
    expect(v("~\n")).toBe(NO_VALUES);
    expect(withValues(small, NO_VALUES)).toBe(small);
  });
  test("empty sections are allowed; platforms and overrides are read only when given", () => {
    expect(v("args:\nstages:\noverrides:\nplatforms:\n")).toStrictEqual({ args: {}, stages: {}, overrides: [] });
    expect(v("platforms: [linux/amd64, linux/arm64]\n").platforms).toEqual(["linux/amd64", "linux/arm64"]);
  });
  test.each([
    ["platforms: []\n", "v.yaml: platforms must be a list of one or more of linux/amd64, linux/arm64", { file: "v.yaml" }],
    ["platforms: linux/amd64\n", "v.yaml: platforms must be a list of one or more of linux/amd64, linux/arm64", { file: "v.yaml" }],
    ["platforms: [linux/amd64, 3]\n", "v.yaml: platforms[1] 3 is not one of linux/amd64, linux/arm64", { file: "v.yaml" }],
    ["overrides:\n  - just a string\n", "v.yaml: overrides[0] must be a mapping with stage, rule and reason", { file: "v.yaml" }],
    ["overrides:\n  - [a, b]\n", "v.yaml: overrides[0] must be a mapping with stage, rule and reason", { file: "v.yaml" }],
    ["overrides:\n  - stage: 1\n    rule: r\n    reason: a good reason\n", "v.yaml: overrides[0].stage must be a string", { file: "v.yaml" }],
    ["overrides:\n  - stage: s\n    rule: [r]\n    reason: a good reason\n", "v.yaml: overrides[0].rule must be a string", { file: "v.yaml" }],
    ["args: [A_PATH]\n", "v.yaml: args must be a mapping of ARG names to values", { file: "v.yaml" }],
    ["args: A_PATH\n", "v.yaml: args must be a mapping of ARG names to values", { file: "v.yaml" }],
    ["stages: [tool]\n", "v.yaml: stages must be a mapping of stage names to ARG mappings", { file: "v.yaml" }],
    ["stages: tool\n", "v.yaml: stages must be a mapping of stage names to ARG mappings", { file: "v.yaml" }],
    ["stages:\n  tool: [A_PATH]\n", "v.yaml: stages.tool must be a mapping of ARG names to values", { file: "v.yaml" }],
    ["args:\n  A_PATH: null\n", 'v.yaml:2: args.A_PATH must be a string, got null; quote it (A_PATH: "null")', { file: "v.yaml", arg: "A_PATH" }],
    ["args:\n  A_PATH: true\n", 'v.yaml:2: args.A_PATH must be a string, got boolean; quote it (A_PATH: "true")', { file: "v.yaml", arg: "A_PATH" }],
    ["args:\n  A_PATH: [x]\n", 'v.yaml: args.A_PATH must be a string, got a list; quote it (A_PATH: "x")', { file: "v.yaml", arg: "A_PATH" }],
    ["stages:\n  tool:\n    B_VERSION: 1.10\n", 'v.yaml:3: stages.tool.B_VERSION must be a string, got number; quote it (B_VERSION: "1.10")', { file: "v.yaml", arg: "B_VERSION" }],
    ["just text\n", "v.yaml: expected a mapping with args: and/or stages:", { file: "v.yaml" }],
    ["args: {\n\n\n", "v.yaml:1:8: not valid YAML: Flow map in block collection must be sufficiently indented and end with a }", { file: "v.yaml" }],
    ["platforms: [linux/riscv64]\n", 'v.yaml: platforms[0] "linux/riscv64" is not one of linux/amd64, linux/arm64', { file: "v.yaml" }],
    ["overrides:\n  - null\n", "v.yaml: overrides[0] must be a mapping with stage, rule and reason", { file: "v.yaml" }],
    ["overrides: nixl\n", "v.yaml: overrides must be a list of { stage, rule, reason }", { file: "v.yaml" }],
    ["overrides:\n  - stage: s\n    rule: r\n    reason: a good reason\n    why: y\n", "v.yaml: overrides[0]: unknown key why; an override has stage, rule and reason", { file: "v.yaml" }],
    ["argz:\n  A_PATH: /x\n", "v.yaml: unknown key argz; a values file has args: (whole image) and stages: (per stage)", { file: "v.yaml" }],
    // The anchor of an alias is missing: YAML parses it, building the value fails.
    ["args:\n  A_PATH: *nope\n", "v.yaml: not valid YAML: Unresolved alias (the anchor must be set before the alias): nope", { file: "v.yaml" }],
    // A colon of the quoted source is kept; only the parser's own "at line …, column …:" is cut.
    ["args:\n  A_PATH: |1:\n", "v.yaml:2:13: not valid YAML: Block scalar header includes extra characters: |1:", { file: "v.yaml" }],
    // Two-digit line and column numbers are cut as well.
    [`args:\n${Array.from({ length: 9 }, (_, i) => `  K${i}: v\n`).join("")}  LONG_NAME: b: c\n`, "v.yaml:11:14: not valid YAML: Nested mappings are not allowed in compact mappings", { file: "v.yaml" }],
    // Blank lines after an unclosed bracket: the location is the end of the last line with text.
    ["args: {\n  \n  \n", "v.yaml:1:8: not valid YAML: Flow map in block collection must be sufficiently indented and end with a }", { file: "v.yaml" }],
    ["args:\n  A_PATH: [\n\n", "v.yaml:2:12: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]", { file: "v.yaml" }],
    ["args: [\r\n\r\n", "v.yaml:1:8: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]", { file: "v.yaml" }],
    // A line of blanks that holds the error (a tab before a no-break space) keeps its location.
    ["args:\n  A_PATH: /x\n\t\u00a0\n", "v.yaml:3:1: not valid YAML: Tabs are not allowed as indentation", { file: "v.yaml" }],
    // Source text that reads like a position stays: only the position at the end is the parser's.
    ["args:\n  A_PATH: >- at line 5, column 3\n", "v.yaml:2:14: not valid YAML: Not a YAML token: at line 5, column 3", { file: "v.yaml" }],
  ])("values file %j", (text, message, where) => {
    const e = thrownBy(() => v(text));
    expect(e.message).toBe(message);
    expect(e.code).toBe("values");
    expect(e.where).toStrictEqual(where);
  });
  test("a text of nothing but blanks, one line a tab before a no-break space: the error keeps its line", () => {
    const e = thrownBy(() => v(" \n\t\u00a0"));
    expect(e.message).toBe("v.yaml:2:1: not valid YAML: Tabs are not allowed as indentation");
  });
  test("--set: the first = splits; a value may be empty or hold =; a missing key is refused", () => {
    expect(parseSets(["A_PATH=/x=y", "B_VERSION="])).toEqual({ args: { A_PATH: "/x=y", B_VERSION: "" }, stages: {} });
    expect(thrownBy(() => parseSets(["=v1"])).message).toBe("--set =v1: expected KEY=VALUE, e.g. --set LIBFABRIC_VERSION=v2.3.0");
    expect(thrownBy(() => parseSets(["=v1"])).code).toBe("values");
  });
  test("merging: per-stage values merge by stage, overrides add up, the last platforms given win", () => {
    const o = (rule: string) => ({ stage: "tool", rule, reason: "a good reason" });
    const merged = mergeValues(
      { args: { A_PATH: "/a" }, stages: { tool: { A_PATH: "/t" } }, overrides: [o("r1")], platforms: ["linux/arm64"] },
      { args: {}, stages: { tool: { B_VERSION: "v2.0.0" }, base: { DEBIAN_TAG: "trixie" } }, overrides: [o("r2")] },
      { args: { A_PATH: "/b" }, stages: {} },
    );
    expect(merged).toEqual({ args: { A_PATH: "/b" }, stages: { tool: { A_PATH: "/t", B_VERSION: "v2.0.0" }, base: { DEBIAN_TAG: "trixie" } }, overrides: [o("r1"), o("r2")], platforms: ["linux/arm64"] });
    expect(mergeValues(NO_VALUES, NO_VALUES)).toStrictEqual({ args: {}, stages: {}, overrides: [] });
  });
  test("unknown names: a close one is suggested, and the known ones are listed in order", () => {
    const at = (values: Parameters<typeof applyValues>[1]) => thrownBy(() => applyValues(small.stages, values));
    expect(at(parseSets(["A_PATHS=/x"])).message).toBe("ARG A_PATHS is not an ARG of this recipe (did you mean A_PATH?); its ARGs are: ARCH, A_PATH, B_VERSION, DEBIAN_TAG, TARGETARCH");
    expect(at(parseSets(["QQQQQQQQ=/x"])).where).toStrictEqual({ arg: "QQQQQQQQ" });
    expect(at(parseSets(["QQQQQQQQ=/x"])).code).toBe("values");
    expect(at(parseSets(["QQQQQQQQ=/x"])).message).toBe("ARG QQQQQQQQ is not an ARG of this recipe; its ARGs are: ARCH, A_PATH, B_VERSION, DEBIAN_TAG, TARGETARCH");
    expect(at({ args: {}, stages: { tools: { A_PATH: "/x" } } }).message).toBe("stage tools is not a stage of this recipe (did you mean tool?); its stages are: base, tool");
    expect(at({ args: {}, stages: { tools: { A_PATH: "/x" } } }).where).toStrictEqual({ stage: "tools" });
    expect(at({ args: {}, stages: { tools: { A_PATH: "/x" } } }).code).toBe("values");
    expect(at({ args: {}, stages: { zzzzzzzz: { A_PATH: "/x" } } }).message).toBe("stage zzzzzzzz is not a stage of this recipe; its stages are: base, tool");
    expect(at({ args: {}, stages: { base: { A_PATH: "/x" } } }).message).toBe("stage base has no ARG A_PATH; its ARGs are: DEBIAN_TAG");
    expect(at({ args: {}, stages: { base: { A_PATH: "/x" } } }).where).toStrictEqual({ stage: "base", arg: "A_PATH" });
    expect(at({ args: {}, stages: { base: { A_PATH: "/x" } } }).code).toBe("values");
    const override = at({ args: {}, stages: {}, overrides: [{ stage: "zzzzzzzz", rule: "r", reason: "a good reason" }] });
    expect(override.message).toBe("override of rule r: stage zzzzzzzz is not a stage of this recipe");
    expect(override.where).toStrictEqual({ stage: "zzzzzzzz" });
    expect(override.code).toBe("values");
  });
  test("a value for an ARG that follows the platform is refused, for the image and for one stage", () => {
    expect(thrownBy(() => applyValues(small.stages, { args: {}, stages: { tool: { ARCH: "aarch64" } } })).message).toBe(
      "stage tool, ARG ARCH follows the platform (computed from TARGETARCH): choose the platform instead, --platform linux/arm64 for the build script or PLATFORMS=linux/arm64 for bake",
    );
    expect(thrownBy(() => applyValues(small.stages, { args: {}, stages: { tool: { TARGETARCH: "arm64" } } })).where).toEqual({ stage: "tool", arg: "TARGETARCH" });
    const image = thrownBy(() => applyValues(small.stages, parseSets(["TARGETARCH=arm64"])));
    expect(image.message).toBe("ARG TARGETARCH follows the platform (set by BuildKit): choose the platform instead, --platform linux/arm64 for the build script or PLATFORMS=linux/arm64 for bake");
    expect(image.where).toStrictEqual({ arg: "TARGETARCH" });
    expect(image.code).toBe("values");
  });
  test("values move defaults for the whole image or one stage; an ARG of the FROM image moves too; untouched stages stay the same objects", () => {
    const [b, t] = applyValues(small.stages, { args: { DEBIAN_TAG: "trixie" }, stages: { tool: { B_VERSION: "v2.0.0" } } });
    expect(b!.from).toEqual(image("debian:${DEBIAN_TAG}", [{ ...base.from.args[0]!, default: "trixie" }]));
    expect(t!.args.map((a) => [a.name, a.default])).toEqual([["A_PATH", "/opt/a"], ["B_VERSION", "v2.0.0"], ["ARCH", "x86_64"], ["TARGETARCH", ""]]);
    expect(t!.args[0]).toBe(A);
    expect(t!.from).toBe(b);
    const same = applyValues(small.stages, { args: {}, stages: {} });
    expect(same[1]!.args[0]).toBe(A);
    expect(thrownBy(() => applyValues(small.stages, parseSets(["DEBIAN_TAG=Bookworm"]))).message).toBe('ARG DEBIAN_TAG: "Bookworm" is not a codename');
  });
  test("overrides from data are added to the stage they name, after its own", () => {
    const [, t] = applyValues(small.stages, { args: {}, stages: {}, overrides: [{ stage: "tool", rule: "r", reason: "a good reason" }] });
    expect(t!.overrides).toEqual([{ rule: "r", reason: "a good reason" }]);
  });
  test("the data-side fix is added only for ARGs set per stage", () => {
    const fabricValues = parseSets(["LIBFABRIC_INSTALL_PATH=/opt/libfabric"]);
    expect(withValues(r, fabricValues).stages.length).toBe(r.stages.length);
    const e = thrownBy(() => withValues(r, { args: {}, stages: { nixl: { LIBFABRIC_INSTALL_PATH: "/opt/libfabric" } } }));
    expect(e.problems.at(-1)).toBe("fix in the values: one image has one value per ARG, so move LIBFABRIC_INSTALL_PATH under args: (the whole image) instead of stages: nixl");
    const version = thrownBy(() => withValues(r, parseSets(["LIBFABRIC_VERSION=v1.21.0"])));
    expect(version.code).toBe("version-rule");
    expect(version.problems.some((p) => p.startsWith("fix in the values"))).toBe(false);
  });
});

describe("values move the artifacts their ARGs drive (a producer, a consumer and a stage that states a prefix)", () => {
  const LIB_PREFIX = pathArg("LIB_PREFIX", "/opt/lib", "lib prefix");
  const LIB_VERSION = versionArg("LIB_VERSION", "v1.0.0", "lib version");
  const LIB_FLAVOUR = stringArg("LIB_FLAVOUR", "plain", /^[a-z]+$/, "lower-case letters", "lib flavour");
  const OS_TAG = stringArg("OS_TAG", "12.8-slim", /^[0-9.]+-[a-z]+$/, "<version>-<variant>", "base image tag");
  const DIST_VERSION = versionArg("DIST_VERSION", "1.0", "dist version");
  const PAIR = computedArg("PAIR", "target and build architecture", [TARGETARCH, BUILDARCH], ["${TARGETARCH}-${BUILDARCH}"], ["amd64-amd64"], "amd64-amd64");
  // A version read from the image tag (versionOf), and one written <distribution>-<version>.
  const os = artifact({ kind: "os", producer: "base", version: "12.8", prefix: "/usr", versionArg: OS_TAG, versionOf: (tag: string) => tag.split("-")[0]!, delivery: { type: "in-image" } });
  const dist = artifact({ kind: "dist", producer: "base", version: "dist-1.0", prefix: "/opt/dist", versionArg: DIST_VERSION, delivery: { type: "in-image" } });
  const base = defineStage({ name: "base", description: "b", from: image("debian:${OS_TAG}", [OS_TAG]), args: [DIST_VERSION], provides: { os, dist }, steps: [run('echo "$DIST_VERSION"')] });
  const lib = artifact({ kind: "lib", producer: "lib", version: "v1.0.0", prefix: "/opt/lib", prefixArg: LIB_PREFIX, versionArg: LIB_VERSION, args: [LIB_FLAVOUR], layout: { lib: ["lib"] }, delivery: { type: "staged", dir: "/opt/stagewright/lib" } });
  const libStage = defineStage({ name: "lib", description: "l", from: base, provides: { lib }, steps: [run('mkdir -p "/opt/stagewright/lib${LIB_PREFIX}/lib" && echo "$LIB_VERSION $LIB_FLAVOUR"')] });
  const app = defineStage({ name: "app", description: "a", from: base, args: [PAIR], needs: [buildNeed(lib)], steps: [run('echo "$PAIR"')] });
  const hard = defineStage({ name: "hard", description: "h", from: app, needs: [expectAt("lib", "/opt/lib")], steps: [run("ls /opt/lib")] });
  const options = { description: "the fixture", labels: [["org.example.kind", "fixture"]] as const, notes: ["a note"] };
  const fixture = recipeFromStages("fixture", [base, libStage, app, hard], options);
  const versions = (stages: readonly { provides: Record<string, { kind: string; version: string }> }[]) => stages.flatMap((st) => Object.values(st.provides).map((a) => `${a.kind} ${a.version}`));

  test("a version ARG moves the artifact's version: through its versionOf, or in the form its version is written", () => {
    expect(versions(applyValues(fixture.stages, parseSets(["OS_TAG=13.1-slim"])))).toEqual(["os 13.1", "dist dist-1.0", "lib v1.0.0"]);
    expect(versions(applyValues(fixture.stages, parseSets(["DIST_VERSION=1.1"])))).toEqual(["os 12.8", "dist dist-1.1", "lib v1.0.0"]);
    const [, l, a] = applyValues(fixture.stages, parseSets(["LIB_VERSION=v2.0.0"]));
    expect(l!.provides["lib"]!.version).toBe("v2.0.0");
    expect(l!.provides["lib"]!.versionArg!.default).toBe("v2.0.0");
    expect(l!.provides["lib"]!.prefixArg).toBe(LIB_PREFIX);
    expect(a!.needs[0]!.artifact!.version).toBe("v2.0.0");
  });
  test("a value for another ARG leaves every version as it is written, and untouched artifacts the same objects", () => {
    const [b, l, a] = applyValues(fixture.stages, parseSets(["LIB_FLAVOUR=fast"]));
    expect(versions([b!, l!])).toEqual(["os 12.8", "dist dist-1.0", "lib v1.0.0"]);
    expect(b!.provides["os"]).toBe(os);
    expect(b!.provides["dist"]).toBe(dist);
    // An ARG of the artifact that is neither its prefix nor its version moves it too.
    expect(l!.provides["lib"]!.args.map((x) => x.default)).toEqual(["/opt/lib", "v1.0.0", "fast"]);
    expect(a!.needs[0]!.artifact!.args.map((x) => x.default)).toEqual(["/opt/lib", "v1.0.0", "fast"]);
    expect(l!.provides["lib"]!.prefixArg).toBe(LIB_PREFIX);
    expect(l!.provides["lib"]!.versionArg).toBe(LIB_VERSION);
  });
  test("a version written otherwise than its ARG, or an ARG without a default: the value is the version", () => {
    const SRC_TAG = stringArg("SRC_TAG", "v2.4", /^v[0-9.]+$/, "v<release>", "source tag");
    const PIN = stringArg("PIN", "", /^[0-9.]*$/, "a release or nothing", "optional pin");
    const short = artifact({ kind: "short", producer: "src", version: "2.4.0", prefix: "/opt/short", versionArg: SRC_TAG, delivery: { type: "in-image" } });
    const pinned = artifact({ kind: "pinned", producer: "src", version: "latest", prefix: "/opt/pinned", versionArg: PIN, delivery: { type: "in-image" } });
    const src = defineStage({ name: "src", description: "s", from: image("debian:bookworm"), provides: { short, pinned }, steps: [run('echo "$SRC_TAG" "$PIN"')] });
    expect(versions(applyValues([src], parseSets(["SRC_TAG=v2.5", "PIN=1.2"])))).toEqual(["short v2.5", "pinned 1.2"]);
    // Another value leaves both as written.
    expect(versions(applyValues([src, defineStage({ name: "other", description: "o", from: src, args: [LIB_FLAVOUR], steps: [run('echo "$LIB_FLAVOUR"')] })], parseSets(["LIB_FLAVOUR=fast"])))).toEqual(["short 2.4.0", "pinned latest"]);
  });
  test("a prefix ARG moves the artifact and its consumers; an artifact without a version ARG keeps none", () => {
    const TOOL_PREFIX = pathArg("TOOL_PREFIX", "/opt/tool", "tool prefix");
    const tool = artifact({ kind: "tool", producer: "tool", version: "1", prefix: "/opt/tool", prefixArg: TOOL_PREFIX, delivery: { type: "staged", dir: "/opt/stagewright/tool" } });
    const toolStage = defineStage({ name: "tool", description: "t", from: image("debian:bookworm"), provides: { tool }, steps: [run('mkdir -p "/opt/stagewright/tool${TOOL_PREFIX}"')] });
    const [t] = applyValues([toolStage], parseSets(["TOOL_PREFIX=/srv/tool"]));
    expect(t!.provides["tool"]!.prefix).toBe("/srv/tool");
    expect(t!.provides["tool"]!.prefixArg!.default).toBe("/srv/tool");
    expect(t!.provides["tool"]!.versionArg).toBeUndefined();
    const [, , a, h] = applyValues(fixture.stages, parseSets(["LIB_PREFIX=/srv/lib"]));
    expect(a!.needs[0]!.prefix).toBe("/srv/lib");
    // A need stated by prefix has no artifact to move: it stays, and the recipe compares it.
    expect(h!.needs[0]).toBe(hard.needs[0]);
  });
  test("a whole-image value that breaks a rule gets no per-stage hint; a per-stage one that breaks a rule other than one value per ARG neither", () => {
    const whole = thrownBy(() => withValues(fixture, parseSets(["LIB_PREFIX=/srv/lib"])));
    expect(whole.code).toBe("prefix-mismatch");
    expect(whole.problems).toEqual(["hard needs lib at /opt/lib but stage lib installs it at /srv/lib; build hard against the lib artifact of stage lib, or install lib at /opt/lib"]);
    const bad = thrownBy(() => withValues(fixture, { args: {}, stages: { lib: { LIB_VERSION: "latest" } } }));
    expect(bad.problems).toEqual(['stage lib, ARG LIB_VERSION: "latest" is not a pinned version: give an exact version such as 1.2.3']);
  });
  test("per-stage values that give one ARG two values: the hint names each ARG and stage once", () => {
    const one = thrownBy(() => withValues(fixture, { args: {}, stages: { lib: { LIB_FLAVOUR: "fast" } } }));
    expect(one.code).toBe("arg-conflict");
    expect(one.problems.at(-1)).toBe("fix in the values: one image has one value per ARG, so move LIB_FLAVOUR under args: (the whole image) instead of stages: lib");
    const two = thrownBy(() => withValues(fixture, { args: {}, stages: { lib: { LIB_FLAVOUR: "fast", LIB_VERSION: "v2.0.0" }, app: { LIB_FLAVOUR: "slow" } } }));
    expect(two.problems.at(-1)).toBe("fix in the values: one image has one value per ARG, so move LIB_FLAVOUR, LIB_VERSION under args: (the whole image) instead of stages: lib, app");
  });
  test("a stage's ARGs are its own: not those of the stage it starts from", () => {
    const e = thrownBy(() => applyValues(fixture.stages, { args: {}, stages: { hard: { PAIR: "x" } } }));
    expect(e.message).toBe("stage hard has no ARG PAIR; its ARGs are: none");
    expect(thrownBy(() => applyValues([], parseSets(["PAIR=x"]))).message).toBe("ARG PAIR is not an ARG of this recipe; its ARGs are: none");
  });
  test("an ARG computed from several ARGs names them all", () => {
    expect(thrownBy(() => applyValues(fixture.stages, parseSets(["PAIR=x"]))).message).toBe(
      "ARG PAIR follows the platform (computed from TARGETARCH, BUILDARCH): choose the platform instead, --platform linux/arm64 for the build script or PLATFORMS=linux/arm64 for bake",
    );
  });
  test("the recipe keeps its description, labels and notes; platforms from the values replace its own, alone or with other values", () => {
    const moved = withValues(fixture, parseSets(["LIB_FLAVOUR=fast"]));
    expect([moved.description, moved.labels, moved.notes, moved.platforms]).toEqual(["the fixture", [["org.example.kind", "fixture"]], ["a note"], ["linux/amd64"]]);
    expect(withValues(fixture, { args: {}, stages: {}, platforms: ["linux/arm64"] }).platforms).toEqual(["linux/arm64"]);
    expect(withValues(fixture, { args: { LIB_FLAVOUR: "fast" }, stages: {}, platforms: ["linux/arm64"] }).platforms).toEqual(["linux/arm64"]);
  });
  test("the recipe's platform rules run again on the moved stages", () => {
    const ruled = recipeFromStages("fixture", [base, libStage, app, hard], {
      ...options,
      platformRules: (stages) => (stages.some((st) => st.provides["os"]?.version === "11.0") ? ["os 11.0 is not built for these platforms"] : []),
    });
    expect(withValues(ruled, parseSets(["LIB_FLAVOUR=fast"])).platformRules).toBe(ruled.platformRules);
    expect(thrownBy(() => withValues(ruled, parseSets(["OS_TAG=11.0-slim"]))).message).toBe("os 11.0 is not built for these platforms");
  });
  test("a whole-image value is checked against every declaration of its ARG: the first here, the others by the recipe", () => {
    const lower = defineStage({ name: "lower", description: "l", from: image("debian:bookworm"), args: [stringArg("X", "abc", /^[a-z]+$/, "lower-case letters", "x")], steps: [run('echo "$X"')] });
    const upper = defineStage({ name: "upper", description: "u", from: lower, args: [stringArg("X", "abc", /^[a-c]+$/, "letters a to c", "x")], steps: [run('echo "$X"')] });
    const two = recipeFromStages("two", [lower, upper]);
    expect(thrownBy(() => withValues(two, parseSets(["X=ABC"]))).message).toBe('ARG X: "ABC" is not lower-case letters');
    expect(thrownBy(() => withValues(two, parseSets(["X=xyz"]))).message).toBe('stage upper, ARG X: "xyz" is not letters a to c');
  });
});

function thrownBy(f: () => unknown): StagewrightError {
  try {
    f();
  } catch (e) {
    if (isStagewrightError(e)) return e;
    throw e;
  }
  throw new Error("expected a StagewrightError");
}
