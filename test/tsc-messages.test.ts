/**
 * What a user actually reads: compile small recipes with the TypeScript compiler and assert that the
 * printed errors contain the rule's sentence (not "not assignable to never"), and that the FIRST line
 * of the diagnostic holds the whole sentence, for the recipe rules and for the options of a stage
 * (tsc cuts long type names, and a sentence after 1 KB of Stage<...> or spec text is not read).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import ts from "typescript";
import { afterAll, beforeAll, expect, test } from "vitest";
import { H, M } from "./fixtures/expected-messages.ts";

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
const header = `import { buildNeed, defineComponent, defineStage, option, recipe, run } from "../../src/index.ts";
import { awsSdkCpp, cudaDlBase, doca, efaDrivers, etcdCppApi, gusli, libfabric, nixl, runtime, ucx, uvStage } from "../../stages/index.ts";
const uv = uvStage();
const base = cudaDlBase(uv, {});
const etcd = etcdCppApi(base, {});
const u = ucx(base, { version: "v1.19.0" });
void recipe; void efaDrivers; void nixl; void etcd; void u; void libfabric; void doca; void runtime; void defineStage; void buildNeed; void run; void defineComponent; void option; void awsSdkCpp; void gusli;
`;
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

test("a rule sentence longer than tsc's 320-character cut of a type name, through a variable: cut on the first line, whole on the second", () => {
  // For a variable tsc always leads with "Argument of type … parameter of type '<type>'", and it cuts
  // a printed type after 320 characters; property names are never cut, so the second line (the
  // missing property) holds the whole sentence. Through an object literal the first line does (pairing).
  const text = printed["pairingVar"] ?? "";
  const [first, second] = text.split("\n").map((l) => l.replace(/\\"/g, '"'));
  expect(M.nixlLibfabricMin.length).toBeGreaterThan(320);
  expect(first).toContain(M.nixlLibfabricMin.slice(0, 200));
  expect(second).toContain(M.nixlLibfabricMin);
});
