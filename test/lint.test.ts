/**
 * The hadolint-style rules stagewright enforces itself, each with a stage that breaks it and one
 * that does not; and the built-in recipes render clean (render() refuses lint errors).
 */
import { describe, expect, test } from "vitest";
import { aptCache, artifact, defineStage, sh, env, image, lintStages, recipeFromStages, run, shell, stringArg, copy, type Instruction } from "../src/index.ts";
import { builtinRecipes } from "../recipes/index.ts";

const base = defineStage({ name: "base", description: "b", from: image("debian:bookworm"), steps: [run("true")] });
const rules = (steps: readonly Instruction[]) => lintStages([defineStage({ name: "s", description: "s", from: base, steps })]).map((f) => f.rule);

describe("each rule, broken and kept", () => {
  test.each([
    ["apt-no-recommends", [run("apt-get update\napt-get install -y git", { mounts: aptCache })], [run("apt-get update\napt-get install -y --no-install-recommends git", { mounts: aptCache })]],
    ["apt-lists", [run("apt-get update\napt-get install -y --no-install-recommends git")], [run("apt-get update\napt-get install -y --no-install-recommends git\nrm -rf /var/lib/apt/lists/*")]],
    ["pipe-to-shell", [run("curl -fsSL https://example.org/install.sh | sh")], [run("curl -fsSLo i.sh https://example.org/install.sh\necho \"${SUM}  i.sh\" | sha256sum -c -\nsh i.sh")]],
    ["unverified-download", [run("wget -O x.tgz https://example.org/x.tgz")], [run("wget -O x.tgz https://example.org/x.tgz\necho \"${SUM}  x.tgz\" | sha256sum -c -")]],
    ["swallowed-failure", [run("./install.sh || true")], [run("./install.sh")]],
    ["tls-disabled", [run("wget --no-check-certificate -O x https://e.org/x\nsha256sum -c x.sum")], [run("wget -O x https://e.org/x\nsha256sum -c x.sum")]],
    ["plus-expansion", [run('export NCCL_HOME="${INSTALL_NCCL:+/usr/local}"')], [run('if [ "${INSTALL_NCCL}" = 1 ]; then export NCCL_HOME=/usr/local; fi')]],
    ["secret-in-env", [env(["HF_TOKEN", "x"])], [env(["HF_HOME", "/cache"])]],
    ["shell-pipefail", [shell(["/bin/bash", "-c"])], [shell(["/bin/bash", "-o", "pipefail", "-c"])]],
    ["unpinned-image", [copy(["/uv"], "/bin/", { from: "ghcr.io/astral-sh/uv:latest" })], [copy(["/uv"], "/bin/", { from: "ghcr.io/astral-sh/uv:0.9.7" })]],
  ] as const)("%s", (rule, broken, kept) => {
    expect(rules(broken)).toContain(rule);
    expect(rules(kept)).not.toContain(rule);
  });
  test("hard-coded-prefix: a path of another stage's artifact written by hand is flagged; taken from the artifact it is not", () => {
    const efa = defineStage({
      name: "efa", description: "e", from: base, steps: [run("true")],
      provides: { libfabric: artifact({ kind: "libfabric", producer: "efa", version: "1", prefix: "/opt/amazon/efa", delivery: { type: "in-image" } }) },
    });
    const byHand = defineStage({ name: "s", description: "s", from: efa, steps: [run("cmake -DLIBFABRIC_HOME=/opt/amazon/efa .")] });
    const fromArtifact = defineStage({ name: "s", description: "s", from: efa, steps: [run(sh`cmake -DLIBFABRIC_HOME=${efa.provides.libfabric} .`)] });
    expect(lintStages([byHand]).filter((f) => f.rule === "hard-coded-prefix").map((f) => f.message)).toEqual([
      'stage s: the script writes /opt/amazon/efa, a path of the libfabric artifact of stage efa, by hand; take it from the artifact (sh`...${artifact}...` or at(artifact, "...")) and declare the need, so the composition rules compare it',
    ]);
    expect(fromArtifact.steps[0]).toMatchObject({ script: "cmake -DLIBFABRIC_HOME=/opt/amazon/efa ." });
    expect(lintStages([fromArtifact]).map((f) => f.rule)).not.toContain("hard-coded-prefix");
    expect(lintStages([efa]).map((f) => f.rule)).not.toContain("hard-coded-prefix");
  });
  test("secret-in-arg", () => {
    const s = defineStage({ name: "s", description: "s", from: base, args: [stringArg("HF_TOKEN", "x", /.*/, "anything", "d")], steps: [run('echo "${HF_TOKEN}" > /dev/null')] });
    expect(lintStages([s]).map((f) => f.rule)).toContain("secret-in-arg");
  });
  test("secret-in-arg: a KEY word of its own, as BuildKit's SecretsUsedInArgOrEnv reads it (a fingerprint is named SIGNER_FINGERPRINT)", () => {
    const arg = (name: string) => defineStage({ name: "s", description: "s", from: base, args: [stringArg(name, "x", /.*/, "anything", "d")], steps: [run(`echo "\${${name}}" > /dev/null`)] });
    expect(lintStages([arg("DOCA_KEY_FINGERPRINT")]).map((f) => f.rule)).toContain("secret-in-arg");
    expect(lintStages([arg("KEYRING_DIR")]).map((f) => f.rule)).not.toContain("secret-in-arg");
    expect(lintStages([arg("DOCA_SIGNER_FINGERPRINT")]).map((f) => f.rule)).not.toContain("secret-in-arg");
  });
  test("an unpinned base image", () => {
    const latest = defineStage({ name: "l", description: "l", from: image("debian:latest"), steps: [run("true")] });
    const bare = defineStage({ name: "b", description: "b", from: image("debian"), steps: [run("true")] });
    expect(lintStages([latest, bare]).filter((f) => f.rule === "unpinned-image").map((f) => f.stage)).toEqual(["l", "b"]);
  });
  test("missing pins are warnings, and render() refuses errors", () => {
    const s = defineStage({ name: "s", description: "s", from: base, steps: [run("curl -fsSL https://e.org/x | bash")] });
    expect(() => recipeFromStages("r", [base, s]).render()).toThrow(
      "stage s: a download is piped into a shell without a checksum: download to a file, verify it with sha256sum -c, then run it (rule pipe-to-shell)",
    );
  });
});

test("the built-in recipes have no lint errors (only missing-pin and missing-fingerprint warnings, listed by stagewright check)", () => {
  for (const make of Object.values(builtinRecipes)) {
    const findings = lintStages(make().stages);
    expect(findings.filter((f) => f.severity === "error")).toEqual([]);
    for (const f of findings) expect(["missing-checksum", "missing-commit", "missing-fingerprint"]).toContain(f.rule);
  }
});
