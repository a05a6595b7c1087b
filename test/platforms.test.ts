/**
 * One Dockerfile for linux/amd64 and linux/arm64: the ARGs that follow the platform are computed in
 * the Dockerfile from BuildKit's TARGETARCH, never passed. The global ARG lines are evaluated here
 * the way BuildKit's buildMetaArgs does (each default against the values declared before it,
 * `${A/pattern/replacement}` replacing the first match: dockerfile frontend 1.7+), so the paths a
 * platform's build reads (plugin directory, loader config, Rust host, wheel tag) are read off the
 * rendered text for each platform. The real builds are test/build (CI).
 */
import { describe, expect, test } from "vitest";
import { TARGETARCH, automaticArg, buildScript, companionFiles, bakeFile, computedArg, parseSets, parseValues, recipeArgs, recipeFromStages, targetUnameArch, withValues } from "../src/index.ts";
import { gdrcopy, platformProblems, platformsFor } from "../stages/index.ts";
import { alignedStages } from "../recipes/aligned.ts";
import { builtinRecipes } from "../recipes/index.ts";
import { smokeCrossRecipe } from "../recipes/smoke-cross.ts";
import { checkDockerfile, stagesOf } from "./support/checkers.ts";

const TARGETARCH_OF = { "linux/amd64": "amd64", "linux/arm64": "arm64" } as const;

/** The global ARG values of a Dockerfile for a platform, as BuildKit resolves them (no build args). */
function globalArgs(text: string, platform: keyof typeof TARGETARCH_OF): Map<string, string> {
  const values = new Map<string, string>([["TARGETARCH", TARGETARCH_OF[platform]], ["TARGETPLATFORM", platform], ["BUILDPLATFORM", "linux/amd64"], ["BUILDARCH", "amd64"]]);
  for (const line of text.split("\n")) {
    if (/^FROM\s/.test(line)) break;
    const m = /^ARG ([A-Za-z_][A-Za-z0-9_]*)(?:="(.*)")?$/.exec(line);
    if (m === null || m[2] === undefined) continue;
    values.set(m[1]!, expand(m[2], values));
  }
  return values;
}

/** `${A}`, `${A/p/r}` (first match of a literal pattern) against `values`. */
function expand(word: string, values: ReadonlyMap<string, string>): string {
  return word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:\/([^/}]*)\/([^}]*))?\}/g, (_m, name: string, pattern?: string, replacement?: string) => {
    const v = values.get(name) ?? "";
    return pattern === undefined ? v : v.replace(pattern, replacement ?? "");
  });
}

describe("ARCH follows --platform in every built-in recipe", () => {
  // The gpu-host recipes build on the host itself (the host base checks ARCH against uname) and leave NIXL_PLUGIN_DIR unset.
  test.each(Object.keys(builtinRecipes).filter((n) => !n.startsWith("gpu-host")))("%s: amd64 → x86_64 paths, arm64 → aarch64 paths, from one Dockerfile", (name) => {
    const r = builtinRecipes[name]!();
    const text = r.render();
    expect(text).toContain('ARG TARGETARCH\n');
    expect(text).toContain('ARG ARCH="${TARGETARCH/amd64/x86_64}"\nARG ARCH="${ARCH/arm64/aarch64}"\n');
    for (const [platform, arch] of [["linux/amd64", "x86_64"], ["linux/arm64", "aarch64"]] as const) {
      const g = globalArgs(text, platform);
      expect(g.get("ARCH"), platform).toBe(arch);
      const prefix = recipeArgs(r).find((a) => a.name === "NIXL_PREFIX")!.default;
      const plugins = expand("${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins", new Map([...g, ["NIXL_PREFIX", prefix]]));
      expect(plugins).toBe(`${prefix}/lib/${arch}-linux-gnu/plugins`);
      g.set("NIXL_PREFIX", prefix);
      // The runtime's ENV, its ld.so.conf.d entries and the assertions name that directory.
      const runtime = text.slice(text.lastIndexOf("\nFROM "));
      expect(expand(/ENV NIXL_PLUGIN_DIR="([^"]+)"/.exec(runtime)?.[1] ?? "", g)).toBe(plugins);
      expect(expand(runtime, g)).toContain(`"${plugins}/libplugin_LIBFABRIC.so"`);
      expect(expand(runtime, g)).not.toContain(arch === "x86_64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu");
      // The Rust host and the wheel's platform tag, in the NIXL stage.
      const nixl = expand(text, g);
      expect(nixl).toContain(`/rustup/archive/1.28.1/${arch}-unknown-linux-gnu/rustup-init`);
      // v1.3.1 and later build the wheel from pyproject.toml (no build-wheel.sh, no --platform tag)
      if (nixl.includes("./contrib/build-wheel.sh")) expect(nixl).toContain(`--platform "manylinux_2_39_${arch}"`);
    }
  });
  test("the in-image test script takes ARCH from the running image (uname -m), so its triplet paths are the platform's", () => {
    const files = companionFiles(builtinRecipes["nixl-aligned"]!());
    const script = files["test-nixl-aligned.sh"]!;
    expect(script).toContain('ARCH="${ARCH:-$(uname -m)}"');
    expect(script).toContain("/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so");
  });
    test("the rustup-init checksum is picked per architecture from the lock (one pin each)", () => {
    const text = builtinRecipes["nixl-aligned"]!().render();
    expect(text).toMatch(/ {2}x86_64\) rustup_sha256=[0-9a-f]{64} ;;\n {2}aarch64\) rustup_sha256=[0-9a-f]{64} ;;/);
  });
  test("UCX is configured without the build machine's -mcpu/-march (UCX_AARCH64_FLAGS), on every platform", () => {
    const text = builtinRecipes["nixl-aligned"]!().render();
    expect(text).toContain("    --enable-optimizations \\\n");
    expect(text).toContain("    --without-mcpu \\\n    --without-march\n");
  });
    test("DOCA's repository is the target's (TARGETARCH amd64/arm64 is DOCA's x86_64/arm64-sbsa)", () => {
    const text = builtinRecipes["nixl-aligned"]!().render();
    expect(text).toContain('case "${TARGETARCH}" in amd64) doca_arch=x86_64 ;; arm64) doca_arch=arm64-sbsa ;;');
    expect(text).toContain("https://linux.mellanox.com/public/repo/doca/${doca_version}/${os}/${doca_arch}/ ./");
  });
  test("neither ARCH nor TARGETARCH is a build-script option or a bake variable; --platform and PLATFORMS are", () => {
    const r = builtinRecipes["nixl-aligned"]!();
    const script = buildScript(r);
    expect(script).not.toMatch(/--arch\b|ARCH=\$2/);
    expect(script).toContain("Set by --platform (not options): TARGETARCH, ARCH");
    const bake = bakeFile(r);
    expect(bake).not.toMatch(/variable "(TARGET)?ARCH"/);
    expect(bake).not.toMatch(/^\s+(TARGET)?ARCH\s+=/m);
    expect(bake).toContain('variable "PLATFORMS"');
  });
});

describe("the cross-compiled smoke recipe", () => {
  const r = smokeCrossRecipe();
  const text = r.render();
  test("passes the in-process checkers", () => {
    expect(checkDockerfile(text).problems).toEqual([]);
  });
  test("builds on the build host, ships a target-platform runtime with no RUN, verifies on the build host", () => {
    const stages = stagesOf(text);
    expect(stages.map((s) => `${s.name}<-${s.from}`)).toEqual(["cross<-${SMOKE_CROSS_IMAGE}", "greet<-cross", "hello<-cross", "runtime<-scratch", "verify<-${SMOKE_CROSS_IMAGE}"]);
    expect(text).toContain("FROM --platform=${BUILDPLATFORM} ${SMOKE_CROSS_IMAGE} AS cross\n");
    expect(text).toContain("FROM --platform=${BUILDPLATFORM} ${SMOKE_CROSS_IMAGE} AS verify\n");
    expect(stages.find((s) => s.name === "runtime")!.instructions.filter((i) => i.keyword === "RUN")).toEqual([]);
    expect(r.platforms).toEqual(["linux/amd64", "linux/arm64"]);
  });
  test.each([["linux/amd64", "x86_64-linux-gnu-gcc"], ["linux/arm64", "aarch64-linux-gnu-gcc"]] as const)("CC for %s is %s", (platform, cc) => {
    expect(globalArgs(text, platform).get("CROSS_CC")).toBe(cc);
  });
});

describe("the arm64 data refuses what cannot build for linux/arm64, the same sentence at compile time (test/types/platforms.test-d.ts) and here", () => {
  const sentence = "stage gdrcopy: GDRCopy v2.1 does not build for linux/arm64 (arm64 since v2.2); use GDRCopy v2.2 or later, or build for linux/amd64 only";
  test("stages from data: platformsFor and the recipe's platform rules", () => {
    const s = alignedStages();
    const old = gdrcopy(s.dc, { version: "v2.1" as string });
    expect(() => platformsFor([s.uv, s.base, s.dc, old], ["linux/amd64", "linux/arm64"])).toThrow(sentence);
    expect(platformProblems([s.uv, s.base, s.dc, old], ["linux/amd64"])).toEqual([]);
    expect(() => recipeFromStages("x", [s.uv, s.base, s.dc, old], { platforms: ["linux/arm64"], platformRules: platformProblems })).toThrow(sentence);
  });
  test("values: a version moved by data is checked again; platforms: [linux/amd64] in the values builds it for amd64 only", () => {
    const r = builtinRecipes["nixl-aligned"]!();
    expect(() => withValues(r, parseSets(["GDRCOPY_VERSION=v2.1", "GDRCOPY_SHA256="]))).toThrow(sentence);
    const amd64 = withValues(r, { ...parseSets(["GDRCOPY_VERSION=v2.1", "GDRCOPY_SHA256="]), platforms: ["linux/amd64"] });
    expect(amd64.platforms).toEqual(["linux/amd64"]);
    expect(parseValues("platforms: [linux/arm64]\n", "v.yaml").platforms).toEqual(["linux/arm64"]);
    expect(() => parseValues("platforms: [linux/s390x]\n", "v.yaml")).toThrow('v.yaml: platforms[0] "linux/s390x" is not one of linux/amd64, linux/arm64');
  });
  test("the aligned and official recipes build for both platforms; production (NGC PyTorch base, HPC-X) for linux/amd64 only", () => {
    expect(builtinRecipes["nixl-aligned"]!().platforms).toEqual(["linux/amd64", "linux/arm64"]);
    expect(builtinRecipes["nixl-official"]!().platforms).toEqual(["linux/amd64", "linux/arm64"]);
    expect(builtinRecipes["nixl-production"]!().platforms).toEqual(["linux/amd64"]);
  });
  test("the build script accepts exactly the recipe's platforms", () => {
    const script = buildScript(builtinRecipes["nixl-aligned"]!());
    expect(script).toContain("    linux/amd64|linux/arm64) ;;");
    expect(buildScript(builtinRecipes["nixl-production"]!())).toContain("    linux/amd64) ;;");
  });
});

describe("ARGs that follow the platform are declared once, checked at generation", () => {
  test("a computed step may read only its sources and itself", () => {
    expect(() => computedArg("X", "x", [TARGETARCH], ["${TARGETOS}"], ["a"], "a")).toThrow("ARG X: step ${TARGETOS} reads TARGETOS, which is neither X nor one of the ARGs it is computed from (TARGETARCH)");
  });
  test("its default is one of its values", () => {
    expect(() => computedArg("X", "x", [TARGETARCH], ["${TARGETARCH}"], ["amd64", "arm64"], "s390x")).toThrow('ARG X: its default "s390x" is not one of the values it can take (amd64, arm64)');
  });
  test("only BuildKit's names are automatic", () => {
    // @ts-expect-error Argument of type '"HOSTARCH"' is not assignable to parameter of type '"TARGETARCH" | "TARGETPLATFORM" | "BUILDPLATFORM" | "BUILDARCH" | "TARGETOS" | "TARGETVARIANT" | "BUILDOS" | "BUILDVARIANT"'
    expect(() => automaticArg("HOSTARCH", "x")).toThrow("ARG HOSTARCH is not one of BuildKit's automatic platform ARGs");
  });
  test("targetUnameArch is x86_64 on the default platform (for comparisons and the manifest)", () => {
    expect(targetUnameArch("ARCH").default).toBe("x86_64");
  });
});
