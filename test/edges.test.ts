/**
 * The edges a new user touches first (issue "first contact"): every file-system failure is one line
 * naming the path and the cause, nothing hangs, `-o FILE` replaces a file atomically, a recipe file's
 * syntax error names file:line:column, and the recipe-module path prints the same warnings as the CLI.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { fileError } from "../src/index.ts";
import { runCli } from "../src/cli.ts";
import { builtinRecipes, recipeAliases } from "../recipes/index.ts";
import { nixlImageRows, nixlLinkage } from "../stages/index.ts";
import { tempDir } from "./support/tmp.ts";

const ctx = { builtins: builtinRecipes, aliases: recipeAliases, compareRows: nixlImageRows, critical: nixlLinkage };
async function cli(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(argv, ctx, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** The bin as a process, with a deadline: a hang fails the test instead of stalling the run. */
function bin(args: readonly string[], options: { uid?: number; gid?: number } = {}) {
  const r = spawnSync(process.execPath, ["bin/stagewright.mjs", ...args], { encoding: "utf8", timeout: 30_000, ...options });
  expect(r.signal, `stagewright ${args.join(" ")} did not finish within 30 s`).toBeNull();
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exactly one line on stderr, no stack trace, exit 1. */
function expectOneLine(r: { code: number | null; stderr: string }, line: string) {
  expect(r.stderr.trimEnd().split("\n"), r.stderr).toEqual([line]);
  expect(r.code).toBe(1);
}

describe("file-system errors: one line naming the path and the cause", () => {
  test("--out under a file (ENOTDIR)", () => {
    expectOneLine(bin(["render", "aligned", "--out", "README.md/sub"]), "stagewright render: cannot create directory README.md/sub: README.md is a file, not a directory");
  });
  test("-o under a file", () => {
    expectOneLine(bin(["render", "aligned", "-o", "README.md/Dockerfile"]), "stagewright render: cannot create directory README.md: README.md is a file, not a directory");
  });
  test("--out /proc/stagewright returns (Node's recursive mkdir spins there)", () => {
    expectOneLine(bin(["render", "aligned", "--out", "/proc/stagewright"]), "stagewright render: cannot create directory /proc/stagewright: the file system refuses to create it there (ENOENT)");
  });
  test("-o into a directory the user may not write (EACCES)", () => {
    const dir = tempDir("stagewright-ro-");
    chmodSync(dir, 0o755);
    const ro = join(dir, "ro");
    mkdirSync(ro, { mode: 0o555 });
    // Root may write anywhere: run as nobody there (CI runs as root).
    const asRoot = process.getuid?.() === 0;
    const r = bin(["render", "aligned", "-o", join(ro, "Dockerfile")], asRoot ? { uid: 65534, gid: 65534 } : {});
    expectOneLine(r, `stagewright render: cannot write ${join(ro, "Dockerfile")}: permission denied (EACCES)`);
    expect(readdirSync(ro)).toEqual([]);
  });
  test("-o naming a directory", async () => {
    const r = await cli("render", "aligned", "-o", tempDir());
    expect(r.err).toMatch(/^stagewright render: cannot write \S+: it is a directory; give a file name\n$/);
  });
  test("every errno a write can meet reads as a cause, EPERM included", () => {
    const e = Object.assign(new Error("EPERM: operation not permitted, open 'x'"), { code: "EPERM" });
    expect(fileError(e, "out/x", "write").message).toBe("cannot write out/x: operation not permitted (EPERM)");
    expect(fileError(Object.assign(new Error("?"), { code: "EWHAT" }), "x", "write").message).toBe("cannot write x: failed (EWHAT)");
  });
});

describe("-o FILE: the Dockerfile, written atomically", () => {
  test("a refusal leaves the previous file as it was; nothing temporary is left", async () => {
    const dir = tempDir();
    const f = join(dir, "Dockerfile");
    writeFileSync(f, "previous\n");
    const r = await cli("render", "aligned", "-o", f, "--set", "LIBFABRIC_VERSION=v1.21.0");
    expect(r.code).toBe(1);
    expect(readFileSync(f, "utf8")).toBe("previous\n");
    expect(readdirSync(dir)).toEqual(["Dockerfile"]);
  });
  test("success replaces it with the Dockerfile (--output is the long form; with --manifest, the manifest)", async () => {
    const dir = tempDir();
    const f = join(dir, "Dockerfile");
    writeFileSync(f, "previous\n");
    const r = await cli("render", "aligned", "--output", f);
    expect(r.code).toBe(0);
    expect(r.err.split("\n")[0]).toBe(`wrote ${f}`);
    expect(readFileSync(f, "utf8")).toBe(builtinRecipes["nixl-aligned"]!().render());
    expect((await cli("render", "aligned", "-o", join(dir, "m.yaml"), "--manifest")).code).toBe(0);
    expect(readFileSync(join(dir, "m.yaml"), "utf8")).toContain("recipe: nixl-aligned");
  });
  test("-o and --out together are refused", async () => {
    const r = await cli("render", "aligned", "-o", "x", "--out", "y");
    expect(r.err).toBe("stagewright render: give -o FILE (the Dockerfile) or --out DIR (the Dockerfile and its companions), not both\n");
  });
  test("--out with --manifest names every written file as given (relative stays relative)", () => {
    const dir = tempDir();
    const r = spawnSync(process.execPath, [join(process.cwd(), "bin/stagewright.mjs"), "render", "official", "--out", "o", "--manifest"], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(0);
    const wrote = r.stderr.split("\n").filter((l) => l.startsWith("wrote "));
    expect(wrote).toContain("wrote o/manifest-nixl-official.yaml");
    for (const l of wrote) expect(l).toMatch(/^wrote o\//);
  });
});

describe("recipe files and recipe modules", () => {
  test("a syntax error prints file:line:column and the message", () => {
    // Written here, not under test/fixtures: the project's own tsc would refuse the file.
    const dir = tempDir();
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
    const f = join(dir, "syntax.ts");
    writeFileSync(f, "export default () => {\n  const x = ;\n  return x;\n};\n");
    expectOneLine(bin(["render", f]), `stagewright render: recipe file ${f} failed to load: ${f}:2:12: Unexpected ";"`);
  });
  test("npx tsx recipes/aligned.ts prints the warnings the CLI prints (the DOCA checksum)", () => {
    const viaModule = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "recipes/aligned.ts"], { encoding: "utf8" });
    const viaCli = bin(["render", "aligned"]);
    expect(viaModule.status).toBe(0);
    expect(viaModule.stdout).toBe(viaCli.stdout);
    const warnings = viaCli.stderr.split("\n").filter((l) => l.startsWith("warning: "));
    expect(warnings.some((w) => w.includes("DOCA_SHA256") || w.includes("doca"))).toBe(true);
    expect(viaModule.stderr.split("\n").filter((l) => l.startsWith("warning: "))).toEqual(warnings);
  });
  test("--version", () => {
    const r = bin(["--version"]);
    expect(r.stdout).toBe(`stagewright ${(JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version}\n`);
  });
});

describe("rule sentences state the rule's own bounds", () => {
  test("--set LIBFABRIC_VERSION=v2.2.0 names v2.2.0 and the bounds, never another version as if it were given", async () => {
    const r = await cli("render", "aligned", "--set", "LIBFABRIC_VERSION=v2.2.0");
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage libfabric builds libfabric v2.2.0; use libfabric >= v2.3.0rc2, or NIXL 0.8.0 or later, which needs libfabric >= v1.21.0",
    );
    expect(r.err).not.toContain("libfabric v1.21.0 is");
  });
});

describe("minor edges", () => {
  test("the CLI's override hint is the values-file form, and that form works as written", async () => {
    const r = await cli("render", "aligned", "--set", "LIBFABRIC_VERSION=v2.2.0");
    expect(r.err).toContain('to build anyway, add to a --values file: overrides: [{ stage: nixl, rule: nixl-libfabric-min, reason: "<why>" }]');
    expect(r.err).not.toContain("add an explicit override {");
    const f = join(tempDir(), "values.yaml");
    writeFileSync(f, 'overrides: [{ stage: nixl, rule: nixl-libfabric-min, reason: "tested with v2.2.0 on our hosts" }]\n');
    const ok = await cli("render", "aligned", "--set", "LIBFABRIC_VERSION=v2.2.0", "--values", f);
    expect(ok.code, ok.err).toBe(0);
  });
  test("the manifest names real paths: ${ARCH} resolved with the recipe's default", async () => {
    const r = await cli("render", "aligned", "--manifest");
    expect(r.out).not.toContain("${");
    expect(r.out).toContain("lib/x86_64-linux-gnu/libnixl.so");
  });
});
