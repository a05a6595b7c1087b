/**
 * Platforms are a type: a recipe names only platforms BuildKit and the bake file know, and the stage
 * library's arm64 data (stages/platforms.ts) refuses a composition that cannot build for linux/arm64.
 */
import { expectTypeOf, test } from "vitest";
import { defineStage, image, recipe, run, type Artifact, type Platform } from "../../src/index.ts";
import { gdrcopy, platformsFor, type Arm64Problem } from "../../stages/index.ts";
import { alignedStages } from "../../recipes/aligned.ts";

const app = defineStage({ name: "app", from: image("debian:bookworm", []), description: "app", steps: [run("true")] });

test("linux/amd64 and linux/arm64 are platforms; other strings are not", () => {
  expectTypeOf<"linux/arm64">().toExtend<Platform>();
  recipe("two", [app], { platforms: ["linux/amd64", "linux/arm64"] });
  // @ts-expect-error recipe bad: platform "linux/s390x" is not one of linux/amd64, linux/arm64
  recipe("bad", [app], { platforms: ["linux/s390x"] });
});

test("the arm64 sentence names the stage, the version, the first version with arm64 and the fix", () => {
  expectTypeOf<Arm64Problem<Artifact<"gdrcopy", "/usr/local", "gdrcopy", "v2.1">>>().toEqualTypeOf<"stage gdrcopy: GDRCopy v2.1 does not build for linux/arm64 (arm64 since v2.2); use GDRCopy v2.2 or later, or build for linux/amd64 only">();
  expectTypeOf<Arm64Problem<Artifact<"gdrcopy", "/usr/local", "gdrcopy", "v2.4.1">>>().toEqualTypeOf<never>();
});

test("a component version without arm64 support is refused for linux/arm64, accepted for linux/amd64", () => {
  const s = alignedStages();
  const old = gdrcopy(s.dc, { version: "v2.1" });
  const fine = [s.uv, s.base, s.dc, s.gdr] as const;
  const bad = [s.uv, s.base, s.dc, old] as const;
  platformsFor(fine, ["linux/amd64", "linux/arm64"]);
  platformsFor(bad, ["linux/amd64"]);
  // @ts-expect-error stage gdrcopy: GDRCopy v2.1 does not build for linux/arm64 (arm64 since v2.2)
  platformsFor(bad, ["linux/amd64", "linux/arm64"]);
});
