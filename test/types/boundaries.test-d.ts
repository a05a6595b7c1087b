/**
 * Rules 7 and 8 at their boundaries, the compile-time twin: the sentences test/boundaries.test.ts
 * expects at run time, for the same compositions (test/fixtures/boundaries.ts).
 */
import { describe, expectTypeOf, test } from "vitest";
import { recipe, type RecipeProblems } from "../../src/index.ts";
import * as b from "../fixtures/boundaries.ts";
import { R, S } from "../fixtures/boundaries.ts";

describe("rule 7: an image holding what a stage built holds exactly what it was built against", () => {
  test("the same artifact (at the boundary), or none of the kind: passing", () => {
    expectTypeOf<RecipeProblems<typeof R.holdsSame>>().toEqualTypeOf<never>();
    expectTypeOf<RecipeProblems<typeof R.holdsNoFabric>>().toEqualTypeOf<never>();
    recipe("same", [b.base, b.fabric, b.app, b.holdsSame]);
  });
  test("the same prefix from another producer (just past it): refused", () => {
    expectTypeOf<RecipeProblems<typeof R.holdsOtherProducer>>().toEqualTypeOf<typeof S.otherProducer>();
    // @ts-expect-error stage final holds what stage app built against libfabric at /usr/local from stage libfabric, next to libfabric at /usr/local from stage libfabric-b
    recipe("other", [b.base, b.fabric, b.fabricB, b.app, b.holdsOtherProducer]);
  });
  test("an image that does not hold the stage's output: not judged", () => {
    expectTypeOf<RecipeProblems<typeof R.holdsOnlyOther>>().toEqualTypeOf<never>();
  });
  test("the stage that adds the pair is refused; the image FROM a refused one is not refused again", () => {
    expectTypeOf<RecipeProblems<typeof R.addsOther>>().toEqualTypeOf<typeof S.otherProducer>();
    expectTypeOf<RecipeProblems<typeof R.inheritsPair>>().toEqualTypeOf<typeof S.otherProducer>();
  });
  test("stated by kind and prefix: the prefix decides", () => {
    expectTypeOf<RecipeProblems<typeof R.atSamePrefix>>().toEqualTypeOf<never>();
    expectTypeOf<RecipeProblems<typeof R.atOtherPrefix>>().toEqualTypeOf<typeof S.appAtPrefix | typeof S.otherPrefix>();
  });
});

describe("rule 8: an in-image artifact reaches a stage only through its FROM chain", () => {
  test("FROM the producer, or a stage built FROM it: passing", () => {
    expectTypeOf<RecipeProblems<typeof R.onProducer>>().toEqualTypeOf<never>();
    expectTypeOf<RecipeProblems<typeof R.onChild>>().toEqualTypeOf<never>();
    recipe("child", [b.base, b.efa, b.child, b.onChild]);
  });
  test("FROM the producer's base (one step short), or with the artifact removed on the way: refused", () => {
    expectTypeOf<RecipeProblems<typeof R.onProducerBase>>().toEqualTypeOf<typeof S.inImage>();
    expectTypeOf<RecipeProblems<typeof R.onStripped>>().toEqualTypeOf<typeof S.inImage>();
    // @ts-expect-error consumer needs libfabric from stage efa-drivers, which is part of that stage's image and cannot be copied, but consumer is not built FROM efa-drivers
    recipe("short", [b.base, b.efa, b.onProducerBase]);
  });
  test("off the chain with a staged artifact: passing", () => {
    expectTypeOf<RecipeProblems<typeof R.stagedOffChain>>().toEqualTypeOf<never>();
  });
});
