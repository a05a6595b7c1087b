/**
 * What a user actually reads: compile small recipes with the TypeScript compiler and assert that the
 * printed errors contain the rule's sentence (not "not assignable to never"), and that the FIRST line
 * of the diagnostic holds the whole sentence, for the recipe rules and for the options of a stage
 * (tsc cuts long type names, and a sentence after 1 KB of Stage<...> or spec text is not read).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { H, L, M } from "./fixtures/expected-messages.ts";

const snippets: Record<string, string> = {
  unknownOption: `libfabric(base, { version: "v2.3.0", prefx: "/opt/x" });`,
  relativePrefix: `libfabric(base, { version: "v2.3.0", prefix: "usr/local" });`,
  latest: `libfabric(base, { version: "latest" });`,
  // Issue 9 item 5: the version form of the upstream's tags.
  formLibfabric: `libfabric(base, { version: "2.3.0" });`,
  // Issue 14: the base image's tag is checked from its option kind (the FROM ARG declared once).
  baseTagLatest: `cudaDlBase(uv, { tag: "latest" });`,
  formNixl: `const o = { version: "v0.7.1", ucx: u.provides.ucx, etcd: etcd.provides.etcd } as const;\nnixl(base, o);`,
  pairing: `nixl(base, { version: "0.7.1", libfabric: libfabric(base, { version: "v1.21.0" }).provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });`,
  // Hole 3 of issue 14: a typo in an options variable (no excess-property check protects it).
  etcdReff: `const o = { reff: "abc" } as const;\netcdCppApi(base, o);`,
  baseTagg: `const o = { tagg: "25.06-cuda12.9-devel-ubuntu24.04" } as const;\ncudaDlBase(uv, o);`,
  docaBuidl: `const o = { buidl: "3.1.0-091000-25.07" } as const;\ndoca(base, o);`,
  sdkVerison: `const o = { verison: "1.11.581" } as const;\nawsSdkCpp(base, o);`,
  gusliComit: `const o = { comit: "8b7a3b2" } as const;\ngusli(base, o);`,
  runtimeEnvv: `const o = { envv: [["A", "1"]] } as const;\nruntime(base, [], o);`,
  ownStage: `const hello = defineComponent({ name: "hello", options: { greeting: option.string({ doc: "what it says" }) } } as const, () => ({ description: "hello", steps: [run("echo hi")], details: {} }));
const o = { greting: "hi" } as const;
hello(base, o);`,
  // Wrong kind: a ucx artifact where nixl takes libfabric, as a literal and through a variable.
  wrongKind: `nixl(base, { version: "0.7.1", libfabric: u.provides.ucx, ucx: u.provides.ucx, etcd: etcd.provides.etcd });`,
  wrongKindVar: `const o = { version: "0.7.1", libfabric: u.provides.ucx, ucx: u.provides.ucx, etcd: etcd.provides.etcd } as const;\nnixl(base, o);`,
  latestVar: `const o = { version: "latest" } as const;\nlibfabric(base, o);`,
  pairingVar: `const o = { version: "0.7.1", libfabric: libfabric(base, { version: "v1.21.0" }).provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd } as const;\nnixl(base, o);`,
  // Option values of another type than the kind declares: the runtime check's sentence, not tsc's own.
  booleanValue: `libfabric(base, { version: "v2.3.0", efa: "yes" });`,
  booleanVar: `const o = { version: "v2.3.0", efa: "yes" } as const;\nlibfabric(base, o);`,
  oneOfValue: `libfabric(base, { version: "v2.3.0", source: "tarball" });`,
  oneOfVar: `const o = { version: "v2.3.0", source: "tarball" } as const;\nlibfabric(base, o);`,
  listOfValue: `efaDrivers(base, { version: "1.43.3", libfabric: "provide", flags: ["--bogus"] });`,
  listOfVar: `const o = { version: "1.43.3", libfabric: "provide", flags: ["--bogus"] } as const;\nefaDrivers(base, o);`,
  notAList: `efaDrivers(base, { version: "1.43.3", libfabric: "provide", flags: "--enable-gdr" });`,
  versionNumber: `libfabric(base, { version: 5 });`,
  flagship: `const efa = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
const fabric = libfabric(base, { version: "v2.3.0" });
const n = nixl(base, { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });
recipe("bad", [uv, base, etcd, u, efa, fabric, n]);`,
  hole1: `const dc = doca(base, {});
const fabric = libfabric(dc, { version: "v2.3.0" });
const n = nixl(dc, { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });
const efa = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
const final = runtime(efa, [u.provides.ucx, etcd.provides.etcd, n.provides.nixl, n.provides.nixlWheel]);
recipe("bad", [uv, base, dc, etcd, u, fabric, n, efa, final]);`,
  hole2: `const dc = doca(base, {});
const efa = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
const n = nixl(dc, { version: "0.7.1", libfabric: efa.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });
recipe("bad", [uv, base, dc, efa, etcd, u, n]);`,
  hole2Own: `const dc = doca(base, {});
const efa = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
const mine = defineStage({ name: "mine", description: "a consumer's stage", from: dc, needs: [buildNeed(efa.provides.libfabric)], steps: [run("true")] });
recipe("bad", [uv, base, dc, efa, mine]);`,
};
const header = `import { artifact, buildNeed, defineComponent, defineStage, image, option, recipe, run } from "../../src/index.ts";
import { awsOfiNccl, awsSdkCpp, cudaDlBase, cudaRuntimeBase, doca, efaDrivers, etcdCppApi, gusli, libfabric, nccl, nixl, runtime, ucx, uvStage } from "../../stages/index.ts";
const uv = uvStage();
const base = cudaDlBase(uv, {});
const etcd = etcdCppApi(base, {});
const u = ucx(base, { version: "v1.19.0" });
void recipe; void efaDrivers; void nixl; void etcd; void u; void libfabric; void doca; void runtime; void defineStage; void buildNeed; void run; void defineComponent; void option; void awsSdkCpp; void gusli; void artifact; void image; void awsOfiNccl; void cudaRuntimeBase; void nccl;
`;
/**
 * The longest rule sentences of the stage library (every rule's sentence ends with its source and
 * the override hint, so most are longer than the 320 characters after which tsc cuts a printed
 * type), each given as an object literal (`s = …`) and through a variable (`sVar`), and the stages
 * of a recipe that runs the same composition at run time. `first`: the literal's first diagnostic
 * line holds the whole sentence (the rule names an option whose value is an object: tsc reports it
 * as a missing property, whose name it never cuts; or the sentence fits in a printed type).
 * Otherwise (a sentence over 309 characters on a version string: tsc can only print it as a type)
 * the first line holds its start and the second line the whole sentence, as through any variable.
 */
const toolkit = `const tk = defineStage({ name: "toolkit", description: "t", from: image("debian:bookworm"), provides: { cuda: artifact({ kind: "cuda", producer: "toolkit", version: "13.0", prefix: "/usr/local/cuda", delivery: { type: "staged", dir: "/opt/s/toolkit" } }) }, steps: [run("true")] });
const sys = defineStage({ name: "sys", description: "s", from: image("debian:bookworm"), needs: [buildNeed(tk.provides.cuda)], steps: [run("true")] });
`;
const noSetuptools = `const b = cudaDlBase(uv, { setuptools: false });
const f = libfabric(b, { version: "v1.21.0" }); const u2 = ucx(b, { version: "v1.20.1" }); const e = etcdCppApi(b, {});
`;
const longRules = {
  metaSetuptools: {
    body: `${noSetuptools}const s = nixl(b, { version: "0.8.0", libfabric: f.provides.libfabric, ucx: u2.provides.ucx, etcd: e.provides.etcd });`,
    sVar: `${noSetuptools}const o = { version: "0.8.0", libfabric: f.provides.libfabric, ucx: u2.provides.ucx, etcd: e.provides.etcd } as const;\nconst s = nixl(b, o);`,
    stages: "uv, b, f, u2, e, s", sentence: L.metaSetuptools, first: false,
  },
  runtimeCuda: {
    body: `${toolkit}const dc = doca(base, {});\nconst s = cudaRuntimeBase({ build: tk, doca: dc, tag: "12.9.1-runtime-ubuntu24.04" }); void sys;`,
    sVar: `${toolkit}const dc = doca(base, {});\nconst o = { build: tk, doca: dc, tag: "12.9.1-runtime-ubuntu24.04" } as const;\nconst s = cudaRuntimeBase(o); void sys;`,
    stages: "uv, base, tk, dc, s", sentence: L.runtimeCuda, first: true,
  },
  ncclCuda13: {
    body: `${toolkit}const s = nccl(sys, { version: "v2.26.6-1" });`,
    sVar: `${toolkit}const o = { version: "v2.26.6-1" } as const;\nconst s = nccl(sys, o);`,
    stages: "tk, sys, s", sentence: L.ncclCuda13, first: false,
  },
  nixlLibfabricMin: {
    body: `const fabric = libfabric(base, { version: "v1.21.0" });\nconst s = nixl(base, { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });`,
    sVar: `const fabric = libfabric(base, { version: "v1.21.0" });\nconst o = { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd } as const;\nconst s = nixl(base, o);`,
    stages: "uv, base, etcd, u, fabric, s", sentence: M.nixlLibfabricMin, first: true,
  },
  ucxLine: {
    body: `const fabric = libfabric(base, { version: "v2.3.0" });\nconst s = nixl(base, { version: "0.8.0", libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });`,
    sVar: `const fabric = libfabric(base, { version: "v2.3.0" });\nconst o = { version: "0.8.0", libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd } as const;\nconst s = nixl(base, o);`,
    stages: "uv, base, etcd, u, fabric, s", sentence: L.ucxLine, first: true,
  },
  ofiLibfabricMin: {
    body: `const fabric = libfabric(base, { version: "v1.21.0" });\nconst s = awsOfiNccl(base, { version: "v1.13.2-aws", libfabric: fabric.provides.libfabric });`,
    sVar: `const fabric = libfabric(base, { version: "v1.21.0" });\nconst o = { version: "v1.13.2-aws", libfabric: fabric.provides.libfabric } as const;\nconst s = awsOfiNccl(base, o);`,
    stages: "uv, base, fabric, s", sentence: L.ofiLibfabricMin, first: true,
  },
  gb200: {
    body: `const fabric = libfabric(base, { version: "v2.3.0" }); const u2 = ucx(base, { version: "v1.20.1" });\nconst s = nixl(base, { version: "0.8.0", arch: "aarch64", libfabric: fabric.provides.libfabric, ucx: u2.provides.ucx, etcd: etcd.provides.etcd });`,
    sVar: `const fabric = libfabric(base, { version: "v2.3.0" }); const u2 = ucx(base, { version: "v1.20.1" });\nconst o = { version: "0.8.0", arch: "aarch64", libfabric: fabric.provides.libfabric, ucx: u2.provides.ucx, etcd: etcd.provides.etcd } as const;\nconst s = nixl(base, o);`,
    stages: "uv, base, etcd, u2, fabric, s", sentence: L.gb200, first: true,
  },
  efaFlag: {
    body: `const s = efaDrivers(base, { version: "1.43.3", libfabric: "provide", flags: ["--check-signatures"] });`,
    sVar: `const o = { version: "1.43.3", libfabric: "provide", flags: ["--check-signatures"] } as const;\nconst s = efaDrivers(base, o);`,
    stages: "uv, base, s", sentence: L.efaFlag, first: true,
  },
} as const;
// recipe()'s platforms, as an object literal and through a variable (the runtime twin's sentences).
const platformCases = {
  platformUnknown: ['{ platforms: ["linux/amd64", "linux/s390x"] }', 'recipe bad: platform "linux/s390x" is not one of linux/amd64, linux/arm64'],
  platformTwice: ['{ platforms: ["linux/arm64", "linux/arm64"] }', "recipe bad: give each platform once, at least one (linux/amd64, linux/arm64)"],
  platformNone: ["{ platforms: [] }", "recipe bad: give each platform once, at least one (linux/amd64, linux/arm64)"],
} as const;
for (const [name, [options]] of Object.entries(platformCases)) {
  snippets[name] = `recipe("bad", [uv], ${options});`;
  snippets[`${name}Var`] = `const p = ${options} as const;\nrecipe("bad", [uv], p);`;
}
snippets["platformsGood"] = `recipe("good", [uv], { platforms: ["linux/arm64", "linux/amd64"] });\nconst wide: readonly ("linux/amd64" | "linux/arm64")[] = ["linux/amd64"];\nrecipe("good", [uv], { platforms: wide });`;
// FitsTypeName against tsc itself: a Refuse of 309 characters printed whole, of 310 cut.
const xs = (n: number) => "x".repeat(n);
for (const n of [309, 310]) {
  snippets[`fits${n}`] = `import type { FitsTypeName, Refuse } from "../../src/index.ts";\ndeclare const r: Refuse<"${xs(n)}">;\nconst f: FitsTypeName<"${xs(n)}"> = r; void f;`;
}
for (const [name, r] of Object.entries(longRules)) {
  snippets[`rule-${name}`] = `${r.body}\nvoid s;`;
  snippets[`rule-${name}Var`] = `${r.sVar}\nvoid s;`;
}

let dir: string;
const printed: Record<string, string> = {};
/** The first line of each diagnostic, as tsc prints it (quotes inside a property name escaped as \"). */
const firstLines: Record<string, string[]> = {};

beforeAll(() => {
  dir = mkdtempSync("test/.tsc-messages-");
  const files = Object.entries(snippets).map(([name, body]) => {
    const f = `${dir}/${name}.ts`;
    writeFileSync(f, `${header}${body}\n`);
    return f;
  });
  const config = ts.parseJsonConfigFileContent(ts.readConfigFile("tsconfig.json", ts.sys.readFile).config, ts.sys, process.cwd());
  const program = ts.createProgram([...files, "src/types/dockerfile-generator.d.ts"], config.options);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const name = d.file?.fileName.split("/").pop()?.replace(/\.ts$/, "");
    if (name === undefined) continue;
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    printed[name] = `${printed[name] ?? ""}${text}\n`;
    (firstLines[name] ??= []).push(text.split("\n")[0]!.replace(/\\"/g, '"'));
  }
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  ["unknownOption", "unknown option prefx for stage libfabric; remove it or use one of the options the stage declares"],
  ["relativePrefix", "usr/local is not an absolute path: start it with /"],
  ["latest", "latest is not a pinned version: give an exact version such as 1.2.3"],
  ["formLibfabric", "LIBFABRIC_VERSION is a libfabric release tag with its v (v2.3.0), not 2.3.0"],
  ["baseTagLatest", "latest is not a pinned image tag: give a version tag such as 25.06-cuda12.9-devel-ubuntu24.04, optionally with @sha256:<digest>"],
  ["formNixl", "NIXL_VERSION is a NIXL release tag: without a v up to 0.10.1, with its v from v1.0.0 (0.7.1, v1.4.0), not v0.7.1"],
  ["pairing", "stage nixl: NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage libfabric builds libfabric v1.21.0"],
  ["etcdReff", "unknown option reff for stage etcd-cpp-api; remove it or use one of the options the stage declares"],
  ["baseTagg", "unknown option tagg for stage base; remove it or use one of the options the stage declares"],
  ["docaBuidl", "unknown option buidl for stage doca; remove it or use one of the options the stage declares"],
  ["sdkVerison", "unknown option verison for stage aws-sdk-cpp; remove it or use one of the options the stage declares"],
  ["gusliComit", "unknown option comit for stage gusli; remove it or use one of the options the stage declares"],
  ["runtimeEnvv", "unknown option envv for stage runtime; remove it or use one of the options the stage declares"],
  ["ownStage", "unknown option greting for stage hello; remove it or use one of the options the stage declares"],
  ["wrongKind", "nixl, option libfabric: the value is a ucx artifact, not libfabric: pass the libfabric artifact of the stage that provides it"],
  ["flagship", "nixl needs libfabric at /usr/local but stage efa-drivers installs it at /opt/amazon/efa; build nixl against the libfabric artifact of stage efa-drivers, or install libfabric at /usr/local"],
])("%s: tsc prints the sentence", (name, sentence) => {
  expect(printed[name] ?? "(compiled without errors)").toContain(sentence);
  expect(printed[name]).not.toMatch(/not assignable to (type|parameter of type) 'never'/);
});

test.each([
  ["flagship", [M.rule1Installer]],
  ["hole1", [H.prefix, H.held]],
  ["hole2", [H.inImage]],
  ["hole2Own", [H.inImageOwn]],
])("%s: the first line of tsc's diagnostic holds each whole sentence", (name, sentences) => {
  // One diagnostic per refused stage, each starting with its sentence.
  const lines = firstLines[name] ?? [];
  expect(lines).toHaveLength(sentences.length);
  sentences.forEach((sentence, i) => expect(lines[i]?.startsWith(`Property '"${sentence}"' is missing in type`)).toBe(true));
});

const unknown = (stage: string, option: string) => `unknown option ${option} for stage ${stage}; remove it or use one of the options the stage declares`;
test.each([
  ["unknownOption", unknown("libfabric", "prefx")],
  ["etcdReff", unknown("etcd-cpp-api", "reff")],
  ["baseTagg", unknown("base", "tagg")],
  ["docaBuidl", unknown("doca", "buidl")],
  ["sdkVerison", unknown("aws-sdk-cpp", "verison")],
  ["gusliComit", unknown("gusli", "comit")],
  ["runtimeEnvv", unknown("runtime", "envv")],
  ["ownStage", unknown("hello", "greting")],
  ["wrongKind", "nixl, option libfabric: the value is a ucx artifact, not libfabric: pass the libfabric artifact of the stage that provides it"],
  ["wrongKindVar", "nixl, option libfabric: the value is a ucx artifact, not libfabric: pass the libfabric artifact of the stage that provides it"],
  ["relativePrefix", "libfabric, option prefix: usr/local is not an absolute path: start it with /"],
  ["latest", "libfabric, option version: latest is not a pinned version: give an exact version such as 1.2.3"],
  ["latestVar", "libfabric, option version: latest is not a pinned version: give an exact version such as 1.2.3"],
  ["formLibfabric", "stage libfabric, option version: LIBFABRIC_VERSION is a libfabric release tag with its v (v2.3.0), not 2.3.0"],
  ["formNixl", "stage nixl, option version: NIXL_VERSION is a NIXL release tag: without a v up to 0.10.1, with its v from v1.0.0 (0.7.1, v1.4.0), not v0.7.1"],
  ["baseTagLatest", "latest is not a pinned image tag: give a version tag such as 25.06-cuda12.9-devel-ubuntu24.04, optionally with @sha256:<digest>"],
  ["pairing", M.nixlLibfabricMin],
  ["booleanValue", 'libfabric, option efa: "yes" is not true or false'],
  ["booleanVar", 'libfabric, option efa: "yes" is not true or false'],
  ["oneOfValue", 'libfabric, option source: "tarball" is not one of "release", "git"'],
  ["oneOfVar", 'libfabric, option source: "tarball" is not one of "release", "git"'],
  ["listOfValue", "efa-drivers, option flags: --bogus is not one of --debug-packages, --enable-gdr, --mpi=openmpi4, --mpi=openmpi5, --check-signatures, --enable-ngc (the container flags -y --skip-kmod --skip-limit-conf --no-verify are always passed)"],
  ["listOfVar", "efa-drivers, option flags: --bogus is not one of --debug-packages, --enable-gdr, --mpi=openmpi4, --mpi=openmpi5, --check-signatures, --enable-ngc (the container flags -y --skip-kmod --skip-limit-conf --no-verify are always passed)"],
  ["notAList", 'efa-drivers, option flags: "--enable-gdr" is not a list'],
  ["versionNumber", "libfabric, option version: 5 is not a string"],
])("%s: an option error is one diagnostic whose first line holds the whole sentence, not the stage's spec", (name, sentence) => {
  const lines = firstLines[name] ?? [];
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(sentence);
  expect(lines[0]).not.toMatch(/ComponentOptions<|OptionKind<|readonly options:/);
});

describe.each(Object.entries(longRules))("rule sentence %s", (name, r) => {
  test("plain tsx refuses the composition with the sentence", async () => {
    const f = `${dir}/run-${name}.ts`;
    writeFileSync(f, `${header}${r.body}\nrecipe("x", [${r.stages}]);\n`);
    await expect(import(/* @vite-ignore */ pathToFileURL(resolve(f)).href)).rejects.toThrow(r.sentence);
  });
  const lines = (n: string) => (printed[n] ?? "").split("\n").filter((l) => l !== "").map((l) => l.replace(/\\"/g, '"'));
  test(r.first ? "an object literal: one diagnostic whose first line holds the whole sentence" : "an object literal: one diagnostic, its first line the start of the sentence, its second line the whole sentence", () => {
    expect(firstLines[`rule-${name}`]).toHaveLength(1);
    const [first, second] = lines(`rule-${name}`);
    if (r.first) {
      expect(first).toContain(r.sentence);
    } else {
      expect(r.sentence.length).toBeGreaterThan(309);
      expect(first).toContain(`Refuse<"${r.sentence.slice(0, 150)}`);
      expect(second).toContain(`Property '"${r.sentence}"' is missing in type`);
    }
  });
  test("through a variable: one diagnostic whose second line holds the whole sentence (the first holds its start)", () => {
    expect(firstLines[`rule-${name}Var`]).toHaveLength(1);
    const [first, second] = lines(`rule-${name}Var`);
    expect(first).toContain(`Refuse<"${r.sentence.slice(0, 150)}`);
    expect(second).toContain(`Property '"${r.sentence}"' is missing in type`);
  });
});

test("FitsTypeName is true exactly when tsc prints Refuse<\"S\"> uncut", () => {
  expect(firstLines["fits309"]).toEqual([`Type 'Refuse<"${xs(309)}">' is not assignable to type 'true'.`]);
  expect(firstLines["fits310"]).toEqual([`Type 'Refuse<"${xs(310).slice(0, 309)}...' is not assignable to type 'false'.`]);
});

describe.each(Object.entries(platformCases))("recipe platforms: %s", (name, [options, sentence]) => {
  test("plain tsx throws the sentence", async () => {
    const f = `${dir}/run-${name}.ts`;
    writeFileSync(f, `${header}recipe("bad", [uv], ${options});\n`);
    await expect(import(/* @vite-ignore */ pathToFileURL(resolve(f)).href)).rejects.toThrow(sentence);
  });
  test("tsc: one diagnostic whose first line holds the sentence, literally; through a variable the sentence, whole", () => {
    expect(firstLines[name]).toEqual([expect.stringContaining(`Property '"${sentence}"' is missing in type`)]);
    expect(firstLines[`${name}Var`]).toHaveLength(1);
    expect((printed[`${name}Var`] ?? "").replace(/\\"/g, '"')).toContain(`Property '"${sentence}"' is missing in type`);
  });
});

test("recipe platforms: a list of platforms in any order, or of the element type, compiles", () => {
  expect(printed["platformsGood"]).toBeUndefined();
});
