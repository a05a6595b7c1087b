/**
 * The bake file: `docker buildx bake --print` (the real buildx, no daemon) parses every committed
 * docker-bake.hcl and resolves, for every target, the build args the Dockerfile's defaults and the
 * build script give for the same values; every ARG's validation refuses a bad value with the
 * generator's own sentence; platforms, cache and contexts are filled from the environment.
 * Outside CI, without the unpacked buildx, the bake runs skip with one line; the rest always run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  argChecks,
  argValueProblem,
  bakeFile,
  bakeTargets,
  companionFiles,
  defineStage,
  followsPlatform,
  image,
  parseSets,
  recipeArgs,
  run,
  recipeFromStages,
  stringArg,
  withValues,
  type Arg,
  type Platform,
  type Recipe,
} from "../src/index.ts";
import { runCli } from "../src/cli.ts";
import { builtinRecipes, builtinVariants, recipeAliases } from "../recipes/index.ts";
import { smokeCrossRecipe } from "../recipes/smoke-cross.ts";
import { nixlImageRows, nixlLinkage } from "../stages/index.ts";
import { bakePrint, bakeSkipReason, dockerfileArgDefaults, scriptBuild } from "./support/bake.ts";
import { tempDir } from "./support/tmp.ts";

const SKIP = bakeSkipReason();
if (SKIP !== null) console.warn(`test/bake: skipping the docker buildx bake --print runs: ${SKIP}`);

const variantsOf = (name: string): Record<string, Recipe> => Object.fromEntries(Object.entries(builtinVariants[name] ?? {}).map(([v, m]) => [v, m()]));
const builtins = Object.keys(builtinRecipes);

/** One value of each ARG kind that the ARG accepts and that differs from its default. */
const accepted: Record<string, string> = {
  LIBFABRIC_VERSION: "v2.2.0",
  // A moved version comes with its own checksum: the build script refuses it without one.
  LIBFABRIC_SHA256: "0".repeat(64),
  LIBFABRIC_INSTALL_PATH: "/opt/libfabric",
  NIXL_BUILD_TYPE: "debug",
  NPROC: "8",
  BASE_TAG: "25.06-cuda12.9-devel-ubuntu22.04",
  SOURCE_MIRROR: "http://mirror.internal/sources",
};
/** One value of each ARG kind that the ARG refuses, and which of its checks refuses it. */
const refused: Record<string, string> = {
  LIBFABRIC_VERSION: "latest",
  UCX_PREFIX: "/opt//ucx",
  LIBFABRIC_INSTALL_PATH: "usr/local",
  NIXL_BUILD_TYPE: "fast",
  NPROC: "all",
  BASE_TAG: "latest",
  GDRCOPY_VERSION: "",
  DOCA_SIGNER_FINGERPRINT: "A024F6F0E6D6A281",
};

/** The Dockerfile's ARG defaults, but for the ARGs that follow the platform (BuildKit sets them, no build arg can). */
function buildArgDefaults(r: Recipe, dockerfile: string): Record<string, string> {
  const platform = new Set(recipeArgs(r).filter(followsPlatform).map((a) => a.name));
  return Object.fromEntries(Object.entries(dockerfileArgDefaults(dockerfile)).filter(([k]) => !platform.has(k)));
}

function expectSameBuild(name: string, dir: string, values: Record<string, string>): void {
  const r = builtinRecipes[name]!();
  const targets = bakeTargets(r, variantsOf(name));
  const bake = bakePrint(dir, ["all"], values);
  expect(bake.code, bake.stderr).toBe(0);
  const script = scriptBuild(join(dir, `build-${name}.sh`), Object.entries(values).flatMap(([k, v]) => [`--${k.toLowerCase().replace(/_/g, "-")}`, v]));
  expect(script.code, script.stderr).toBe(0);
  for (const t of targets) {
    const printed = bake.print!.target[t.target]!;
    const defaults = buildArgDefaults(t.recipe, readFileSync(join(dir, t.dockerfile), "utf8"));
    const own = Object.fromEntries(Object.entries(values).filter(([k]) => k in defaults));
    // What docker buildx build gets from the script for this Dockerfile: its defaults, overlaid with the script's --build-arg.
    expect(printed.args, t.target).toEqual({ ...defaults, ...own });
    expect(printed.dockerfile).toBe(t.dockerfile);
    expect(printed.target).toBe(t.recipe.final.name);
    expect(printed.platforms).toEqual([r.platforms[0]]);
    if (t.target === name) {
      expect(script.args).toEqual(values);
      expect({ args: { ...defaults, ...script.args }, target: script.target, tag: script.tag, platforms: script.platform?.split(",") }).toEqual({
        args: printed.args,
        target: printed.target,
        tag: printed.tags?.[0],
        platforms: printed.platforms,
      });
    }
  }
}

describe.skipIf(SKIP !== null)("docker buildx bake --print (offline, no daemon) on the committed bake files", () => {
  test.each(builtins)("%s: every target resolves to the Dockerfile's defaults, the build script's build", (name) => {
    expectSameBuild(name, join("generated", name), {});
  });
  test("nixl-aligned: values of every ARG kind, from the environment and as script options, give the same build", () => {
    expectSameBuild("nixl-aligned", join("generated", "nixl-aligned"), accepted);
  });
  test.each(Object.entries(refused))("a bad %s (%j) is refused by bake with the generator's own sentence", (name, value) => {
    const a = recipeArgs(builtinRecipes["nixl-aligned"]!()).find((x) => x.name === name)!;
    const sentence = `ARG ${name}: ${argValueProblem(a.kind, value)}`;
    expect(() => withValues(builtinRecipes["nixl-aligned"]!(), parseSets([`${name}=${value}`]))).toThrow(sentence);
    const bake = bakePrint(join("generated", "nixl-aligned"), [], { [name]: value });
    expect(bake.code).not.toBe(0);
    expect(bake.stderr).toContain(`Validation failed; ${sentence}`);
  });
  test("every ARG default of every built-in recipe passes its own validation in bake (RE2 agrees with the generator on them)", () => {
    for (const name of builtins) expect(bakePrint(join("generated", name), ["all"]).code).toBe(0);
  });
  test("PLATFORMS: the recipe's default, the script's default; a platform the recipe does not build is refused by both", () => {
    const dir = join("generated", "nixl-aligned");
    const r = builtinRecipes["nixl-aligned"]!();
    expect(bakePrint(dir, []).print!.target["nixl-aligned"]!.platforms).toEqual([r.platforms[0]]);
    expect(scriptBuild(join(dir, "build-nixl-aligned.sh"), []).platform).toBe(r.platforms[0]);
    // Both platforms, from one Dockerfile: bake and the script agree on what they pass.
    const both = bakePrint(dir, [], { PLATFORMS: "linux/amd64,linux/arm64" });
    expect(both.print!.target["nixl-aligned"]!.platforms).toEqual(["linux/amd64", "linux/arm64"]);
    expect(scriptBuild(join(dir, "build-nixl-aligned.sh"), ["--platform", "linux/amd64,linux/arm64"]).platform).toBe("linux/amd64,linux/arm64");
    const bad = bakePrint(dir, [], { PLATFORMS: "linux/s390x" });
    expect(bad.stderr).toContain(`PLATFORMS: recipe nixl-aligned builds for ${r.platforms.join(", ")}`);
    const script = scriptBuild(join(dir, "build-nixl-aligned.sh"), ["--platform", "linux/s390x"]);
    expect(script.code).toBe(2);
    expect(script.stderr).toContain(`--platform linux/s390x is not supported by this recipe; give one or more of ${r.platforms.join(", ")}`);
  });
  test("CACHE_FROM, CACHE_TO and CONTEXT_<stage> from the environment reach every target; a malformed cache entry is refused", () => {
    const dir = join("generated", "nixl-aligned");
    const b = bakePrint(dir, ["all"], {
      CACHE_FROM: '"type=registry,ref=registry.example/nixl-aligned:cache"',
      CACHE_TO: '"type=registry,ref=registry.example/nixl-aligned:cache,mode=max"',
      CONTEXT_BASE: "oci-layout:///mirror/images/base",
      BASE_TAG: "25.06-cuda12.9-devel-ubuntu22.04",
    });
    expect(b.code, b.stderr).toBe(0);
    for (const t of Object.values(b.print!.target)) {
      expect(t["cache-from"]).toEqual([{ type: "registry", ref: "registry.example/nixl-aligned:cache" }]);
      expect(t["cache-to"]).toEqual([{ type: "registry", ref: "registry.example/nixl-aligned:cache", mode: "max" }]);
      // The key is the base image reference as the FROM line expands it, with the value from the environment.
      expect(t.contexts).toEqual({ "nvcr.io/nvidia/cuda-dl-base:25.06-cuda12.9-devel-ubuntu22.04": "oci-layout:///mirror/images/base" });
    }
    expect(bakePrint(dir, [], { CACHE_FROM: "registry.example/x" }).stderr).toContain("CACHE_FROM: each entry is type=");
  });
  test("a context replaces an image only (a stage FROM scratch pulls nothing and has no CONTEXT_ variable); target:NAME passes the validation", () => {
    const dir = tempDir("stagewright-bake-");
    writeFileSync(join(dir, "docker-bake.hcl"), bakeFile(smokeCrossRecipe()));
    const text = readFileSync(join(dir, "docker-bake.hcl"), "utf8");
    expect(text).not.toContain("CONTEXT_RUNTIME");
    expect(text).not.toContain('"scratch"');
    const b = bakePrint(dir, [], { CONTEXT_CROSS: "target:mirror-cross", SMOKE_CROSS_IMAGE: "registry.invalid/smoke-cross:bookworm" });
    expect(b.stderr).not.toContain("CONTEXT_CROSS: give");
    expect(bakePrint(dir, [], { CONTEXT_CROSS: "mirror-cross" }).stderr).toContain("CONTEXT_CROSS: give docker-image://REF, oci-layout://DIR[:TAG], target:NAME");
  });
  test("a values file drives both: render --values --out, then bake --print in that directory gives the values", async () => {
    const dir = tempDir("stagewright-bake-");
    const values = join(dir, "values.yaml");
    writeFileSync(values, 'args:\n  LIBFABRIC_INSTALL_PATH: /opt/libfabric\nstages:\n  nixl:\n    NIXL_BUILD_TYPE: debug\n');
    const out = join(dir, "out");
    let err = "";
    const code = await runCli(["render", "aligned", "--values", values, "--out", out], { builtins: builtinRecipes, aliases: recipeAliases, variants: builtinVariants, compareRows: nixlImageRows, critical: nixlLinkage }, { out: () => undefined, err: (t) => (err += t) });
    expect(code, err).toBe(0);
    const b = bakePrint(out, ["all"]);
    expect(b.code, b.stderr).toBe(0);
    for (const [target, t] of Object.entries(b.print!.target)) {
      expect(t.args!["LIBFABRIC_INSTALL_PATH"], target).toBe("/opt/libfabric");
      expect(t.args!["NIXL_BUILD_TYPE"], target).toBe("debug");
      expect(t.args, target).toEqual(buildArgDefaults(builtinRecipes["nixl-aligned"]!(), readFileSync(join(out, t.dockerfile), "utf8")));
    }
  });
});

describe("the bake file's text", () => {
  const r = builtinRecipes["nixl-aligned"]!();
  const text = bakeFile(r, variantsOf("nixl-aligned"));
  test("is the committed one, one target per variant, each with its Dockerfile", () => {
    expect(readFileSync("generated/nixl-aligned/docker-bake.hcl", "utf8")).toBe(text);
    expect(bakeTargets(r, variantsOf("nixl-aligned")).map((t) => [t.target, t.dockerfile])).toEqual([
      ["nixl-aligned", "Dockerfile.nixl-aligned"],
      ["nixl-aligned-no-nccl", "Dockerfile.nixl-aligned-no-nccl"],
      ["nixl-aligned-build-nccl", "Dockerfile.nixl-aligned-build-nccl"],
      ["nixl-aligned-devel", "Dockerfile.nixl-aligned-devel"],
    ]);
    expect(companionFiles(r, variantsOf("nixl-aligned"))["Dockerfile.nixl-aligned-no-nccl"]).toBe(variantsOf("nixl-aligned")["no-nccl"]!.render());
  });
  test("every ARG is a variable with its default and one validation block per check of its kind", () => {
    const blocks = new Map(text.split(/\n\n/).flatMap((b) => { const m = /^variable "([A-Z0-9_]+)" \{\n/.exec(b); return m === null ? [] : [[m[1]!, b] as const]; }));
    for (const a of recipeArgs(r).filter((x) => !followsPlatform(x))) {
      const block = blocks.get(a.name) ?? "";
      expect(block, a.name).toContain(`  type        = string\n  default     = ${JSON.stringify(a.default)}\n`);
      expect(block.split("validation {").length - 1, a.name).toBe(argChecks(a.kind).length);
    }
  });
  test("--format bake prints it; an unknown format is refused with the choices", async () => {
    let out = "";
    let err = "";
    const ctx = { builtins: builtinRecipes, aliases: recipeAliases, variants: builtinVariants, compareRows: nixlImageRows, critical: nixlLinkage };
    expect(await runCli(["render", "aligned", "--format", "bake"], ctx, { out: (t) => (out += t), err: () => undefined })).toBe(0);
    expect(out).toBe(text);
    expect(await runCli(["render", "aligned", "--format", "hcl"], ctx, { out: () => undefined, err: (t) => (err += t) })).toBe(1);
    expect(err).toBe("stagewright render: --format hcl is not dockerfile, bake or script; see stagewright render --help\n");
  });
});

describe("what the bake file cannot say is refused at generation, with the fix", () => {
  const tiny = (arg: Arg) =>
    recipeFromStages("tiny", [defineStage({ name: "app", from: image("debian:bookworm", []), description: "app", args: [arg], steps: [run(`echo "\${${arg.name}}"`)] })]);
  test("a pattern with lookahead (RE2 has none)", () => {
    expect(() => bakeFile(tiny(stringArg("T", "a", /^(?!x)[a-z]$/, "a letter", "t")))).toThrow(
      "ARG T: its pattern /^(?!x)[a-z]$/ uses (?!, which bake's regex (RE2) does not have; write the pattern without lookaround or back-references",
    );
  });
  test("an ARG named like a variable the bake file declares itself", () => {
    expect(() => bakeFile(tiny(stringArg("PLATFORMS", "a", /^[a-z]$/, "a letter", "t")))).toThrow("ARG PLATFORMS has the name of a bake variable stagewright declares itself; rename the ARG");
  });
  test("two variants that give one ARG two defaults", () => {
    const a = tiny(stringArg("T", "a", /^[a-z]$/, "a letter", "t"));
    const b = tiny(stringArg("T", "b", /^[a-z]$/, "a letter", "t"));
    expect(() => bakeFile(a, { other: b })).toThrow('ARG T defaults to "a" in target tiny but to "b" in target tiny-other; one bake variable has one default, give the variants the same value');
  });
  test("a platform from data that is not one (the type refuses it at compile time: test/types/platforms.test-d.ts)", () => {
    const app = defineStage({ name: "app", from: image("debian:bookworm", []), description: "app", steps: [run("true")] });
    expect(() => recipeFromStages("tiny", [app], { platforms: ["linux/s390x" as Platform] })).toThrow('recipe tiny: platform "linux/s390x" is not one of linux/amd64, linux/arm64');
  });
  test("literal ${ and %{ in a value stay literal (HCL would interpolate them)", () => {
    const t = bakeFile(tiny(stringArg("T", "${x}%{y}", /^.*$/, "anything", "t")));
    expect(t).toContain('default     = "$${x}%%{y}"');
  });
});
