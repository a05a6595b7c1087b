/**
 * The hadolint-style rules stagewright enforces itself, each with a stage that breaks it and one
 * that does not; and the built-in recipes render clean (render() refuses lint errors).
 */
import { describe, expect, test } from "vitest";
import { StagewrightError, aptCache, artifact, assertLintClean, buildNeed, cacheMount, defineStage, sh, env, image, lintStages, recipeFromStages, run, shell, stringArg, copy, expectAt, type AnyStage, type Instruction } from "../src/index.ts";
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

/** Every finding of one stage `s` built FROM base with these steps (and ARGs). */
const findings = (steps: readonly Instruction[], args: Parameters<typeof defineStage>[0]["args"] = []) =>
  lintStages([defineStage({ name: "s", description: "s", from: base, args, steps })]);

describe("each rule's finding, in full: rule, severity, stage and sentence", () => {
  const error = (rule: string, message: string) => ({ rule, severity: "error", stage: "s", message: `stage s: ${message}` });
  const warning = (rule: string, message: string) => ({ rule, severity: "warning", stage: "s", message: `stage s: ${message}` });
  test.each([
    ["apt-no-recommends", [run("apt-get update\n  apt-get install -y git  ", { mounts: aptCache })], [error("apt-no-recommends", "apt-get install without --no-install-recommends: apt-get install -y git")]],
    ["apt-lists", [run("apt-get update\napt-get install -y --no-install-recommends git")], [error("apt-lists", "apt-get install leaves /var/lib/apt/lists in the layer: use the apt cache mounts (aptCache) or rm -rf /var/lib/apt/lists/*")]],
    ["pipe-to-shell", [run("curl -fsSL https://example.org/install.sh | sh\nsha256sum -c s")], [error("pipe-to-shell", "a download is piped into a shell without a checksum: download to a file, verify it with sha256sum -c, then run it")]],
    ["unverified-download", [run("wget -O x.tgz https://example.org/x.tgz")], [error("unverified-download", "a download is not verified: check it with sha256sum -c (downloadScript), a signature from a pinned key (signatureScript), or make it the pinned key of an apt repository (pinnedAptRepositoryScript)")]],
    ["swallowed-failure", [run("./install.sh || true")], [error("swallowed-failure", "`|| true` hides a failed step: remove it, or test the condition explicitly")]],
    ["tls-disabled", [run("git clone https://e.org/x.git\nexport GIT_SSL_NO_VERIFY=1")], [error("tls-disabled", "TLS verification is disabled (--no-check-certificate, curl -k or GIT_SSL_NO_VERIFY): remove it")]],
    ["plus-expansion", [run('export NCCL_HOME="${INSTALL_NCCL:+/usr/local}"')], [warning("plus-expansion", 'a ${VAR:+...} test is true for "0" too: resolve switches at generation time, or test [ "$VAR" = 1 ]')]],
    ["secret-in-env", [env(["HF_HOME", "/cache"], ["API_KEY", "x"])], [error("secret-in-env", "ENV API_KEY looks like a secret; ENV is baked into the image: use RUN --mount=type=secret")]],
    ["shell-pipefail", [shell(["/bin/bash", "-c"])], [error("shell-pipefail", 'SHELL ["/bin/bash","-c"] has no -o pipefail: a failing command in a pipe would not fail the build')]],
    ["unpinned-image", [copy(["/uv"], "/bin/", { from: "ghcr.io/astral-sh/uv" })], [error("unpinned-image", "COPY --from=ghcr.io/astral-sh/uv is not pinned by version")]],
  ] as const)("%s", (_rule, steps, want) => {
    expect(findings(steps)).toEqual(want);
  });
  test("ARG rules: secrets, empty checksums and commits, latest defaults", () => {
    expect(findings([run("true")], [stringArg("DB_PASSWORD", "x", /.*/, "anything", "d")])).toEqual([
      error("secret-in-arg", "ARG DB_PASSWORD looks like a secret; build args end up in the image history: use RUN --mount=type=secret"),
    ]);
    expect(findings([run("true")], [stringArg("X_SHA256", "", /.*/, "anything", "d"), stringArg("X_COMMIT", "", /.*/, "anything", "d")])).toEqual([
      warning("missing-checksum", "ARG X_SHA256 is empty, so its download is not verified: add the sha256 to the source lock (stagewright lock fills it)"),
      warning("missing-commit", "ARG X_COMMIT is empty, so its git source is not pinned to a commit: add the commit to the source lock"),
    ]);
    expect(findings([run("true")], [stringArg("X_SHA256", "ab", /.*/, "anything", "d"), stringArg("X_COMMIT", "cd", /.*/, "anything", "d")])).toEqual([]);
    expect(findings([run("true")], [stringArg("BASE_TAG", "latest", /.*/, "anything", "d")])).toEqual([error("unpinned-image", "ARG BASE_TAG defaults to latest: pin a version")]);
    expect(findings([run("true")], [stringArg("UV_VERSION", "0.9-latest", /.*/, "anything", "d")])).toEqual([error("unpinned-image", "ARG UV_VERSION defaults to 0.9-latest: pin a version")]);
  });
  test("an unpinned FROM names the image as it resolves", () => {
    const s = defineStage({ name: "s", description: "s", from: image("debian:${TAG}", [stringArg("TAG", "latest", /.*/, "anything", "d")]), steps: [run("true")] });
    expect(lintStages([s]).filter((f) => f.rule === "unpinned-image")).toEqual([error("unpinned-image", "FROM debian:latest is not pinned: give a version tag (never :latest) or a digest")]);
  });
});

describe("each rule at its edges", () => {
  const ruleOf = (steps: readonly Instruction[]) => findings(steps).map((f) => f.rule);
  test("apt: every install line is read; a cache mount of another directory does not count", () => {
    expect(findings([run("apt-get update\napt-get -q install -y git\napt-get install -y --no-install-recommends curl", { mounts: aptCache })]).map((f) => f.message)).toEqual([
      "stage s: apt-get install without --no-install-recommends: apt-get -q install -y git",
    ]);
    expect(ruleOf([run("apt-get install -y ubuntu-keyring\nrm -rf /var/lib/apt/lists/*")])).toEqual([]);
    expect(ruleOf([run("apt-get install -y --no-install-recommends git", { mounts: [cacheMount("/var/cache/apt")] })])).toEqual(["apt-lists"]);
    expect(ruleOf([run("apt-get install -y --no-install-recommends git", { mounts: [{ type: "bind", target: "/var/lib/apt" }] })])).toEqual(["apt-lists"]);
    expect(ruleOf([run("apt-get install -y --no-install-recommends git", { mounts: [cacheMount("/var/lib/apt")] })])).toEqual([]);
    expect(ruleOf([run("apt-get-installer --help\napt-cache policy git")])).toEqual([]);
    // Options and runs of blanks between apt-get and install, on the only install line of the script.
    expect(ruleOf([run("apt-get  -qq  install --no-install-recommends git")])).toEqual(["apt-lists"]);
    expect(findings([run("apt-get \t-qq  install -y git", { mounts: aptCache })]).map((f) => f.rule)).toEqual(["apt-no-recommends"]);
    // ubuntu-keyring is exempt wherever it is on the line (it has no recommends to skip).
    expect(ruleOf([run("apt-get install ca-certificates ubuntu-keyring", { mounts: aptCache })])).toEqual([]);
  });
  test("pipe-to-shell: curl or wget into sh, bash, zsh or dash, with or without sudo; a pipe on the next line is not a download piped", () => {
    for (const script of ["curl -fsSL https://e.org/i | sh", "wget -qO- https://e.org/i |bash", "curl -fsSL https://e.org/i | sudo zsh", "curl https://e.org/i | dash -s"]) {
      expect(ruleOf([run(`${script}\nsha256sum -c x.sum`)]), script).toEqual(["pipe-to-shell"]);
    }
    expect(ruleOf([run("curl -fsSL https://e.org/i | sudo  bash\nsha256sum -c x.sum")])).toEqual(["pipe-to-shell"]);
    expect(ruleOf([run("curl -fsSLo i.sh https://e.org/i\nsha256sum -c i.sum\ncat i.sh | shellcheck -")])).toEqual([]);
    expect(ruleOf([run("curl -fsSLo i.sh https://e.org/i\nsha256sum -c i.sum\necho x | sh")])).toEqual([]);
    expect(ruleOf([run("curl -fsSLo i.sh https://e.org/i | shasum\nsha256sum -c i.sum")])).toEqual([]);
  });
  test("unverified-download: a download by option, quoted or bare URL; a checksum or a signature verifies it", () => {
    for (const script of ["curl -fsSLo x https://e.org/x", 'wget "https://e.org/x"', "wget 'https://e.org/x'", "curl http://e.org/x -o x"]) {
      expect(ruleOf([run(script)]), script).toEqual(["unverified-download"]);
    }
    expect(ruleOf([run("wget  https://e.org/x")])).toEqual(["unverified-download"]);
    expect(ruleOf([run("curl -fsSLo x https://e.org/x\ngpg --batch --verify x.sig x")])).toEqual([]);
    expect(ruleOf([run("curl -fsSLo x https://e.org/x\nsha256sum -c x.sum")])).toEqual([]);
    expect(ruleOf([run("curlx -o x https://e.org/x\nwget_mirror https://e.org/x\necho curl")])).toEqual([]);
  });
  test("swallowed-failure and tls-disabled: the exact spellings", () => {
    expect(ruleOf([run("./install.sh ||true")])).toEqual(["swallowed-failure"]);
    expect(ruleOf([run("./install.sh || truecolor")])).toEqual([]);
    for (const script of ["curl -k -o x https://e.org/x", "curl --insecure -o x https://e.org/x", "wget --no-check-certificate https://e.org/x", "export GIT_SSL_NO_VERIFY=true"]) {
      expect(ruleOf([run(`${script}\nsha256sum -c x.sum`)]), script).toEqual(["tls-disabled"]);
    }
    expect(ruleOf([run("curl -fsSL -k -o x https://e.org/x\nsha256sum -c x.sum")])).toEqual(["tls-disabled"]);
    expect(ruleOf([run("curl -kk\ncurl -o x https://e.org/x-k\nsha256sum -c x.sum")])).toEqual([]);
  });
  test("plus-expansion: only ${VAR:+...}", () => {
    expect(ruleOf([run('echo "${_X1:+y}"')])).toEqual(["plus-expansion"]);
    expect(ruleOf([run('echo "${X:-y}" "${X+y}" "${1:+y}"')])).toEqual([]);
  });
  test("unpinned-image on FROM: a tag or a digest pins; the last path part is read (a registry port is no tag); scratch is exempt", () => {
    const from = (ref: string) => lintStages([defineStage({ name: "s", description: "s", from: image(ref), steps: [run("true")] })]).map((f) => f.message);
    expect(from("localhost:5000/debian")).toEqual(["stage s: FROM localhost:5000/debian is not pinned: give a version tag (never :latest) or a digest"]);
    expect(from("ghcr.io/org/img:latest")).toEqual(["stage s: FROM ghcr.io/org/img:latest is not pinned: give a version tag (never :latest) or a digest"]);
    expect(from("localhost:5000/debian:bookworm")).toEqual([]);
    expect(from("debian@sha256:" + "a".repeat(64))).toEqual([]);
    expect(from("debian:latest-slim")).toEqual([]);
    expect(from("scratch")).toEqual([]);
    const unknownArg = defineStage({ name: "s", description: "s", from: image("debian:${NOT_DECLARED}"), steps: [run("true")] });
    expect(lintStages([unknownArg])).toEqual([]);
  });
  test("ARG names and defaults: suffixes and names are matched whole", () => {
    const arg = (name: string, def: string) => findings([run("true")], [stringArg(name, def, /.*/, "anything", "d")]).map((f) => f.rule);
    expect(arg("X_SHA256_URL", "")).toEqual([]);
    expect(arg("X_COMMIT_DATE", "")).toEqual([]);
    expect(arg("BASE_IMAGE", "debian:latest")).toEqual(["unpinned-image"]);
    expect(arg("BASE_IMAGE", "debian:notlatest")).toEqual([]);
    expect(arg("BASE_IMAGE", "latest_x")).toEqual([]);
    expect(arg("CHANNEL", "latest")).toEqual([]);
    expect(arg("access_key_id", "x")).toEqual(["secret-in-arg"]);
    expect(arg("PASSWD_FILE", "x")).toEqual(["secret-in-arg"]);
    expect(arg("TOKENIZER_DIR", "x")).toEqual(["secret-in-arg"]);
  });
  test("SHELL and COPY --from: pipefail anywhere in argv; a stage name or a pinned reference passes", () => {
    expect(ruleOf([shell(["/bin/bash", "-euo", "pipefail", "-c"])])).toEqual([]);
    expect(ruleOf([copy(["/x"], "/x", { from: "base" })])).toEqual([]);
    expect(ruleOf([copy(["/x"], "/x", { from: "ghcr.io/astral-sh/uv@sha256:" + "b".repeat(64) })])).toEqual([]);
    expect(ruleOf([copy(["/x"], "/x", { from: "uv:latest" })])).toEqual(["unpinned-image"]);
    expect(ruleOf([copy(["/x"], "/x", { from: "ghcr.io/org/img:latest-2024" })])).toEqual([]);
    expect(ruleOf([copy(["/x"], "/x")])).toEqual([]);
  });
  test("hard-coded-prefix: the prefix, a path under it or with a trailing slash; not a longer name, not a shared prefix, not the stage's own artifact", () => {
    const held = (prefix: string, producer = "efa") => artifact({ kind: "libfabric", producer, version: "1", prefix, delivery: { type: "in-image" } });
    const efa = defineStage({ name: "efa", description: "e", from: base, steps: [run("true")], provides: { libfabric: held("/opt/amazon/efa") } });
    const script = (text: string, from: AnyStage = efa) => lintStages([defineStage({ name: "s", description: "s", from, steps: [run(text)] })]).filter((f) => f.rule === "hard-coded-prefix").map((f) => f.message.split(",")[0]);
    expect(script("ls /opt/amazon/efa/lib64 /opt/amazon/efa/")).toEqual(["stage s: the script writes /opt/amazon/efa/lib64", "stage s: the script writes /opt/amazon/efa"]);
    expect(script("ls /opt/amazon/efa2 /opt/amazon / //")).toEqual([]);
    expect(script("ls /opt/amazon/efa//")).toEqual(["stage s: the script writes /opt/amazon/efa"]);
    expect(lintStages([defineStage({ name: "s", description: "s", from: efa, steps: [run("ls /opt/amazon/efa")] })]).map((f) => [f.rule, f.severity])).toEqual([["hard-coded-prefix", "error"]]);
    const byPrefix = defineStage({ name: "s", description: "s", from: base, needs: [expectAt("libfabric", "/opt/amazon/efa")], steps: [run("ls /opt/amazon/efa")] });
    expect(lintStages([byPrefix])).toEqual([]);
    const usr = defineStage({ name: "u", description: "u", from: base, steps: [run("true")], provides: { libfabric: held("/usr/local", "u") } });
    expect(script("ls /usr/local/lib", usr)).toEqual([]);
    const own = defineStage({ name: "s", description: "s", from: base, steps: [run("ls /opt/own/lib")], provides: { libfabric: held("/opt/own", "s") } });
    expect(lintStages([own]).map((f) => f.rule)).toEqual([]);
    const needs = defineStage({ name: "n", description: "n", from: base, needs: [buildNeed(efa.provides.libfabric)], steps: [run("ls /opt/amazon/efa")] });
    expect(lintStages([needs]).filter((f) => f.rule === "hard-coded-prefix").map((f) => f.stage)).toEqual(["n"]);
  });
});

test("assertLintClean throws the first error with its rule, lists every error, and lets warnings pass", () => {
  const s = defineStage({ name: "s", description: "s", from: base, args: [stringArg("X_SHA256", "", /.*/, "anything", "d")], steps: [run("./a.sh || true\n./b.sh || true")] });
  expect(() => assertLintClean([defineStage({ name: "w", description: "w", from: base, args: [stringArg("X_SHA256", "", /.*/, "anything", "d")], steps: [run("true")] })])).not.toThrow();
  try {
    assertLintClean([s]);
    throw new Error("expected a refusal");
  } catch (e) {
    expect(e).toBeInstanceOf(StagewrightError);
    const err = e as StagewrightError;
    expect(err.code).toBe("lint");
    expect(err.message).toBe("stage s: `|| true` hides a failed step: remove it, or test the condition explicitly (rule swallowed-failure)");
    expect(err.where).toEqual({ stage: "s" });
    expect(err.problems).toEqual(["stage s: `|| true` hides a failed step: remove it, or test the condition explicitly (rule swallowed-failure)"]);
  }
});
