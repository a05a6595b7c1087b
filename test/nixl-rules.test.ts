/**
 * The NIXL rules and version helpers of the stage library at the edges the mutation run of
 * MUTATE=stages found unpinned (docs/testing.md): every rule's id, summary and public source, the
 * features by NIXL version and the sentence that names them, the rules' answers without their
 * inputs, and the version helpers on versions they do not know.
 */
import { describe, expect, test } from "vitest";
import { artifact, type AnyArtifact, type RuleContext } from "../src/index.ts";
import {
  NIXL_RELEASES,
  NIXL_RULES,
  generatedForRule,
  inReleaseRange,
  libfabricGb200Rule,
  mesonOptionRule,
  nixlFeatures,
  nixlOfficial,
  nixlRelease,
  officialDockerfileAt,
  ucxLineFor,
} from "../stages/index.ts";

const ctx = (args: Record<string, string>, artifacts: readonly AnyArtifact[] = []): RuleContext => ({
  arg: (n) => args[n],
  artifact: (k) => artifacts.find((a) => a.kind === k),
});

describe("every NIXL rule names itself, says what it holds, and cites a public source", () => {
  const rules = [...NIXL_RULES, generatedForRule("0.7.1"), mesonOptionRule(["build_nixl_ep"]), libfabricGb200Rule(undefined)];
  test("the ids that overrides and messages name", () => {
    expect(rules.map((r) => r.id)).toEqual(["nixl-libfabric-option", "nixl-libfabric-min", "nixl-ucx-line", "nixl-meta-setuptools", "nixl-generated-for", "nixl-meson-option", "nixl-libfabric-gb200"]);
  });
  // nixl-libfabric-min cites two (the plugin README for 0.6.1-0.7.x, the PR that lowered the bound);
  // nixl-meta-setuptools three (the meson target, the meta package's pyproject, the 0.9.0 Dockerfile).
  const urls: Readonly<Record<string, number>> = { "nixl-libfabric-min": 2, "nixl-meta-setuptools": 3 };
  test.each(rules.map((r) => [r.id, r, urls[r.id] ?? 1] as const))("%s: a summary, and its source holds its public URLs", (_, r, urls) => {
    expect(r.summary.length).toBeGreaterThan(20);
    expect(r.source.match(/https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/\S+/g)).toHaveLength(urls);
  });
  test("the official Dockerfile of a tag is contrib/Dockerfile at that tag", () => {
    expect(officialDockerfileAt("v1.4.0")).toBe("https://github.com/ai-dynamo/nixl/blob/v1.4.0/contrib/Dockerfile");
  });
});

describe("the features a NIXL version's steps depend on (NixlFeatures: LIBFABRIC 0.6.1+, GUSLI 0.7.0+, meta wheel 0.7.1+, UCX_MO to 0.7.x)", () => {
  test.each([
    ["0.6.0", { libfabricPlugin: false, gusli: false, metaWheel: false, ucxMo: true, wheel: "build-wheel" }],
    ["0.6.1", { libfabricPlugin: true, gusli: false, metaWheel: false, ucxMo: true, wheel: "build-wheel" }],
    ["0.7.0", { libfabricPlugin: true, gusli: true, metaWheel: false, ucxMo: true, wheel: "build-wheel" }],
    ["0.7.1", { libfabricPlugin: true, gusli: true, metaWheel: true, ucxMo: true, wheel: "build-wheel" }],
    ["0.8.0", { libfabricPlugin: true, gusli: true, metaWheel: true, ucxMo: false, wheel: "build-wheel" }],
    // v1.3.1 and v1.4.0 build the package with uv; a line the library does not know builds like the
    // newest known release below it, and one below every release with build-wheel.sh.
    ["v1.3.1", { libfabricPlugin: true, gusli: true, metaWheel: true, ucxMo: false, wheel: "uv-system" }],
    ["1.5.0", { libfabricPlugin: true, gusli: true, metaWheel: true, ucxMo: false, wheel: "uv-system" }],
    ["0.5.0", { libfabricPlugin: false, gusli: false, metaWheel: false, ucxMo: true, wheel: "build-wheel" }],
  ])("%s", (version, features) => {
    expect(nixlFeatures(version)).toEqual(features);
  });
  test("a NIXL_VERSION that needs other steps is refused with every feature that differs, in words", () => {
    expect(generatedForRule("0.6.0").check(ctx({ NIXL_VERSION: "v1.4.0" }))).toBe(
      "the nixl stage was generated for NIXL 0.6.0 and NIXL v1.4.0 needs other steps (the LIBFABRIC plugin: false for 0.6.0, true for v1.4.0; the GUSLI plugin: false for 0.6.0, true for v1.4.0; the nixl meta wheel: false for 0.6.0, true for v1.4.0; the UCX_MO plugin: true for 0.6.0, false for v1.4.0; how the Python package is built: build-wheel for 0.6.0, uv-system for v1.4.0); create the stage with nixl(…, { version: \"v1.4.0\" }) instead of changing NIXL_VERSION",
    );
  });
  test("without a NIXL_VERSION in the recipe, the version rules have nothing to judge", () => {
    expect(generatedForRule("0.7.1").check(ctx({}))).toBeUndefined();
    expect(mesonOptionRule(["build_nixl_ep"]).check(ctx({}))).toBeUndefined();
  });
});

describe("rule nixl-libfabric-gb200 on its own inputs", () => {
  const fabric = (version: string, distribution?: string) =>
    artifact({ kind: "libfabric", producer: "efa", version, prefix: "/opt/amazon/efa", delivery: { type: "in-image" }, ...(distribution === undefined ? {} : { facts: { distribution } }) });
  const arm = libfabricGb200Rule("aarch64");
  const problem = (libfabric: string) => `EFA GPU RDMA on aarch64 (GB200) needs libfabric >= v2.5.1 (CUDA dmabuf try/fallback for fi_mr_reg) but stage efa builds libfabric ${libfabric}; build libfabric v2.5.1 (--set LIBFABRIC_VERSION=v2.5.1)`;
  test("no libfabric: nothing to judge", () => {
    expect(arm.check(ctx({}))).toBeUndefined();
  });
  test("an EFA installer's libfabric is judged by what that installer ships, written with or without the distribution", () => {
    expect(arm.check(ctx({}, [fabric("efa-installer-1.47.0", "efa-installer")]))).toBe(problem("2.4.0amzn1.0 (EFA installer 1.47.0)"));
    expect(arm.check(ctx({}, [fabric("1.47.0", "efa-installer")]))).toBe(problem("2.4.0amzn1.0 (EFA installer 1.47.0)"));
    // An installer whose libfabric no public source states is not judged.
    expect(arm.check(ctx({}, [fabric("efa-installer-1.48.0", "efa-installer")]))).toBeUndefined();
  });
  test("the architecture from the stage's option, else ARG ARCH", () => {
    expect(libfabricGb200Rule(undefined).check(ctx({ ARCH: "aarch64" }, [fabric("v2.4.0")]))).toBe(problem("v2.4.0"));
    expect(libfabricGb200Rule(undefined).check(ctx({ ARCH: "x86_64" }, [fabric("v2.4.0")]))).toBeUndefined();
    expect(arm.check(ctx({ ARCH: "x86_64" }, [fabric("v2.5.1")]))).toBeUndefined();
  });
});

describe("the version helpers on versions they do not know", () => {
  test("inReleaseRange: a version that does not start with a release number is not read as one", () => {
    expect(inReleaseRange("main", ">=1.0.0")).toBeUndefined();
    expect(inReleaseRange("nixl-1.3.1", ">=0.6.1")).toBeUndefined();
    // A v is read only as the first character.
    expect(inReleaseRange("1v.3.0", ">=0.6.1")).toBeUndefined();
  });
  test("inReleaseRange: two-digit parts and a release without a patch number", () => {
    expect(inReleaseRange("10.0.0", ">=1.4.0")).toBe(true);
    expect(inReleaseRange("1.3.12", "<1.3.2")).toBe(false);
    expect(inReleaseRange("1.3", ">=1.3.0 <1.3.1")).toBe(true);
  });
  test("nixlRelease: the line matches with or without the v; a line the library does not know has none", () => {
    expect(nixlRelease("1.3.5")?.tag).toBe("v1.3.2");
    expect(nixlRelease("v0.7.5")?.tag).toBe("0.7.1");
    expect(nixlRelease("11.0.0")).toBeUndefined();
    // Major and minor are compared as numbers apart: 11 is not the line 1.1.
    expect(nixlRelease("11")).toBeUndefined();
    expect(nixlRelease("1v.3.0")).toBeUndefined();
  });
  test("ucxLineFor and nixlOfficial for a release the library does not know", () => {
    expect(ucxLineFor("v9.0.0")).toBeUndefined();
    expect(() => nixlOfficial("v9.9.9")).toThrow(`no NIXL release v9.9.9 in the stage library; known: ${NIXL_RELEASES.map((r) => r.tag).join(", ")}`);
    expect(NIXL_RELEASES.map((r) => r.tag).join(", ")).toBe("0.6.1, 0.7.0, 0.7.1, 0.8.0, 0.9.0, 0.10.0, 0.10.1, v1.0.0, v1.0.1, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v1.3.2, v1.4.0");
  });
});
