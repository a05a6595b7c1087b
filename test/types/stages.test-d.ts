/**
 * Compile-time rules of the stage library: version pairings, literal prefixes and versions, and
 * the flagship mistake (NIXL built against one libfabric prefix, the image loading another).
 */
import { describe, expectTypeOf, test } from "vitest";
import { recipe, type ComponentRuleProblem, type RecipeProblems, type ImageTagCheck, type VersionLt } from "../../src/index.ts";
import { AWS_OFI_NCCL_SPEC, EFA_SPEC, NIXL_SPEC, cudaDlBase, doca, efaDrivers, etcdCppApi, libfabric, nixl, preinstalled, pythonVenv, ucx, uvStage } from "../../stages/index.ts";

const uv = uvStage();
const base = cudaDlBase(uv, {});
const etcd = etcdCppApi(base, {});
const ucxBuild = ucx(base, { version: "v1.19.0" });
const fabric230 = libfabric(base, { version: "v2.3.0" });
const fabric1210 = libfabric(base, { version: "v1.21.0" });

describe("version comparison on literals", () => {
  test("orders versions with and without v and suffixes", () => {
    expectTypeOf<VersionLt<"0.6.0", "0.6.1">>().toEqualTypeOf<true>();
    expectTypeOf<VersionLt<"v1.21.0", "2.3.0">>().toEqualTypeOf<true>();
    expectTypeOf<VersionLt<"v2.3.0", "2.3.0">>().toEqualTypeOf<false>();
    expectTypeOf<VersionLt<"0.10.1", "0.8.0">>().toEqualTypeOf<false>();
    expectTypeOf<VersionLt<string, "0.8.0">>().toEqualTypeOf<boolean>();
    expectTypeOf<VersionLt<"efa-installer-1.43.3", "2.3.0">>().toEqualTypeOf<boolean>();
  });
});

describe("NIXL and libfabric versions (rules nixl-libfabric-option and nixl-libfabric-min, with their sources)", () => {
  test("NIXL 0.7.1 with libfabric v2.3.0 (the official 0.7.1 pairing) compiles", () => {
    nixl(base, { version: "0.7.1", libfabric: fabric230.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
  });
  test("NIXL 0.7.1 with libfabric v1.21.0 is refused", () => {
    // @ts-expect-error NIXL 0.7.1 needs libfabric >= v2.3.0rc2
    nixl(base, { version: "0.7.1", libfabric: fabric1210.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
    expectTypeOf<ComponentRuleProblem<typeof NIXL_SPEC, "nixl-libfabric-min", { version: "0.7.1"; libfabric: typeof fabric1210.provides.libfabric }>>().toEqualTypeOf<
      `stage nixl: NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage libfabric builds libfabric v1.21.0; use libfabric >= v2.3.0rc2, or NIXL 0.8.0 or later, which needs libfabric >= v1.21.0 (rule nixl-libfabric-min; source: https://github.com/ai-dynamo/nixl/blob/0.7.1/src/plugins/libfabric/README.md and https://github.com/ai-dynamo/nixl/pull/961); to build anyway, add an explicit override { rule: "nixl-libfabric-min", reason: "..." }`
    >();
  });
  test("NIXL 0.8.0 with libfabric v1.21.0 and UCX 1.20 compiles (its official pairing)", () => {
    const ucx120 = ucx(base, { version: "v1.20.0" });
    nixl(base, { version: "0.8.0", libfabric: fabric1210.provides.libfabric, ucx: ucx120.provides.ucx, etcd: etcd.provides.etcd });
  });
  test("UCX off the line the official image pins for the NIXL version is refused (rule nixl-ucx-line)", () => {
    // @ts-expect-error stage nixl: NIXL 0.8.0 is built and tested with UCX 1.20.x (the official image's UCX_REF) but stage ucx builds UCX v1.19.0; build UCX v1.20.1 (--set UCX_VERSION=v1.20.1)
    nixl(base, { version: "0.8.0", libfabric: fabric1210.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
    expectTypeOf<ComponentRuleProblem<typeof NIXL_SPEC, "nixl-ucx-line", { version: "0.8.0"; ucx: typeof ucxBuild.provides.ucx }>>().toEqualTypeOf<
      `stage nixl: NIXL 0.8.0 is built and tested with UCX 1.20.x (the official image's UCX_REF) but stage ucx builds UCX v1.19.0; build UCX v1.20.1 (--set UCX_VERSION=v1.20.1) (rule nixl-ucx-line; source: https://github.com/ai-dynamo/nixl/blob/v1.4.0/contrib/Dockerfile (ARG UCX_REF, at each tag: docs/facts/nixl-tags.yaml)); to build anyway, add an explicit override { rule: "nixl-ucx-line", reason: "..." }`
    >();
  });
  test("an explicit override switches the compile-time twin off (and is rendered visibly)", () => {
    nixl(base, {
      version: "0.7.1",
      libfabric: fabric1210.provides.libfabric,
      ucx: ucxBuild.provides.ucx,
      etcd: etcd.provides.etcd,
      overrides: [{ rule: "nixl-libfabric-min", reason: "bisecting the unreleased main of 2025-11-03" }],
    });
  });
  test("NIXL 0.6.0 has no libfabric_path option", () => {
    // @ts-expect-error NIXL 0.6.0 has no libfabric_path meson option
    nixl(base, { version: "0.6.0", libfabric: fabric230.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
    nixl(base, { version: "0.6.0", ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
  });
});

describe("setuptools for NIXL's nixl meta wheel (rule nixl-meta-setuptools, issue 11 item 1)", () => {
  const bareBase = cudaDlBase(uv, { venv: false });
  test("NIXL 0.7.1 on a venv made with setuptools (the default) compiles; on one without, or on no venv, it is refused", () => {
    nixl(pythonVenv(uv, bareBase), { version: "0.7.1", libfabric: fabric230.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
    // @ts-expect-error stage nixl: NIXL 0.7.1 builds its nixl meta wheel with uv build and build isolation off, which runs the setuptools of the venv, but the image the nixl stage builds in holds no setuptools; build NIXL on a venv made with setuptools (option setuptools: true of cudaDlBase or pythonVenv, the default)
    nixl(pythonVenv(uv, bareBase, { setuptools: false }), { version: "0.7.1", libfabric: fabric230.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
    // @ts-expect-error stage nixl: NIXL 0.8.0 builds its nixl meta wheel with uv build and build isolation off, which runs the setuptools of the venv, but the image the nixl stage builds in holds no setuptools
    nixl(cudaDlBase(uv, { setuptools: false }), { version: "0.8.0", libfabric: fabric1210.provides.libfabric, ucx: ucx(base, { version: "v1.20.1" }).provides.ucx, etcd: etcd.provides.etcd });
    // @ts-expect-error stage nixl: NIXL 0.7.1 builds its nixl meta wheel with uv build and build isolation off
    nixl(bareBase, { version: "0.7.1", libfabric: fabric230.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
  });
  test("no meta wheel before 0.7.1, and no wheel built here: not judged", () => {
    nixl(bareBase, { version: "0.7.0", libfabric: fabric230.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
    nixl(bareBase, { version: "0.7.1", libfabric: fabric230.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd, wheel: false });
    expectTypeOf<ComponentRuleProblem<typeof NIXL_SPEC, "nixl-meta-setuptools", { version: "0.7.1" }, typeof bareBase>>().toEqualTypeOf<
      `stage nixl: NIXL 0.7.1 builds its nixl meta wheel with uv build and build isolation off, which runs the setuptools of the venv, but the image the nixl stage builds in holds no setuptools; build NIXL on a venv made with setuptools (option setuptools: true of cudaDlBase or pythonVenv, the default) (rule nixl-meta-setuptools; source: https://github.com/ai-dynamo/nixl/blob/0.7.1/src/bindings/python/nixl-meta/meson.build, https://github.com/ai-dynamo/nixl/blob/0.7.1/src/bindings/python/nixl-meta/pyproject.toml.in and https://github.com/ai-dynamo/nixl/blob/0.9.0/contrib/Dockerfile); to build anyway, add an explicit override { rule: "nixl-meta-setuptools", reason: "..." }`
    >();
    expectTypeOf<ComponentRuleProblem<typeof NIXL_SPEC, "nixl-meta-setuptools", { version: "0.7.1" }, typeof base>>().toEqualTypeOf<never>();
  });
});

describe("literal prefixes and versions", () => {
  test("a relative prefix", () => {
    // @ts-expect-error usr/local is not an absolute path
    libfabric(base, { version: "v2.3.0", prefix: "usr/local" });
  });
  test("a prefix that is not normalised", () => {
    // @ts-expect-error /usr/local/../x is not a normalised path
    libfabric(base, { version: "v2.3.0", prefix: "/usr/local/../x" });
  });
  test("latest is not a version", () => {
    // @ts-expect-error latest is not a pinned version
    libfabric(base, { version: "latest" });
  });
  test("an unknown EFA installer flag", () => {
    // @ts-expect-error efa-drivers, option flags: --skip-libfabric is not one of --debug-packages, --enable-gdr, --mpi=openmpi4, --mpi=openmpi5, --check-signatures, --enable-ngc (the container flags -y --skip-kmod --skip-limit-conf --no-verify are always passed)
    efaDrivers(base, { version: "1.43.3", libfabric: "provide", flags: ["--skip-libfabric"] });
  });
});

describe("the flagship mistake: NIXL built against /usr/local, the image's libfabric at /opt/amazon/efa", () => {
  test("refused by tsc with a sentence naming both prefixes", () => {
    const efa = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
    const fabric = libfabric(base, { version: "v2.3.0", prefix: "/usr/local" });
    const n = nixl(base, { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
    // @ts-expect-error nixl needs libfabric at /usr/local but stage efa-drivers installs it at /opt/amazon/efa
    recipe("bad", [uv, base, efa, fabric, ucxBuild, etcd, n]);
  });
  test("building NIXL against the installer's libfabric is consistent", () => {
    const efa = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
    const n = nixl(efa, { version: "0.7.1", libfabric: efa.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
    recipe("ok", [uv, base, efa, ucxBuild, etcd, n]);
  });
});

describe("rule 4 through the stage library: what a stage inherits counts", () => {
  test("building a second libfabric FROM the stage whose image has the installer's", () => {
    const efa = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
    const second = libfabric(efa, { version: "v2.3.0" });
    // @ts-expect-error stage libfabric would hold two libfabric: /opt/amazon/efa from stage efa-drivers and /usr/local from stage libfabric
    recipe("bad", [uv, base, efa, second]);
  });
  test("FROM the rdma-core-only installer stage it is fine", () => {
    const efa = efaDrivers(base, { version: "1.43.3", libfabric: "minimal" });
    recipe("ok", [uv, base, efa, libfabric(efa, { version: "v2.3.0" })]);
  });
  test("the EFA installer FROM doca: the installer keeps DOCA's newer rdma-core and adds its own (issue 11 item 4)", () => {
    const dc = doca(base, {});
    const efa = efaDrivers(dc, { version: "1.43.3", libfabric: "minimal" });
    expectTypeOf<RecipeProblems<[typeof uv, typeof base, typeof dc, typeof efa]>>().toEqualTypeOf<'stage efa-drivers would hold two rdma-core: /usr from stage doca and /usr from stage efa-drivers; keep one, or remove the other explicitly (removes: ["rdma-core"])'>();
    // @ts-expect-error stage efa-drivers would hold two rdma-core: /usr from stage doca and /usr from stage efa-drivers
    recipe("bad", [uv, base, dc, efa]);
    const onBase = efaDrivers(base, { version: "1.43.3", libfabric: "minimal" });
    expectTypeOf<RecipeProblems<[typeof uv, typeof base, typeof onBase]>>().toEqualTypeOf<never>();
  });
});

describe("aws-ofi-nccl and libfabric versions (rule aws-ofi-nccl-libfabric-min)", () => {
  test("v1.13.2-aws with --enable-platform-aws refuses libfabric v1.21.0 at compile time; v1.12.1-aws takes it", async () => {
    const { awsOfiNccl } = await import("../../stages/index.ts");
    // @ts-expect-error aws-ofi-nccl v1.13.2-aws with --enable-platform-aws needs libfabric >= 1.22.0
    awsOfiNccl(base, { version: "v1.13.2-aws", libfabric: fabric1210.provides.libfabric });
    awsOfiNccl(base, { version: "v1.12.1-aws", libfabric: fabric1210.provides.libfabric });
    awsOfiNccl(base, { version: "v1.13.2-aws", libfabric: fabric230.provides.libfabric });
    expectTypeOf<ComponentRuleProblem<typeof AWS_OFI_NCCL_SPEC, "aws-ofi-nccl-libfabric-min", { version: "v1.13.2-aws"; libfabric: typeof fabric1210.provides.libfabric }>>().toEqualTypeOf<
      `stage aws-ofi-nccl: aws-ofi-nccl v1.13.2-aws with --enable-platform-aws needs libfabric >= 1.22.0 but stage libfabric builds libfabric v1.21.0 (rule aws-ofi-nccl-libfabric-min; source: https://github.com/aws/aws-ofi-nccl/pull/333 and https://github.com/aws/aws-ofi-nccl/blob/v1.13.2-aws/RELEASENOTES.md); to build anyway, add an explicit override { rule: "aws-ofi-nccl-libfabric-min", reason: "..." }`
    >();
  });
});

describe("the installer's libfabric and NIXL 0.7.x (rule nixl-libfabric-min)", () => {
  test("EFA installer 1.43.1 is below the plugin's stated minimum (1.43.2); 1.43.3 is not", () => {
    const old = efaDrivers(base, { version: "1.43.1", libfabric: "provide" });
    // @ts-expect-error NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage efa-drivers builds libfabric from EFA installer 1.43.1
    nixl(old, { version: "0.7.1", libfabric: old.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
    const current = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
    nixl(current, { version: "0.7.1", libfabric: current.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd });
    expectTypeOf<ComponentRuleProblem<typeof NIXL_SPEC, "nixl-libfabric-min", { version: "0.7.1"; libfabric: typeof old.provides.libfabric }>>().toEqualTypeOf<
      `stage nixl: NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage efa-drivers builds libfabric from EFA installer 1.43.1; use libfabric >= v2.3.0rc2, or NIXL 0.8.0 or later, which needs libfabric >= v1.21.0 (rule nixl-libfabric-min; source: https://github.com/ai-dynamo/nixl/blob/0.7.1/src/plugins/libfabric/README.md and https://github.com/ai-dynamo/nixl/pull/961); to build anyway, add an explicit override { rule: "nixl-libfabric-min", reason: "..." }`
    >();
  });
});

describe("EFA installer flags by version (rule efa-flag-version)", () => {
  test("--enable-ngc needs installer 1.49.0", () => {
    // @ts-expect-error EFA installer 1.43.3 has no --enable-ngc flag (first in 1.49.0)
    efaDrivers(base, { version: "1.43.3", libfabric: "minimal", flags: ["--enable-ngc"] });
    efaDrivers(base, { version: "1.49.0", libfabric: "minimal", flags: ["--enable-ngc"] });
    efaDrivers(base, { version: "1.43.3", libfabric: "minimal", flags: ["--debug-packages"] });
    // An explicit override (next to another one) switches this twin off; the runtime renders it visibly.
    efaDrivers(base, {
      version: "1.43.3",
      libfabric: "minimal",
      flags: ["--enable-ngc"],
      overrides: [
        { rule: "efa-flag-version", reason: "an installer build with the NGC flag backported" },
        { rule: "other-rule", reason: "shows that any override in the list counts" },
      ],
    });
    expectTypeOf<ComponentRuleProblem<typeof EFA_SPEC, "efa-flag-version", { version: "1.43.3"; flags: readonly ["--enable-ngc"] }>>().toEqualTypeOf<
      `stage efa-drivers: EFA installer 1.43.3 has no --enable-ngc flag (first in 1.49.0) (rule efa-flag-version; source: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html (installer options)); to build anyway, add an explicit override { rule: "efa-flag-version", reason: "..." }`
    >();
  });
});

describe("base image tags pinned by digest (issue 11 item 8)", () => {
  test("a tag, and a tag with a sha256 digest, compile", () => {
    cudaDlBase(uv, { tag: "25.06-cuda12.9-devel-ubuntu24.04" });
    cudaDlBase(uv, { tag: "25.06-cuda12.9-devel-ubuntu24.04@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" });
  });
  test("latest and a non-sha256 digest are compile errors with the sentence", () => {
    // @ts-expect-error latest is not a pinned image tag: give a version tag such as 25.06-cuda12.9-devel-ubuntu24.04, optionally with @sha256:<digest>
    cudaDlBase(uv, { tag: "latest" });
    // @ts-expect-error 25.06-cuda12.9-devel-ubuntu24.04@md5:x has a digest that is not sha256:<64 hex digits>: write <tag>@sha256:<digest>
    cudaDlBase(uv, { tag: "25.06-cuda12.9-devel-ubuntu24.04@md5:x" });
    expectTypeOf<ImageTagCheck<"latest">>().toEqualTypeOf<"latest is not a pinned image tag: give a version tag such as 25.06-cuda12.9-devel-ubuntu24.04, optionally with @sha256:<digest>">();
    expectTypeOf<ImageTagCheck<"nvcr.io/nvidia/cuda:12.9.1">>().toEqualTypeOf<"nvcr.io/nvidia/cuda:12.9.1 is not an image tag: give only the tag (the repository is another ARG)">();
    expectTypeOf<ImageTagCheck<"12.9.1-runtime-ubuntu24.04">>().toEqualTypeOf<unknown>();
  });
});

describe("preinstalled on the component spec (issue 14)", () => {
  test("the stage name, artifact kind and prefix are the option literals", () => {
    const hpcx = preinstalled(base, { name: "hpcx-ucx", kind: "ucx", prefix: "/opt/hpcx/ucx", version: "HPC-X (base image)", file: "lib/libucp.so.0" });
    expectTypeOf(hpcx.name).toEqualTypeOf<"hpcx-ucx">();
    expectTypeOf(hpcx.provides.ucx.kind).toEqualTypeOf<"ucx">();
    expectTypeOf(hpcx.provides.ucx.prefix).toEqualTypeOf<"/opt/hpcx/ucx">();
    expectTypeOf(hpcx.provides.ucx.producer).toEqualTypeOf<"hpcx-ucx">();
    // @ts-expect-error opt/hpcx is not an absolute path: start it with /
    preinstalled(base, { name: "hpcx-ucx", kind: "ucx", prefix: "opt/hpcx", version: "x", file: "lib/libucp.so.0" });
  });
});
