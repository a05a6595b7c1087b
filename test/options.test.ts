/**
 * An option value of another type than its kind declares (a string where a boolean is declared, a
 * value outside a oneOf, a list element outside a listOf, a number for a version, a path or a
 * string, a non-artifact, a malformed list of strings, ENV pairs, overrides or layout): both twins
 * word it from the option's one declaration (its `shape`), with one sentence. Each call below is
 * refused by tsc with that sentence on the first line of its diagnostic (the directive states it;
 * test/expect-error-sentences.test.ts checks it), literally and through an options variable, and
 * throws the same sentence at run time.
 */
import { describe, expect, test } from "vitest";
import { valueTypeProblem, type ValueShape } from "../src/index.ts";
import { cudaDlBase, efaDrivers, libfabric, nccl, preinstalled, runtime, uvStage } from "../stages/index.ts";
import { refusalOf } from "./support/refusal.ts";

const uv = uvStage();
const base = cudaDlBase(uv, {});
const FLAGS = "--debug-packages, --enable-gdr, --mpi=openmpi4, --mpi=openmpi5, --check-signatures, --enable-ngc (the container flags -y --skip-kmod --skip-limit-conf --no-verify are always passed)";
const pre = { name: "x", kind: "ucx", prefix: "/opt/x", version: "1", file: "lib/x.so" } as const;

describe("a value of another type: tsc and the runtime check, one sentence", () => {
  test.each<readonly [string, () => unknown, string]>([
    // @ts-expect-error libfabric, option efa: "yes" is not true or false
    ["boolean: a string", () => libfabric(base, { version: "v2.3.0", efa: "yes" }), 'libfabric, option efa: "yes" is not true or false'],
    // @ts-expect-error libfabric, option efa: "yes" is not true or false
    ["boolean: a string, through a variable", () => { const o = { version: "v2.3.0", efa: "yes" } as const; return libfabric(base, o); }, 'libfabric, option efa: "yes" is not true or false'],
    // @ts-expect-error libfabric, option cuda: 1 is not true or false
    ["boolean: a number", () => libfabric(base, { version: "v2.3.0", cuda: 1 }), "libfabric, option cuda: 1 is not true or false"],
    // @ts-expect-error libfabric, option efa: ["x",null] is not true or false
    ["boolean: a list (JSON, as JSON.stringify writes it)", () => libfabric(base, { version: "v2.3.0", efa: ["x", null] }), 'libfabric, option efa: ["x",null] is not true or false'],
    // @ts-expect-error libfabric, option source: "tarball" is not one of "release", "git"
    ["oneOf: a value outside it", () => libfabric(base, { version: "v2.3.0", source: "tarball" }), 'libfabric, option source: "tarball" is not one of "release", "git"'],
    // @ts-expect-error libfabric, option source: "tarball" is not one of "release", "git"
    ["oneOf: a value outside it, through a variable", () => { const o = { version: "v2.3.0", source: "tarball" } as const; return libfabric(base, o); }, 'libfabric, option source: "tarball" is not one of "release", "git"'],
    // @ts-expect-error efa-drivers, option libfabric: true is not one of "provide", "hide", "minimal"
    ["oneOf: a boolean", () => efaDrivers(base, { version: "1.43.3", libfabric: true }), 'efa-drivers, option libfabric: true is not one of "provide", "hide", "minimal"'],
    // @ts-expect-error efa-drivers, option flags: --bogus is not one of
    ["listOf: an element outside it", () => efaDrivers(base, { version: "1.43.3", libfabric: "provide", flags: ["--enable-gdr", "--bogus"] }), `efa-drivers, option flags: --bogus is not one of ${FLAGS}`],
    // @ts-expect-error efa-drivers, option flags: --bogus is not one of
    ["listOf: an element outside it, through a variable", () => { const o = { version: "1.43.3", libfabric: "provide", flags: ["--bogus"] } as const; return efaDrivers(base, o); }, `efa-drivers, option flags: --bogus is not one of ${FLAGS}`],
    // @ts-expect-error efa-drivers, option flags: 3 is not one of
    ["listOf: an element of another type", () => efaDrivers(base, { version: "1.43.3", libfabric: "provide", flags: [3] }), `efa-drivers, option flags: 3 is not one of ${FLAGS}`],
    // @ts-expect-error efa-drivers, option flags: "--enable-gdr" is not a list
    ["listOf: not a list", () => efaDrivers(base, { version: "1.43.3", libfabric: "provide", flags: "--enable-gdr" }), 'efa-drivers, option flags: "--enable-gdr" is not a list'],
    // @ts-expect-error libfabric, option version: 5 is not a string
    ["version: a number", () => libfabric(base, { version: 5 }), "libfabric, option version: 5 is not a string"],
    // @ts-expect-error libfabric, option prefix: 7 is not a string
    ["path: a number", () => libfabric(base, { version: "v2.3.0", prefix: 7 }), "libfabric, option prefix: 7 is not a string"],
    // @ts-expect-error nccl, option gencode: true is not a string
    ["string: a boolean", () => nccl(base, { version: "v2.23.4-1", gencode: true }), "nccl, option gencode: true is not a string"],
    // @ts-expect-error base, option tag: 25 is not a string
    ["image tag: a number", () => cudaDlBase(uv, { tag: 25 }), "base, option tag: 25 is not a string"],
    // @ts-expect-error libfabric, option gdrcopy: the value is not an artifact: pass the artifact of the stage that provides it (stage.provides.<name>)
    ["artifact: a string", () => libfabric(base, { version: "v2.3.0", gdrcopy: "/opt/gdrcopy" }), "libfabric, option gdrcopy: the value is not an artifact: pass the artifact of the stage that provides it (stage.provides.<name>)"],
    // @ts-expect-error x, option sonames: the value is not a list of strings
    ["strings: a string", () => preinstalled(base, { ...pre, sonames: "libx.so" }), "x, option sonames: the value is not a list of strings"],
    // @ts-expect-error x, option layout: the value is not a layout: an object of lib, include, bin, pkgconfig, plugins lists
    ["layout: a key it does not have", () => preinstalled(base, { ...pre, layout: { libs: ["lib"] } }), "x, option layout: the value is not a layout: an object of lib, include, bin, pkgconfig, plugins lists"],
    // @ts-expect-error x, option layout: the value is not a layout: an object of lib, include, bin, pkgconfig, plugins lists
    ["layout: a list", () => preinstalled(base, { ...pre, layout: [] }), "x, option layout: the value is not a layout: an object of lib, include, bin, pkgconfig, plugins lists"],
    // @ts-expect-error runtime, option env: the value is not a list of ["NAME", "value"] pairs
    ["env: a string", () => runtime(base, [], { env: "A=1" }), 'runtime, option env: the value is not a list of ["NAME", "value"] pairs'],
    // @ts-expect-error runtime, option env: the value is not a list of ["NAME", "value"] pairs
    ["env: a pair without its value", () => runtime(base, [], { env: [["A"]] }), 'runtime, option env: the value is not a list of ["NAME", "value"] pairs'],
    // @ts-expect-error nccl, option overrides: the value is not a list of { rule: "...", reason: "..." }
    ["overrides: one without its reason", () => nccl(base, { version: "v2.23.4-1", overrides: [{ rule: "nccl-cuda-13" }] }), 'nccl, option overrides: the value is not a list of { rule: "...", reason: "..." }'],
  ])("%s", (_name, f, sentence) => {
    expect(refusalOf(f)).toBe(sentence);
  });

  test("values of the kind pass both twins (a list element of the set, a layout, ENV pairs, overrides with reasons)", () => {
    expect(refusalOf(() => efaDrivers(base, { version: "1.43.3", libfabric: "provide", flags: ["--enable-gdr"] }))).toBe("");
    expect(refusalOf(() => preinstalled(base, { ...pre, layout: { lib: ["lib"], include: [] }, sonames: ["libx.so"] }))).toBe("");
    expect(refusalOf(() => runtime(base, [], { env: [["A", "1"]] }))).toBe("");
    expect(refusalOf(() => nccl(base, { version: "v2.23.4-1", overrides: [{ rule: "nccl-cuda-13", reason: "a patched tree" }] }))).toBe("");
  });
});

describe("valueTypeProblem, the runtime twin of ValueTypeProblem (test/types/options.test-d.ts: the same cases)", () => {
  const oneOf: ValueShape = { type: "oneOf", values: ["a", "b"] };
  const listOf = (hint: string | undefined): ValueShape => ({ type: "listOf", values: ["a", "b"], hint });
  test.each<readonly [string, ValueShape, unknown, string | undefined]>([
    ["a quote and a backslash, escaped as JSON.stringify escapes them", { type: "boolean" }, 'a"b\\c', '"a\\"b\\\\c" is not true or false'],
    ["a newline and a tab", { type: "boolean" }, "a\nb\t", '"a\\nb\\t" is not true or false'],
    ["null", { type: "string" }, null, "null is not a string"],
    ["a value in the set", oneOf, "a", undefined],
    ["a value outside it", oneOf, "c", '"c" is not one of "a", "b"'],
    ["a nested list", { type: "boolean" }, [["a"], 1, false], '[["a"],1,false] is not true or false'],
    ["a list without a hint", listOf(undefined), ["a", "c"], "c is not one of a, b"],
    ["a list with a hint", listOf("say why"), ["c"], "c is not one of a, b (say why)"],
    ["an undefined element (find would miss it)", listOf(undefined), ["a", undefined], "undefined is not one of a, b"],
    ["an empty list", listOf(undefined), [], undefined],
    ["a custom option: its own check only", { type: "custom" }, 42, undefined],
    ["an object with a kind and a prefix is an artifact here (its kind is checked next)", { type: "artifact" }, { kind: "x", prefix: "/x" }, undefined],
    ["an empty layout", { type: "layout" }, {}, undefined],
  ])("%s", (_name, shape, value, sentence) => {
    expect(valueTypeProblem(shape, value)).toBe(sentence);
  });
});
