/**
 * Runtime twins of the version rules that follow upstream, for values that arrive as data (plain
 * strings, --set): the same cases as test/types/versions.test-d.ts, with the same sentences.
 */
import { describe, expect, test } from "vitest";
import { parseSets, recipeFromStages, ruleMessage, withValues } from "../src/index.ts";
import { officialRecipe } from "../recipes/official.ts";
import { runCli } from "../src/cli.ts";
import { builtinRecipes, recipeAliases, recipeVersions } from "../recipes/index.ts";
import { checkDockerfile } from "./support/checkers.ts";
import {
  cudaDlBase,
  efaDrivers,
  etcdCppApi,
  libfabric,
  libfabricGb200Problem,
  libfabricGb200Rule,
  mesonOptionRule,
  mesonOptionProblem,
  nixl,
  nixlHasMesonOption,
  nixlRelease,
  ucx,
  ucxLineFor,
  uvStage,
  nixlImageRows,
  nixlLinkage,
  stageLock,
  versionsCommand,
} from "../stages/index.ts";

const s = (v: string): string => v;
const uv = uvStage();
const base = cudaDlBase(uv, {});
const etcd = etcdCppApi(base, {});

function nixlRecipe(o: { version: string; ucx: string; libfabric: string; arch?: "x86_64" | "aarch64"; meson?: Record<string, string | boolean> }) {
  const u = ucx(base, { version: s(o.ucx) });
  const f = libfabric(base, { version: s(o.libfabric) });
  const n = nixl(base, { version: s(o.version), libfabric: f.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd, ...(o.arch === undefined ? {} : { arch: o.arch }), ...(o.meson === undefined ? {} : { meson: o.meson as {} }) });
  return () => recipeFromStages("x", [uv, base, u, f, etcd, n]);
}

describe("the version table", () => {
  test("known releases: the tag, the nearest earlier tag of its line, nothing for an unknown line", () => {
    expect(nixlRelease("v1.3.1")?.ucx).toBe("v1.22.0");
    expect(nixlRelease("v1.3.5")?.tag).toBe("v1.3.2");
    expect(nixlRelease("v1.5.0")).toBeUndefined();
    expect(ucxLineFor("v1.0.1")).toEqual({ line: "1.21", pin: "v1.21.0", tag: "v1.0.1" });
  });
  test("meson options per version, v1.3.1 (tagged on main) and v1.3.2 (release branch) apart", () => {
    expect(nixlHasMesonOption("v1.2.0", "nixl_cuda_arch_list")).toBe(true);
    expect(nixlHasMesonOption("v1.1.0", "nixl_cuda_arch_list")).toBe(false);
    expect(nixlHasMesonOption("v1.3.1", "with_trace")).toBe(true);
    expect(nixlHasMesonOption("v1.3.2", "with_trace")).toBe(false);
    expect(nixlHasMesonOption("v1.4.0", "with_trace")).toBe(true);
  });
});

describe("rule nixl-ucx-line per tag (runtime twin)", () => {
  test("v1.0.1 and v1.3.2 on UCX 1.21, v1.3.1 on 1.22", () => {
    expect(nixlRecipe({ version: "v1.0.1", ucx: "v1.21.0", libfabric: "v1.21.0" })).not.toThrow();
    expect(nixlRecipe({ version: "v1.3.1", ucx: "v1.22.0", libfabric: "v1.21.0" })).not.toThrow();
    expect(nixlRecipe({ version: "v1.3.2", ucx: "v1.22.0", libfabric: "v1.21.0" })).toThrow(
      "stage nixl: NIXL v1.3.2 is built and tested with UCX 1.21.x (the official image's UCX_REF) but stage ucx builds UCX v1.22.0; build UCX v1.21.0 (--set UCX_VERSION=v1.21.0) (rule nixl-ucx-line;",
    );
  });
  test("the sentence equals the compile-time twin's", () => {
    expect(nixlRecipe({ version: "v1.4.0", ucx: "v1.21.0", libfabric: "v1.21.0" })).toThrow(
      `stage nixl: NIXL v1.4.0 is built and tested with UCX 1.22.x (the official image's UCX_REF) but stage ucx builds UCX v1.21.0; build UCX v1.22.0 (--set UCX_VERSION=v1.22.0) (rule nixl-ucx-line; source: https://github.com/ai-dynamo/nixl/blob/v1.4.0/contrib/Dockerfile (ARG UCX_REF, at each tag: docs/facts/nixl-tags.yaml)); to build anyway, add an explicit override { rule: "nixl-ucx-line", reason: "..." }`,
    );
  });
});

describe("rule nixl-meson-option (runtime twin)", () => {
  test("nixl_cuda_arch_list on v1.2.0 renders it; on v1.1.0 it is refused", () => {
    const ok = nixlRecipe({ version: "v1.2.0", ucx: "v1.21.0", libfabric: "v1.21.0", meson: { nixl_cuda_arch_list: "90;100" } })();
    expect(ok.render()).toContain("-Dnixl_cuda_arch_list=90;100");
    expect(nixlRecipe({ version: "v1.1.0", ucx: "v1.21.0", libfabric: "v1.21.0", meson: { nixl_cuda_arch_list: "90;100" } })).toThrow(
      `stage nixl: NIXL v1.1.0 has no meson option nixl_cuda_arch_list (see meson_options.txt at the tag); drop it from the meson option or use a NIXL that has it (rule nixl-meson-option; source: https://github.com/ai-dynamo/nixl/blob/v1.4.0/meson_options.txt (and the same file at each tag; docs/facts/nixl-tags.yaml)); to build anyway, add an explicit override { rule: "nixl-meson-option", reason: "..." }`,
    );
    expect(ruleMessage("nixl", mesonOptionRule([]), mesonOptionProblem("v1.1.0", "nixl_cuda_arch_list"))).toContain("rule nixl-meson-option");
  });
  test("from data: the stage made for v1.2.0 with the option, NIXL_VERSION=v1.1.0 set (same steps otherwise)", () => {
    const r = nixlRecipe({ version: "v1.2.0", ucx: "v1.21.0", libfabric: "v1.21.0", meson: { nixl_cuda_arch_list: "90" } })();
    expect(() => withValues(r, parseSets(["NIXL_VERSION=v1.1.0"]))).toThrow("stage nixl: NIXL v1.1.0 has no meson option nixl_cuda_arch_list");
  });
  test("an option no NIXL has, and the artifact-derived paths, are errors naming the known options", () => {
    expect(() => nixlRecipe({ version: "v1.4.0", ucx: "v1.22.0", libfabric: "v1.21.0", meson: { no_such_option: true } })).toThrow("nixl, option meson: meson option no_such_option is not one NIXL has (known: ");
    expect(() => nixlRecipe({ version: "v1.4.0", ucx: "v1.22.0", libfabric: "v1.21.0", meson: { ucx_path: "/opt/ucx" } })).toThrow("ucx_path and libfabric_path come from the artifacts");
    expect(() => nixlRecipe({ version: "v1.4.0", ucx: "v1.22.0", libfabric: "v1.21.0", meson: { log_level: "a b" } })).toThrow("nixl, option meson: meson option log_level=a b must be a boolean or a plain string");
  });
});

describe("rule nixl-libfabric-gb200 (ai-dynamo/dynamo PR 9727), runtime twin", () => {
  const sentence = (by: string, v: string) => ruleMessage("nixl", libfabricGb200Rule(undefined), libfabricGb200Problem(by, v));
  test("aarch64 with libfabric v1.21.0 refused, v2.5.1 fine, x86_64 not judged", () => {
    expect(nixlRecipe({ version: "v1.4.0", ucx: "v1.22.0", libfabric: "v1.21.0", arch: "aarch64" })).toThrow(sentence("libfabric", "v1.21.0"));
    expect(nixlRecipe({ version: "v1.4.0", ucx: "v1.22.0", libfabric: "v2.5.1", arch: "aarch64" })).not.toThrow();
    expect(nixlRecipe({ version: "v1.4.0", ucx: "v1.22.0", libfabric: "v1.21.0", arch: "x86_64" })).not.toThrow();
  });
  test("the EFA installer 1.47.0's libfabric (2.4.0amzn1.0) refused on aarch64, with the sentence of the type twin", () => {
    const efa = efaDrivers(base, { version: s("1.47.0"), libfabric: "provide" });
    const u = ucx(base, { version: s("v1.22.0") });
    const n = nixl(efa, { version: s("v1.4.0"), arch: "aarch64", libfabric: efa.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });
    expect(() => recipeFromStages("x", [uv, base, efa, u, etcd, n])).toThrow(
      `stage nixl: EFA GPU RDMA on aarch64 (GB200) needs libfabric >= v2.5.1 (CUDA dmabuf try/fallback for fi_mr_reg) but stage efa-drivers builds libfabric 2.4.0amzn1.0 (EFA installer 1.47.0); build libfabric v2.5.1 (--set LIBFABRIC_VERSION=v2.5.1) (rule nixl-libfabric-gb200; source: https://github.com/ai-dynamo/dynamo/pull/9727); to build anyway, add an explicit override { rule: "nixl-libfabric-gb200", reason: "..." }`,
    );
  });
});

describe("ai-dynamo/dynamo PR 13112 (runtime twin)", () => {
  test("NIXL built against /usr/local/libfabric while the image's libfabric is the installer's /opt/amazon/efa: refused", () => {
    const efa = efaDrivers(base, { version: s("1.47.0"), libfabric: "provide" });
    const fabric = libfabric(base, { version: s("v2.5.1"), prefix: s("/usr/local") });
    const u = ucx(base, { version: s("v1.22.0") });
    const n = nixl(base, { version: s("v1.4.0"), libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });
    expect(() => recipeFromStages("pr-13112", [uv, base, efa, fabric, u, etcd, n])).toThrow(/libfabric at \/usr\/local but stage efa-drivers installs it at \/opt\/amazon\/efa/);
  });
});

describe("rule nixl-generated-for: NIXL_VERSION from data moves what moves with it, or names what else to set", () => {
  test("official v1.1.0 with NIXL_VERSION=v1.2.0: same steps, same UCX line; NIXL_COMMIT follows", () => {
    const r = withValues(officialRecipe("v1.1.0"), parseSets(["NIXL_VERSION=v1.2.0"]));
    expect(r.render()).toContain('ARG NIXL_COMMIT="5c801155f7b1561992e35aae084bcefff717cd34"');
  });
  test("official 0.7.1 with NIXL_VERSION=v1.2.0: refused, naming UCX and the steps that differ", () => {
    let message = "";
    try {
      withValues(officialRecipe("0.7.1"), parseSets(["NIXL_VERSION=v1.2.0"]));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("build UCX v1.21.0 (--set UCX_VERSION=v1.21.0)");
    expect(message).toContain("the UCX_MO plugin: true for 0.7.1, false for v1.2.0");
  });
  test("official v1.3.0 with NIXL_VERSION=v1.4.0: the wheel method differs, so the stage must be created for v1.4.0", () => {
    expect(() => withValues(officialRecipe("v1.3.0"), parseSets(["NIXL_VERSION=v1.4.0", "UCX_VERSION=v1.22.0"]))).toThrow(
      'how the Python package is built: build-wheel for v1.3.0, uv-system for v1.4.0); create the stage with nixl(…, { version: "v1.4.0" }) instead of changing NIXL_VERSION',
    );
  });
});

describe("the CLI: official@<tag>, current, versions", () => {
  const ctx = { builtins: builtinRecipes, aliases: recipeAliases, versioned: recipeVersions, commands: [versionsCommand], compareRows: nixlImageRows, critical: nixlLinkage };
  async function cli(...argv: string[]) {
    let out = "";
    let err = "";
    const code = await runCli(argv, ctx, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  }
  test("render official@v1.4.0 and current: the tag's build, passing the checkers", async () => {
    const r = await cli("render", "official@v1.4.0");
    expect(r.code).toBe(0);
    expect(r.out).toBe(officialRecipe("v1.4.0").render());
    const c = await cli("render", "current");
    expect(c.code).toBe(0);
    expect(c.out).toContain('ARG BASE_TAG="25.10-cuda13.0-devel-ubuntu24.04"');
    expect(checkDockerfile(c.out).problems).toEqual([]);
  });
  test("an unknown tag is one line naming the closest and the known tags; a recipe without variants says so", async () => {
    const r = await cli("render", "official@v1.4.00");
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(`stagewright render: official has no version v1.4.00 (did you mean v1.4.0?); known: ${recipeVersions["nixl-official"]!.known.join(", ")}\n`);
    expect((await cli("render", "aligned@0.7.1")).err).toContain("recipe aligned takes no @version; recipes that do: nixl-official");
  });
  test("compare official@0.7.1 official@v1.4.0 current is the table in docs/comparison.md", async () => {
    const r = await cli("compare", "official@0.7.1", "official@v1.4.0", "current");
    expect(r.code).toBe(0);
    expect(r.out).toContain("| abseil / gRPC | Ubuntu packages (libgrpc-dev) | from source: abseil 20250814.2, gRPC v1.73.0 | from source: abseil 20250814.2, gRPC v1.73.0 | differs |");
  });
  test("versions: every lock entry once, the official build per tag, the refused pairings", async () => {
    const r = await cli("versions");
    expect(r.code).toBe(0);
    for (const p of stageLock().values()) expect(r.out).toContain(`| ${p.version} |`);
    expect(r.out).toContain("| v1.3.1 | 25.10-cuda13.0-devel-ubuntu24.04 | v1.22.x (v1.22.0) | v1.21.0 | 3.3.0-088000-26.01 | release | source | uv-system |");
    expect(r.out).toContain("| v1.1.0 | 1.21.x | >= v1.21.0; on aarch64 (GB200) >= v2.5.1 | nixl_cuda_arch_list, disable_infinia_backend, infinia_path, wheel_variant, sanitizer, with_trace, trace_backends |");
    expect(r.out).toContain("| nixl-libfabric-gb200 | EFA GPU RDMA on aarch64 (GB200) needs libfabric >= v2.5.1 | https://github.com/ai-dynamo/dynamo/pull/9727 |");
    const one = await cli("versions", "libfabric");
    expect(one.out).toContain("## libfabric");
    expect(one.out).not.toContain("## ucx");
  });
  test("versions refuses an unknown component and options, listed in the usage with its own --help", async () => {
    expect((await cli("versions", "libfabrik")).err).toContain("no component libfabrik in the source lock (did you mean libfabric?)");
    expect((await cli("versions", "--json")).err).toBe("stagewright versions: versions has no option --json; see stagewright versions --help\n");
    expect((await cli("--help")).out).toContain("  versions           the versions each component is known at");
    expect((await cli("versions", "--help")).out).toContain("usage: stagewright versions [<component>]");
  });
});

describe("the current recipe", () => {
  test("every generated file passes the checkers; each stage rendered alone too", async () => {
    const { companionFiles, renderStageAlone } = await import("../src/index.ts");
    const { currentRecipe } = await import("../recipes/current.ts");
    const { checkScript } = await import("./support/checkers.ts");
    const r = currentRecipe();
    const files = companionFiles(r);
    for (const [f, text] of Object.entries(files)) {
      if (f.startsWith("Dockerfile")) expect(checkDockerfile(text).problems, f).toEqual([]);
      if (f.endsWith(".sh")) expect(checkScript(text, f).problems, f).toEqual([]);
    }
    for (const s of r.stages) {
      const parent = s.from;
      if (!("steps" in parent)) continue;
      // Stand-ins for the base stage and for every stage it copies from (its needs' producers, and the
      // uv stage the lean final stage copies uv from), so the fragment parses alone.
      const copiedFrom = s.steps.flatMap((i): string[] => (i.op === "COPY" && i.from !== undefined ? [i.from] : []));
      const producers = [...new Set([...s.needs.flatMap((n): string[] => (n.producer === null ? [] : [n.producer])), ...copiedFrom])].filter((n) => n !== parent.name);
      const stubs = [parent.name, ...producers].map((n) => `FROM debian:bookworm AS ${n}\nSHELL ["/bin/bash", "-euo", "pipefail", "-c"]`).join("\n");
      expect(checkDockerfile(`${stubs}\n${renderStageAlone(s)}`).problems, s.name).toEqual([]);
    }
  });
  test("the pins it lacks are exactly those docs/sources.md names: two unmirrored commits, a release asset without a published checksum", async () => {
    const { currentRecipe } = await import("../recipes/current.ts");
    const { lintStages } = await import("../src/index.ts");
    const missing = lintStages(currentRecipe().stages).filter((f) => f.rule === "missing-commit" || f.rule === "missing-checksum").map((f) => /ARG (\w+)/.exec(f.message)?.[1]);
    expect(missing.sort()).toEqual(["AWS_SDK_CPP_COMMIT", "GRPC_COMMIT", "LIBFABRIC_SHA256"]);
  });
});
