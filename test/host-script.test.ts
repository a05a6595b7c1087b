/**
 * The host script (`render --format script`): the same steps as the Dockerfile, as one bash script
 * that passes the real checkers, is deterministic, takes ARG overrides, and refuses, with the
 * instruction and the reason, what a machine cannot do like a Docker build. test/build/host-script
 * builds it for real inside a throw-away root.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { add, defineStage, hostScriptOf, image, recipeFromStages, renderHostScript, run, shell } from "../src/index.ts";
import { builtinRecipes } from "../recipes/index.ts";
import { smokeRecipe, smokeRecipeWithSecondCopy } from "../recipes/smoke.ts";
import { aptInstall } from "../stages/build-steps.ts";
import { checkScript } from "./support/checkers.ts";
import { cliRun } from "./support/cli.ts";
import { tempDir } from "./support/tmp.ts";
import { refusalOf } from "./support/refusal.ts";

const smoke = smokeRecipe();
const text = renderHostScript(smoke);

/** The refusal f must throw. */
function refusal(f: () => unknown): string {
  const m = refusalOf(f);
  if (m === "") throw new Error("expected a refusal");
  return m;
}

describe("the smoke recipe's host script", () => {
  test("passes the shell parser and shellcheck, both recipes", () => {
    expect(checkScript(text, "host-smoke.sh")).toEqual({ problems: [], skipped: [] });
    expect(checkScript(renderHostScript(smokeRecipeWithSecondCopy()), "host-smoke-second-copy.sh").problems).toEqual([]);
  });

  test("is deterministic", () => {
    expect(renderHostScript(smokeRecipe())).toBe(text);
  });

  test("holds every RUN body of the Dockerfile verbatim, in stage order", () => {
    let at = 0;
    for (const s of smoke.stages) {
      for (const ins of s.steps) {
        if (ins.op !== "RUN") continue;
        const found = text.indexOf(`${ins.script}\nSTAGEWRIGHT_STEP`, at);
        expect(found, `${s.name}: ${ins.script.split("\n")[0]}`).toBeGreaterThan(at);
        at = found;
      }
    }
  });

  test("ARG defaults are variables the environment or --arg overrides; ENV follows the FROM chain", () => {
    expect(text).toContain(`if [ -z "\${GREET_PREFIX+set}" ]; then GREET_PREFIX='/opt/greet'; fi`);
    expect(text).toMatch(/--arg\)[\s\S]*GREET_VERSION\|GREET_PREFIX\|HELLO_VERSION\|HELLO_PREFIX\) export/);
    // hello is FROM base, so its step sees base's LD_LIBRARY_PATH; runtime's second step sees its own PATH too.
    const hello = text.slice(text.indexOf("stage_hello() {"), text.indexOf("stage_runtime() {"));
    expect(hello).toContain('export LD_LIBRARY_PATH="/usr/local/nvidia/lib:/usr/local/nvidia/lib64"');
    expect(hello).not.toContain("export PATH=");
    expect(text).toContain('export PATH="${HELLO_PREFIX}/bin:${PATH}"');
  });

  test("COPY --from copies out of the producer's staged tree, COPY from the context out of --context", () => {
    expect(text).toContain('sw_copy "${GREET_PREFIX}/lib/" "$root/opt/stagewright/stage/greet${GREET_PREFIX}/lib/"');
    expect(text).toContain('sw_copy "/usr/local/src/greet/" "$context"/"greet/"');
  });

  test("its options: --help, an unknown option and an unknown ARG", () => {
    const dir = tempDir("stagewright-host-");
    const file = join(dir, "host-smoke.sh");
    writeFileSync(file, text);
    const help = spawnSync("bash", [file, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("stages, in order: base greet hello runtime");
    const bad = spawnSync("bash", [file, "--frobnicate"], { encoding: "utf8" });
    expect([bad.status, bad.stderr.trim()]).toEqual([2, "host-smoke.sh: unknown option --frobnicate (see --help)"]);
    const arg = spawnSync("bash", [file, "--arg", "NO_SUCH=1"], { encoding: "utf8" });
    expect([arg.status, arg.stderr.trim()]).toEqual([2, "host-smoke.sh: --arg NO_SUCH: no such ARG (see --help)"]);
    const stage = spawnSync("bash", [file, "--only", "nope"], { encoding: "utf8" });
    expect([stage.status, stage.stderr.trim()]).toEqual([2, "no stage nope; stages: base greet hello runtime"]);
  });
});

describe("what a host script refuses, with the instruction and why", () => {
  const base = (steps: Parameters<typeof defineStage>[0]["steps"]) => defineStage({ name: "base", description: "d", from: image("debian:12"), steps });

  test("files from an external image (the aligned recipe's uv binaries)", () => {
    expect(refusal(() => renderHostScript(builtinRecipes["nixl-aligned"]!()))).toBe(
      "stage venv: COPY --from=uv /uv /uvx cannot be expressed in a host script: the files come from stage uv, an external image (${UV_IMAGE}), which this machine does not hold; install them in a RUN step instead",
    );
  });
  test("ADD, a custom SHELL, secret and bind mounts", () => {
    const one = (steps: Parameters<typeof base>[0]) => refusal(() => renderHostScript(recipeFromStages("x", [base(steps)])));
    expect(one([add("https://example.org/x.tar.gz", "/tmp/x.tar.gz")])).toMatch(/^stage base: ADD https:\/\/example.org\/x.tar.gz cannot be expressed in a host script: /);
    expect(one([shell(["/bin/bash", "-o", "pipefail", "-c"]), run("true")])).toMatch(/^stage base: SHELL \["\/bin\/bash","-o","pipefail","-c"\] cannot be expressed in a host script: every step of a host script runs in \/bin\/bash -euo pipefail -c$/);
    expect(one([run("cat /run/secrets/t", { mounts: [{ type: "secret", id: "t" }] })])).toMatch(/^stage base: RUN --mount=type=secret,id=t cannot be expressed/);
    expect(one([run("ls /src", { mounts: [{ type: "bind", target: "/src" }] })])).toMatch(/^stage base: RUN --mount=type=bind,target=\/src cannot be expressed/);
  });
  test("hostScriptOf says why instead of throwing", () => {
    const h = hostScriptOf(builtinRecipes["nixl-aligned"]!());
    expect("problem" in h && h.problem).toMatch(/^stage venv: COPY --from=uv/);
  });
});

describe("system packages: install, or verify on a host without network", () => {
  test("a step that declares packages runs, or (--system-packages verify) becomes a dpkg check", () => {
    const s = defineStage({ name: "base", description: "d", from: image("debian:12"), steps: [aptInstall(["coreutils", "bash"])] });
    const t = renderHostScript(recipeFromStages("pk", [s]));
    expect(t).toContain(`if [ "$system_packages" = verify ]; then\n    sw_verify_packages base 'bash' 'coreutils'\n  else\n    sw_run base 1 <<'STAGEWRIGHT_STEP'`);
    expect(checkScript(t, "host-pk.sh").problems).toEqual([]);
  });
});

describe("the CLI", () => {
  const cli = (...argv: string[]) => cliRun(argv);
  test("render --format script prints it; --out writes host-<name>.sh next to the Dockerfile", async () => {
    expect((await cli("render", "recipes/smoke.ts", "--format", "script")).out).toBe(text);
    const dir = join(tempDir("stagewright-host-"), "out");
    expect((await cli("render", "recipes/smoke.ts", "--out", dir)).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([".dockerignore", "Dockerfile.smoke", "build-smoke.sh", "docker-bake.hcl", "host-smoke.sh"]);
    expect(readFileSync(join(dir, "host-smoke.sh"), "utf8")).toBe(text);
  });
  test("a recipe that cannot be a host script: --format script fails, --out notes it and writes the rest", async () => {
    const r = await cli("render", "aligned", "--format", "script");
    expect([r.code, r.err.split("\n")[0]]).toEqual([1, expect.stringMatching(/^stagewright render: stage venv: COPY --from=uv /)]);
    const dir = join(tempDir("stagewright-host-"), "out");
    const w = await cli("render", "aligned", "--out", dir);
    expect(w.code).toBe(0);
    // The note comes after the files are written, one line.
    expect(w.err).toMatch(/\/docker-bake\.hcl\nnote: host-nixl-aligned\.sh not written: stage venv: COPY --from=uv [^\n]*\n/);
    expect(readdirSync(dir)).not.toContain("host-nixl-aligned.sh");
    expect((await cli("render", "aligned", "--format", "yaml")).err).toBe("stagewright render: --format yaml is not dockerfile, bake or script; see stagewright render --help\n");
  });
});
