/**
 * The lean final image (issue 11 item 9): the aligned recipe's final stage on a CUDA runtime image
 * by default, the devel flavour as an option, the lean base's packages from the artifacts' declared
 * runtimePackages, rdma-core from DOCA's signed repository with the one-origin check, libcudart.so
 * made where the runtime image lacks it (run for real against a fake ldconfig), and rule
 * runtime-cuda-match's runtime twin.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { alignedRecipe } from "../recipes/aligned.ts";
import { runtimePackagesOf, StagewrightError, withValues, type AnyArtifact } from "../src/index.ts";
import { libcudartLinkScript, NIXL_RUNTIME_PACKAGES, RDMA_RUNTIME_PACKAGES, RUNTIME_BASE_TOOLS } from "../stages/index.ts";
import { parseShell, shellcheck } from "./support/checkers.ts";
import { tempDir } from "./support/tmp.ts";

const stageText = (df: string, name: string) => {
  const start = df.search(new RegExp(`^FROM \\S+ AS ${name}$`, "m"));
  expect(start, `stage ${name}`).toBeGreaterThanOrEqual(0);
  const rest = df.slice(start + 1);
  const next = rest.search(/^FROM /m);
  return df.slice(start, next < 0 ? undefined : start + 1 + next);
};

describe("the aligned recipe's final image", () => {
  const lean = alignedRecipe();
  const df = lean.render();

  test("is lean by default: the final stage is FROM runtime-base, which is FROM the CUDA runtime image", () => {
    expect(df).toMatch(/^FROM runtime-base AS runtime$/m);
    expect(df).toMatch(/^FROM \$\{RUNTIME_IMAGE\}:\$\{RUNTIME_TAG\} AS runtime-base$/m);
    expect(df).toContain('ARG RUNTIME_IMAGE="nvcr.io/nvidia/cuda"');
    expect(df).toContain('ARG RUNTIME_TAG="12.9.1-runtime-ubuntu24.04"');
    expect(lean.stages.map((s) => s.name).slice(-2)).toEqual(["runtime-base", "runtime"]);
  });

  test("the lean base installs every runtime package the final image's artifacts declare, and no build package", () => {
    const final = lean.stages.at(-1)!;
    const artifacts = final.needs.map((n) => n.artifact).filter((a): a is AnyArtifact => a !== undefined);
    const declared = runtimePackagesOf(artifacts);
    expect(declared).toEqual(expect.arrayContaining(["libnuma1", "libhwloc15", "libcurl4t64"]));
    const base = stageText(df, "runtime-base");
    for (const p of [...declared, ...NIXL_RUNTIME_PACKAGES, ...RUNTIME_BASE_TOOLS]) expect(base).toContain(`    ${p}`);
    for (const p of ["build-essential", "cmake", "libibverbs-dev", "doca-sdk-gpunetio", "python3.12-dev"]) expect(base).not.toContain(p);
  });

  test("rdma-core comes from DOCA's signed repository (the pinned key) and the build checks one origin", () => {
    const base = stageText(df, "runtime-base");
    expect(base).toContain('echo "deb [signed-by=/usr/share/keyrings/doca.gpg] https://linux.mellanox.com/public/repo/doca/${doca_version}/${os}/${doca_arch}/ ./"');
    expect(base).toContain('if [ "$fprs" != "${DOCA_SIGNER_FINGERPRINT}" ]');
    expect(base).toContain(`apt-get install -y --no-install-recommends ${RDMA_RUNTIME_PACKAGES.join(" ")}`);
    expect(base).toContain("must come from one source at one version");
    // The DOCA release is the doca stage's ARG, one value for both stages.
    expect(df.match(/^ARG DOCA_BUILD=/gm)).toHaveLength(1);
  });

  test("the final stage still checks the unversioned libcudart.so and that every runtime file resolves", () => {
    const final = stageText(df, "runtime");
    expect(final).toContain("libfabric dlopens the unversioned libcudart.so");
    expect(final).toContain("stagewright_resolved ");
  });

  test('flavour "devel" builds the final stage over doca, as before', () => {
    const devel = alignedRecipe({ nccl: true, flavour: "devel" }).render();
    expect(devel).toMatch(/^FROM doca AS runtime$/m);
    expect(devel).not.toContain("runtime-base");
  });

  test("an unknown flavour is refused, naming both flavours", () => {
    expect(() => alignedRecipe({ nccl: true, flavour: "slim" as "lean" })).toThrow(/flavour "slim" is neither "lean" nor "devel"/);
  });
});

describe("rule runtime-cuda-match (runtime twin)", () => {
  const sentence = "stage runtime-base: the runtime image tag 12.9.1-runtime-ubuntu24.04 (RUNTIME_TAG) has CUDA 12.9, but stage base builds with CUDA 13.0 (BASE_TAG); use a runtime tag of CUDA 13.0, or a BASE_TAG of CUDA 12.9 (rule runtime-cuda-match;";
  test("a base tag of another CUDA than the runtime tag is refused with the sentence naming both", () => {
    let err: unknown;
    try {
      withValues(alignedRecipe({ nccl: false }), { args: { BASE_TAG: "25.10-cuda13.0-devel-ubuntu24.04" }, stages: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StagewrightError);
    expect((err as StagewrightError).message).toContain(sentence);
  });
  test("both tags on one CUDA build; the devel flavour has no runtime tag", () => {
    // The pinned torch moves with the CUDA (rule torch-cuda: 2.8.0 has no CUDA 13.0 build).
    expect(() => withValues(alignedRecipe({ nccl: false }), { args: { BASE_TAG: "25.10-cuda13.0-devel-ubuntu24.04", RUNTIME_TAG: "13.0.2-runtime-ubuntu24.04", TORCH_VERSION: "2.12.0" }, stages: {} })).not.toThrow();
    expect(() => withValues(alignedRecipe({ nccl: false }), { args: { BASE_TAG: "25.10-cuda13.0-devel-ubuntu24.04", RUNTIME_TAG: "13.0.2-runtime-ubuntu24.04" }, stages: {} })).toThrow("stage runtime: torch 2.8.0 has no build for the base's CUDA 13.0");
    expect(() => withValues(alignedRecipe({ nccl: false }), { args: { BASE_TAG: "25.07-cuda12.9-devel-ubuntu24.04" }, stages: {} })).not.toThrow();
  });
  test("a cuda-dl-base runtime tag is judged by the CUDA it names after -cuda: NVIDIA's 25.10-cuda13.0 pairing builds without override", () => {
    const dlBase = (RUNTIME_TAG: string) => withValues(alignedRecipe({ nccl: false }), { args: { BASE_TAG: "25.10-cuda13.0-devel-ubuntu24.04", RUNTIME_IMAGE: "nvcr.io/nvidia/cuda-dl-base", RUNTIME_TAG, TORCH_VERSION: "2.12.0" }, stages: {} });
    expect(() => dlBase("25.10-cuda13.0-runtime-ubuntu24.04")).not.toThrow();
    let err: unknown;
    try {
      dlBase("25.10-cuda12.9-runtime-ubuntu24.04");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StagewrightError);
    expect((err as StagewrightError).message).toContain("stage runtime-base: the runtime image tag 25.10-cuda12.9-runtime-ubuntu24.04 (RUNTIME_TAG) has CUDA 12.9, but stage base builds with CUDA 13.0 (BASE_TAG); use a runtime tag of CUDA 13.0, or a BASE_TAG of CUDA 12.9 (rule runtime-cuda-match;");
  });
});

describe("libcudartLinkScript, run for real against a fake ldconfig", () => {
  const script = libcudartLinkScript();
  const root = tempDir("stagewright-cudart-");
  const run = (cache: string[]) => {
    const dir = join(root, Math.random().toString(36).slice(2));
    const lib = join(dir, "lib64");
    mkdirSync(lib, { recursive: true });
    const bin = join(dir, "bin");
    mkdirSync(bin);
    // The fake lists what the cache would hold: the given names, plus libcudart.so once it exists.
    const lines = cache.map((n) => `\t${n} (libc6,x86-64) => ${lib}/${n}`).join("\\n");
    writeFileSync(join(bin, "ldconfig"), `#!/bin/sh\n[ "$1" = -p ] || exit 0\nprintf '%d libs found in cache\\n${lines}\\n' ${cache.length}\nif [ -e '${lib}/libcudart.so' ]; then printf '\\tlibcudart.so (libc6,x86-64) => ${lib}/libcudart.so\\n'; fi\n`);
    chmodSync(join(bin, "ldconfig"), 0o755);
    for (const n of cache) writeFileSync(join(lib, n), "");
    const r = spawnSync("bash", ["--norc", "--noprofile", "-euo", "pipefail", "-c", script], { encoding: "utf8", env: { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` } });
    return { status: r.status, out: r.stdout, err: r.stderr, lib };
  };

  test("is valid bash and shellcheck-clean", () => {
    parseShell(script);
    expect(shellcheck(script, "bash")).toEqual([]);
  });
  test("a runtime image with only libcudart.so.12 gets the unversioned link to it", () => {
    const r = run(["libcudart.so.12"]);
    expect(r.err).toBe("");
    expect(r.status).toBe(0);
    expect(lstatSync(join(r.lib, "libcudart.so")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(r.lib, "libcudart.so"))).toBe("libcudart.so.12");
    expect(r.out).toContain("stagewright: libcudart.so -> ");
  });
  test("an image that has libcudart.so (the devel flavour) is left as it is", () => {
    const r = run(["libcudart.so.12", "libcudart.so"]);
    expect(r.status).toBe(0);
    expect(r.out).toBe("");
    expect(lstatSync(join(r.lib, "libcudart.so")).isSymbolicLink()).toBe(false);
  });
  test("a loader cache longer than a pipe buffer after libcudart.so.<major> still gets the link (no SIGPIPE under pipefail)", () => {
    // Names sorting after libcudart, 3000 of them: more than 64 KiB of ldconfig -p output after the match.
    const r = run(["libcudart.so.12", ...Array.from({ length: 3000 }, (_, i) => `libzz-padding-${String(i).padStart(5, "0")}-of-a-long-loader-cache.so.1`)]);
    expect(r.err).toBe("");
    expect(r.status).toBe(0);
    expect(readlinkSync(join(r.lib, "libcudart.so"))).toBe("libcudart.so.12");
  });
  test("an image without any libcudart fails, naming the fix", () => {
    const r = run([]);
    expect(r.status).toBe(1);
    expect(r.err).toContain("stagewright: the runtime image has no libcudart.so.<major>: use a CUDA runtime image");
    expect(existsSync(join(r.lib, "libcudart.so"))).toBe(false);
  });
});

describe("the lean base's CUDA artifact", () => {
  test("reads the CUDA of an nvidia/cuda tag and of a cuda-dl-base tag, for the rules judged in the final image", async () => {
    const { cudaRuntimeBase: lean } = await import("../stages/index.ts");
    const { alignedStages } = await import("../recipes/aligned.ts");
    const s = alignedStages();
    expect(lean({ build: s.base, doca: s.dc }).provides.cuda.version).toBe("12.9");
    expect(lean({ build: s.base, doca: s.dc, tag: "13.0.2-runtime-ubuntu24.04" }).provides.cuda.version).toBe("13.0");
    expect(lean({ build: s.base, doca: s.dc, image: "nvcr.io/nvidia/cuda-dl-base", tag: "25.06-cuda12.9-runtime-ubuntu24.04" }).provides.cuda.version).toBe("12.9");
    expect(lean({ build: s.base, doca: s.dc, image: "nvcr.io/nvidia/cuda-dl-base", tag: "25.10-cuda13.0-runtime-ubuntu24.04" }).provides.cuda.version).toBe("13.0");
  });
});
