/**
 * Build truth without a daemon: the smoke recipe's host script builds producer, consumer and
 * runtime for real inside a throw-away root (the Debian rootfs of scripts/setup-buildkit.sh,
 * extracted privately; the script runs with --root, so this machine's /usr/local and
 * /etc/ld.so.conf.d are never touched), and the wrong composition fails at the runtime stage's
 * assertion with its message. Skips with one line outside CI when the rootfs is absent.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { defineStage, image, recipeFromStages, renderHostScript } from "../../src/index.ts";
import { SMOKE_CONTEXT, VENDOR_PREFIX, smokeRecipe, smokeRecipeWithSecondCopy } from "../../recipes/smoke.ts";
import { aptInstall } from "../../stages/build-steps.ts";
import { REPO } from "../support/buildkit.ts";
import { inRoot, makeRoot, rootfsSkipReason, runInRoot } from "../support/rootfs.ts";
import { tempDir } from "../support/tmp.ts";

const SKIP = rootfsSkipReason();
if (SKIP !== null) console.warn(`test/build/host-script: skipping the host-script builds: ${SKIP}`);

function scriptFile(text: string, name: string): string {
  const f = join(tempDir("stagewright-host-"), name);
  writeFileSync(f, text);
  return f;
}

const LD_CONF = "/etc/ld.so.conf.d/00-stagewright.conf";

describe.skipIf(SKIP !== null)("the smoke recipe's host script, built for real in a throw-away root", () => {
  let root: string;
  const hostConf = existsSync(LD_CONF) ? readFileSync(LD_CONF, "utf8") : null;
  beforeAll(() => {
    root = makeRoot();
  });

  test("producer, consumer and runtime assertions pass; ARG overrides reach every stage", () => {
    const script = scriptFile(renderHostScript(smokeRecipe()), "host-smoke.sh");
    const r = runInRoot(script, root, ["--context", SMOKE_CONTEXT, "--arg", "GREET_VERSION=1.2.3"], REPO);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/stagewright: done; build times: base \d+s greet \d+s hello \d+s runtime \d+s/);
    const hello = inRoot(root, ["/opt/hello/bin/hello"]);
    expect(hello).toEqual({ code: 0, output: "hello, smoke, from libgreet 1.2.3 (hello 1.0.0)\nlibgreet: /opt/greet/lib/libgreet.so.1\n" });
    expect(readFileSync(join(root, LD_CONF), "utf8")).toBe("/opt/greet/lib\n");
    // The machine itself is untouched.
    expect(existsSync("/opt/greet/lib/libgreet.so.1") && !existsSync(join(root, "opt/greet"))).toBe(false);
    expect(existsSync(LD_CONF) ? readFileSync(LD_CONF, "utf8") : null).toBe(hostConf);
  });

  test("the wrong composition (a vendor libgreet on LD_LIBRARY_PATH) fails at the assertion with its message", () => {
    const script = scriptFile(renderHostScript(smokeRecipeWithSecondCopy()), "host-smoke-second-copy.sh");
    // A fresh root: the failure comes from this composition alone, not from the first build's files.
    const r = runInRoot(script, makeRoot(), ["--context", SMOKE_CONTEXT], REPO);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain(
      `stagewright: the loader must see exactly one libgreet.so.1, it sees:\n  /opt/greet/lib/libgreet.so.1.0.0\n  ${VENDOR_PREFIX}/lib/libgreet.so.0.9.0-vendor\nstagewright: stage runtime step 2 failed`,
    );
    expect(r.output).not.toContain("=== stage runtime built");
  });

  test("--system-packages verify stops with the list of declared packages dpkg lacks, installing nothing", () => {
    const base = defineStage({ name: "base", description: "packages", from: image("debian:12"), steps: [aptInstall(["bash", "stagewright-no-such-package", "make"])] });
    const script = scriptFile(renderHostScript(recipeFromStages("pk", [base])), "host-pk.sh");
    const r = runInRoot(script, root, ["--system-packages", "verify"], REPO);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain("stagewright: stage base: these declared system packages are not installed: stagewright-no-such-package\n");
    expect(r.output).not.toContain("apt-get update");
  });
});
