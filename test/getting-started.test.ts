/**
 * docs/getting-started.md and examples/, run as a new user would: every ts/json snippet of the page
 * is written into a fresh project with the packed package installed (test/support/packed.ts), the
 * project's own tsc checks it, the recipe renders through the installed bin and through tsx, the
 * type error the page shows is the one tsc prints, and examples/values.yaml renders the aligned recipe.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { packedConsumer, type PackedConsumer } from "./support/packed.ts";
import { checkDockerfile } from "./support/checkers.ts";

const PAGE = readFileSync("docs/getting-started.md", "utf8");
/** The page's snippets that name a file: ```ts my-recipe.ts, ```json tsconfig.json. */
const SNIPPETS = new Map([...PAGE.matchAll(/^```(?:ts|json) (\S+)\n([\s\S]*?)^```$/gm)].map((m) => [m[1]!, m[2]!]));
const SENTENCE =
  "nixl needs libfabric at /usr/local but stage efa-drivers installs it at /opt/amazon/efa; build nixl against the libfabric artifact of stage efa-drivers, or install libfabric at /usr/local";

let c: PackedConsumer;
beforeAll(() => {
  c = packedConsumer();
  for (const [name, text] of SNIPPETS) writeFileSync(join(c.dir, name), text);
}, 180_000);

function inConsumer(cmd: string, args: readonly string[]) {
  const r = spawnSync(cmd, args, { cwd: c.dir, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const tsc = () => inConsumer(process.execPath, [join(c.dir, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json"]);

describe("docs/getting-started.md, snippet by snippet", () => {
  test("the page names its snippets: tsconfig.json, my-recipe.ts, mistake.ts", () => {
    expect([...SNIPPETS.keys()]).toEqual(["tsconfig.json", "my-recipe.ts", "mistake.ts"]);
  });

  test("its recipe is examples/my-recipe.ts, byte for byte", () => {
    expect(SNIPPETS.get("my-recipe.ts")).toBe(readFileSync("examples/my-recipe.ts", "utf8"));
  });

  test("the project's tsc: the recipe compiles, the mistake fails with the page's sentence and nothing else", () => {
    const r = tsc();
    const errors = r.stdout.split("\n").filter((l) => /^\S+\.ts\(\d+,\d+\): error TS/.test(l));
    expect(errors.every((l) => l.startsWith("mistake.ts(")), r.stdout).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^mistake\.ts\(11,\d+\): error TS\d+: /);
    expect(r.stdout.replace(/\s+/g, " ")).toContain(SENTENCE);
    const shown = /```text\n([\s\S]*?)```/.exec(PAGE.slice(PAGE.indexOf("## 6.")))![1]!.replace(/\s+/g, " ").trim();
    expect(shown).toBe(SENTENCE);
  });

  test("npx stagewright render my-recipe.ts -o Dockerfile writes a Dockerfile the checkers pass, with the own stage last", () => {
    const r = inConsumer(process.execPath, [join(c.dir, "node_modules/.bin/stagewright"), "render", "my-recipe.ts", "-o", "Dockerfile"]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(c.dir, "Dockerfile"), "utf8");
    expect(checkDockerfile(text).problems).toEqual([]);
    expect(text).toMatch(/FROM runtime AS app\n/);
    expect(text).toContain("fi_info --version");
  });

  test("npx tsx my-recipe.ts prints the same Dockerfile", () => {
    const r = inConsumer(process.execPath, [join(c.dir, "node_modules/tsx/dist/cli.mjs"), "my-recipe.ts"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(c.dir, "Dockerfile"), "utf8"));
  });

  test("--out writes the build script the page runs, and its --help lists the ARGs", () => {
    expect(inConsumer(process.execPath, [join(c.dir, "node_modules/.bin/stagewright"), "render", "my-recipe.ts", "--out", "out"]).code).toBe(0);
    const help = inConsumer("bash", ["out/build-my-image.sh", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--libfabric-version");
  });

  test("the mistake rendered without type-checking: the runtime twin's sentence, one line, exit 1", () => {
    const r = inConsumer(process.execPath, [join(c.dir, "node_modules/.bin/stagewright"), "render", "mistake.ts"]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(`stagewright render: ${SENTENCE}`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe("examples/", () => {
  test("examples/values.yaml renders the aligned recipe with its values", () => {
    const r = inConsumer(process.execPath, [join(c.dir, "node_modules/.bin/stagewright"), "render", "aligned", "--values", join(process.cwd(), "examples/values.yaml")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ARG LIBFABRIC_INSTALL_PATH="/opt/libfabric"');
    expect(r.stdout).toContain('ARG NIXL_BUILD_TYPE="debug"');
  });
});
