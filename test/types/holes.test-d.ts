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
    // @ts-expect-error nixl needs libfabric at /usr/local but stage efa-drivers installs it at /opt/amazon/efa; build nixl against the libfabric artifact of stage efa-drivers, or install libfabric at /usr/local || stage runtime holds what stage nixl built against libfabric at /usr/local from stage libfabric, next to libfabric at /opt/amazon/efa from stage efa-drivers; an image must hold exactly the libfabric its stages were built against: build nixl against the libfabric artifact of stage efa-drivers, or build runtime FROM a stage without that libfabric
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
    // @ts-expect-error nixl needs libfabric from stage efa-drivers, which is part of that stage's image and cannot be copied, but nixl is not built FROM efa-drivers; build nixl FROM stage efa-drivers (or a stage built FROM it), or use a staged libfabric artifact
    recipe("hole2", [h.uv, h.base, h.dc, h.efa, h.etcd, h.ucxBuild, h.nixlOffChain]);
    expectTypeOf<RecipeProblems<typeof h.hole2>>().toEqualTypeOf<typeof H.inImage>();
  });
  test("a consumer's own defineStage: refused", () => {
    // @ts-expect-error mine needs libfabric from stage efa-drivers, which is part of that stage's image and cannot be copied, but mine is not built FROM efa-drivers; build mine FROM stage efa-drivers (or a stage built FROM it), or use a staged libfabric artifact
    recipe("hole2-own", [h.uv, h.base, h.dc, h.efa, h.ownOffChain]);
    expectTypeOf<RecipeProblems<typeof h.hole2Own>>().toEqualTypeOf<typeof H.inImageOwn>();
  });
  test("nixl built FROM efa-drivers compiles", () => {
    recipe("fixed", [h.uv, h.base, h.dc, h.efa, h.etcd, h.ucxBuild, h.nixlOnChain]);
    expectTypeOf<IsValidRecipe<typeof h.hole2Fixed>>().toEqualTypeOf<true>();
  });
});
