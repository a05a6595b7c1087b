/**
 * The aligned recipe, fact by fact, against the upstream files (the official image's contrib/Dockerfile
 * at NIXL 0.7.1 and the component repositories docs/stages.md cites), plus its refusals. Each expectation names where the fact comes from.
 */
import { describe, expect, test } from "vitest";
import { StagewrightError, companionFiles, recipeArgs, recipeFromStages, type AnyStage } from "../src/index.ts";
import { alignedRecipe, alignedStages } from "../recipes/aligned.ts";
import { efaDrivers, libfabric, nixl, nixlPlugins, runtime } from "../stages/index.ts";
import { checkDockerfile, checkScript, stagesOf } from "./support/checkers.ts";

const r = alignedRecipe();
const text = r.render();
const byName = (n: string): AnyStage => r.stages.find((s) => s.name === n)!;
const argDefault = (name: string) => recipeArgs(r).find((a) => a.name === name)?.default;
const stageText = (name: string) => {
  const start = text.indexOf(`AS ${name}\n`);
  const next = text.indexOf("\nFROM ", start + 1);
  return text.slice(start, next === -1 ? undefined : next);
};

describe("ARG defaults", () => {
  test.each([
    // the 0.7.1 ARGs (https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile; per tag: docs/facts/nixl-tags.yaml) and the choices for the aligned image
    ["BASE_IMAGE", "nvcr.io/nvidia/cuda-dl-base"],
    ["BASE_TAG", "25.06-cuda12.9-devel-ubuntu24.04"],
    ["ARCH", "x86_64"],
    ["PYTHON_VERSION", "3.12"],
    ["UCX_VERSION", "v1.19.0"], // UCX_REF v1.19.0 for 0.6.x-0.7.x (docs/facts/nixl-tags.yaml)
    ["UCX_PREFIX", "/usr"], // ARG UCX_PREFIX of the 0.7.1 Dockerfile
    ["NIXL_PREFIX", "/usr/local/nixl"], // ARG NIXL_PREFIX of the 0.7.1 Dockerfile
    ["NIXL_VERSION", "0.7.1"], // tags have no v prefix up to 0.10.1
    ["LIBFABRIC_VERSION", "v2.3.0"], // ARG LIBFABRIC_VERSION of the 0.7.1 Dockerfile
    ["LIBFABRIC_INSTALL_PATH", "/usr/local"], // ARG LIBFABRIC_INSTALL_PATH of the 0.7.1 Dockerfile
    ["RUST_VERSION", "1.86.0"], // ENV RUST_VERSION=1.86.0 of the 0.7.1 Dockerfile (an ENV there, not an ARG)
    ["DOCA_BUILD", "3.1.0-091000-25.07"], // the official 0.7.1 pin; its release names the apt repository
    ["DOCA_SIGNER_FINGERPRINT", ""], // issue 11 item 7: no public source states it, so the build requires it
    ["GDRCOPY_VERSION", "v2.4.1"], // issue 3
    ["NCCL_VERSION", undefined], // issue 11 item 5: the base image's NCCL by default, none built
    ["NIXL_BUILD_TYPE", "release"], // 0.7.x defaults to debug (https://github.com/ai-dynamo/nixl/blob/0.7.1/meson.build#L17); the aligned image asks for release
  ])("%s = %s", (name, value) => {
    expect(argDefault(name)).toBe(value);
  });
});

describe("build flags", () => {
  test("libfabric configure: the official flag set minus the gone rstream provider (the 0.7.1 Dockerfile's flags)", () => {
    const t = stageText("libfabric");
    for (const f of ['--prefix="${LIBFABRIC_INSTALL_PATH}"', "--disable-verbs", "--disable-psm3", "--disable-opx", "--disable-usnic", "--enable-efa", "--with-cuda=/usr/local/cuda", "--enable-cuda-dlopen", '--with-gdrcopy="${GDRCOPY_PREFIX}"', "--enable-gdrcopy-dlopen"]) {
      expect(t).toContain(f);
    }
    expect(t).not.toContain("--disable-rstream"); // prov/rstream is in https://github.com/ofiwg/libfabric/tree/v1.20.0/prov, not in v1.21.0
    expect(t).not.toContain("--enable-hmem");
    // the release URL keeps the v in the tag and drops it in the file name (as the 0.7.1 Dockerfile downloads it)
    expect(t).toContain("https://github.com/ofiwg/libfabric/releases/download/${LIBFABRIC_VERSION}/libfabric-${LIBFABRIC_VERSION#v}.tar.bz2");
  });
  test("UCX configure: the official 0.7.1 flags and install-strip", () => {
    const t = stageText("ucx");
    for (const f of ['--prefix="${UCX_PREFIX}"', "--enable-shared", "--disable-static", "--disable-doxygen-doc", "--enable-optimizations", "--enable-cma", "--enable-devel-headers", "--with-cuda=/usr/local/cuda", "--with-verbs", "--with-dm", '--with-gdrcopy="${GDRCOPY_PREFIX}"', "--with-efa", "--enable-mt", "install-strip"]) {
      expect(t).toContain(f);
    }
  });
  test("NIXL meson: -Dlibfabric_path and -Ducx_path from the artifacts, explicit build type, prefix", () => {
    const t = stageText("nixl");
    expect(t).toContain('-Dlibfabric_path="${LIBFABRIC_INSTALL_PATH}"');
    expect(t).toContain('-Ducx_path="${UCX_PREFIX}"');
    expect(t).toContain('--buildtype="${NIXL_BUILD_TYPE}"');
    expect(t).toContain('--prefix="${NIXL_PREFIX}"');
  });
  test("plugins are libplugin_<NAME>.so in the arch-triplet plugin directory (src/plugins/*/meson.build at 0.7.1)", () => {
    expect(nixlPlugins({ libfabric: true, awsSdk: true, gusli: true, version: "0.7.1" })).toEqual([
      "libplugin_UCX.so", "libplugin_UCX_MO.so", "libplugin_POSIX.so", "libplugin_LIBFABRIC.so", "libplugin_OBJ.so", "libplugin_GUSLI.so",
    ]);
    expect(nixlPlugins({ libfabric: true, awsSdk: false, gusli: false, version: "0.8.0" })).not.toContain("libplugin_UCX_MO.so"); // removed before 0.8.0
    expect(stageText("nixl")).toContain('test -f "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so"');
    expect(text).not.toMatch(/libnixl_libfabric/);
  });
  test("GDRCopy: lowercase prefix=, lib_install, lib/ not lib64/ (https://github.com/NVIDIA/gdrcopy/blob/v2.4.1/Makefile)", () => {
    const t = stageText("gdrcopy");
    expect(t).toContain('prefix="${GDRCOPY_PREFIX}" lib');
    expect(t).toContain("lib_install");
    expect(t).not.toMatch(/PREFIX=|lib64/);
  });
  test("aws-ofi-nccl: --with-libfabric from the artifact, --enable-platform-aws explicit, no --with-nccl (not an option: https://github.com/aws/aws-ofi-nccl/issues/167)", () => {
    const t = stageText("aws-ofi-nccl");
    expect(t).toContain('--with-libfabric="${LIBFABRIC_INSTALL_PATH}"');
    expect(t).toContain("--enable-platform-aws");
    expect(t).toContain("--with-hwloc=/usr");
    expect(t).not.toContain("--with-nccl");
  });
  test("no EFA installer: rdma-core comes from DOCA's repository only (ai-dynamo/nixl PR 847; issue 11 item 4)", () => {
    expect(text).not.toContain("efa_installer.sh");
    expect(text).not.toMatch(/\|\| true/);
  });
  test("etcd-cpp-apiv3 and aws-sdk-cpp cmake flags (the 0.7.1 Dockerfile's)", () => {
    expect(stageText("etcd-cpp-api")).toContain("-DBUILD_ETCD_CORE_ONLY=ON -DCMAKE_BUILD_TYPE=Release");
    expect(stageText("aws-sdk-cpp")).toContain('-DCMAKE_BUILD_TYPE=Release -DBUILD_ONLY="s3" -DENABLE_TESTING=OFF -DCMAKE_INSTALL_PREFIX=/usr/local');
  });
  test("gusli builds with a serial make: its *_dyn executables link the installed libraries without depending on install (docs/sources.md issue 11 row 2a)", () => {
    const gusli = stageText("gusli");
    expect(gusli).toContain("\nmake all BUILD_RELEASE=1 BUILD_FOR_UNITEST=0 VERBOSE=1 ALLOW_USE_URING=0\n");
    // No -j of any form on gusli's make: a parallel make fails with "cannot find -lgusli_clnt".
    expect(gusli).not.toMatch(/\bmake\b[^\n]*(-j|--jobs)/);
    expect(gusli).not.toContain("ARG NPROC");
  });
  test("Rust: rustup-init 1.28.1 verified by sha256, minimal profile, no PATH edits (the 0.7.1 Dockerfile's rustup step)", () => {
    const t = stageText("nixl");
    expect(t).toContain("https://static.rust-lang.org/rustup/archive/1.28.1/${ARCH}-unknown-linux-gnu/rustup-init");
    expect(t).toContain("sha256sum -c -");
    expect(t).toContain('-y --no-modify-path --profile minimal --default-toolchain "${RUST_VERSION}" --default-host "${ARCH}-unknown-linux-gnu"');
  });
  test("the base removes HPC-X's UCX so exactly one UCX exists (as the 0.7.1 Dockerfile does)", () => {
    expect(stageText("base")).toContain("rm -rf /usr/lib/ucx /opt/hpcx/ucx");
  });
});

describe("runtime stage", () => {
  const t = stageText("runtime");
  test("copies only declared runtime paths", () => {
    expect(t).toContain("COPY --link --from=libfabric /opt/stagewright/stage/libfabric${LIBFABRIC_INSTALL_PATH}/lib/ ${LIBFABRIC_INSTALL_PATH}/lib/");
    expect(t).not.toMatch(/COPY --link --from=nixl \/opt\/stagewright\/stage\/nixl\/ \//);
  });
  test("NIXL_PLUGIN_DIR and one loader order, with no empty LD_LIBRARY_PATH entry (P3)", () => {
    expect(t).toContain('ENV NIXL_PLUGIN_DIR="${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins"');
    expect(t).toMatch(/ENV LD_LIBRARY_PATH="\$\{GDRCOPY_PREFIX\}\/lib:\$\{LIBFABRIC_INSTALL_PATH\}\/lib:.*\$\{LD_LIBRARY_PATH:\+:\$\{LD_LIBRARY_PATH\}\}"/);
    expect(t).toContain("/etc/ld.so.conf.d/00-stagewright.conf");
  });
  test("build-time assertions: the LIBFABRIC plugin and aws-ofi-nccl resolve libfabric.so.1 from ${LIBFABRIC_INSTALL_PATH}/lib, and one copy is visible", () => {
    expect(t).toContain('ldd "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins/libplugin_LIBFABRIC.so"');
    expect(t).toContain('ldd "${AWS_OFI_NCCL_PREFIX}/lib/libnccl-net.so"');
    expect(t).toContain('want="${LIBFABRIC_INSTALL_PATH}/lib/libfabric.so.1"');
    expect(t).toContain("the loader must see exactly one libfabric.so.1");
  });
});

describe("refusals", () => {
  test("NIXL 0.7.1 with libfabric v1.21.0 (the pairing of the version summary) is refused with its rule", () => {
    const s = alignedStages();
    const fabric121 = libfabric(s.dc, { version: "v1.21.0" as string });
    const n = nixl(s.py, { version: "0.7.1", libfabric: fabric121.provides.libfabric, ucx: s.ucxBuild.provides.ucx, etcd: s.etcd.provides.etcd });
    const final = runtime(s.dc, [fabric121.provides.libfabric, s.ucxBuild.provides.ucx, n.provides.nixl]);
    let err: unknown;
    try {
      recipeFromStages("x", [s.uv, s.base, s.dc, s.gdr, fabric121, s.ucxBuild, s.etcd, s.py, n, final]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StagewrightError);
    expect((err as StagewrightError).message).toBe(
      'stage nixl: NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage libfabric builds libfabric v1.21.0; use libfabric >= v2.3.0rc2, or NIXL 0.8.0 or later, which needs libfabric >= v1.21.0 (rule nixl-libfabric-min; source: https://github.com/ai-dynamo/nixl/blob/0.7.1/src/plugins/libfabric/README.md and https://github.com/ai-dynamo/nixl/pull/961); to build anyway, add an explicit override { rule: "nixl-libfabric-min", reason: "..." }',
    );
  });
  test("an explicit override builds it anyway, visibly", () => {
    const s = alignedStages();
    const fabric121 = libfabric(s.dc, { version: "v1.21.0" as string });
    const n = nixl(s.py, {
      version: "0.7.1",
      libfabric: fabric121.provides.libfabric,
      ucx: s.ucxBuild.provides.ucx,
      etcd: s.etcd.provides.etcd,
      overrides: [{ rule: "nixl-libfabric-min", reason: "reproducing the unreleased main of 2025-11-03 for a bisect" }],
    });
    const out = recipeFromStages("x", [s.uv, s.base, s.dc, s.gdr, fabric121, s.ucxBuild, s.etcd, s.py, n]).render();
    expect(out).toContain("# stagewright: rule nixl-libfabric-min is overridden here on purpose: reproducing the unreleased main of 2025-11-03 for a bisect");
    expect(out).toContain('LABEL dev.stagewright.override.nixl-libfabric-min="reproducing the unreleased main of 2025-11-03 for a bisect"');
  });
  test("NIXL built against /usr/local while the image's libfabric is the installer's at /opt/amazon/efa", () => {
    const s = alignedStages();
    const efa = efaDrivers(s.base, { version: "1.43.3", libfabric: "provide" });
    expect(() => recipeFromStages("x", [s.uv, s.base, s.dc, efa, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.py, s.nixlBuild])).toThrow(
      "nixl needs libfabric at /usr/local but stage efa-drivers installs it at /opt/amazon/efa; build nixl against the libfabric artifact of stage efa-drivers, or install libfabric at /usr/local",
    );
  });
  test("NIXL 0.6.0 with a libfabric is refused (no -Dlibfabric_path before 0.6.1)", () => {
    const s = alignedStages();
    const n = nixl(s.py, { version: "0.6.0" as string, libfabric: s.fabric.provides.libfabric, ucx: s.ucxBuild.provides.ucx, etcd: s.etcd.provides.etcd });
    expect(() => recipeFromStages("x", [s.uv, s.base, s.dc, s.gdr, s.fabric, s.ucxBuild, s.etcd, s.py, n])).toThrow(
      "stage nixl: NIXL 0.6.0 has no libfabric_path meson option and no LIBFABRIC plugin (both first in 0.6.1); use NIXL 0.6.1 or later (rule nixl-libfabric-option",
    );
  });
  test("UCX off the official line for the NIXL version is refused", async () => {
    const { ucx } = await import("../stages/index.ts");
    const s = alignedStages();
    const u = ucx(s.dc, { version: "v1.20.0" as string });
    const n = nixl(s.py, { version: "0.7.1", libfabric: s.fabric.provides.libfabric, ucx: u.provides.ucx, etcd: s.etcd.provides.etcd });
    expect(() => recipeFromStages("x", [s.uv, s.base, s.dc, s.gdr, s.fabric, u, s.etcd, s.py, n])).toThrow(
      "NIXL 0.7.1 is built and tested with UCX 1.19.x (the official image's UCX_REF) but stage ucx builds UCX v1.20.0",
    );
  });
});

describe("every generated file passes the checkers", () => {
  const files = companionFiles(r);
  test.each(Object.keys(files).filter((f) => f.startsWith("Dockerfile")))("%s: dockerfile-utils, shell parser, shellcheck", (f) => {
    expect(checkDockerfile(files[f]!)).toEqual({ problems: [], skipped: [] });
  });
  test.each(Object.keys(files).filter((f) => f.endsWith(".sh")))("%s: shell parser and shellcheck", (f) => {
    expect(checkScript(files[f]!, f)).toEqual({ problems: [], skipped: [] });
  });
  test("without NCCL the recipe renders and passes the checkers too", () => {
    const t = alignedRecipe({ nccl: false }).render();
    expect(t).not.toContain("AS nccl");
    expect(checkDockerfile(t)).toEqual({ problems: [], skipped: [] });
  });
  test("each stage built FROM another, rendered alone, passes the checkers", async () => {
    const { renderStageAlone } = await import("../src/index.ts");
    for (const s of r.stages) {
      const parent = s.from;
      if (!("steps" in parent)) continue;
      // Stand-ins for the base stage and for every stage it copies from, so the fragment parses alone.
      const copiedFrom = s.steps.flatMap((i): string[] => (i.op === "COPY" && i.from !== undefined ? [i.from] : []));
      const producers = [...new Set([...s.needs.flatMap((n): string[] => (n.producer === null ? [] : [n.producer])), ...copiedFrom])].filter((n) => n !== parent.name);
      const stubs = [parent.name, ...producers].map((n) => `FROM debian:bookworm AS ${n}\nSHELL ["/bin/bash", "-euo", "pipefail", "-c"]`).join("\n");
      expect(checkDockerfile(`${stubs}\n${renderStageAlone(s)}`)).toEqual({ problems: [], skipped: [] });
    }
  });
});

test("the stage graph: every builder is its own stage FROM the smallest stage it needs (rdma-core only where it is used)", () => {
  expect(stagesOf(text).map((s) => `${s.name}<-${s.from}`)).toEqual([
    "uv<-${UV_IMAGE}", "base<-${BASE_IMAGE}:${BASE_TAG}", "doca<-base", "gdrcopy<-base", "libfabric<-doca",
    "ucx<-doca", "etcd-cpp-api<-base", "aws-sdk-cpp<-base", "gusli<-base", "venv<-doca", "nixl<-venv",
    "aws-ofi-nccl<-doca", "runtime-base<-${RUNTIME_IMAGE}:${RUNTIME_TAG}", "runtime<-runtime-base",
  ]);
  // The final image is lean by default (issue 11 item 9): a CUDA runtime image, not the devel doca stage.
  expect(byName("runtime").from).toBe(byName("runtime-base"));
});

describe("aws-ofi-nccl's libfabric rule", () => {
  test("v1.13.x-aws with --enable-platform-aws needs libfabric >= 1.22.0 (its -aws tag suffix is not a prerelease)", async () => {
    const { awsOfiNccl } = await import("../stages/index.ts");
    const s = alignedStages();
    const old = libfabric(s.dc, { version: "v1.21.0" as string });
    const ofi = awsOfiNccl(s.dc, { version: "v1.13.2-aws", libfabric: old.provides.libfabric });
    expect(() => recipeFromStages("x", [s.uv, s.base, s.dc, old, ofi])).toThrow(
      "stage aws-ofi-nccl: aws-ofi-nccl v1.13.2-aws with --enable-platform-aws needs libfabric >= 1.22.0 but stage libfabric builds libfabric v1.21.0",
    );
    const ofi12 = awsOfiNccl(s.dc, { version: "v1.12.1-aws", libfabric: old.provides.libfabric });
    expect(() => recipeFromStages("x", [s.uv, s.base, s.dc, old, ofi12])).not.toThrow();
  });
});

test("apt and compiler caches use RUN --mount=type=cache", () => {
  expect(stageText("base")).toContain("--mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked");
  expect(stageText("base")).toMatch(/^ {4}ccache \\$/m);
  for (const s of ["gdrcopy", "libfabric", "ucx", "etcd-cpp-api", "aws-sdk-cpp", "gusli", "nixl", "aws-ofi-nccl"]) {
    expect(stageText(s), s).toContain("RUN --mount=type=cache,target=/root/.ccache,id=ccache,sharing=shared <<'EOF'\nset -euo pipefail\nexport CCACHE_DIR=/root/.ccache PATH=\"/usr/lib/ccache:${PATH}\"");
  }
  expect(stageText("nixl")).toContain("--mount=type=cache,target=/usr/local/cargo/registry,id=cargo-registry,sharing=locked");
});

describe("steps that depend on the NIXL version", () => {
  test("a NIXL_VERSION from data that needs other steps is refused with the fix (rule nixl-generated-for)", async () => {
    const { withValues, parseSets } = await import("../src/index.ts");
    expect(() => withValues(alignedRecipe(), parseSets(["NIXL_VERSION=0.6.1"]))).toThrow(
      'stage nixl: the nixl stage was generated for NIXL 0.7.1 and NIXL 0.6.1 needs other steps (the GUSLI plugin: true for 0.7.1, false for 0.6.1; the nixl meta wheel: true for 0.7.1, false for 0.6.1); create the stage with nixl(…, { version: "0.6.1" }) instead of changing NIXL_VERSION',
    );
  });
  test("NIXL 0.6.1 (production) copies no meta wheel and checks no GUSLI plugin; the runtime installs every wheel built", async () => {
    const { productionRecipe } = await import("../recipes/production.ts");
    const t = productionRecipe().render();
    expect(t).not.toContain("nixl-meta");
    expect(t).not.toContain("libplugin_GUSLI.so");
    expect(t).toContain("uv pip install --no-deps /opt/stagewright/wheels/*.whl numpy");
    expect(stageText("nixl")).toContain("cp build/src/bindings/python/nixl-meta/nixl-*.whl");
  });
  test("a gusli option for NIXL before 0.7.0 is refused", () => {
    const s = alignedStages();
    expect(() => nixl(s.py, { version: "0.6.1" as string, ucx: s.ucxBuild.provides.ucx, etcd: s.etcd.provides.etcd, gusli: s.gus.provides.gusli })).toThrow(
      "nixl: NIXL 0.6.1 has no GUSLI plugin (first in 0.7.0); drop the gusli option or use NIXL 0.7.0 or later",
    );
  });
});

test("assertions never pipe into grep -q (an early exit SIGPIPEs the producer, and pipefail turns a hit into a miss)", () => {
  for (const f of Object.values(companionFiles(r))) expect(f).not.toMatch(/\|\s*grep -q/);
  expect(stageText("nixl")).toContain('*) echo "stagewright: no pinned rustup-init for ARCH=${ARCH}" >&2; exit 1 ;;');
});

test("the in-image NCCL check creates one communicator through the image's NCCL with python3's ctypes, no compiler (run with --gpus all; skipped without a GPU)", () => {
  const t = companionFiles(r)["test-nixl-aligned.sh"]!;
  expect(t).toContain('skip "NCCL: NET/OFI on communicator init (no GPU visible; run the container with --gpus all)"');
  // the base image's NCCL, as the loader finds it (issue 11 item 5); a built NCCL is linked from its prefix
  expect(t).toContain(`lib="$(ldconfig -p | awk '$1 == "libnccl.so.2" && !n++ {print $NF}')"`);
  expect(companionFiles(alignedRecipe({ nccl: true, buildNccl: true }))["test-nixl-aligned.sh"]).toContain('lib="${NCCL_PREFIX}/lib/libnccl.so.2"');
  expect(t).toContain("nccl = ctypes.CDLL(sys.argv[1])\nnccl.ncclGetErrorString.restype = ctypes.c_char_p");
  expect(t).toContain("r = nccl.ncclCommInitAll(ctypes.byref(comm), 1, dev)");
  // The lean image has no compiler: the check must not need one.
  expect(t).not.toMatch(/\bgcc\b/);
  expect(t).toContain('grep -q "NET/OFI" <<< "$out"');
});

describe("one rdma-core origin (issue 11 item 4)", () => {
  test("the doca stage checks at build time that every rdma-core package comes from one source at one version, and that the EFA header is there", () => {
    const t = stageText("doca");
    expect(t).toContain("must come from one source at one version, the image has:");
    expect(t).toContain('$4 == "rdma-core" || $2 ~ /^(rdma-core|rdmacm-utils|ibverbs-|ibacm|infiniband-diags|libibverbs|libefa|librdmacm|libibumad');
    expect(t).toContain('if [ ! -e /usr/include/infiniband/efadv.h ]; then echo "stagewright: no infiniband/efadv.h from the DOCA repository');
    // after the last apt step that installs rdma-core: nothing later can change it unseen
    expect(t.lastIndexOf("must come from one source")).toBeGreaterThan(t.lastIndexOf("apt-get install"));
  });
  test("the labels say where rdma-core comes from", () => {
    expect(text).toContain('dev.stagewright.version.rdma-core="doca-${DOCA_BUILD}"');
    expect(text).not.toContain("dev.stagewright.version.efa-installer");
  });
  test("the EFA installer FROM doca is refused: it would keep DOCA's newer rdma-core and add its own (rule 4)", () => {
    const s = alignedStages();
    const efa = efaDrivers(s.dc, { version: "1.43.3", libfabric: "minimal" });
    expect(() => recipeFromStages("x", [s.uv, s.base, s.dc, efa])).toThrow(
      'stage efa-drivers would hold two rdma-core: /usr from stage doca and /usr from stage efa-drivers; keep one, or remove the other explicitly (removes: ["rdma-core"])',
    );
  });
  test("the EFA installer FROM the base checks the same after it ran", () => {
    const s = alignedStages();
    const efa = efaDrivers(s.base, { version: "1.43.3", libfabric: "minimal" });
    const t = recipeFromStages("x", [s.uv, s.base, efa]).render();
    expect(t).toContain("./efa_installer.sh -y --skip-kmod --skip-limit-conf --no-verify --minimal");
    expect(t).toContain("must come from one source at one version, the image has:");
    expect(t).toContain('dev.stagewright.version.rdma-core="efa-installer-${EFA_VERSION}"');
  });
});
