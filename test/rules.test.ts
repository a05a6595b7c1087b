/**
 * The runtime twins of the compile-time rules: the same compositions (and the same compositions
 * assembled from plain strings, as YAML or CLI flags deliver them) throw a StagewrightError whose
 * message is the very sentence the type tests expect (test/fixtures/expected-messages.ts).
 */
import { tempDir } from "./support/tmp.ts";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  StagewrightError,
  artifact,
  buildNeed,
  checkOptionValues,
  option,
  checkStages,
  defineStage,
  expectAt,
  findProblems,
  image,
  recipeFromStages,
  run,
  writeCompanions,
  type AnyStage,
} from "../src/index.ts";
import { base, efa, fabric, nixlExpectsEfa, nixlOnEfaImage, nixlOnFabric, otherDefault } from "./fixtures/compositions.ts";
import { M } from "./fixtures/expected-messages.ts";

function messages(stages: readonly AnyStage[]): string[] {
  return findProblems(stages).map((p) => p.message);
}

function thrown(f: () => unknown): StagewrightError {
  try {
    f();
  } catch (e) {
    if (e instanceof StagewrightError) return e;
    throw e;
  }
  throw new Error("expected a StagewrightError");
}

describe("the same sentences at run time as at compile time", () => {
  test("rule 1", () => {
    expect(messages([base, fabric, nixlExpectsEfa])).toEqual([M.rule1Expect]);
    expect(messages([base, efa, fabric, nixlOnFabric])).toEqual([M.rule1Installer]);
  });
  test("rule 2", () => {
    expect(messages([base, nixlOnFabric])).toEqual([M.rule2Producer]);
    expect(messages([base, nixlExpectsEfa])).toEqual([M.rule2Kind]);
  });
  test("rule 3", () => {
    expect(messages([base, fabric, otherDefault])).toEqual([M.rule3]);
  });
  test("rule 4 (with rule 1 for the same stage)", () => {
    expect(messages([base, fabric, efa, nixlOnEfaImage])).toEqual([M.rule1Installer, M.rule4EfaFirst]);
  });
  test("rule 5", () => {
    const e = thrown(() => checkOptionValues("libfabric", { version: "v2.3.0", prefx: "/opt" }, { version: option.version({ doc: "tag", required: true }), prefix: option.path({ doc: "prefix" }) }));
    expect(e.message).toBe(M.rule5);
    expect(e.code).toBe("unknown-option");
    expect(e.where).toEqual({ stage: "libfabric", option: "prefx" });
  });
  test("rule 6", () => {
    expect(messages([base, fabric, fabric])).toEqual([M.rule6]);
  });
  test("valid compositions have no problems", () => {
    expect(messages([base, fabric, nixlOnFabric])).toEqual([]);
    expect(messages([base, efa, nixlExpectsEfa])).toEqual([]);
  });
  test("checkStages throws the first sentence as message and keeps all problems", () => {
    const e = thrown(() => checkStages([base, fabric, efa, nixlOnEfaImage]));
    expect(e.code).toBe("prefix-mismatch");
    expect(e.problems).toEqual([M.rule1Installer, M.rule4EfaFirst]);
    expect(e.where.stage).toBe("nixl");
  });
});

describe("values that arrive as plain strings", () => {
  // As a YAML file or CLI flags would deliver them: every literal widened to string.
  const data: Record<string, string> = { producerPrefix: "/usr/local", consumerPrefix: "/opt/amazon/efa", kind: "libfabric" };
  const producer = defineStage({
    name: "libfabric",
    description: "from data",
    from: base,
    provides: { libfabric: artifact({ kind: data["kind"]!, producer: "libfabric", version: "v2.3.0", prefix: data["producerPrefix"]!, delivery: { type: "staged", dir: "/opt/s/libfabric" } }) },
    steps: [run("true")],
  });
  const consumer = defineStage({ name: "nixl", description: "from data", from: base, needs: [expectAt(data["kind"]!, data["consumerPrefix"]!)], steps: [run("true")] });

  test("compile: fine (types are string); run time: the same sentence as tsc would print", () => {
    const e = thrown(() => recipeFromStages("from-data", [base, producer, consumer]));
    expect(e.message).toBe(M.rule1Expect);
  });

  test("nothing is written when the recipe is refused", () => {
    const dir = join(tempDir("sw-"), "out");
    expect(() => writeCompanions({ name: "x", description: "x", stages: [base, producer, consumer], labels: [], notes: [], final: consumer, platforms: ["linux/amd64"], render: () => recipeFromStages("x", [base, producer, consumer]).render() }, dir)).toThrow(M.rule1Expect);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  test("a consumer built against an artifact whose prefix came from data", () => {
    const prefix: string = "/opt/amazon/efa";
    const other = defineStage({
      name: "efa-drivers",
      description: "d",
      from: base,
      provides: { libfabric: artifact({ kind: "libfabric", producer: "efa-drivers", version: "1.43.3", prefix, delivery: { type: "in-image" } }) },
      steps: [run("true")],
    });
    const n = defineStage({ name: "nixl", description: "n", from: base, needs: [buildNeed(fabric.provides.libfabric)], steps: [run("true")] });
    expect(() => recipeFromStages("r", [base, other, fabric, n])).toThrow(M.rule1Installer);
  });

  test("a stage FROM a stage that is not in the recipe", () => {
    const orphan = defineStage({ name: "orphan", description: "o", from: fabric, steps: [run("true")] });
    expect(messages([base, orphan])).toEqual([
      "stage orphan is built FROM stage libfabric, which is not in the recipe before orphan; add stage libfabric before orphan",
    ]);
  });

  test("an external image base needs no earlier stage", () => {
    const s = defineStage({ name: "solo", description: "s", from: image("debian:bookworm"), steps: [run("true")] });
    expect(messages([s])).toEqual([]);
  });
});
