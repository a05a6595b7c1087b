/**
 * ValueTypeProblem, the compile-time twin of valueTypeProblem (test/options.test.ts: the same
 * cases at run time, and every option kind through a stage, both twins): JSON.stringify and String()
 * of literal types, and never (tsc's own message) where the value is not known to the type.
 */
import { describe, expectTypeOf, test } from "vitest";
import type { FitsTypeName, ValueTypeProblem } from "../../src/index.ts";

type OneOf = { readonly type: "oneOf"; readonly values: readonly ["a", "b"] };
type ListOf<H extends string | undefined> = { readonly type: "listOf"; readonly values: readonly ["a", "b"]; readonly hint: H };

describe("the sentences, as the runtime check writes them", () => {
  test("JSON.stringify: quotes, backslashes, newlines and tabs escaped; null; nested lists", () => {
    expectTypeOf<ValueTypeProblem<{ readonly type: "boolean" }, 'a"b\\c'>>().toEqualTypeOf<'"a\\"b\\\\c" is not true or false'>();
    expectTypeOf<ValueTypeProblem<{ readonly type: "boolean" }, "a\nb\t">>().toEqualTypeOf<'"a\\nb\\t" is not true or false'>();
    expectTypeOf<ValueTypeProblem<{ readonly type: "string" }, null>>().toEqualTypeOf<"null is not a string">();
    expectTypeOf<ValueTypeProblem<{ readonly type: "boolean" }, readonly [readonly ["a"], 1, false]>>().toEqualTypeOf<'[["a"],1,false] is not true or false'>();
  });
  test("oneOf: a value in the set, one outside it", () => {
    expectTypeOf<ValueTypeProblem<OneOf, "a">>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<OneOf, "c">>().toEqualTypeOf<'"c" is not one of "a", "b"'>();
  });
  test("listOf: String() of the first element outside the set, with and without a hint; an undefined element; an empty list", () => {
    expectTypeOf<ValueTypeProblem<ListOf<undefined>, readonly ["a", "c"]>>().toEqualTypeOf<"c is not one of a, b">();
    expectTypeOf<ValueTypeProblem<ListOf<"say why">, readonly ["c"]>>().toEqualTypeOf<"c is not one of a, b (say why)">();
    expectTypeOf<ValueTypeProblem<ListOf<undefined>, readonly ["a", undefined]>>().toEqualTypeOf<"undefined is not one of a, b">();
    expectTypeOf<ValueTypeProblem<ListOf<undefined>, readonly []>>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<ListOf<undefined>, "a">>().toEqualTypeOf<'"a" is not a list'>();
  });
  test("a custom option has its own check only; an object with a kind and a prefix is an artifact here; an empty layout is one", () => {
    expectTypeOf<ValueTypeProblem<{ readonly type: "custom" }, 42>>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<{ readonly type: "artifact" }, { readonly kind: "x"; readonly prefix: "/x" }>>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<{ readonly type: "layout" }, {}>>().toEqualTypeOf<never>();
  });
});

describe("never where the value is not known to the type: tsc's own message stands, the runtime check names the value", () => {
  test("widened values, unions, lists whose order is not known, a hint that is not a literal", () => {
    expectTypeOf<ValueTypeProblem<{ readonly type: "boolean" }, string>>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<{ readonly type: "boolean" }, "x" | "y">>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<{ readonly type: "string" }, number>>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<OneOf, string>>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<ListOf<undefined>, readonly string[]>>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<ListOf<string>, readonly ["c"]>>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<{ readonly type: "oneOf"; readonly values: readonly string[] }, "c">>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<{ readonly type: "boolean" }, { readonly a: 1 }>>().toEqualTypeOf<never>();
  });
  test("a union with one member of the shape is not refused (the runtime value may be that one); any and unknown are not judged", () => {
    expectTypeOf<ValueTypeProblem<{ readonly type: "boolean" }, boolean>>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<{ readonly type: "strings" }, readonly string[] | "x">>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<OneOf, "a" | "b">>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<{ readonly type: "boolean" }, any>>().toEqualTypeOf<never>();
    expectTypeOf<ValueTypeProblem<{ readonly type: "boolean" }, unknown>>().toEqualTypeOf<never>();
  });
  test("a sentence that names no value needs no literal: a widened string is not a list of strings", () => {
    expectTypeOf<ValueTypeProblem<{ readonly type: "strings" }, string>>().toEqualTypeOf<"the value is not a list of strings">();
    expectTypeOf<ValueTypeProblem<{ readonly type: "artifact" }, string>>().toEqualTypeOf<"the value is not an artifact: pass the artifact of the stage that provides it (stage.provides.<name>)">();
  });
});

type X10 = "xxxxxxxxxx";
type X300 = `${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}${X10}`;
describe("FitsTypeName: whether tsc prints Refuse<\"S\"> uncut (test/tsc-messages.test.ts: as tsc prints it)", () => {
  test("309 characters fit, 310 do not; a quote or backslash takes two", () => {
    expectTypeOf<FitsTypeName<`${X300}xxxxxxxxx`>>().toEqualTypeOf<true>();
    expectTypeOf<FitsTypeName<`${X300}xxxxxxxxxx`>>().toEqualTypeOf<false>();
    expectTypeOf<FitsTypeName<`${X300}xxxxxxx"`>>().toEqualTypeOf<true>();
    expectTypeOf<FitsTypeName<`${X300}xxxxxxxx"`>>().toEqualTypeOf<false>();
    expectTypeOf<FitsTypeName<`${X300}xxxxxxxx\\`>>().toEqualTypeOf<false>();
    expectTypeOf<FitsTypeName<"">>().toEqualTypeOf<true>();
  });
});
