/**
 * Compile-time twins of the version rules that follow upstream (stages/nixl-versions.ts): the UCX
 * line per NIXL tag, meson options a NIXL lacks, libfabric >= v2.5.1 for EFA GPU RDMA on aarch64
 * (ai-dynamo/dynamo PR 9727), and PR 13112's mistake (plugin built against /usr/local/libfabric while
 * the image loads /opt/amazon/efa). test/versions.test.ts holds the runtime twins of the same cases.
 */
import { describe, expectTypeOf, test } from "vitest";
import { recipe, type ComponentRuleProblem } from "../../src/index.ts";
import { cudaDlBase, efaDrivers, etcdCppApi, libfabric, nixl, ucx, uvStage, type NixlGb200Problem, type NixlHasMesonOption, type NixlMesonProblem, type NixlReleaseOf, NIXL_SPEC } from "../../stages/index.ts";

const uv = uvStage();
const base = cudaDlBase(uv, {});
const etcd = etcdCppApi(base, {});
const ucx121 = ucx(base, { version: "v1.21.0" });
const ucx122 = ucx(base, { version: "v1.22.0" });
const fabric1210 = libfabric(base, { version: "v1.21.0" });
const fabric251 = libfabric(base, { version: "v2.5.1" });

describe("the known release of a version literal", () => {
  test("a tag is itself; a later patch of a known line is its nearest tag; an unknown line is never", () => {
    expectTypeOf<NixlReleaseOf<"v1.3.1">["ucx"]>().toEqualTypeOf<"v1.22.0">();
    expectTypeOf<NixlReleaseOf<"v1.3.5">["tag"]>().toEqualTypeOf<"v1.3.2">();
    expectTypeOf<NixlReleaseOf<"v1.5.0">>().toEqualTypeOf<never>();
  });
});

describe("rule nixl-ucx-line per tag", () => {
  test("v1.0.1 is on UCX 1.21 (not 1.20 as its minor line might suggest), v1.3.1 on 1.22, v1.3.2 back on 1.21", () => {
    nixl(base, { version: "v1.0.1", libfabric: fabric1210.provides.libfabric, ucx: ucx121.provides.ucx, etcd: etcd.provides.etcd });
    nixl(base, { version: "v1.3.1", libfabric: fabric1210.provides.libfabric, ucx: ucx122.provides.ucx, etcd: etcd.provides.etcd });
    // @ts-expect-error stage nixl: NIXL v1.3.2 is built and tested with UCX 1.21.x (the official image's UCX_REF) but stage ucx builds UCX v1.22.0; build UCX v1.21.0 (--set UCX_VERSION=v1.21.0)
    nixl(base, { version: "v1.3.2", libfabric: fabric1210.provides.libfabric, ucx: ucx122.provides.ucx, etcd: etcd.provides.etcd });
    expectTypeOf<ComponentRuleProblem<typeof NIXL_SPEC, "nixl-ucx-line", { version: "v1.4.0"; ucx: typeof ucx121.provides.ucx }>>().toEqualTypeOf<
      `stage nixl: NIXL v1.4.0 is built and tested with UCX 1.22.x (the official image's UCX_REF) but stage ucx builds UCX v1.21.0; build UCX v1.22.0 (--set UCX_VERSION=v1.22.0) (rule nixl-ucx-line; source: https://github.com/ai-dynamo/nixl/blob/v1.4.0/contrib/Dockerfile (ARG UCX_REF, at each tag: docs/facts/nixl-tags.yaml)); to build anyway, add an explicit override { rule: "nixl-ucx-line", reason: "..." }`
    >();
  });
});

describe("rule nixl-meson-option: an option given to a NIXL that lacks it", () => {
  test("the option table per version", () => {
    expectTypeOf<NixlHasMesonOption<"v1.2.0", "nixl_cuda_arch_list">>().toEqualTypeOf<true>();
    expectTypeOf<NixlHasMesonOption<"v1.1.0", "nixl_cuda_arch_list">>().toEqualTypeOf<false>();
    expectTypeOf<NixlHasMesonOption<"v1.3.1", "with_trace">>().toEqualTypeOf<true>();
    expectTypeOf<NixlHasMesonOption<"v1.3.2", "with_trace">>().toEqualTypeOf<false>();
  });
  test("nixl_cuda_arch_list on v1.2.0 compiles; on v1.1.0 it is refused with the sentence", () => {
    nixl(base, { version: "v1.2.0", libfabric: fabric1210.provides.libfabric, ucx: ucx121.provides.ucx, etcd: etcd.provides.etcd, meson: { nixl_cuda_arch_list: "90;100" } });
    // @ts-expect-error NIXL v1.1.0 has no meson option nixl_cuda_arch_list
    nixl(base, { version: "v1.1.0", libfabric: fabric1210.provides.libfabric, ucx: ucx121.provides.ucx, etcd: etcd.provides.etcd, meson: { nixl_cuda_arch_list: "90;100" } });
    expectTypeOf<NixlMesonProblem<"v1.1.0", "nixl_cuda_arch_list">>().toEqualTypeOf<
      `stage nixl: NIXL v1.1.0 has no meson option nixl_cuda_arch_list (see meson_options.txt at the tag); drop it from the meson option or use a NIXL that has it (rule nixl-meson-option; source: https://github.com/ai-dynamo/nixl/blob/v1.4.0/meson_options.txt (and the same file at each tag; docs/facts/nixl-tags.yaml)); to build anyway, add an explicit override { rule: "nixl-meson-option", reason: "..." }`
    >();
  });
  test("an option no NIXL has is refused; an override switches the twin off", () => {
    // @ts-expect-error nixl: meson option no_such_option is not one NIXL has; ucx_path and libfabric_path come from the artifacts
    nixl(base, { version: "v1.4.0", libfabric: fabric1210.provides.libfabric, ucx: ucx122.provides.ucx, etcd: etcd.provides.etcd, meson: { no_such_option: true } });
    nixl(base, { version: "v1.3.2", libfabric: fabric1210.provides.libfabric, ucx: ucx121.provides.ucx, etcd: etcd.provides.etcd, meson: { with_trace: true }, overrides: [{ rule: "nixl-meson-option", reason: "a v1.3.2 backport carrying the tracing options" }] });
  });
});

describe("rule nixl-libfabric-gb200 (ai-dynamo/dynamo PR 9727)", () => {
  test("aarch64 with libfabric v1.21.0 is refused; v2.5.1 compiles; x86_64 is not judged", () => {
    nixl(base, { version: "v1.4.0", arch: "aarch64", libfabric: fabric251.provides.libfabric, ucx: ucx122.provides.ucx, etcd: etcd.provides.etcd });
    // @ts-expect-error EFA GPU RDMA on aarch64 (GB200) needs libfabric >= v2.5.1
    nixl(base, { version: "v1.4.0", arch: "aarch64", libfabric: fabric1210.provides.libfabric, ucx: ucx122.provides.ucx, etcd: etcd.provides.etcd });
    nixl(base, { version: "v1.4.0", arch: "x86_64", libfabric: fabric1210.provides.libfabric, ucx: ucx122.provides.ucx, etcd: etcd.provides.etcd });
    expectTypeOf<NixlGb200Problem<"aarch64", "libfabric", "v2.5.0">>().toEqualTypeOf<
      `stage nixl: EFA GPU RDMA on aarch64 (GB200) needs libfabric >= v2.5.1 (CUDA dmabuf try/fallback for fi_mr_reg) but stage libfabric builds libfabric v2.5.0; build libfabric v2.5.1 (--set LIBFABRIC_VERSION=v2.5.1) (rule nixl-libfabric-gb200; source: https://github.com/ai-dynamo/dynamo/pull/9727); to build anyway, add an explicit override { rule: "nixl-libfabric-gb200", reason: "..." }`
    >();
  });
  test("the EFA installer 1.47.0's libfabric (v2.4.0amzn1.0) is refused on aarch64", () => {
    const efa = efaDrivers(base, { version: "1.47.0", libfabric: "provide" });
    // @ts-expect-error stage nixl: EFA GPU RDMA on aarch64 (GB200) needs libfabric >= v2.5.1 (CUDA dmabuf try/fallback for fi_mr_reg) but stage efa-drivers builds libfabric 2.4.0amzn1.0 (EFA installer 1.47.0); build libfabric v2.5.1 (--set LIBFABRIC_VERSION=v2.5.1)
    nixl(efa, { version: "v1.4.0", arch: "aarch64", libfabric: efa.provides.libfabric, ucx: ucx122.provides.ucx, etcd: etcd.provides.etcd });
    expectTypeOf<NixlGb200Problem<"aarch64", "efa-drivers", "efa-installer-1.47.0">>().toEqualTypeOf<
      `stage nixl: EFA GPU RDMA on aarch64 (GB200) needs libfabric >= v2.5.1 (CUDA dmabuf try/fallback for fi_mr_reg) but stage efa-drivers builds libfabric 2.4.0amzn1.0 (EFA installer 1.47.0); build libfabric v2.5.1 (--set LIBFABRIC_VERSION=v2.5.1) (rule nixl-libfabric-gb200; source: https://github.com/ai-dynamo/dynamo/pull/9727); to build anyway, add an explicit override { rule: "nixl-libfabric-gb200", reason: "..." }`
    >();
  });
});

describe("ai-dynamo/dynamo PR 13112: the plugin built against /usr/local/libfabric, the image loading /opt/amazon/efa", () => {
  test("refused by tsc (the EFA installer provides the image's libfabric, NIXL links the from-source one)", () => {
    const efa = efaDrivers(base, { version: "1.47.0", libfabric: "provide" });
    const fabric = libfabric(base, { version: "v2.5.1", prefix: "/usr/local" });
    const n = nixl(base, { version: "v1.4.0", libfabric: fabric.provides.libfabric, ucx: ucx122.provides.ucx, etcd: etcd.provides.etcd });
    // @ts-expect-error nixl needs libfabric at /usr/local but stage efa-drivers installs it at /opt/amazon/efa
    recipe("pr-13112", [uv, base, efa, fabric, ucx122, etcd, n]);
  });
  test("the fix of PR 13112 (meson pointed at /opt/amazon/efa) compiles", () => {
    const efa = efaDrivers(base, { version: "1.47.0", libfabric: "provide" });
    const n = nixl(efa, { version: "v1.4.0", libfabric: efa.provides.libfabric, ucx: ucx122.provides.ucx, etcd: etcd.provides.etcd });
    recipe("pr-13112-fixed", [uv, base, efa, ucx122, etcd, n]);
  });
});
