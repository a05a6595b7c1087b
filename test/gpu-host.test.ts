/**
 * The gpu-host recipe and the stage-library changes a real GPU-host run needed: its host script
 * passes the checkers, NCCL before v2.27.3-1 is refused on CUDA 13 (rule nccl-cuda-13, both twins),
 * libfabric can build from its pinned git tag, NIXL's runtime paths follow its options, the runtime
 * purges the distribution's second copies before the loader setup and checks the wheel's plugins,
 * the wheel builds without uv in its own stage, and meson-python too old for NIXL's pyproject stops
 * the build with the fix. scripts/gpu-host-run.sh passes shellcheck.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { findProblems, parseSets, recipeFromStages, renderHostScript, withValues } from "../src/index.ts";
import { gpuHostRecipe, gpuHostStages } from "../recipes/gpu-host.ts";
import { alignedStages } from "../recipes/aligned.ts";
import { MESON_PYTHON_MIN, NCCL_CUDA_13, hostBase, mesonPythonCheck, nccl, nixl, runtime } from "../stages/index.ts";
import * as c from "./fixtures/compositions.ts";
import { checkScript } from "./support/checkers.ts";
import { tempDir } from "./support/tmp.ts";
import { refusalOf } from "./support/refusal.ts";

const text = renderHostScript(gpuHostRecipe());
const systemCopies = renderHostScript(gpuHostRecipe({ removeSystemCopies: false }));

const refusal = refusalOf;

describe("the gpu-host recipe", () => {
  test("its host scripts and the run script pass the shell parser and shellcheck", () => {
    expect(checkScript(text, "host-gpu-host.sh").problems).toEqual([]);
    expect(checkScript(systemCopies, "host-gpu-host-system-copies.sh").problems).toEqual([]);
    expect(checkScript(readFileSync("scripts/gpu-host-run.sh", "utf8"), "gpu-host-run.sh").problems).toEqual([]);
  });

  test("stages in dependency order; the system packages are verified, the wheel built without uv", () => {
    expect(text).toContain("stages, in order: base gdrcopy libfabric ucx nixl nixl-wheel aws-ofi-nccl runtime");
    expect(text).toMatch(/sw_verify_packages base 'autoconf' 'automake' 'file' 'g\+\+' 'gcc' 'git' 'libhwloc-dev' 'libibverbs-dev' 'libnuma-dev' 'libtool' 'make'/);
    expect(text).toContain("python3 -m build --wheel --no-isolation --skip-dependency-check");
    expect(text).not.toMatch(/\buv (pip|build)\b/);
    expect(text).not.toContain("rustup");
    expect(text).toContain('export UV_NO_BUILD_ISOLATION="1"');
  });

  test("the runtime checks that every runtime file of every artifact resolves (ldd), driver libraries skipped, as the default runtime does", () => {
    const resolved = text.slice(text.indexOf("stage_runtime() {")).match(/^stagewright_resolved "[^"]+" "[^"]+" "[^"]+"$/gm) ?? [];
    expect(resolved).toContain('stagewright_resolved "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so" "nixl" "nixl"');
    expect(resolved).toContain('stagewright_resolved "${AWS_OFI_NCCL_PREFIX}/lib/libnccl-ofi-tuner.so" "aws-ofi-nccl" "aws-ofi-nccl"');
    expect(resolved.length).toBe(15);
    expect(text).toContain('awk -v skip="libnvidia-ml.so.1 libnvidia-cfg.so.1 libcuda.so.1 ');
    const s = gpuHostStages();
    const checked = (o: { checkResolution?: boolean }) =>
      runtime(s.base, [s.ucxBuild.provides.ucx]).steps.concat(runtime(s.base, [s.ucxBuild.provides.ucx], o).steps).filter((i) => i.op === "RUN" && JSON.stringify(i).includes("stagewright_resolved")).length;
    expect(checked({})).toBe(2);
    expect(checked({ checkResolution: false })).toBe(1);
  });

  test("libfabric from its git tag: clone, the pinned commit checked, autogen.sh; UCX without Java", () => {
    expect(text).toContain("if [ -z \"${LIBFABRIC_COMMIT+set}\" ]; then LIBFABRIC_COMMIT='ea52cb54cf0313f165a8015e6b93c9248721a15d'; fi");
    const fabric = text.slice(text.indexOf("stage_libfabric() {"), text.indexOf("stage_ucx() {"));
    expect(fabric).toContain('repo="https://github.com/ofiwg/libfabric.git"');
    expect(fabric).toMatch(/cd \/usr\/local\/src\n[^]*\ncd libfabric\nSTAGEWRIGHT_STEP\n/);
    // The clone runs in a step of its own, before GDRCopy is copied in; the build step enters the checkout again.
    expect(fabric).toMatch(/cd \/usr\/local\/src\/libfabric\n# a git checkout ships no configure script\n\.\/autogen\.sh\n\.\/configure/);
    expect(text.slice(text.indexOf("stage_ucx() {"), text.indexOf("stage_nixl() {"))).toContain("--without-java");
  });

  test("NIXL and the wheel take the meson wraps from the mirror, and build the same configuration (b_ndebug=if-release)", () => {
    const nixlPart = text.slice(text.indexOf("stage_nixl() {"), text.indexOf("stage_nixl_wheel() {"));
    expect(nixlPart).toContain("for pair in ${MESON_WRAP_SHA256S}; do");
    expect(nixlPart).toContain("-Db_ndebug=if-release");
    expect(nixlPart).toContain("-Dbuild_tests=false");
    expect(nixlPart).not.toContain("nixlbench");
    expect(text.slice(text.indexOf("stage_nixl_wheel() {"))).toContain("for pair in ${MESON_WRAP_SHA256S}; do");
  });

  test("the runtime purges the distribution's second copies before the loader setup; the other variant keeps them", () => {
    const rt = text.slice(text.indexOf("stage_runtime() {"));
    expect(rt.indexOf('dpkg --purge --force-depends "${purge[@]}"')).toBeGreaterThan(0);
    expect(rt.indexOf("dpkg --purge")).toBeLessThan(rt.indexOf("> /etc/ld.so.conf.d/00-stagewright.conf"));
    expect(rt).toContain("done < <(ldconfig -p | awk '$1 == \"libfabric.so.1\" {print $NF}')");
    expect(rt).toContain("done < <(ldconfig -p | awk '$1 == \"libucp.so.0\" {print $NF}')");
    expect(systemCopies).not.toContain("dpkg --purge");
  });

  test("the runtime leaves NIXL_PLUGIN_DIR unset and, after the linkage assertions, checks the wheel loads UCX and LIBFABRIC", () => {
    const rt = text.slice(text.indexOf("stage_runtime() {"));
    expect(rt).not.toContain("NIXL_PLUGIN_DIR");
    expect(rt).toContain("for want in UCX UCX_MO POSIX LIBFABRIC; do");
    expect(rt.indexOf("for want in")).toBeGreaterThan(rt.indexOf("the loader must see exactly one"));
    expect(rt).toContain("python3 -m zipfile -e");
  });
});

describe("NIXL's runtime paths follow its options", () => {
  test("without tests and examples NIXL installs nothing into bin: the runtime copies only lib", () => {
    const s = gpuHostStages();
    const lean = nixl(s.base, { version: "0.7.1", ucx: s.ucxBuild.provides.ucx, rust: false, tests: false, nixlbench: false, wheel: false });
    const full = nixl(s.base, { version: "0.7.1", ucx: s.ucxBuild.provides.ucx, rust: false, nixlbench: false, wheel: false });
    expect(lean.provides.nixl.runtimePaths).toEqual(["lib"]);
    expect(full.provides.nixl.runtimePaths).toEqual(["lib", "bin"]);
    const copies = (n: typeof lean) => runtime(s.base, [s.ucxBuild.provides.ucx, n.provides.nixl]).steps.flatMap((i) => (i.op === "COPY" && i.from === "nixl" ? i.sources : []));
    expect(copies(lean)).toEqual(["/opt/stagewright/stage/nixl${NIXL_PREFIX}/lib/"]);
    expect(copies(full)).toEqual(["/opt/stagewright/stage/nixl${NIXL_PREFIX}/lib/", "/opt/stagewright/stage/nixl${NIXL_PREFIX}/bin/"]);
    // Without the wheel and nixlbench, the stage provides neither.
    expect(Object.keys(lean.provides)).toEqual(["nixl"]);
  });
});

describe("rule nccl-cuda-13, on the host base's CUDA 13", () => {
  const sentence = (v: string) =>
    `stage nccl: NCCL ${v} does not build with CUDA 13.0 from stage base (unversioned PFN_cu* typedefs, -std=c++11, pre-sm_75 gencodes); use NCCL v2.27.3-1 or later with CUDA 13.0 and later, or leave NCCL out (rule nccl-cuda-13; source: https://github.com/NVIDIA/nccl/blob/v2.27.3-1/makefiles/common.mk`;
  test("NCCL v2.26.6-1 is refused by tsc and at run time, v2.27.3-1 builds", () => {
    const base = hostBase({ cuda: "13.0" });
    // @ts-expect-error stage nccl: NCCL v2.26.6-1 does not build with CUDA 13.0 from stage base
    const old = () => recipeFromStages("x", [base, nccl(base, { version: "v2.26.6-1" })]);
    expect(refusal(old)).toContain(sentence("v2.26.6-1"));
    expect(() => recipeFromStages("y", [base, nccl(base, { version: "v2.27.3-1" })])).not.toThrow();
  });
  test("an override builds anyway; the aligned recipe's CUDA 12.9 base takes v2.23.4-1", () => {
    const base = hostBase({ cuda: "13.0" });
    expect(() => recipeFromStages("z", [base, nccl(base, { version: "v2.26.6-1", overrides: [{ rule: "nccl-cuda-13", reason: "patched tree" }] })])).not.toThrow();
    const a = alignedStages();
    expect(() => recipeFromStages("w", [a.uv, a.base, a.dc, a.ncclBuild])).not.toThrow();
  });
  test("a toolkit copied into the base through a staged need is judged too, by tsc and at run time (the image holds it; no ancestor provides it)", () => {
    const copied = `stage nccl: NCCL v2.26.6-1 does not build with CUDA 13.0 from stage toolkit (unversioned PFN_cu* typedefs, -std=c++11, pre-sm_75 gencodes); use NCCL v2.27.3-1 or later with CUDA 13.0 and later, or leave NCCL out (rule nccl-cuda-13; source: ${NCCL_CUDA_13.source}); to build anyway, add an explicit override { rule: "nccl-cuda-13", reason: "..." }`;
    // @ts-expect-error stage nccl: NCCL v2.26.6-1 does not build with CUDA 13.0 from stage toolkit
    const old = nccl(c.sys, { version: "v2.26.6-1" });
    expect(findProblems([c.base, c.toolkit, c.sys, old]).map((p) => p.message)).toEqual([copied]);
    expect(refusal(() => recipeFromStages("copied", [c.base, c.toolkit, c.sys, old]))).toBe(copied);
    expect(findProblems([c.base, c.toolkit, c.sys, nccl(c.sys, { version: "v2.27.3-1" })])).toEqual([]);
  });
  test("a CUDA version from data (--set HOST_CUDA_VERSION) is judged at run time", () => {
    const base = hostBase({ cuda: "12.9" });
    const r = recipeFromStages("v", [base, nccl(base, { version: "v2.23.4-1" })]);
    expect(refusal(() => withValues(r, parseSets(["HOST_CUDA_VERSION=13.0"])))).toContain(sentence("v2.23.4-1"));
    expect(refusal(() => withValues(r, parseSets(["HOST_CUDA_VERSION=12.8"])))).toBe("");
  });
});

describe("meson-python new enough for NIXL's pyproject", () => {
  function withMesonpy(version: string): { code: number | null; err: string } {
    const dir = tempDir("stagewright-mesonpy-");
    mkdirSync(join(dir, "mesonpy"));
    writeFileSync(join(dir, "mesonpy", "__init__.py"), `__version__ = '${version}'\n`);
    const r = spawnSync("bash", ["-euo", "pipefail", "-c", mesonPythonCheck()], { encoding: "utf8", env: { ...process.env, PYTHONPATH: dir } });
    return { code: r.status, err: r.stderr };
  }
  test(`below ${MESON_PYTHON_MIN} (Debian bookworm's 0.12.0) stops with the fix; ${MESON_PYTHON_MIN} and 0.17.1 pass`, () => {
    const old = withMesonpy("0.12.0");
    expect(old.code).toBe(1);
    expect(old.err).toContain(`stagewright: NIXL's pyproject needs meson-python >= ${MESON_PYTHON_MIN} (older ones refuse it: Unknown configuration key tool.meson-python.args.dist); python3 has 0.12.0: install meson-python >= ${MESON_PYTHON_MIN}`);
    expect(withMesonpy(MESON_PYTHON_MIN).code).toBe(0);
    expect(withMesonpy("0.17.1").code).toBe(0);
  });
  test("the host base and the wheel stage both run the check", () => {
    expect(text.slice(text.indexOf("stage_base() {"), text.indexOf("stage_gdrcopy() {"))).toContain(mesonPythonCheck());
    expect(text.slice(text.indexOf("stage_nixl_wheel() {"))).toContain(mesonPythonCheck());
  });
});
