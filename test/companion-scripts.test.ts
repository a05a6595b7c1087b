/**
 * The generated build and test scripts at their edges: build-<name>.sh applies the same value checks
 * as `--set` (each verdict compared with argValueProblem, the CLI's own validator) and refuses a
 * version bump without the checksum or commit that follows it; test-<name>.sh has --help and fails
 * closed (run on this host, where the image's files are absent, no check may PASS).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { argValueProblem, recipeArgs } from "../src/index.ts";
import { builtinRecipes } from "../recipes/index.ts";

const RECIPES = Object.values(builtinRecipes).map((make) => make());
const opt = (name: string) => `--${name.toLowerCase().replace(/_/g, "-")}`;
function script(path: string, args: readonly string[], env: Readonly<Record<string, string>> = {}) {
  const r = spawnSync("bash", [path, ...args], { encoding: "utf8", timeout: 30_000, env: { ...process.env, EFA_DEVICE_DIR: "/nonexistent", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Values that break one kind or another (and some that are fine for some kinds).
const PROBES = ["opt/x", "latest", "fast", "v1.2.3 x", "/usr//x", "", "release"];

describe.each(RECIPES.map((r) => [r.name, r] as const))("build-%s.sh", (name, r) => {
  const path = join("generated", name, `build-${name}.sh`);
  // The ARGs the script takes as options (an ARG BuildKit computes, such as TARGETARCH, is none).
  const options = () => recipeArgs(r).filter((a) => readFileSync(path, "utf8").includes(`    ${opt(a.name)}) need_value`));
  test("every ARG option gives the verdict --set gives, with the same sentence", () => {
    expect(options().length).toBeGreaterThan(10);
    for (const a of options()) {
      for (const v of PROBES) {
        const problem = argValueProblem(a.kind, v);
        const out = script(path, ["--dry-run", opt(a.name), v]);
        if (problem === undefined) {
          // A derived pin may refuse the moved version; that is the next test's business.
          if (out.code !== 0) expect(out.stderr, `${a.name}=${v}`).toContain("needs its own");
        } else {
          expect(out.code, `${a.name}=${JSON.stringify(v)}`).toBe(2);
          expect(out.stderr).toBe(`build-${name}.sh: ${opt(a.name)} (ARG ${a.name}): ${problem}\n`);
        }
      }
    }
  });

  test("a version moved without its checksum or commit is refused, naming the option to pass", () => {
    const args = options();
    const pinned = args.filter((a) => a.derive !== undefined && a.default !== "");
    expect(pinned.length).toBeGreaterThan(0);
    for (const a of pinned) {
      const source = args.find((x) => x.name === a.derive!.from)!;
      // The pinned version with its last number raised: the same form, another release.
      const moved = source.default.replace(/(\d+)(\D*)$/, (_, n: string, tail: string) => `${Number(n) + 1}${tail}`);
      expect(argValueProblem(source.kind, moved)).toBeUndefined();
      const refused = script(path, ["--dry-run", opt(source.name), moved]);
      expect(refused.code, `${source.name} without ${a.name}`).toBe(2);
      expect(refused.stderr).toContain(`${opt(source.name)} ${moved} needs its own ${a.name}: the default belongs to ${source.default}; pass ${opt(a.name)} `);
      // With every pin that follows this version passed, it builds (dry run).
      const followers = pinned.filter((p) => p.derive!.from === source.name);
      const value = (k: string) => (/SHA256/.test(k) ? "0".repeat(64) : "0".repeat(40));
      const ok = script(path, ["--dry-run", opt(source.name), moved, ...followers.flatMap((f) => [opt(f.name), value(f.name)])]);
      expect(ok.code, ok.stderr).toBe(0);
    }
  });

  test("the version a recipe already pins needs nothing more", () => {
    for (const a of recipeArgs(r).filter((x) => x.derive !== undefined)) {
      const source = recipeArgs(r).find((x) => x.name === a.derive!.from)!;
      expect(script(path, ["--dry-run", opt(source.name), source.default]).code).toBe(0);
    }
  });
});

describe.each(readdirSync("generated").filter((d) => readdirSync(join("generated", d)).some((f) => f.startsWith("test-"))))("test-%s.sh", (name) => {
  const path = join("generated", name, `test-${name}.sh`);
  test("--help says what it checks and how to run it; an unknown argument is refused", () => {
    const help = script(path, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`usage: test-${name}.sh [-h|--help]`);
    expect(help.stdout).toContain("docker run --rm IMAGE bash");
    const bad = script(path, ["--bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`test-${name}.sh: unknown argument --bogus (see --help)\n`);
  });

  test("fails closed: on this host, where none of the image's files exist, no check passes", () => {
    // EFA skipped on purpose, so every other check runs and must fail on its own.
    const r = script(path, [], { STAGEWRIGHT_SKIP_EFA: "1" });
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("PASS "))).toEqual([]);
    expect(r.stdout).toMatch(/\n0 passed, [1-9]\d* failed, [1-9]\d* skipped\n$/);
  });

  test("without an EFA device the preflight stops at once, with its summary line", () => {
    const r = script(path, []);
    if (!r.stdout.includes("FAIL EFA:")) return expect(r.stdout).not.toMatch(/EFA preflight/); // a recipe without the preflight
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL EFA: no EFA device in \/nonexistent;[^\n]*\n0 passed, 1 failed, 0 skipped\n$/);
  });
});
