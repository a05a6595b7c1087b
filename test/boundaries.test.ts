/**
 * Rules 7 and 8 at their boundaries, the runtime twin: the same compositions and sentences as the
 * type tests (test/types/boundaries.test-d.ts), from test/fixtures/boundaries.ts.
 */
import { describe, expect, test } from "vitest";
import { findProblems } from "../src/index.ts";
import { R, S } from "./fixtures/boundaries.ts";

const messages = (stages: Parameters<typeof findProblems>[0]) => findProblems(stages).map((p) => p.message);

describe("rule 7: an image holding what a stage built holds exactly what it was built against", () => {
  test.each([
    ["the same artifact (at the boundary, passing)", R.holdsSame, []],
    ["no artifact of the kind", R.holdsNoFabric, []],
    ["the same prefix from another producer (just past it)", R.holdsOtherProducer, [S.otherProducer]],
    ["any libfabric in an image that does not hold the stage's output", R.holdsOnlyOther, []],
    ["the pair made by the stage that adds the other libfabric", R.addsOther, [S.otherProducer]],
    ["a pair refused at the base, not again FROM it", R.inheritsPair, [S.otherProducer]],
    ["stated by kind and prefix: another producer at that prefix", R.atSamePrefix, []],
    ["stated by kind and prefix: another prefix", R.atOtherPrefix, [S.appAtPrefix, S.otherPrefix]],
  ] as const)("%s", (_, stages, expected) => {
    expect(messages(stages)).toEqual(expected);
  });
});

describe("rule 8: an in-image artifact reaches a stage only through its FROM chain", () => {
  test.each([
    ["FROM the producer", R.onProducer, []],
    ["FROM a stage built FROM the producer", R.onChild, []],
    ["FROM the producer's base, one step short", R.onProducerBase, [S.inImage]],
    ["on the chain, the artifact removed on the way", R.onStripped, [S.inImage]],
    ["off the chain with a staged artifact", R.stagedOffChain, []],
  ] as const)("%s", (_, stages, expected) => {
    expect(messages(stages)).toEqual(expected);
  });
});
