/**
 * stagewright as another build repository uses it: `npm run build` emits JavaScript and declarations,
 * a plain Node process imports `stagewright` and `stagewright/stages` through the package's exports,
 * and a consumer's TypeScript sees the same compile-time rules through the shipped .d.ts files.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, test } from "vitest";
import { tempDir } from "./support/tmp.ts";
import { H } from "./fixtures/expected-messages.ts";

let consumer: string;

/** A consumer project's own strict compilation of its files. */
function consumerProgram(files: readonly string[]): ts.Program {
  return ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
}

beforeAll(() => {
  execFileSync("npm", ["run", "-s", "build"], { stdio: "pipe" });
  consumer = tempDir("stagewright-consumer-");
  mkdirSync(join(consumer, "node_modules"));
  symlinkSync(resolve("."), join(consumer, "node_modules", "stagewright"), "dir");
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
}, 120_000);

describe("the published package", () => {
  test("plain node imports both entry points and renders a recipe", () => {
    const script = `
      import { recipe } from "stagewright";
      import { cudaDlBase, libfabric, uvStage } from "stagewright/stages";
      const uv = uvStage();
      const base = cudaDlBase(uv, {});
      const fabric = libfabric(base, { version: "v2.3.0" });
      process.stdout.write(recipe("consumer", [uv, base, fabric]).render());
    `;
    writeFileSync(join(consumer, "main.mjs"), script);
    const out = execFileSync(process.execPath, ["main.mjs"], { cwd: consumer, encoding: "utf8" });
    expect(out.startsWith("# syntax=docker/dockerfile:1\n")).toBe(true);
    expect(out).toContain('ARG LIBFABRIC_VERSION="v2.3.0"');
  });

  test("a consumer's tsc applies the rules through the shipped declarations", () => {
    const file = join(consumer, "recipe.ts");
    writeFileSync(
      file,
      `import { recipe } from "stagewright";
import { cudaDlBase, efaDrivers, etcdCppApi, libfabric, nixl, ucx, uvStage } from "stagewright/stages";
const uv = uvStage();
const base = cudaDlBase(uv, {});
const etcd = etcdCppApi(base, {});
const u = ucx(base, { version: "v1.19.0" });
const efa = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
const fabric = libfabric(base, { version: "v2.3.0" });
const n = nixl(base, { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });
export const ok = recipe("ok", [uv, base, etcd, u, fabric, n]);
export const bad = recipe("bad", [uv, base, etcd, u, efa, fabric, n]);
`,
    );
    const program = consumerProgram([file]);
    const messages = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(
      "nixl needs libfabric at /usr/local but stage efa-drivers installs it at /opt/amazon/efa; build nixl against the libfabric artifact of stage efa-drivers, or install libfabric at /usr/local",
    );
  });
});

/**
 * Issue 14's holes 1 and 2 as another repository meets them: the tarball `npm pack` makes, unpacked
 * into a fresh project (its dependencies linked from this checkout: no network), compiled by that
 * project's own strict tsc and run by plain node.
 */
describe("the packed package refuses holes 1 and 2", () => {
  let project: string;
  const stages = `import { artifact, buildNeed, defineStage, image, recipe, run } from "stagewright";
import { cudaDlBase, doca, efaDrivers, etcdCppApi, libfabric, nccl, nixl, runtime, ucx, uvStage } from "stagewright/stages";
const uv = uvStage();
const base = cudaDlBase(uv, {});
const dc = doca(base, {});
const etcd = etcdCppApi(dc, {});
const u = ucx(dc, { version: "v1.19.0" });
const fabric = libfabric(dc, { version: "v2.3.0" });
const n = nixl(dc, { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });
const efa = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
const onEfa = runtime(efa, [u.provides.ucx, etcd.provides.etcd, n.provides.nixl, n.provides.nixlWheel]);
const offChain = nixl(dc, { version: "0.7.1", libfabric: efa.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });
const mine = defineStage({ name: "mine", description: "a consumer's stage", from: dc, needs: [buildNeed(efa.provides.libfabric)], steps: [run("true")] });
void artifact; void buildNeed; void defineStage; void image; void recipe; void run; void nccl; void onEfa; void offChain; void mine;
`;
  const cases = {
    hole1: ["recipe(\"hole1\", [uv, base, dc, etcd, u, fabric, n, efa, onEfa]);", [H.prefix, H.held]],
    hole2: ["recipe(\"hole2\", [uv, base, dc, efa, etcd, u, offChain]);", [H.inImage]],
    hole2Own: ["recipe(\"hole2-own\", [uv, base, dc, efa, mine]);", [H.inImageOwn]],
  } as const;
  // Holes 3 and 6 at the option level: a typo through a variable; the first line holds the whole sentence.
  const optionCases = {
    hole3: ['const o = { reff: "abc" } as const;\netcdCppApi(dc, o);', "unknown option reff for stage etcd-cpp-api; remove it or use one of the options the stage declares"],
    // Issue 9 item 5: a version in another form than its upstream's tags, through a variable.
    form: ['const v = { version: "2.3.0" } as const;\nlibfabric(dc, v);', "stage libfabric, option version: LIBFABRIC_VERSION is a libfabric release tag with its v (v2.3.0), not 2.3.0"],
  } as const;
  // An own-stage version rule on an artifact the base holds, copied into the base through a staged
  // need (no stage of its FROM chain provides it). The sentence is longer than the 320 characters
  // after which tsc cuts a printed type and the rule names a string option (version), so tsc
  // refuses the whole options object: its first line holds the start of the sentence, its second
  // line (the missing property, a name tsc never cuts) the whole sentence (test/tsc-messages.test.ts
  // for every long rule sentence); plain node prints it whole.
  const ruleCases = {
    copiedToolkit: [
      'const tk = defineStage({ name: "toolkit", description: "t", from: image("debian:bookworm"), provides: { cuda: artifact({ kind: "cuda", producer: "toolkit", version: "13.0", prefix: "/usr/local/cuda", delivery: { type: "staged", dir: "/opt/s/toolkit" } }) }, steps: [run("true")] });\n' +
        'const sys = defineStage({ name: "sys", description: "s", from: image("debian:bookworm"), needs: [buildNeed(tk.provides.cuda)], steps: [run("true")] });\n' +
        'recipe("copied", [tk, sys, nccl(sys, { version: "v2.26.6-1" })]);',
      'stage nccl: NCCL v2.26.6-1 does not build with CUDA 13.0 from stage toolkit (unversioned PFN_cu* typedefs, -std=c++11, pre-sm_75 gencodes); use NCCL v2.27.3-1 or later with CUDA 13.0 and later, or leave NCCL out (rule nccl-cuda-13; source: https://github.com/NVIDIA/nccl/blob/v2.27.3-1/makefiles/common.mk (CUDA 13: no pre-sm_75 gencodes, -std=c++17) and https://github.com/NVIDIA/nccl/blob/v2.27.3-1/src/include/cudawrap.h (versioned PFN_cu* typedefs), against the same files at v2.26.6-1); to build anyway, add an explicit override { rule: "nccl-cuda-13", reason: "..." }',
    ],
  } as const;

  beforeAll(() => {
    const packs = tempDir("stagewright-pack-");
    execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", packs], { stdio: "pipe" });
    const tarball = readdirSync(packs).find((f) => f.endsWith(".tgz"))!;
    project = tempDir("stagewright-packed-");
    const installed = join(project, "node_modules", "stagewright");
    mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["-xzf", join(packs, tarball), "-C", installed, "--strip-components=1"]);
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
    for (const dep of [...Object.keys(pkg.dependencies), "@types/semver"]) {
      mkdirSync(join(project, "node_modules", dep, ".."), { recursive: true });
      symlinkSync(resolve("node_modules", dep), join(project, "node_modules", dep), "dir");
    }
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "packed-consumer", type: "module", private: true }));
  }, 120_000);

  test("its tsc prints each sentence whole, first on the first line of the diagnostic (an option's on the first line; a long rule sentence on a string option whole on the second)", () => {
    const files = [...Object.entries(cases), ...Object.entries(optionCases), ...Object.entries(ruleCases)].map(([name, [call]]) => {
      const f = join(project, `${name}.ts`);
      writeFileSync(f, `${stages}${call}\n`);
      return f;
    });
    const program = consumerProgram(files);
    const first: Record<string, string[]> = {};
    const second: Record<string, string[]> = {};
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const name = d.file?.fileName.split("/").pop()?.replace(/\.ts$/, "") ?? "(global)";
      const lines = ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n").map((l) => l.replace(/\\"/g, '"'));
      (first[name] ??= []).push(lines[0]!);
      (second[name] ??= []).push(lines[1] ?? "");
    }
    for (const [name, [, sentences]] of Object.entries(cases)) {
      expect(first[name]?.length, name).toBe(sentences.length);
      sentences.forEach((sentence, i) => expect(first[name]?.[i]?.startsWith(`Property '"${sentence}"' is missing in type`), `${name}: ${first[name]?.[i]}`).toBe(true));
    }
    for (const [name, [, sentence]] of Object.entries(optionCases)) {
      expect(first[name]?.length, name).toBe(1);
      expect(first[name]?.[0], name).toContain(`Refuse<"${sentence}">`);
    }
    for (const [name, [, sentence]] of Object.entries(ruleCases)) {
      expect(sentence.length, name).toBeGreaterThan(320);
      expect(first[name]?.length, name).toBe(1);
      expect(first[name]?.[0], name).toContain(`Refuse<"${sentence.slice(0, 150)}`);
      expect(second[name]?.[0], name).toContain(`Property '"${sentence}"' is missing in type`);
    }
    expect(Object.keys(first).sort()).toEqual([...Object.keys(cases), ...Object.keys(optionCases), ...Object.keys(ruleCases)].sort());
  });

  test("plain node refuses the option and rule cases with the same sentences", () => {
    for (const [name, [call, sentence]] of [...Object.entries(optionCases), ...Object.entries(ruleCases)]) {
      const script = `${stages}try { ${call.replace(" as const", "")} console.log("accepted"); } catch (e) { console.log(e.message); }\n`;
      writeFileSync(join(project, `${name}-option.mjs`), script.replace(/^void .*$/m, ""));
      const out = execFileSync(process.execPath, [`${name}-option.mjs`], { cwd: project, encoding: "utf8" });
      expect(out, name).toContain(sentence);
    }
  });

  test("plain node refuses the same compositions with the same sentences", () => {
    for (const [name, [call, sentences]] of Object.entries(cases)) {
      const script = `${stages}try { ${call} console.log("[]"); } catch (e) { console.log(JSON.stringify(e.problems)); }\n`;
      writeFileSync(join(project, `${name}.mjs`), script.replace(/^void .*$/m, ""));
      const out = execFileSync(process.execPath, [`${name}.mjs`], { cwd: project, encoding: "utf8" });
      expect(JSON.parse(out), name).toEqual(sentences);
    }
  });
});
