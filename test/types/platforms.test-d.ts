/**
 * Platforms are a type: a recipe names only platforms BuildKit and the bake file know.
 */
import { expectTypeOf, test } from "vitest";
import { defineStage, image, recipe, run, type Platform } from "../../src/index.ts";

const app = defineStage({ name: "app", from: image("debian:bookworm", []), description: "app", steps: [run("true")] });

test("linux/amd64 and linux/arm64 are platforms; other strings are not", () => {
  expectTypeOf<"linux/arm64">().toExtend<Platform>();
  recipe("two", [app], { platforms: ["linux/amd64", "linux/arm64"] });
  // @ts-expect-error linux/s390x is not a platform this project builds for
  recipe("bad", [app], { platforms: ["linux/s390x"] });
});
