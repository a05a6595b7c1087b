/**
 * Issue 14, holes 1 and 2, at compile time: each refused composition is refused by `recipe()` with
 * the exact sentence (RecipeProblems, compared with expected-messages.ts; test/tsc-messages.test.ts
 * reads what tsc prints), and its consistent form compiles.
 */
import { describe, expectTypeOf, test } from "vitest";
import { recipe, type IsValidRecipe, type RecipeProblems } from "../../src/index.ts";
import * as h from "../fixtures/holes.ts";
import { H } from "../fixtures/expected-messages.ts";

describe("hole 1: the list order does not defeat rule 1", () => {
  test("efa-drivers listed after nixl, the final image FROM efa-drivers: refused with both sentences", () => {
    // @ts-expect-error rule 1 and rule 7 (the sentences are asserted on the next line)
    recipe("hole1", [h.uv, h.base, h.dc, h.etcd, h.ucxBuild, h.fabric, h.nixlOnSource, h.efa, h.finalOnEfa]);
    expectTypeOf<RecipeProblems<typeof h.hole1>>().toEqualTypeOf<typeof H.prefix | typeof H.held>();
  });
  test("with installer 1.43.1 as well (the version rule is judged at run time in the holding image)", () => {
    expectTypeOf<RecipeProblems<typeof h.hole1Old>>().toEqualTypeOf<typeof H.prefix | typeof H.held>();
  });
  test("the final image holding the libfabric nixl was built against compiles", () => {
    recipe("fixed", [h.uv, h.base, h.dc, h.etcd, h.ucxBuild, h.fabric, h.nixlOnSource, h.finalOnDoca]);
    expectTypeOf<IsValidRecipe<typeof h.hole1Fixed>>().toEqualTypeOf<true>();
  });
});

describe("hole 2: an in-image need outside the FROM chain", () => {
  test("nixl FROM doca given the installer's libfabric: refused", () => {
    // @ts-expect-error rule 8 (the sentence is asserted on the next line)
    recipe("hole2", [h.uv, h.base, h.dc, h.efa, h.etcd, h.ucxBuild, h.nixlOffChain]);
    expectTypeOf<RecipeProblems<typeof h.hole2>>().toEqualTypeOf<typeof H.inImage>();
  });
  test("a consumer's own defineStage: refused", () => {
    // @ts-expect-error rule 8 (the sentence is asserted on the next line)
    recipe("hole2-own", [h.uv, h.base, h.dc, h.efa, h.ownOffChain]);
    expectTypeOf<RecipeProblems<typeof h.hole2Own>>().toEqualTypeOf<typeof H.inImageOwn>();
  });
  test("nixl built FROM efa-drivers compiles", () => {
    recipe("fixed", [h.uv, h.base, h.dc, h.efa, h.etcd, h.ucxBuild, h.nixlOnChain]);
    expectTypeOf<IsValidRecipe<typeof h.hole2Fixed>>().toEqualTypeOf<true>();
  });
});
