/**
 * Values from data (`--set`, `--values file.yaml`) pass the runtime twins of the compile-time rules.
 */
import { describe, expect, test } from "vitest";
import { applyValues, mergeValues, parseSets, parseValues, recipeArgs, withValues } from "../src/index.ts";
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
