/**
 * Compile-time rules: for each, a composition that compiles and one that must not (the
 * `@ts-expect-error` lines fail the type check when the error disappears), and the exact sentence
 * at the type level. test/rules.test.ts asserts that the runtime twin throws the same sentence.
 */
import { describe, expectTypeOf, test } from "vitest";
import { artifact, defineStage, image, option, recipe, run, type Artifact, type OptionProblem, type OptionProblems, type RecipeProblems } from "../../src/index.ts";
import { base, efa, fabric, nixlExpectsEfa, nixlOnEfaImage, nixlOnFabric, otherDefault } from "../fixtures/compositions.ts";
import { M } from "../fixtures/expected-messages.ts";

describe("rule 1: a consumer built for one prefix, a producer installing at another", () => {
  test("consumer and producer agree", () => {
    recipe("ok", [base, fabric, nixlOnFabric]);
    expectTypeOf<RecipeProblems<[typeof base, typeof fabric, typeof nixlOnFabric]>>().toEqualTypeOf<never>();
  });
  test("a stage that expects /opt/amazon/efa next to a libfabric at /usr/local", () => {
    // @ts-expect-error nixl needs libfabric at /opt/amazon/efa but stage libfabric installs it at /usr/local
    recipe("bad", [base, fabric, nixlExpectsEfa]);
    expectTypeOf<RecipeProblems<[typeof base, typeof fabric, typeof nixlExpectsEfa]>>().toEqualTypeOf<typeof M.rule1Expect>();
  });
  test("the installer's libfabric and a consumer built against the source one", () => {
    // @ts-expect-error nixl needs libfabric at /usr/local but stage efa-drivers installs it at /opt/amazon/efa
    recipe("bad", [base, efa, fabric, nixlOnFabric]);
    expectTypeOf<RecipeProblems<[typeof base, typeof efa, typeof fabric, typeof nixlOnFabric]>>().toEqualTypeOf<typeof M.rule1Installer>();
  });
});

describe("rule 2: a need with no earlier producer", () => {
  test("the producer comes first", () => {
    expectTypeOf<RecipeProblems<[typeof base, typeof efa, typeof nixlExpectsEfa]>>().toEqualTypeOf<never>();
  });
  test("the producer is missing", () => {
    // @ts-expect-error nixl needs libfabric from stage libfabric, which is not in the recipe before nixl
    recipe("bad", [base, nixlOnFabric]);
    expectTypeOf<RecipeProblems<[typeof base, typeof nixlOnFabric]>>().toEqualTypeOf<typeof M.rule2Producer>();
  });
  test("the producer comes after the consumer", () => {
    // @ts-expect-error nixl needs libfabric from stage libfabric, which is not in the recipe before nixl; add stage libfabric before nixl
    recipe("bad", [base, nixlOnFabric, fabric]);
  });
  test("a stated requirement with no producer of the kind at all", () => {
    expectTypeOf<RecipeProblems<[typeof base, typeof nixlExpectsEfa]>>().toEqualTypeOf<typeof M.rule2Kind>();
  });
});

describe("rule 3: one ARG, one default", () => {
  test("two stages, two defaults", () => {
    // @ts-expect-error ARG LIBFABRIC_INSTALL_PATH defaults to /usr/local in stage libfabric but to /opt/amazon/efa in stage consumer
    recipe("bad", [base, fabric, otherDefault]);
    expectTypeOf<RecipeProblems<[typeof base, typeof fabric, typeof otherDefault]>>().toEqualTypeOf<typeof M.rule3>();
  });
});

describe("rule 4: two artifacts of one kind in one image", () => {
  test("a stage built FROM the installer's image that also copies in the source libfabric", () => {
    // @ts-expect-error nixl needs libfabric at /usr/local but stage efa-drivers installs it at /opt/amazon/efa; build nixl against the libfabric artifact of stage efa-drivers, or install libfabric at /usr/local || stage nixl would hold two libfabric: /opt/amazon/efa from stage efa-drivers and /usr/local from stage libfabric; keep one, or remove the other explicitly (removes: ["libfabric"])
    recipe("bad", [base, fabric, efa, nixlOnEfaImage]);
    expectTypeOf<RecipeProblems<[typeof base, typeof fabric, typeof efa, typeof nixlOnEfaImage]>>().toEqualTypeOf<typeof M.rule1Installer | typeof M.rule4EfaFirst>();
  });
  test("an explicit removal clears it", () => {
    const cleaned = defineStage({ name: "cleaned", description: "c", from: efa, removes: ["libfabric"], steps: [run("rm -rf /opt/amazon/efa/lib/libfabric*")] });
    const consumer = defineStage({ name: "consumer", description: "c", from: cleaned, needs: [], steps: [run("true")] });
    expectTypeOf<RecipeProblems<[typeof base, typeof efa, typeof cleaned, typeof consumer]>>().toEqualTypeOf<never>();
  });
});

describe("rule 6: unique stage names", () => {
  test("a name used twice", () => {
    // @ts-expect-error two stages are named libfabric
    recipe("bad", [base, fabric, fabric]);
    expectTypeOf<RecipeProblems<[typeof base, typeof fabric, typeof fabric]>>().toEqualTypeOf<typeof M.rule6>();
  });
});

describe("the NoInfer pitfall (https://www.typescriptlang.org/docs/handbook/utility-types.html#noinfertype)", () => {
  const efaFabric = efa.provides.libfabric;
  test("a naive generic infers a union of both prefixes and accepts the mismatch", () => {
    function naive<P extends string>(o: { libfabric: Artifact<"libfabric", P>; libfabricPath: P }): P {
      return o.libfabricPath;
    }
    const p = naive({ libfabric: efaFabric, libfabricPath: "/usr/local/libfabric" });
    expectTypeOf(p).toEqualTypeOf<"/opt/amazon/efa" | "/usr/local/libfabric">();
  });
  test("NoInfer makes the artifact the only source of the prefix", () => {
    function guarded<P extends string>(o: { libfabric: Artifact<"libfabric", P>; libfabricPath: NoInfer<P> }): P {
      return o.libfabricPath;
    }
    // @ts-expect-error Type '"/usr/local/libfabric"' is not assignable to type '"/opt/amazon/efa"'
    guarded({ libfabric: efaFabric, libfabricPath: "/usr/local/libfabric" });
    expectTypeOf(guarded({ libfabric: efaFabric, libfabricPath: "/opt/amazon/efa" })).toEqualTypeOf<"/opt/amazon/efa">();
  });
});

describe("values whose types are widened to string are left to the runtime twin", () => {
  test("a widened prefix compiles (test/rules.test.ts shows the runtime refusal)", () => {
    const prefix: string = "/opt/amazon/efa";
    const widened = defineStage({
      name: "other",
      description: "o",
      from: base,
      provides: { libfabric: artifact({ kind: "libfabric", producer: "other", version: "1", prefix, delivery: { type: "in-image" } }) },
      steps: [run("true")],
    });
    expectTypeOf<RecipeProblems<[typeof base, typeof fabric, typeof widened, typeof nixlOnFabric]>>().toEqualTypeOf<never>();
  });
  test("a stage assembled from an untyped array is not checked at compile time", () => {
    const stages = [base, fabric] as const;
    recipe("ok", [...stages, nixlOnFabric]);
    void image;
  });
});

describe("rule 5: unknown options are errors, for literals and for variables", () => {
  test("a typo in an option literal", async () => {
    const { libfabric } = await import("../../stages/index.ts");
    // @ts-expect-error unknown option prefx for stage libfabric
    libfabric(base, { version: "v2.3.0", prefx: "/opt/libfabric" });
    libfabric(base, { version: "v2.3.0", prefix: "/opt/libfabric" });
  });
  test("a typo in an options variable (no excess-property check protects it)", async () => {
    const { libfabric } = await import("../../stages/index.ts");
    const opts = { version: "v2.3.0", prefx: "/opt/libfabric" } as const;
    // @ts-expect-error unknown option prefx for stage libfabric
    libfabric(base, opts);
  });
  test("the sentence", () => {
    const kinds = { version: option.version({ doc: "tag", required: true }), prefix: option.path({ doc: "prefix" }) };
    expectTypeOf<OptionProblems<{ version: "v2.3.0"; prefx: "/opt" }, typeof kinds, "libfabric">>().toEqualTypeOf<OptionProblem<"prefx", typeof M.rule5>>();
  });
});

describe("rule 2, ambiguity: a kind stated alone with two producers", () => {
  test("two earlier libfabrics and a stage that names only the kind", () => {
    const second = defineStage({
      name: "libfabric-two",
      description: "another",
      from: base,
      provides: { libfabric: artifact({ kind: "libfabric", producer: "libfabric-two", version: "v2.3.0", prefix: "/opt/amazon/efa", delivery: { type: "in-image" } }) },
      steps: [run("true")],
    });
    // @ts-expect-error nixl needs libfabric but stages efa-drivers and libfabric-two both provide it
    recipe("bad", [base, efa, second, nixlExpectsEfa]);
    expectTypeOf<RecipeProblems<[typeof base, typeof efa, typeof second, typeof nixlExpectsEfa]>>().toEqualTypeOf<
      | "nixl needs libfabric but stages efa-drivers and libfabric-two both provide it; take the libfabric artifact of one of them instead of stating the kind"
      | "nixl needs libfabric but stages libfabric-two and efa-drivers both provide it; take the libfabric artifact of one of them instead of stating the kind"
    >();
  });
});
