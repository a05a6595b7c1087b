/**
 * The stagewright command: each command, its --help, and each refusal (one line, non-zero exit,
 * nothing written).
 */
import { tempDir } from "./support/tmp.ts";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { runCli } from "../src/cli.ts";
import { builtinRecipes, builtinVariants, recipeAliases } from "../recipes/index.ts";
import { nixlImageRows, nixlLinkage } from "../stages/index.ts";
import { checkDockerfile } from "./support/checkers.ts";

const ctx = { builtins: builtinRecipes, aliases: recipeAliases, variants: builtinVariants, compareRows: nixlImageRows, critical: nixlLinkage };

async function cli(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(argv, ctx, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
const tmp = () => tempDir("stagewright-cli-");

describe("render", () => {
  test("prints the Dockerfile of a built-in recipe, by alias and by name", async () => {
    const a = await cli("render", "aligned");
    expect(a.code).toBe(0);
    expect(a.out).toBe(builtinRecipes["nixl-aligned"]!().render());
    expect((await cli("render", "nixl-official")).out).toContain("ARG BASE_TAG=\"25.03-cuda12.8-devel-ubuntu24.04\"");
  });
  test("loads a recipe file by path", async () => {
    const r = await cli("render", "recipes/production.ts");
    expect(r.code).toBe(0);
    expect(checkDockerfile(r.out)).toEqual({ problems: [], skipped: [] });
  });
  test("--out writes the Dockerfile and its companions", async () => {
    const dir = join(tmp(), "out");
    const r = await cli("render", "aligned", "--out", dir);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([".dockerignore", "Dockerfile.nixl-aligned", "Dockerfile.nixl-aligned-build-nccl", "Dockerfile.nixl-aligned-devel", "Dockerfile.nixl-aligned-no-nccl", "build-nixl-aligned.sh", "docker-bake.hcl", "test-nixl-aligned.sh"]);
  });
  test("--set moves an ARG for the whole image", async () => {
    const r = await cli("render", "aligned", "--set", "LIBFABRIC_INSTALL_PATH=/opt/libfabric");
    expect(r.out).toContain('ARG LIBFABRIC_INSTALL_PATH="/opt/libfabric"');
  });
  test("--values with a producer-only move is refused, with nothing written", async () => {
    const dir = tmp();
    const values = join(dir, "values.yaml");
    writeFileSync(values, "stages:\n  libfabric:\n    LIBFABRIC_INSTALL_PATH: /opt/libfabric\n");
    const r = await cli("render", "aligned", "--values", values, "--out", join(dir, "out"));
    expect(r.code).toBe(1);
    expect(r.err.split("\n")[0]).toBe(
      "stagewright render: nixl needs libfabric at /usr/local but stage libfabric installs it at /opt/libfabric; build nixl against the libfabric artifact of stage libfabric, or install libfabric at /usr/local",
    );
    expect(existsSync(join(dir, "out"))).toBe(false);
  });
  test("--manifest prints the bill of materials", async () => {
    const r = await cli("render", "aligned", "--manifest", "--set", "LIBFABRIC_INSTALL_PATH=/opt/libfabric");
    const m = parse(r.out) as { recipe: string; components: { kind: string; prefix: string; version: string }[]; args: Record<string, string> };
    expect(m.recipe).toBe("nixl-aligned");
    expect(m.components.find((c) => c.kind === "libfabric")).toMatchObject({ prefix: "/opt/libfabric", version: "v2.3.0" });
    expect(m.components.find((c) => c.kind === "nixl")).toMatchObject({ prefix: "/usr/local/nixl", version: "0.7.1" });
    expect(m.args["UCX_VERSION"]).toBe("v1.19.0");
  });
  test("--manifest with --out also writes manifest-<name>.yaml", async () => {
    const dir = join(tmp(), "o");
    expect((await cli("render", "official", "--out", dir, "--manifest")).code).toBe(0);
    expect(readFileSync(join(dir, "manifest-nixl-official.yaml"), "utf8")).toContain("recipe: nixl-official");
  });
});

describe("compare and graph", () => {
  test("compare prints the table for the recipes given", async () => {
    const r = await cli("compare", "official", "aligned");
    expect(r.code).toBe(0);
    expect(r.out).toContain("| libfabric install path | /usr/local | /usr/local | same |");
    expect(r.out).toContain("| NIXL build type | debug | release | differs |");
  });
  test("graph prints Mermaid by default and DOT on request", async () => {
    const m = await cli("graph", "aligned");
    expect(m.out.startsWith("flowchart TD\n")).toBe(true);
    expect(m.out).toContain("libfabric -.-> nixl");
    const d = await cli("graph", "aligned", "--format", "dot");
    expect(d.out).toContain('"libfabric" -> "nixl" [style=dashed];');
    expect(d.out).toContain('"venv" -> "nixl";');
  });
});

describe("check", () => {
  test("the aligned recipe: exactly one finding, the DOCA repository key whose full fingerprint no public source states (docs/security.md)", async () => {
    const r = await cli("check", "aligned");
    expect(r.out).toBe(
      "warning: stage doca: ARG DOCA_SIGNER_FINGERPRINT is empty, so the build stops until a fingerprint is passed: add the key's full fingerprint to the source lock from a public source, or pass it as a build arg (rule missing-fingerprint)\nnixl-aligned: 1 finding\n",
    );
    expect(r.code).toBe(1);
  });
  test("the production recipe has no findings and exits 0", async () => {
    const r = await cli("check", "production");
    expect(r.out).toBe("nixl-production: no findings\n");
    expect(r.code).toBe(0);
  });
  test("a version the lock does not know is reported by check, and render warns on stderr", async () => {
    const c = await cli("check", "aligned", "--set", "GDRCOPY_VERSION=v2.5.1");
    expect(c.out).toContain("warning: stage gdrcopy: ARG GDRCOPY_SHA256 is empty");
    const r = await cli("render", "aligned", "--set", "GDRCOPY_VERSION=v2.5.1");
    expect(r.code).toBe(0);
    expect(r.err).toContain("warning: stage gdrcopy: ARG GDRCOPY_SHA256 is empty");
  });
});

describe("user mistakes: one line, the fix, a non-zero exit", () => {
  test.each([
    [["render", "nope"], 1, "stagewright render: no built-in recipe nope; built-in: official, production, aligned, current, nixl-official, nixl-production, nixl-aligned, nixl-current, gpu-host, gpu-host-system-copies, or give a path to a .ts recipe file"],
    [["render", "missing/recipe.ts"], 1, "stagewright render: recipe file missing/recipe.ts does not exist"],
    [["render", "test/fixtures/recipes/throws.ts"], 1, "stagewright render: recipe file test/fixtures/recipes/throws.ts threw while building its recipe: boom in user code"],
    [["render", "test/fixtures/recipes/empty.ts"], 1, "stagewright render: recipe file test/fixtures/recipes/empty.ts exports no recipe: export default recipe(...) or a function returning one"],
    [["render", "test/fixtures/recipes/mismatch.ts"], 1, "stagewright render: nixl needs libfabric at /opt/amazon/efa but stage libfabric installs it at /usr/local; build nixl against the libfabric artifact of stage libfabric, or install libfabric at /opt/amazon/efa"],
    [["render", "aligned", "--frobnicate"], 1, "stagewright render: unknown option --frobnicate; see stagewright render --help"],
    [["render", "aligned", "--set"], 1, "stagewright render: --set needs a value; see stagewright render --help"],
    [["render", "aligned", "--set", "NOPE=1"], 1, "stagewright render: ARG NOPE is not an ARG of this recipe; its ARGs are: "],
    [["graph", "aligned", "--format", "png"], 1, "stagewright graph: --format png is not mermaid or dot; see stagewright graph --help"],
    [["compare", "aligned"], 1, "stagewright compare: give at least two recipes; see stagewright compare --help"],
    [["frob"], 2, "stagewright: unknown command frob; see stagewright --help"],
  ])("%j", async (argv, code, line) => {
    const r = await cli(...argv);
    expect(r.code).toBe(code);
    expect(r.err.split("\n")[0]!.startsWith(line)).toBe(true);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });
  test("--help on each command", async () => {
    for (const c of ["render", "compare", "graph", "check", "lock"]) {
      const r = await cli(c, "--help");
      expect(r.code).toBe(0);
      expect(r.out.startsWith(`usage: stagewright ${c}`)).toBe(true);
    }
    expect((await cli("--help")).out.startsWith("usage: stagewright <command>")).toBe(true);
  });
});

describe("the installed command", () => {
  test("bin/stagewright.mjs runs under plain node (tsx is loaded by the launcher)", () => {
    const out = execFileSync(process.execPath, ["bin/stagewright.mjs", "graph", "aligned", "--format", "dot"], { encoding: "utf8" });
    expect(out).toContain('digraph "nixl-aligned"');
  });
  test("a refusal exits 1 with one line on stderr", () => {
    const r = spawnSync(process.execPath, ["bin/stagewright.mjs", "render", "aligned", "--set", "LIBFABRIC_VERSION=v1.21.0"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("rule nixl-libfabric-min");
  });
});
