/**
 * Issue 11 item 5: the aligned image's NCCL is the base image's by default (no NCCL stage; the build
 * requires exactly one libnccl.so.2 and prints its version); building NCCL is an explicit option that
 * brings its headers and a gencode list from the base's CUDA (sm_100/sm_120 from CUDA 12.8 on, as
 * NCCL's own defaults since v2.25.1-1), and removes the base's NCCL also when dpkg does not own it.
 * The removal script runs for real under bash over a fake loader cache and a fake dpkg.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { recipeArgs, recipeFromStages } from "../src/index.ts";
import { alignedRecipe, alignedStages } from "../recipes/aligned.ts";
import { NCCL_GENCODE_BLACKWELL, NCCL_GENCODE_HOPPER, cudaDlBase, nccl, ncclGencodeFor, removeBaseNcclScript } from "../stages/index.ts";
import { parseShell, shellcheck } from "./support/checkers.ts";
import { tempDir } from "./support/tmp.ts";

const stageText = (text: string, name: string) => {
  const start = text.indexOf(`AS ${name}\n`);
  const next = text.indexOf("\nFROM ", start + 1);
  return text.slice(start, next === -1 ? undefined : next);
};

describe("the default: the base image's NCCL", () => {
  const r = alignedRecipe();
  const text = r.render();
  test("no NCCL stage, no NCCL ARG, aws-ofi-nccl still built", () => {
    expect(r.stages.map((s) => s.name)).not.toContain("nccl");
    expect(recipeArgs(r).map((a) => a.name)).not.toContain("NCCL_VERSION");
    expect(r.stages.map((s) => s.name)).toContain("aws-ofi-nccl");
  });
  test("the final image requires exactly one libnccl.so.2 and prints the base's NCCL version", () => {
    const t = stageText(text, "runtime");
    expect(t).toContain('the loader must see exactly one libnccl.so.2, it sees:');
    expect(t).toContain('echo "stagewright: the image\'s NCCL is the base image\'s, version ${nccl##*/libnccl.so.} ($nccl)"');
    expect(t).not.toContain("apt-get purge");
  });
});

describe("building NCCL is explicit", () => {
  const r = alignedRecipe({ nccl: true, buildNccl: true });
  const text = r.render();
  test("its headers reach the final image", () => {
    expect(stageText(text, "runtime")).toContain("COPY --link --from=nccl /opt/stagewright/stage/nccl${NCCL_PREFIX}/include/ ${NCCL_PREFIX}/include/");
  });
  test("the gencode list includes Blackwell for the base's CUDA 12.9", () => {
    expect(recipeArgs(r).find((a) => a.name === "NCCL_GENCODE")?.default).toBe(NCCL_GENCODE_BLACKWELL);
    expect(NCCL_GENCODE_BLACKWELL).toContain("code=sm_100");
    expect(NCCL_GENCODE_BLACKWELL).toContain("code=sm_120");
  });
  test("the gencode follows the base's CUDA as the recipe declares it", () => {
    const s = alignedStages();
    const older = cudaDlBase(s.uv, { tag: "25.03-cuda12.6-devel-ubuntu24.04" });
    const own = nccl(older, { version: "v2.23.4-1" });
    expect(recipeArgs(recipeFromStages("r", [s.uv, older, own])).find((a) => a.name === "NCCL_GENCODE")?.default).toBe(NCCL_GENCODE_HOPPER);
  });
  test("an explicit gencode is kept as given", () => {
    const s = alignedStages();
    const mine = "-gencode=arch=compute_90,code=sm_90";
    const own = nccl(s.dc, { version: "v2.23.4-1", gencode: mine });
    expect(recipeArgs(recipeFromStages("r", [s.uv, s.base, s.dc, own])).find((a) => a.name === "NCCL_GENCODE")?.default).toBe(mine);
  });
  test("ncclGencodeFor: CUDA 12.8 and later get sm_100 and sm_120; earlier and unknown versions the Hopper list", () => {
    expect(ncclGencodeFor("12.8")).toBe(NCCL_GENCODE_BLACKWELL);
    expect(ncclGencodeFor("13.0")).toBe(NCCL_GENCODE_BLACKWELL);
    expect(ncclGencodeFor("12.6")).toBe(NCCL_GENCODE_HOPPER);
    expect(ncclGencodeFor("unknown")).toBe(NCCL_GENCODE_HOPPER);
  });
});

describe("removeBaseNcclScript, run for real", () => {
  const script = removeBaseNcclScript(alignedStages().ncclBuild.provides.nccl);
  test("is valid bash and shellcheck-clean", () => {
    parseShell(script);
    expect(shellcheck(`NCCL_PREFIX=/usr/local\n${script}`, "bash")).toEqual([]);
  });
  // dpkgHas: the NCCL packages dpkg has installed (NVIDIA's images hold them, docs/sources.md row 5d).
  function run(dpkgHas: readonly string[]) {
    const root = tempDir("stagewright-nccl-");
    const ours = join(root, "prefix", "lib");
    const base = join(root, "base-lib");
    const inc = join(root, "include");
    for (const d of [ours, base, inc, join(root, "prefix", "include"), join(root, "bin")]) mkdirSync(d, { recursive: true });
    for (const d of [ours, base]) writeFileSync(join(d, "libnccl.so.2.23.4"), "x");
    writeFileSync(join(base, "libnccl.so.2"), "x");
    writeFileSync(join(inc, "nccl.h"), "base");
    const bin = join(root, "bin");
    // The loader cache lists the base's copy (and ours); dpkg knows libnccl2 only when asked to.
    writeFileSync(join(bin, "ldconfig"), `#!/bin/sh\nif [ "$1" = "-p" ]; then printf '\\tlibnccl.so.2 (libc6,x86-64) => %s\\n' '${join(base, "libnccl.so.2")}' '${join(ours, "libnccl.so.2")}'; fi\n`);
    writeFileSync(join(bin, "dpkg"), `#!/bin/sh\ncase " ${dpkgHas.join(" ")} " in *" $2 "*) exit 0 ;; esac\nexit 1\n`);
    // As apt does: a name dpkg does not have (and the lists may not hold) is "Unable to locate package";
    // removing a held package under -y needs --allow-change-held-packages.
    writeFileSync(
      join(bin, "apt-get"),
      `#!/bin/sh\necho "apt-get $*" >> '${join(root, "apt.log")}'\nheld=0\nfor a in "$@"; do case "$a" in --allow-change-held-packages) held=1 ;; -*|purge) ;; *) case " ${dpkgHas.join(" ")} " in *" $a "*) ;; *) echo "E: Unable to locate package $a" >&2; exit 100 ;; esac ;; esac; done\nif [ "$held" = 0 ]; then echo "E: Held packages were changed and -y was used without --allow-change-held-packages." >&2; exit 100; fi\n`,
    );
    for (const f of ["ldconfig", "dpkg", "apt-get"]) chmodSync(join(bin, f), 0o755);
    const body = script.replaceAll("/usr/include", inc);
    const res = spawnSync("bash", ["--norc", "--noprofile", "-euo", "pipefail", "-c", body], {
      encoding: "utf8",
      env: { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, NCCL_PREFIX: join(root, "prefix"), LD_LIBRARY_PATH: "" },
    });
    return { res, root, ours, base, inc };
  }
  test("a base NCCL that is not a dpkg package is removed; the built one and its headers stay", () => {
    const { res, ours, base, inc } = run([]);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(`stagewright: removing the base image NCCL from ${base} (not a dpkg package)`);
    expect(existsSync(join(base, "libnccl.so.2.23.4"))).toBe(false);
    expect(existsSync(join(ours, "libnccl.so.2.23.4"))).toBe(true);
    expect(existsSync(join(inc, "nccl.h"))).toBe(false);
  });
  test("a dpkg NCCL is purged with apt, held as NVIDIA's images hold it", () => {
    const { res, root } = run(["libnccl2", "libnccl-dev"]);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(spawnSync("cat", [join(root, "apt.log")], { encoding: "utf8" }).stdout).toBe("apt-get purge -y --allow-change-held-packages libnccl2 libnccl-dev\n");
  });
  test("a CUDA runtime image's NCCL (libnccl2 held, no libnccl-dev: the lean base) is purged without naming libnccl-dev", () => {
    const { res, root } = run(["libnccl2"]);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(spawnSync("cat", [join(root, "apt.log")], { encoding: "utf8" }).stdout).toBe("apt-get purge -y --allow-change-held-packages libnccl2\n");
  });
});
