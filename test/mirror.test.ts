/**
 * The offline source mirror (`stagewright mirror`), made from small local repositories created here:
 * a tag archive reproduced byte for byte and checked, a git source as a one-commit bare repository
 * with its tag, meson wrap archives (reproduced, or substituted from a git tree with the checksum to
 * pass), a release asset that git cannot reproduce reported as missing until it is given; then the
 * recipe's host script builds from `file://<mirror>` with no other source, and a tampered file fails.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  defineStage,
  downloadScript,
  gitCheckoutScript,
  image,
  mesonWrapsFromMirror,
  mesonWrapStages,
  mirrorPath,
  recipeDownloads,
  recipeFromStages,
  renderHostScript,
  run,
  SOURCE_MIRROR,
  stringArg,
  versionArg,
} from "../src/index.ts";
import { builtinRecipes } from "../recipes/index.ts";
import { checkScript } from "./support/checkers.ts";
import { CLI_CONTEXT, cliRun } from "./support/cli.ts";
import { tempDir } from "./support/tmp.ts";

const root = tempDir("stagewright-mirror-");
const sh = (cmd: string, cwd = root) => execFileSync("bash", ["-euo", "pipefail", "-c", cmd], { cwd, encoding: "utf8" }).trim();
const gitEnv = "GIT_AUTHOR_DATE=2025-01-01T00:00:00Z GIT_COMMITTER_DATE=2025-01-01T00:00:00Z git -c user.name=t -c user.email=t@example.org";

/** A repository under repos/<owner>+<name>/repo with two commits; the second tagged `tag`. */
function makeRepo(owner: string, name: string, files: Record<string, string>, tag: string): string {
  const dir = join(root, "repos", `${owner}+${name}`, "repo");
  mkdirSync(dir, { recursive: true });
  sh(`git init -q . && echo old > old.txt && git add -A && ${gitEnv} commit -qm old`, dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  sh(`git add -A && ${gitEnv} commit -qm new && ${gitEnv} tag -a ${tag} -m ${tag}`, dir);
  return dir;
}

const lib = makeRepo("acme", "lib", { "lib.c": "int lib(void) { return 1; }\n" }, "v1.2.0");
const libSha = sh(`git --git-dir=${lib}/.git archive --format=tar --prefix=lib-1.2.0/ v1.2.0 | gzip -n | sha256sum | cut -d' ' -f1`);
const dep = makeRepo("acme", "dep", { "dep.h": "#define DEP 1\n" }, "v0.3.0");
const depSha = sh(`git --git-dir=${dep}/.git archive --format=tar --prefix=dep-0.3.0/ v0.3.0 | gzip -n | sha256sum | cut -d' ' -f1`);
const overlay = makeRepo("acme", "overlays", { "packagefiles/dep/meson.build": "project('dep')\n" }, "dep_0.3.0-1");
const wrap = [
  "[wrap-file]",
  "directory = dep-0.3.0",
  "source_url = https://github.com/acme/dep/archive/refs/tags/v0.3.0.tar.gz",
  "source_filename = dep-0.3.0.tar.gz",
  `source_hash = ${depSha}`,
  "patch_filename = dep_0.3.0-1_patch.zip",
  "patch_url = https://wrapdb.example.org/v2/dep_0.3.0-1/get_patch",
  `patch_hash = ${"0".repeat(64)}`,
  "",
].join("\n");
const proj = makeRepo("acme", "proj", { "meson.build": "project('proj')\n", "subprojects/dep.wrap": wrap }, "v2.0.0");
const projCommit = sh(`git --git-dir=${proj}/.git rev-parse v2.0.0^{commit}`);

const work = join(root, "work");
const WORK = stringArg("WORK", work, /^\/\S+$/, "an absolute path", "where the steps work");
const LIB_VERSION = versionArg("LIB_VERSION", "v1.2.0", "lib tag");
const LIB_SHA256 = stringArg("LIB_SHA256", libSha, /^[0-9a-f]{64}$/, "a sha256", "lib archive sha256");
const PROJ_VERSION = versionArg("PROJ_VERSION", "v2.0.0", "proj tag");
const PROJ_COMMIT = stringArg("PROJ_COMMIT", projCommit, /^[0-9a-f]{40}$/, "a commit", "proj commit");
const ASSET_SHA256 = stringArg("ASSET_SHA256", "1".repeat(64), /^[0-9a-f]{64}$/, "a sha256", "release asset sha256");
const WRAPS = stringArg("MESON_WRAP_SHA256S", "", /^.*$/, "pairs", "wrap hashes");
const stage = defineStage({
  name: "fetch",
  description: "downloads everything",
  from: image("debian:12"),
  args: [WORK, LIB_VERSION, LIB_SHA256, PROJ_VERSION, PROJ_COMMIT, ASSET_SHA256, WRAPS, SOURCE_MIRROR],
  steps: [
    run([`mkdir -p "\${WORK}"`, `cd "\${WORK}"`, downloadScript("https://github.com/acme/lib/archive/refs/tags/${LIB_VERSION}.tar.gz", "lib.tar.gz", "LIB_SHA256"), "tar -xzf lib.tar.gz", "test -f lib-1.2.0/lib.c"].join("\n")),
    run([`cd "\${WORK}"`, gitCheckoutScript("https://github.com/acme/proj.git", "proj", "PROJ_VERSION", "PROJ_COMMIT"), "cd proj", mesonWrapsFromMirror("MESON_WRAP_SHA256S"), "ls subprojects/packagecache"].join("\n")),
  ],
});
const assetStage = defineStage({
  name: "asset",
  description: "a release asset",
  from: stage,
  args: [WORK, ASSET_SHA256, SOURCE_MIRROR],
  steps: [run([`cd "\${WORK}"`, downloadScript("https://github.com/acme/lib/releases/download/v1.2.0/lib-1.2.0-dist.tar.gz", "dist.tar.gz", "ASSET_SHA256")].join("\n"))],
});
const demo = recipeFromStages("demo", [stage, assetStage]);
const ctx = { ...CLI_CONTEXT, builtins: { ...builtinRecipes, demo: () => demo } };
const cli = (...argv: string[]) => cliRun(argv, ctx);

describe("what a recipe downloads, read from its steps", () => {
  test("files with their sha256 ARG, git sources with ref and commit", () => {
    expect(recipeDownloads(demo.stages).map((d) => [d.kind, d.url, d.sha256, d.ref, d.commit])).toEqual([
      ["file", "https://github.com/acme/lib/archive/refs/tags/v1.2.0.tar.gz", libSha, null, null],
      ["git", "https://github.com/acme/proj.git", null, "v2.0.0", projCommit],
      ["file", "https://github.com/acme/lib/releases/download/v1.2.0/lib-1.2.0-dist.tar.gz", "1".repeat(64), null, null],
    ]);
  });
});

describe("what the gpu-host recipe downloads", () => {
  test("every library source, none twice; NIXL's wraps come from the mirror in both NIXL stages", () => {
    const stages = builtinRecipes["gpu-host"]!().stages;
    expect([...new Set(recipeDownloads(stages).map((d) => d.url))]).toEqual([
      "https://github.com/NVIDIA/gdrcopy/archive/refs/tags/v2.4.1.tar.gz",
      "https://github.com/ofiwg/libfabric.git",
      "https://github.com/openucx/ucx.git",
      "https://github.com/ai-dynamo/nixl.git",
      "https://github.com/aws/aws-ofi-nccl/archive/refs/tags/v1.12.1-aws.tar.gz",
    ]);
    expect([...mesonWrapStages(stages)]).toEqual(["nixl", "nixl-wheel"]);
  });
});

describe("stagewright mirror, from local repositories", () => {
  const mirror = join(root, "mirror");
  const repos = join(root, "repos");
  const patch = `https://wrapdb.example.org/v2/dep_0.3.0-1/get_patch=${overlay}:dep_0.3.0-1:packagefiles/dep`;

  test("lays out what it can, and names what is missing and the input that makes it", async () => {
    const r = await cli("mirror", "demo", "--out", mirror, "--repos", repos, "--archive", patch);
    expect(r.code).toBe(1);
    expect(r.err).toBe("stagewright mirror: 1 download missing from the mirror (see the lines marked missing)\n");
    const lines = r.out.split("\n");
    expect(lines[0]).toBe("verified    https://github.com/acme/lib/archive/refs/tags/v1.2.0.tar.gz (stage fetch): reproduced from git, sha256 verified");
    expect(lines[1]).toBe(`git         https://github.com/acme/proj.git (stage fetch): v2.0.0 at ${projCommit}`);
    expect(lines[2]).toMatch(/^missing     https:\/\/github.com\/acme\/lib\/releases\/download\/v1.2.0\/lib-1.2.0-dist.tar.gz \(stage asset\): cannot be made from a git repository \(git archive gives sha256 [0-9a-f]{64}, not the pinned 1{64}\): pass --file /);
    expect(lines[3]).toBe("verified    https://github.com/acme/dep/archive/refs/tags/v0.3.0.tar.gz (stage fetch): reproduced from git, sha256 verified");
    expect(lines[4]).toMatch(/^substituted https:\/\/wrapdb.example.org\/v2\/dep_0.3.0-1\/get_patch \(stage fetch\): substituted, as asked, from .* \(sha256 [0-9a-f]{64}, not the pinned 0{64}\): pass in MESON_WRAP_SHA256S: dep_0.3.0-1_patch.zip=[0-9a-f]{64}$/);
    // The tag archive is GitHub's bytes, at the layout SOURCE_MIRROR reads.
    expect(sh(`sha256sum "${mirrorPath(mirror, "https://github.com/acme/lib/archive/refs/tags/v1.2.0.tar.gz")}" | cut -d' ' -f1`)).toBe(libSha);
    // The git source: a bare repository holding one commit (the pinned one) and its tag.
    const bare = mirrorPath(mirror, "https://github.com/acme/proj.git");
    expect(sh(`git --git-dir="${bare}" rev-list --all --count`)).toBe("1");
    expect(sh(`git --git-dir="${bare}" rev-parse v2.0.0^{commit}`)).toBe(projCommit);
    expect(readFileSync(join(mirror, "build-args"), "utf8")).toMatch(/^MESON_WRAP_SHA256S=dep_0.3.0-1_patch.zip=[0-9a-f]{64}\n$/);
  });

  test("a substitute from a repository that lacks objects of its tree is refused with a sentence, not a stack trace", async () => {
    // A snapshot with its largest blobs left out (a partial copy) is what made this fail for real: git archive cannot read the tree.
    const broken = join(root, "repos-broken", "overlays");
    sh(`mkdir -p "${broken}" && cp -a "${overlay}/." "${broken}/"`);
    const blob = sh(`git --git-dir="${broken}/.git" rev-parse dep_0.3.0-1:packagefiles/dep/meson.build`);
    sh(`rm "${broken}/.git/objects/${blob.slice(0, 2)}/${blob.slice(2)}"`);
    const r = await cli("mirror", "demo", "--out", join(root, "mirror-broken"), "--repos", repos, "--archive", `https://wrapdb.example.org/v2/dep_0.3.0-1/get_patch=${broken}:dep_0.3.0-1:packagefiles/dep`);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^stagewright mirror: git --git-dir .* archive .* failed: .*: the repository lacks objects of that tree \(a partial or shallow copy\); give a complete clone, or only the paths that are needed \(--archive URL=GITDIR:REF:SUBDIR:PATH,\.\.\.\)\n$/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  test("the missing release asset, given as a file: its checksum is checked and, if it differs, the ARG to pass is named", async () => {
    const asset = join(root, "dist.tar.gz");
    writeFileSync(asset, "a release asset\n");
    const got = sh(`sha256sum "${asset}" | cut -d' ' -f1`);
    const r = await cli("mirror", "demo", "--out", mirror, "--repos", repos, "--archive", patch, "--file", `https://github.com/acme/lib/releases/download/v1.2.0/lib-1.2.0-dist.tar.gz=${asset}`);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`substituted https://github.com/acme/lib/releases/download/v1.2.0/lib-1.2.0-dist.tar.gz (stage asset): the given file's sha256 is ${got}, not the pinned ${"1".repeat(64)}: pass --arg ASSET_SHA256=${got}`);
    expect(readFileSync(join(mirror, "build-args"), "utf8").split("\n")[0]).toBe(`ASSET_SHA256=${got}`);
  });

  test("the host script builds from file://<mirror> alone: archive checked, clone and commit check, wrap files checked", () => {
    const script = join(root, "host-demo.sh");
    const text = renderHostScript(demo);
    expect(checkScript(text, "host-demo.sh").problems).toEqual([]);
    writeFileSync(script, text);
    const args = readFileSync(join(mirror, "build-args"), "utf8").trim().split("\n").flatMap((kv) => ["--arg", kv]);
    const env = { ...process.env, SOURCE_MIRROR: `file://${mirror}`, GIT_CONFIG_GLOBAL: "/dev/null", GIT_ALLOW_PROTOCOL: "file" };
    const r = spawnSync("bash", [script, ...args], { cwd: root, env, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("lib.tar.gz: OK");
    expect(r.stdout).toContain("subprojects/packagecache/dep-0.3.0.tar.gz: OK\n");
    expect(r.stdout).toContain("subprojects/packagecache/dep_0.3.0-1_patch.zip: OK\n");
    expect(r.stderr).toContain("stagewright: subprojects/dep.wrap: dep_0.3.0-1_patch.zip is checked against the sha256 passed in MESON_WRAP_SHA256S (a file the mirror substituted), not the wrap's own");
    expect(readFileSync(join(work, "proj/subprojects/dep.wrap"), "utf8")).toContain(`source_hash = ${depSha}\n`);

    // A tampered mirror file fails its check.
    writeFileSync(mirrorPath(mirror, "https://github.com/acme/lib/archive/refs/tags/v1.2.0.tar.gz"), "tampered");
    const bad = spawnSync("bash", [script, ...args], { cwd: root, env, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
    expect(bad.status).toBe(1);
    expect(bad.stdout + bad.stderr).toContain("lib.tar.gz: FAILED");
  });

  test("bad input: no --out, a pair without a URL", async () => {
    expect((await cli("mirror", "demo")).err).toBe("stagewright mirror: --out DIR is required: the mirror directory to lay out; see stagewright mirror --help\n");
    expect((await cli("mirror", "demo", "--out", mirror, "--file", "lib.tar.gz")).err).toBe("stagewright mirror: --file lib.tar.gz: give URL=VALUE with an https:// URL\n");
  });
});
