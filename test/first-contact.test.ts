/**
 * First contact through the packed package (test/support/packed.ts): the installed bin runs the
 * compiled JavaScript, one module instance and one error identity serve the bin and a consumer's
 * recipe file, and a consumer's own `tsx my-recipe.ts` prints the sentence, not a stack trace.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { isStagewrightError, StagewrightError } from "../src/index.ts";
import { packedConsumer, type PackedConsumer } from "./support/packed.ts";

let c: PackedConsumer;
beforeAll(() => {
  c = packedConsumer();
}, 180_000);

const MISMATCH = "nixl needs libfabric at /usr/local but stage efa-drivers installs it at /opt/amazon/efa";

/** A consumer's recipe module: the README's mistake (two libfabrics, nixl built against the wrong one), untyped at run time. */
function badRecipeModule(tail: string): string {
  return `import { recipe, runRecipeMain, withTestScript } from "stagewright";
import { cudaDlBase, efaDrivers, etcdCppApi, libfabric, nixl, ucx, uvStage } from "stagewright/stages";
const uv = uvStage();
const base = cudaDlBase(uv, {});
const etcd = etcdCppApi(base, {});
const u = ucx(base, { version: "v1.19.0" });
const efa = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
const fabric = libfabric(base, { version: "v2.3.0" });
const n = nixl(base, { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });
export const good = () => withTestScript(recipe("mine", [uv, base, etcd, u, fabric, n]), () => "#!/bin/sh\\necho mine\\n");
// @ts-ignore: the mistake tsc refuses; here it reaches the runtime twin
export const bad = () => recipe("bad", [uv, base, etcd, u, efa, fabric, n]);
${tail}
`;
}

function run(cmd: string, args: readonly string[]) {
  const r = spawnSync(cmd, args, { cwd: c.dir, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const bin = () => join(c.dir, "node_modules", ".bin", "stagewright");
const tsx = () => join(c.dir, "node_modules", "tsx", "dist", "cli.mjs");

describe("the installed bin runs the compiled package", () => {
  test("the tarball ships dist/ and the launcher, no TypeScript sources", () => {
    expect(c.files).toContain("dist/bin/cli.js");
    expect(c.files).toContain("bin/stagewright.mjs");
    expect(c.files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  test("render aligned runs without TypeScript: it works with tsx taken away", () => {
    const link = join(c.dir, "node_modules", "tsx");
    renameSync(link, `${link}.away`);
    try {
      const out = run(process.execPath, [bin(), "render", "aligned"]);
      expect(out.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("warning: "))).toEqual([]);
      expect(out.code).toBe(0);
      expect(out.stdout.startsWith("# syntax=docker/dockerfile:1\n")).toBe(true);
    } finally {
      renameSync(`${link}.away`, link);
    }
  });

  test("--version prints the package version", () => {
    const version = (JSON.parse(readFileSync(join(c.pkg, "package.json"), "utf8")) as { version: string }).version;
    expect(run(process.execPath, [bin(), "--version"]).stdout).toBe(`stagewright ${version}\n`);
  });
});

describe("one module instance, one error identity", () => {
  test("a consumer recipe's StagewrightError is printed as its sentence, with every problem", () => {
    writeFileSync(join(c.dir, "bad.ts"), badRecipeModule("export default bad;"));
    const r = run(process.execPath, [bin(), "render", "bad.ts"]);
    expect(r.stderr).not.toContain("threw while building its recipe");
    expect(r.stderr.split("\n")[0]).toContain(`stagewright render: ${MISMATCH}`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.code).toBe(1);
  });

  test("a consumer's withTestScript reaches the bin's companions (the same module instance)", () => {
    writeFileSync(join(c.dir, "good.ts"), badRecipeModule("export default good;"));
    const r = run(process.execPath, [bin(), "render", "good.ts", "--out", "out"]);
    expect(r.stderr, r.stderr).toContain("wrote out/test-mine.sh");
    expect(r.code).toBe(0);
    expect(readFileSync(join(c.dir, "out", "test-mine.sh"), "utf8")).toBe("#!/bin/sh\necho mine\n");
  });
});

describe("runRecipeMain from the package: a consumer's own tsx my-recipe.ts", () => {
  test("a mismatch prints the sentence and exits 1, no stack trace", () => {
    writeFileSync(join(c.dir, "my-recipe.ts"), badRecipeModule("runRecipeMain(import.meta.url, bad);"));
    const r = run(process.execPath, [tsx(), "my-recipe.ts"]);
    expect(r.stderr.split("\n")[0]).toContain(`stagewright: ${MISMATCH}`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe("");
    expect(r.code).toBe(1);
  });

  test("-o FILE writes atomically: a refusal leaves the old file, success replaces it", () => {
    writeFileSync(join(c.dir, "Dockerfile"), "previous\n");
    expect(run(process.execPath, [tsx(), "my-recipe.ts", "-o", "Dockerfile"]).code).toBe(1);
    expect(readFileSync(join(c.dir, "Dockerfile"), "utf8")).toBe("previous\n");
    writeFileSync(join(c.dir, "ok-recipe.ts"), badRecipeModule("runRecipeMain(import.meta.url, good);"));
    const ok = run(process.execPath, [tsx(), "ok-recipe.ts", "-o", "Dockerfile"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(join(c.dir, "Dockerfile"), "utf8")).toContain('ARG LIBFABRIC_VERSION="v2.3.0"');
    expect(readdirSync(c.dir).filter((f) => f.includes("stagewright-tmp"))).toEqual([]);
    expect(existsSync(join(c.dir, "Dockerfile"))).toBe(true);
  });
});

describe("the error brand", () => {
  test("an error of another copy of the library (the packed dist/) is a StagewrightError here, both ways", async () => {
    const other = (await import(pathToFileURL(join(c.pkg, "dist", "src", "errors.js")).href)) as typeof import("../src/errors.ts");
    expect(other.StagewrightError).not.toBe(StagewrightError);
    const theirs = new other.StagewrightError("invalid-value", "from the other copy");
    expect(isStagewrightError(theirs)).toBe(true);
    expect(theirs instanceof StagewrightError).toBe(true);
    expect(other.isStagewrightError(new StagewrightError("invalid-value", "from this copy"))).toBe(true);
    expect(isStagewrightError(new Error("plain"))).toBe(false);
    expect(new Error("plain") instanceof StagewrightError).toBe(false);
  });
});

/**
 * The rules and sentences added with issues 11 and 14's last changes, through the tarball: the
 * consumer's own strict tsc (node_modules/typescript, the shipped .d.ts files) and plain node (dist/).
 */
describe("the packed package holds the newer rules, both twins", () => {
  const CASES = {
    valueType: { code: 'libfabric(base, { version: "v2.3.0", efa: "yes" })', sentence: 'libfabric, option efa: "yes" is not true or false' },
    platforms: { code: 'recipe("demo", [uv, base], { platforms: ["linux/s390x"] })', sentence: 'recipe demo: platform "linux/s390x" is not one of linux/amd64, linux/arm64' },
    metaSetuptools: {
      code: 'nixl(pythonVenv(uv, bare, { setuptools: false }), { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd })',
      sentence: "stage nixl: NIXL 0.7.1 builds its nixl meta wheel with uv build and build isolation off, which runs the setuptools of the venv, but the image the nixl stage builds in holds no setuptools",
    },
    runtimeCuda: {
      code: 'cudaRuntimeBase({ build: host, doca: host, image: "nvcr.io/nvidia/cuda-dl-base", tag: "25.10-cuda12.9-runtime-ubuntu24.04" })',
      sentence: "stage runtime-base: the runtime image tag 25.10-cuda12.9-runtime-ubuntu24.04 (RUNTIME_TAG) has CUDA 12.9, but stage base builds with CUDA 13.0 (BASE_TAG); use a runtime tag of CUDA 13.0, or a BASE_TAG of CUDA 12.9",
    },
    torchCuda: { code: 'runtime(host, [], { torch: "2.8.0" })', sentence: "stage runtime: torch 2.8.0 has no build for the base's CUDA 13.0 (PyTorch builds 2.8 for CUDA 12.6, 12.8, 12.9)" },
  } as const;
  const prelude = `import { recipe } from "stagewright";
import { cudaDlBase, cudaRuntimeBase, etcdCppApi, hostBase, libfabric, nixl, pythonVenv, runtime, ucx, uvStage } from "stagewright/stages";
const uv = uvStage();
const base = cudaDlBase(uv, {});
const bare = cudaDlBase(uv, { venv: false });
const host = hostBase({ cuda: "13.0" });
const etcd = etcdCppApi(base, {});
const u = ucx(base, { version: "v1.19.0" });
const fabric = libfabric(base, { version: "v2.3.0" });
void recipe; void cudaRuntimeBase; void nixl; void pythonVenv; void runtime; void host; void bare; void etcd; void u; void fabric;
`;

  test("the consumer's tsc refuses each with its sentence, one diagnostic each", () => {
    const names = Object.keys(CASES) as (keyof typeof CASES)[];
    writeFileSync(join(c.dir, "newer.ts"), `${prelude}${names.map((n) => `export const ${n} = () => ${CASES[n].code};`).join("\n")}\n`);
    writeFileSync(join(c.dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", skipLibCheck: true }, files: ["newer.ts"] }));
    const r = run(process.execPath, [join(c.dir, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"]);
    const text = r.stdout.replace(/\\"/g, '"');
    const diagnostics = text.split("\n").filter((l) => /^newer\.ts\(\d+,\d+\): error/.test(l));
    expect(r.code).not.toBe(0);
    expect(diagnostics).toHaveLength(names.length);
    for (const n of names) expect(text).toContain(CASES[n].sentence);
  }, 120_000);

  test("plain node refuses the values tsc cannot see with the same sentences", () => {
    // Untyped values, as YAML or a CLI flag gives them: the runtime twins decide.
    // The NIXL stage alone is only declared: the recipe that holds it is what the rule judges.
    const runtimeCode = {
      valueType: CASES.valueType.code,
      platforms: CASES.platforms.code,
      // Every builder on the venv-less base, so that the recipe holds one base: only the rule refuses it.
      metaSetuptools: 'const v = pythonVenv(uv, bare, { setuptools: false }); const f = libfabric(bare, { version: "v2.3.0" }); const x = ucx(bare, { version: "v1.19.0" }); const e = etcdCppApi(bare, {}); recipe("x", [uv, bare, f, x, e, v, nixl(v, { version: "0.7.1", libfabric: f.provides.libfabric, ucx: x.provides.ucx, etcd: e.provides.etcd })])',
    } as const;
    // The same composition with setuptools (the default) is accepted: the refusal is the rule's.
    const accepted = 'const v = pythonVenv(uv, bare); const f = libfabric(bare, { version: "v2.3.0" }); const x = ucx(bare, { version: "v1.19.0" }); const e = etcdCppApi(bare, {}); recipe("x", [uv, bare, f, x, e, v, nixl(v, { version: "0.7.1", libfabric: f.provides.libfabric, ucx: x.provides.ucx, etcd: e.provides.etcd })])';
    const runtimeCases = Object.keys(runtimeCode) as (keyof typeof runtimeCode)[];
    const attempt = (name: string, code: string) => `try { ${code}; console.log("ACCEPTED ${name}"); } catch (e) { console.log("REFUSED ${name}: " + e.message); }`;
    const body = [...runtimeCases.map((n) => attempt(n, runtimeCode[n])), attempt("withSetuptools", accepted)].join("\n");
    writeFileSync(join(c.dir, "newer.mjs"), `${prelude.replace(/^void .*$/m, "")}${body}\n`);
    const r = run(process.execPath, ["newer.mjs"]);
    expect(r.stderr).toBe("");
    for (const n of runtimeCases) expect(r.stdout).toContain(`REFUSED ${n}: `);
    for (const n of runtimeCases) expect(r.stdout.split("\n").find((l) => l.startsWith(`REFUSED ${n}: `))).toContain(CASES[n].sentence);
    expect(r.stdout).toContain("ACCEPTED withSetuptools");
  });
});
