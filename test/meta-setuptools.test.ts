/**
 * Issue 11 item 1: from 0.7.1 NIXL's meson builds the nixl meta wheel with `uv build` whenever uv is
 * on PATH, and with build isolation off (UV_VENV_ENV) uv runs the environment's setuptools as is.
 * Three layers keep the venv from lacking it: the venv installs it (setuptools option, default
 * true), rule nixl-meta-setuptools refuses a nixl stage whose image holds none (runtime twin here,
 * compile-time twin in test/types/stages.test-d.ts), and the nixl stage checks it at build time
 * before meson (run here for real, with a stand-in uv and a stand-in setuptools of a chosen version).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { refusalOf } from "./support/refusal.ts";
import { recipeFromStages } from "../src/index.ts";
import { alignedRecipe, alignedStages } from "../recipes/aligned.ts";
import { currentRecipe } from "../recipes/current.ts";
import { officialRecipe, OFFICIAL_TAGS } from "../recipes/official.ts";
import { NIXL_FIRST_META_WHEEL, NIXL_META_SETUPTOOLS, NIXL_RELEASES, VENV_SETUPTOOLS, metaSetuptoolsCheck, nixl, nixlFeatures, pythonVenv } from "../stages/index.ts";
import { parseShell, shellcheck } from "./support/checkers.ts";
import { tempDir } from "./support/tmp.ts";

const SENTENCE =
  "stage nixl: NIXL 0.7.1 builds its nixl meta wheel with uv build and build isolation off, which runs the setuptools of the venv, but the image the nixl stage builds in holds no setuptools; build NIXL on a venv made with setuptools (option setuptools: true of cudaDlBase or pythonVenv, the default) (rule nixl-meta-setuptools; source: https://github.com/ai-dynamo/nixl/blob/0.7.1/src/bindings/python/nixl-meta/meson.build, https://github.com/ai-dynamo/nixl/blob/0.7.1/src/bindings/python/nixl-meta/pyproject.toml.in and https://github.com/ai-dynamo/nixl/blob/0.9.0/contrib/Dockerfile); to build anyway, add an explicit override { rule: \"nixl-meta-setuptools\", reason: \"...\" }";

describe("the venv installs setuptools for NIXL's meta wheel", () => {
  test("the aligned, current and official venvs install the pinned setuptools, before the nixl stage", () => {
    for (const text of [alignedRecipe().render(), currentRecipe().render(), officialRecipe("0.7.1").render(), officialRecipe("v1.4.0").render()]) {
      const install = text.indexOf(`'${VENV_SETUPTOOLS}'`);
      expect(install).toBeGreaterThan(0);
      expect(install).toBeLessThan(text.indexOf("AS nixl"));
    }
  });
  test("the official recipe takes it from the table: no setuptools where NIXL builds no meta wheel (0.6.1, 0.7.0)", () => {
    for (const tag of OFFICIAL_TAGS) {
      const row = NIXL_RELEASES.find((r) => r.tag === tag)!;
      expect(officialRecipe(tag).render().includes(`'${VENV_SETUPTOOLS}'`), tag).toBe(row.metaWheel);
    }
  });
  test("the rule's first version is the table's first release with the meta wheel, and every later one has it", () => {
    const first = NIXL_RELEASES.findIndex((r) => r.metaWheel);
    expect(NIXL_RELEASES[first]!.tag).toBe(NIXL_FIRST_META_WHEEL);
    expect(NIXL_RELEASES.slice(first).every((r) => r.metaWheel)).toBe(true);
    expect(NIXL_META_SETUPTOOLS.clauses[0].when).toBe(`>=${NIXL_FIRST_META_WHEEL}`);
    // nixlFeatures reads the same column (a patch release on a known line builds like its tag).
    expect(nixlFeatures("0.7.0").metaWheel).toBe(false);
    expect(nixlFeatures("0.7.2").metaWheel).toBe(true);
  });
});

describe("rule nixl-meta-setuptools (runtime twin)", () => {
  test("NIXL 0.7.1 built on a stage holding no venv is refused with the sentence", () => {
    const s = alignedStages();
    const n = nixl(s.dc as never, { version: "0.7.1" as string, libfabric: s.fabric.provides.libfabric, ucx: s.ucxBuild.provides.ucx, etcd: s.etcd.provides.etcd });
    expect(refusalOf(() => recipeFromStages("x", [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, n]))).toBe(SENTENCE);
  });
  test("a venv made without setuptools is refused; with it (the default) it builds", () => {
    const s = alignedStages();
    const bare = pythonVenv(s.uv, s.dc, { setuptools: false });
    const n = nixl(bare as never, { version: "0.7.1" as string, libfabric: s.fabric.provides.libfabric, ucx: s.ucxBuild.provides.ucx, etcd: s.etcd.provides.etcd });
    expect(refusalOf(() => recipeFromStages("x", [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, bare, n]))).toBe(SENTENCE);
    expect(refusalOf(() => recipeFromStages("x", [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.sdk, s.gus, s.py, s.nixlBuild]))).toBe("");
  });
  test("no meta wheel (NIXL 0.7.0), or no wheel built here (uv not put on PATH by the stage): not judged", () => {
    const s = alignedStages();
    const old = nixl(s.dc as never, { version: "0.7.0" as string, libfabric: s.fabric.provides.libfabric, ucx: s.ucxBuild.provides.ucx, etcd: s.etcd.provides.etcd, gusli: s.gus.provides.gusli });
    expect(refusalOf(() => recipeFromStages("x", [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.gus, old]))).toBe("");
    const noWheel = nixl(s.dc as never, { version: "0.7.1" as string, libfabric: s.fabric.provides.libfabric, ucx: s.ucxBuild.provides.ucx, etcd: s.etcd.provides.etcd, wheel: false });
    expect(refusalOf(() => recipeFromStages("x", [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, noWheel]))).toBe("");
  });
});

describe("the nixl stage's build-time check, before meson (run for real)", () => {
  const check = metaSetuptoolsCheck();
  const root = tempDir("stagewright-meta-setuptools-");
  /** A NIXL source tree whose meta pyproject has the build-system line of the given tag (0.7.1 and 0.9.0, as upstream). */
  const tree = (requires: string) => {
    const dir = join(root, `src-${requires.replace(/\W/g, "_")}`);
    mkdirSync(join(dir, "src/bindings/python/nixl-meta"), { recursive: true });
    writeFileSync(join(dir, "src/bindings/python/nixl-meta/pyproject.toml.in"), `[build-system]\nrequires = ["${requires}"]\nbuild-backend = "setuptools.build_meta"\n`);
    return dir;
  };
  const src071 = tree("setuptools");
  const src090 = tree("setuptools>=80.9.0");
  const uvBin = join(root, "uv-bin");
  mkdirSync(uvBin);
  writeFileSync(join(uvBin, "uv"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(uvBin, "uv"), 0o755);
  /** A Python path whose setuptools is the given version, or raises ImportError (none). */
  const setuptools = (version: string | undefined) => {
    const dir = join(root, `py-${version ?? "none"}`);
    mkdirSync(dir, { recursive: true });
    if (version === undefined) writeFileSync(join(dir, "setuptools.py"), "raise ImportError('no setuptools here')\n");
    else {
      mkdirSync(join(dir, "setuptools"), { recursive: true });
      writeFileSync(join(dir, "setuptools", "__init__.py"), `__version__ = "${version}"\n`);
    }
    return dir;
  };
  const run = (src: string, opts: { uv: boolean; isolation: string | undefined; setuptools: string | undefined }) => {
    const env: Record<string, string> = { PATH: `${opts.uv ? `${uvBin}:` : ""}${process.env.PATH ?? "/usr/bin:/bin"}`, PYTHONPATH: setuptools(opts.setuptools) };
    if (opts.isolation !== undefined) env["UV_NO_BUILD_ISOLATION"] = opts.isolation;
    const r = spawnSync("bash", ["--norc", "--noprofile", "-euo", "pipefail", "-c", `cd "${src}"\n${check}`], { encoding: "utf8", env });
    return { status: r.status, err: r.stderr };
  };

  test("is valid bash and shellcheck-clean", () => {
    parseShell(check);
    expect(shellcheck(check, "bash")).toEqual([]);
  });
  test("uv on PATH, isolation off, no setuptools: stops with the fix", () => {
    const r = run(src071, { uv: true, isolation: "1", setuptools: undefined });
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^stagewright: NIXL builds its nixl meta wheel with uv \(uv is on PATH, build isolation off\), which needs setuptools in the Python environment of \S+python3, and it has none: make the venv with setuptools \(option setuptools: true of cudaDlBase or pythonVenv, the default\), or install it, or take uv off PATH\n$/);
  });
  test("NIXL 0.9.0's >=80.9.0: 80.8.2 stops, 80.9.0 and 81.0 pass; 0.7.1 takes any setuptools", () => {
    const old = run(src090, { uv: true, isolation: "1", setuptools: "80.8.2" });
    expect(old.status).toBe(1);
    expect(old.err).toContain("needs setuptools>=80.9.0 in the Python environment of");
    expect(old.err).toContain("and it has 80.8.2:");
    expect(run(src090, { uv: true, isolation: "1", setuptools: "80.9.0" })).toEqual({ status: 0, err: "" });
    expect(run(src090, { uv: true, isolation: "true", setuptools: "81.0.0" })).toEqual({ status: 0, err: "" });
    expect(run(src071, { uv: true, isolation: "1", setuptools: "68.1.2" })).toEqual({ status: 0, err: "" });
  });
  test("no uv on PATH (meson skips the meta wheel) or build isolation on (uv installs the backend itself): nothing to check", () => {
    expect(run(src090, { uv: false, isolation: "1", setuptools: undefined })).toEqual({ status: 0, err: "" });
    expect(run(src090, { uv: true, isolation: undefined, setuptools: undefined })).toEqual({ status: 0, err: "" });
    expect(run(src090, { uv: true, isolation: "0", setuptools: undefined })).toEqual({ status: 0, err: "" });
  });
  test("the nixl stage runs it before meson from 0.7.1, and not for 0.7.0", () => {
    const text = alignedRecipe().render();
    const nixlPart = text.slice(text.indexOf("AS nixl"));
    expect(nixlPart.indexOf("needs setuptools${req}")).toBeGreaterThan(0);
    expect(nixlPart.indexOf("needs setuptools${req}")).toBeLessThan(nixlPart.indexOf("meson setup"));
    const s = alignedStages();
    const old = nixl(s.py, { version: "0.7.0", libfabric: s.fabric.provides.libfabric, ucx: s.ucxBuild.provides.ucx, etcd: s.etcd.provides.etcd, gusli: s.gus.provides.gusli });
    expect(old.steps.map((i) => JSON.stringify(i)).join("")).not.toContain("needs setuptools");
  });
});
