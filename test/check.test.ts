/**
 * The runtime rule checker (src/check.ts) problem by problem: its code, stage, ARG and sentence as
 * a whole (the sentences themselves are compared with tsc's in rules.test.ts and bad-input.test.ts),
 * the edges of each rule, and how version rules are judged for a stage and in the images that hold
 * what it built.
 */
import { describe, expect, test } from "vitest";
import {
  StagewrightError,
  artifact,
  buildNeed,
  checkStages,
  defineStage,
  expectAt,
  findProblems,
  image,
  pathArg,
  run,
  type AnyStage,
  type VersionRule,
} from "../src/index.ts";

const base = defineStage({ name: "base", description: "b", from: image("debian:bookworm"), steps: [run("true")] });
const lib = (producer: string, prefix: string, delivery: "in-image" | "staged" = "in-image") =>
  artifact({ kind: "lib", producer, version: "1.0.0", prefix, delivery: delivery === "in-image" ? { type: "in-image" } : { type: "staged", dir: `/opt/s/${producer}` } });
const producer = (name: string, prefix: string, delivery: "in-image" | "staged" = "in-image", from: AnyStage = base) =>
  defineStage({ name, description: name, from, provides: { lib: lib(name, prefix, delivery) }, steps: [run("true")] });

describe("each problem in full: code, stage, ARG and sentence", () => {
  test("an ARG default its kind refuses (values from data are checked again here)", () => {
    const P = pathArg("P", "/opt/p", "p");
    const s = defineStage({ name: "s", description: "s", from: base, args: [{ ...P, default: "opt/p" }], steps: [run('ls "$P"')] });
    expect(findProblems([base, s])).toEqual([{ code: "invalid-value", message: 'stage s, ARG P: "opt/p" is not an absolute path: start it with /', stage: "s", arg: "P" }]);
    const e = thrown(() => checkStages([base, s]));
    expect([e.code, e.where]).toEqual(["invalid-value", { stage: "s", arg: "P" }]);
  });
  test("two defaults of one ARG: the second stage is named, the first default kept", () => {
    const at = (name: string, def: "/a" | "/b") => defineStage({ name, description: name, from: base, args: [pathArg("P", def, "p")], steps: [run('ls "$P"')] });
    expect(findProblems([base, at("c", "/a"), at("d", "/a"), at("e", "/b"), at("f", "/b")])).toEqual([
      { code: "arg-conflict", message: "ARG P defaults to /a in stage c but to /b in stage e; one image has one value per ARG: give both stages the same default", stage: "e", arg: "P" },
      { code: "arg-conflict", message: "ARG P defaults to /a in stage c but to /b in stage f; one image has one value per ARG: give both stages the same default", stage: "f", arg: "P" },
    ]);
  });
  test("missing, ambiguous and misplaced producers", () => {
    const a = producer("a", "/opt/a");
    const b = producer("b", "/opt/a");
    const byKind = defineStage({ name: "c", description: "c", from: base, needs: [expectAt("lib", "/opt/a")], steps: [run("true")] });
    expect(findProblems([base, byKind])).toEqual([{ code: "missing-producer", message: "c needs lib but no earlier stage provides it; add a stage that provides lib before c", stage: "c" }]);
    expect(findProblems([base, a, b, byKind])).toEqual([{ code: "missing-producer", message: "c needs lib but stages a and b both provide it; take the lib artifact of one of them instead of stating the kind", stage: "c" }]);
    expect(findProblems([base, a, byKind])).toEqual([]);
    const fromA = defineStage({ name: "c", description: "c", from: base, needs: [buildNeed(producer("a", "/opt/a", "staged").provides.lib)], steps: [run("true")] });
    expect(findProblems([base, fromA])).toEqual([{ code: "missing-producer", message: "c needs lib from stage a, which is not in the recipe before c; add stage a before c", stage: "c" }]);
    expect(findProblems([base, b, fromA]).map((p) => p.code)).toEqual(["missing-producer"]);
    const later = defineStage({ name: "c", description: "c", from: a, steps: [run("true")] });
    expect(findProblems([base, later, a])[0]).toEqual({ code: "missing-producer", message: "stage c is built FROM stage a, which is not in the recipe before c; add stage a before c", stage: "c" });
  });
  test("a prefix mismatch is reported against every provider of the kind, and an in-image need outside the FROM chain", () => {
    const a = producer("a", "/opt/a");
    const c = defineStage({ name: "c", description: "c", from: base, needs: [buildNeed(a.provides.lib)], steps: [run("true")] });
    expect(findProblems([base, a, c])).toEqual([
      { code: "missing-producer", message: "c needs lib from stage a, which is part of that stage's image and cannot be copied, but c is not built FROM a; build c FROM stage a (or a stage built FROM it), or use a staged lib artifact", stage: "c" },
    ]);
    const onA = defineStage({ name: "c", description: "c", from: a, needs: [buildNeed(a.provides.lib)], steps: [run("true")] });
    expect(findProblems([base, a, onA])).toEqual([]);
    const x = producer("x", "/opt/x", "staged");
    expect(findProblems([base, a, onA, x]).filter((p) => p.code === "prefix-mismatch").map((p) => [p.stage, p.message])).toEqual([
      ["c", "c needs lib at /opt/a but stage x installs it at /opt/x; build c against the lib artifact of stage x, or install lib at /opt/a"],
    ]);
  });
  test("duplicate stages are reported once and not checked further; one artifact held twice from one producer is no duplicate", () => {
    const a = producer("a", "/opt/a");
    expect(findProblems([base, a, a])).toEqual([{ code: "duplicate-stage", message: "two stages are named a; stage names must be unique: rename one", stage: "a" }]);
    const s = producer("s", "/opt/s", "staged");
    const twice = defineStage({ name: "t", description: "t", from: base, needs: [buildNeed(s.provides.lib), buildNeed(s.provides.lib)], steps: [run("true")] });
    expect(findProblems([base, s, twice]).map((p) => p.code)).toEqual([]);
  });
  test("two artifacts of a kind from two producers in one image", () => {
    const a = producer("a", "/opt/a");
    const s = producer("s", "/opt/s", "staged");
    const both = defineStage({ name: "both", description: "b", from: a, needs: [buildNeed(s.provides.lib)], steps: [run("true")] });
    expect(findProblems([base, a, s, both]).filter((p) => p.code === "duplicate-artifact")).toEqual([
      { code: "duplicate-artifact", message: 'stage both would hold two lib: /opt/a from stage a and /opt/s from stage s; keep one, or remove the other explicitly (removes: ["lib"])', stage: "both" },
    ]);
  });
  test("checkStages returns the very stages when they are consistent", () => {
    const stages = [base, producer("a", "/opt/a")] as const;
    expect(checkStages(stages)).toBe(stages);
  });
});

describe("version rules: for the stage, then in every image that holds what it built", () => {
  /** A rule that reports the version of the lib its context gives, or of ARG V. */
  const libRule: VersionRule = {
    id: "lib-min",
    summary: "lib >= 2",
    source: "https://e.org/lib",
    check: (ctx) => {
      const a = ctx.artifact("lib");
      return a !== undefined && a.version.startsWith("1") ? `lib ${a.version} from ${a.producer} is below 2` : undefined;
    },
  };
  const user = (from: AnyStage, needs: AnyStage, extra: Partial<Parameters<typeof defineStage>[0]> = {}) =>
    defineStage({ name: "user", description: "u", from, needs: [buildNeed(needs.provides["lib"]!)], rules: [libRule], steps: [run("true")], ...extra });
  test("the stage's own need", () => {
    const s = producer("s", "/opt/s", "staged");
    expect(findProblems([base, s, user(base, s)])).toEqual([
      { code: "version-rule", message: 'stage user: lib 1.0.0 from s is below 2 (rule lib-min; source: https://e.org/lib); to build anyway, add an explicit override { rule: "lib-min", reason: "..." }', stage: "user" },
    ]);
  });
  test("an override silences the rule; it needs a reason of at least ten characters and a rule the stage has", () => {
    const s = producer("s", "/opt/s", "staged");
    const over = (rule: string, reason: string) => findProblems([base, s, user(base, s, { overrides: [{ rule, reason }] })]);
    expect(over("lib-min", "ten chars.")).toEqual([]);
    expect(over("lib-min", "  nine ch  ")).toEqual([
      { code: "version-rule", message: "stage user: the override of rule lib-min needs a reason (at least a sentence) so the output says why", stage: "user" },
    ]);
    expect(over("lib-max", "a good reason here").map((p) => p.message)).toEqual([
      "stage user: override names rule lib-max, which the stage does not have; known rules: lib-min",
      'stage user: lib 1.0.0 from s is below 2 (rule lib-min; source: https://e.org/lib); to build anyway, add an explicit override { rule: "lib-min", reason: "..." }',
    ]);
    const none = defineStage({ name: "plain", description: "p", from: base, overrides: [{ rule: "x", reason: "a good reason here" }], steps: [run("true")] });
    expect(findProblems([base, none]).map((p) => p.message)).toEqual(["stage plain: override names rule x, which the stage does not have; known rules: none"]);
  });
  test("judged again in an image that holds what the stage built next to another lib, and named after that image", () => {
    const good = defineStage({ name: "good", description: "g", from: base, provides: { lib: artifact({ kind: "lib", producer: "good", version: "2.0.0", prefix: "/opt/g", delivery: { type: "staged", dir: "/opt/s/good" } }) }, steps: [run("true")] });
    const tool = artifact({ kind: "tool", producer: "user", version: "1", prefix: "/opt/tool", delivery: { type: "in-image" } });
    const u = user(base, good, { provides: { tool } });
    expect(findProblems([base, good, u])).toEqual([]);
    const old = producer("old", "/opt/g", "staged");
    const img = defineStage({ name: "img", description: "i", from: u, removes: ["lib"], needs: [buildNeed(old.provides.lib)], steps: [run("true")] });
    expect(findProblems([base, good, u, old, img]).filter((p) => p.code === "version-rule")).toEqual([
      { code: "version-rule", message: 'stage user, in the image of stage img: lib 1.0.0 from old is below 2 (rule lib-min; source: https://e.org/lib); to build anyway, add an explicit override { rule: "lib-min", reason: "..." }', stage: "img" },
    ]);
    const overridden = user(base, good, { provides: { tool }, overrides: [{ rule: "lib-min", reason: "known to work here" }] });
    const img2 = defineStage({ name: "img", description: "i", from: overridden, removes: ["lib"], needs: [buildNeed(old.provides.lib)], steps: [run("true")] });
    expect(findProblems([base, good, overridden, old, img2]).filter((p) => p.code === "version-rule")).toEqual([]);
  });
  test("a problem the stage has already is not repeated for the images that hold it", () => {
    const s = producer("s", "/opt/s", "staged");
    const tool = artifact({ kind: "tool", producer: "user", version: "1", prefix: "/opt/tool", delivery: { type: "in-image" } });
    const u = user(base, s, { provides: { tool } });
    const img = defineStage({ name: "img", description: "i", from: u, steps: [run("true")] });
    expect(findProblems([base, s, u, img]).map((p) => [p.stage, p.code])).toEqual([["user", "version-rule"]]);
  });
});

function thrown(f: () => unknown): StagewrightError {
  try {
    f();
  } catch (e) {
    if (e instanceof StagewrightError) return e;
    throw e;
  }
  throw new Error("expected a StagewrightError");
}
