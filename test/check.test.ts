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
    // Rules 1 and 4 only: the image is not compared with what it was itself built against.
    expect(findProblems([base, a, s, both]).map((p) => p.code)).toEqual(["prefix-mismatch", "duplicate-artifact"]);
    expect(findProblems([base, a, s, both]).some((p) => p.message.includes("holds what stage both"))).toBe(false);
    const s2 = producer("s2", "/opt/s2", "staged");
    const maker = defineStage({ name: "maker", description: "m", from: base, needs: [buildNeed(s.provides.lib), buildNeed(s2.provides.lib)], provides: { tool: artifact({ kind: "tool", producer: "maker", version: "1", prefix: "/opt/m", delivery: { type: "in-image" } }) }, steps: [run("true")] });
    expect(findProblems([base, s, s2, maker]).map((p) => p.code)).toEqual(["prefix-mismatch", "prefix-mismatch", "duplicate-artifact"]);
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

describe("rule 7 and the producer rules at their edges (small compositions)", () => {
  const tool = (name: string, from: AnyStage, needs: AnyStage) =>
    defineStage({ name, description: name, from, needs: [buildNeed(needs.provides["lib"]!)], provides: { tool: artifact({ kind: "tool", producer: name, version: "1", prefix: `/opt/${name}`, delivery: { type: "staged", dir: `/opt/s/${name}` } }) }, steps: [run("true")] });
  const a = producer("a", "/opt/a", "staged");
  const held = (name: string, prefix: string, from: AnyStage = base) => producer(name, prefix, "in-image", from);
  const mismatch = (img: string, by: string, want: string, have: string, haveBy: string) =>
    `stage ${img} holds what stage ${by} built against lib at ${want} from stage a, next to lib at ${have} from stage ${haveBy}; an image must hold exactly the lib its stages were built against: build ${by} against the lib artifact of stage ${haveBy}, or build ${img} FROM a stage without that lib`;
  // Rule 1 also compares the other providers' prefixes; these tests read rule 7's sentences.
  const rule7 = (ps: readonly { code: string; message: string; stage: string }[]) => ps.filter((p) => p.message.includes(" holds what stage "));
  test("an image that adds a stage's output next to another lib than it was built against (both list orders)", () => {
    const t = tool("t", base, a);
    const b = held("b", "/opt/b");
    const img = defineStage({ name: "img", description: "i", from: b, needs: [buildNeed(t.provides.tool)], steps: [run("true")] });
    const want = [{ code: "prefix-mismatch", message: mismatch("img", "t", "/opt/a", "/opt/b", "b"), stage: "img" }];
    expect(rule7(findProblems([base, a, t, b, img]))).toEqual(want);
    expect(rule7(findProblems([base, b, a, t, img]))).toEqual(want);
  });
  test("an image FROM the stage that adds another lib; the same lib from its producer, or one stated by prefix, is fine", () => {
    const t = tool("t", base, a);
    const b = producer("b", "/opt/b", "staged");
    const img = defineStage({ name: "img", description: "i", from: t, removes: ["lib"], needs: [buildNeed(b.provides.lib)], steps: [run("true")] });
    expect(rule7(findProblems([base, a, t, b, img])).map((p) => p.message)).toEqual([mismatch("img", "t", "/opt/a", "/opt/b", "b")]);
    const same = defineStage({ name: "img", description: "i", from: t, steps: [run("true")] });
    expect(findProblems([base, a, t, same])).toEqual([]);
    const samePrefixOtherProducer = producer("c", "/opt/a", "staged");
    const img2 = defineStage({ name: "img", description: "i", from: t, removes: ["lib"], needs: [buildNeed(samePrefixOtherProducer.provides.lib)], steps: [run("true")] });
    expect(rule7(findProblems([base, a, t, samePrefixOtherProducer, img2])).map((p) => p.message)).toEqual([mismatch("img", "t", "/opt/a", "/opt/a", "c")]);
    const byPrefix = defineStage({ name: "t", description: "t", from: base, needs: [expectAt("lib", "/opt/a")], provides: { tool: artifact({ kind: "tool", producer: "t", version: "1", prefix: "/opt/t", delivery: { type: "staged", dir: "/opt/s/t" } }) }, steps: [run("true")] });
    const img3 = defineStage({ name: "img", description: "i", from: byPrefix, needs: [buildNeed(samePrefixOtherProducer.provides.lib)], steps: [run("true")] });
    expect(findProblems([base, samePrefixOtherProducer, byPrefix, img3])).toEqual([]);
  });
  test("only the nearest base must come earlier: its own base is its own problem", () => {
    const mid = defineStage({ name: "mid", description: "m", from: base, steps: [run("true")] });
    const top = defineStage({ name: "top", description: "t", from: mid, steps: [run("true")] });
    expect(findProblems([mid, top]).map((p) => p.stage)).toEqual(["mid"]);
  });
  test("a need stated by kind counts only earlier artifacts of that kind", () => {
    const other = defineStage({ name: "o", description: "o", from: base, provides: { tool: artifact({ kind: "tool", producer: "o", version: "1", prefix: "/opt/o", delivery: { type: "in-image" } }) }, steps: [run("true")] });
    const byKind = defineStage({ name: "c", description: "c", from: base, needs: [expectAt("lib", "/opt/a")], steps: [run("true")] });
    expect(findProblems([base, other, byKind]).map((p) => p.message)).toEqual(["c needs lib but no earlier stage provides it; add a stage that provides lib before c"]);
  });
  test("an in-image need outside the FROM chain is found next to needs that are copied", () => {
    const b = defineStage({
      name: "b", description: "b", from: base, steps: [run("true")],
      provides: { lib: lib("b", "/opt/b"), tool: artifact({ kind: "tool", producer: "b", version: "1", prefix: "/opt/bt", delivery: { type: "staged", dir: "/opt/s/bt" } }) },
    });
    const c = defineStage({ name: "c", description: "c", from: base, needs: [buildNeed(b.provides.tool), buildNeed(b.provides.lib)], steps: [run("true")] });
    const off = "c needs lib from stage b, which is part of that stage's image and cannot be copied, but c is not built FROM b; build c FROM stage b (or a stage built FROM it), or use a staged lib artifact";
    expect(findProblems([base, b, c]).map((p) => p.message)).toEqual([off]);
    const s = producer("s", "/opt/s", "staged");
    const d = defineStage({ name: "c", description: "c", from: base, needs: [buildNeed(s.provides.lib), buildNeed(b.provides.lib)], steps: [run("true")] });
    expect(findProblems([base, b, s, d]).map((p) => p.message)).toContain(off);
  });
});

describe("what a version rule sees", () => {
  const versionOf = (label: string, kind = "lib"): VersionRule => ({
    id: `${label}-rule`, summary: "s", source: "u",
    check: (ctx) => `${label}: ${kind} ${ctx.artifact(kind)?.version ?? "none"} from ${ctx.artifact(kind)?.producer ?? "none"}, V=${ctx.arg("V") ?? "unset"}`,
  });
  const V = (def: "1.0.0" | "2.0.0") => ({ name: "V", default: def, description: "v", kind: { type: "version" } }) as unknown as Parameters<typeof defineStage>[0]["args"] extends readonly (infer A)[] | undefined ? A : never;
  const msg = (stage: string, id: string, p: string) => `stage ${stage}: ${p} (rule ${id}; source: u); to build anyway, add an explicit override { rule: "${id}", reason: "..." }`;
  test("its own artifact, the one it needs (by kind), and one its base holds; a kind it has not: none", () => {
    const ownTool = artifact({ kind: "tool", producer: "own", version: "9", prefix: "/opt/own-tool", delivery: { type: "in-image" } });
    const own = defineStage({ name: "own", description: "o", from: base, provides: { tool: ownTool, lib: lib("own", "/opt/own") }, rules: [versionOf("own")], steps: [run("true")] });
    expect(findProblems([base, own]).map((p) => p.message)).toEqual([msg("own", "own-rule", "own: lib 1.0.0 from own, V=unset")]);
    const s = producer("s", "/opt/s", "staged");
    const t = defineStage({ name: "t", description: "t", from: base, provides: { tool: artifact({ kind: "tool", producer: "t", version: "7", prefix: "/opt/t", delivery: { type: "staged", dir: "/opt/s/t" } }) }, steps: [run("true")] });
    const two = defineStage({ name: "two", description: "t", from: base, needs: [buildNeed(t.provides.tool), buildNeed(s.provides.lib)], rules: [versionOf("two"), versionOf("none", "nothing")], steps: [run("true")] });
    expect(findProblems([base, s, t, two]).map((p) => p.message)).toEqual([msg("two", "two-rule", "two: lib 1.0.0 from s, V=unset"), msg("two", "none-rule", "none: nothing none from none, V=unset")]);
    const a = producer("a", "/opt/a");
    const onA = defineStage({ name: "on", description: "o", from: a, rules: [versionOf("on")], steps: [run("true")] });
    expect(findProblems([base, a, onA]).map((p) => p.message)).toEqual([msg("on", "on-rule", "on: lib 1.0.0 from a, V=unset")]);
    const removed = defineStage({ name: "on", description: "o", from: a, removes: ["lib"], rules: [versionOf("on")], steps: [run("true")] });
    expect(findProblems([base, a, removed]).map((p) => p.message)).toEqual([msg("on", "on-rule", "on: lib none from none, V=unset")]);
  });
  test("one its base copied in through a staged need (the image holds it), not only one an ancestor provides", () => {
    const s = producer("s", "/opt/s", "staged");
    const mid = defineStage({ name: "mid", description: "m", from: base, needs: [buildNeed(s.provides.lib)], steps: [run("true")] });
    const onMid = defineStage({ name: "on", description: "o", from: mid, rules: [versionOf("on")], steps: [run("true")] });
    expect(findProblems([base, s, mid, onMid]).map((p) => p.message)).toEqual([msg("on", "on-rule", "on: lib 1.0.0 from s, V=unset")]);
    // Two levels up, through a stage that neither needs nor provides it.
    const between = defineStage({ name: "between", description: "b", from: mid, steps: [run("true")] });
    const deep = defineStage({ name: "on", description: "o", from: between, rules: [versionOf("on")], steps: [run("true")] });
    expect(findProblems([base, s, mid, between, deep]).map((p) => p.message)).toEqual([msg("on", "on-rule", "on: lib 1.0.0 from s, V=unset")]);
    // Removed on the way: the image no longer holds it.
    const gone = defineStage({ name: "between", description: "b", from: mid, removes: ["lib"], steps: [run("true")] });
    const onGone = defineStage({ name: "on", description: "o", from: gone, rules: [versionOf("on")], steps: [run("true")] });
    expect(findProblems([base, s, mid, gone, onGone]).map((p) => p.message)).toEqual([msg("on", "on-rule", "on: lib none from none, V=unset")]);
    // Removed, then another copied in: the rule judges the one the image holds now, not the ancestor's.
    const a = producer("a", "/opt/a");
    const t = producer("t", "/opt/a", "staged");
    const swapped = defineStage({ name: "between", description: "b", from: a, removes: ["lib"], needs: [buildNeed(t.provides.lib)], steps: [run("true")] });
    const onSwapped = defineStage({ name: "on", description: "o", from: swapped, rules: [versionOf("on")], steps: [run("true")] });
    expect(findProblems([base, a, t, swapped, onSwapped]).map((p) => p.message)).toEqual([msg("on", "on-rule", "on: lib 1.0.0 from t, V=unset")]);
    // What it needs comes first: in an image that would hold two (refused by rule 4), the rule judges the one it was built against.
    const both = defineStage({ name: "on", description: "o", from: a, needs: [buildNeed(t.provides.lib)], rules: [versionOf("on")], steps: [run("true")] });
    expect(findProblems([base, a, t, both]).filter((p) => p.code === "version-rule").map((p) => p.message)).toEqual([msg("on", "on-rule", "on: lib 1.0.0 from t, V=unset")]);
    // What it provides comes before what its base holds: over a base that holds one (refused by rule 4), its own.
    const over = defineStage({ name: "over", description: "o", from: a, provides: { lib: lib("over", "/opt/over") }, rules: [versionOf("over")], steps: [run("true")] });
    expect(findProblems([base, a, over]).filter((p) => p.code === "version-rule").map((p) => p.message)).toEqual([msg("over", "over-rule", "over: lib 1.0.0 from over, V=unset")]);
  });
  test("an ARG's value is its first declaration's default", () => {
    const first = defineStage({ name: "first", description: "f", from: base, args: [V("1.0.0")], steps: [run('echo "$V"')] });
    const second = defineStage({ name: "second", description: "s", from: base, args: [V("2.0.0")], rules: [versionOf("second", "nothing")], steps: [run('echo "$V"')] });
    expect(findProblems([base, first, second]).filter((p) => p.code === "version-rule").map((p) => p.message)).toEqual([msg("second", "second-rule", "second: nothing none from none, V=1.0.0")]);
  });
  test("one sentence once, and the known rules listed with commas", () => {
    const r1 = versionOf("x", "nothing");
    const s = defineStage({ name: "s", description: "s", from: base, rules: [{ ...r1, check: () => undefined }, { ...r1, id: "y-rule", check: () => undefined }], overrides: [{ rule: "z", reason: "a good reason here" }, { rule: "z", reason: "another good reason" }], steps: [run("true")] });
    expect(findProblems([base, s]).map((p) => p.message)).toEqual(["stage s: override names rule z, which the stage does not have; known rules: x-rule, y-rule"]);
  });
  test("an image that holds a fixed artifact adds no sentence for a stage whose own check fails", () => {
    const old = producer("old", "/opt/o", "staged");
    const good = defineStage({ name: "good", description: "g", from: base, provides: { lib: artifact({ kind: "lib", producer: "good", version: "2.0.0", prefix: "/opt/g", delivery: { type: "staged", dir: "/opt/s/good" } }) }, steps: [run("true")] });
    const belowTwo: VersionRule = { id: "two", summary: "s", source: "u", check: (ctx) => (ctx.artifact("lib")?.version.startsWith("1") ? "old lib" : undefined) };
    const u = defineStage({ name: "u", description: "u", from: base, needs: [buildNeed(old.provides.lib)], rules: [belowTwo], provides: { tool: artifact({ kind: "tool", producer: "u", version: "1", prefix: "/opt/tool", delivery: { type: "in-image" } }) }, steps: [run("true")] });
    const img = defineStage({ name: "img", description: "i", from: u, removes: ["lib"], needs: [buildNeed(good.provides.lib)], steps: [run("true")] });
    expect(findProblems([base, old, good, u, img]).filter((p) => p.code === "version-rule").map((p) => p.stage)).toEqual(["u"]);
    const bare = defineStage({ name: "img", description: "i", from: u, removes: ["lib"], steps: [run("true")] });
    expect(findProblems([base, old, u, bare]).filter((p) => p.code === "version-rule").map((p) => p.stage)).toEqual(["u"]);
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
