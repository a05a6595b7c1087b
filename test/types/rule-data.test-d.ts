/**
 * The compile-time twin of every library version rule at the boundaries test/rule-data.test.ts
 * checks at run time: the same data, the same sentences (with stage, rule id, source and override
 * hint around them, as the runtime checker adds them).
 */
import { describe, expectTypeOf, test } from "vitest";
import type { Artifact, ComponentRuleProblem } from "../../src/index.ts";
import { cudaRuntimeBase, hostBase, nccl, type AWS_OFI_NCCL_SPEC, type EFA_SPEC, type NCCL_SPEC, type NIXL_SPEC, type RUNTIME_BASE_SPEC, type SOURCE_RUNTIME_CUDA_MATCH } from "../../stages/index.ts";
import * as c from "../fixtures/compositions.ts";

type Lf<V extends string> = Artifact<"libfabric", "/usr/local", "p", V>;
type Ucx<V extends string> = Artifact<"ucx", "/usr", "p", V>;
type Min<NV extends string, L extends Artifact<"libfabric", string, string, string>> = ComponentRuleProblem<typeof NIXL_SPEC, "nixl-libfabric-min", { version: NV; libfabric: L }>;
type Line<NV extends string, U extends Artifact<"ucx", string, string, string>> = ComponentRuleProblem<typeof NIXL_SPEC, "nixl-ucx-line", { version: NV; ucx: U }>;
type Ofi<OV extends string, L extends Artifact<"libfabric", string, string, string>, P extends boolean = true> = ComponentRuleProblem<typeof AWS_OFI_NCCL_SPEC, "aws-ofi-nccl-libfabric-min", { version: OV; libfabric: L; platformAws: P }>;
type Flag<V extends string, F extends string> = ComponentRuleProblem<typeof EFA_SPEC, "efa-flag-version", { version: V; flags: readonly [F] }>;
type Full<Stage extends string, P extends string, Id extends string, Src extends string> = `stage ${Stage}: ${P} (rule ${Id}; source: ${Src}); to build anyway, add an explicit override { rule: "${Id}", reason: "..." }`;
type NixlMinSrc = "https://github.com/ai-dynamo/nixl/blob/0.7.1/src/plugins/libfabric/README.md and https://github.com/ai-dynamo/nixl/pull/961";

/** A base stage's image holding a CUDA toolkit of version CV (what the rule reads, as a held artifact). */
type Holding<CV extends string> = { readonly contains: readonly Artifact<"cuda", "/usr/local/cuda", "base", CV, "in-image">[] };
type NcclCuda<NV extends string, CV extends string> = ComponentRuleProblem<typeof NCCL_SPEC, "nccl-cuda-13", { version: NV }, Holding<CV>>;
type NcclSrc = "https://github.com/NVIDIA/nccl/blob/v2.27.3-1/makefiles/common.mk (CUDA 13: no pre-sm_75 gencodes, -std=c++17) and https://github.com/NVIDIA/nccl/blob/v2.27.3-1/src/include/cudawrap.h (versioned PFN_cu* typedefs), against the same files at v2.26.6-1";

describe("nccl-cuda-13 (an artifact the base holds)", () => {
  test("v2.26.6-1 just below with CUDA 13.0 is refused; v2.27.3-1 at the bound and CUDA 12.9 below it build", () => {
    expectTypeOf<NcclCuda<"v2.26.6-1", "13.0">>().toEqualTypeOf<
      Full<"nccl", "NCCL v2.26.6-1 does not build with CUDA 13.0 from stage base (unversioned PFN_cu* typedefs, -std=c++11, pre-sm_75 gencodes); use NCCL v2.27.3-1 or later with CUDA 13.0 and later, or leave NCCL out", "nccl-cuda-13", NcclSrc>
    >();
    expectTypeOf<NcclCuda<"v2.27.3-1", "13.0">>().toEqualTypeOf<never>();
    expectTypeOf<NcclCuda<"v2.23.4-1", "12.9">>().toEqualTypeOf<never>();
    expectTypeOf<NcclCuda<"v2.23.4-1", "13.1">>().not.toEqualTypeOf<never>();
  });
  test("a CUDA version the type does not know (the cuda-dl-base tag's) is left to the runtime twin; no base, no check", () => {
    expectTypeOf<NcclCuda<"v2.23.4-1", string>>().toEqualTypeOf<never>();
    expectTypeOf<ComponentRuleProblem<typeof NCCL_SPEC, "nccl-cuda-13", { version: "v2.23.4-1" }>>().toEqualTypeOf<never>();
  });
});

describe("nccl-cuda-13 on a toolkit the base holds through a staged need (no stage of its FROM chain provides it)", () => {
  type Copied<NV extends string> = ComponentRuleProblem<typeof NCCL_SPEC, "nccl-cuda-13", { version: NV }, typeof c.sys>;
  test("the base's image holds the copied artifact itself, with its version: v2.26.6-1 refused, v2.27.3-1 builds", () => {
    expectTypeOf<Copied<"v2.26.6-1">>().toEqualTypeOf<
      Full<"nccl", "NCCL v2.26.6-1 does not build with CUDA 13.0 from stage toolkit (unversioned PFN_cu* typedefs, -std=c++11, pre-sm_75 gencodes); use NCCL v2.27.3-1 or later with CUDA 13.0 and later, or leave NCCL out", "nccl-cuda-13", NcclSrc>
    >();
    expectTypeOf<Copied<"v2.27.3-1">>().toEqualTypeOf<never>();
    // @ts-expect-error stage nccl: NCCL v2.23.4-1 does not build with CUDA 13.0 from stage toolkit
    nccl(c.sys, { version: "v2.23.4-1" });
    nccl(c.sys, { version: "v2.27.3-1" });
  });
  test("a kind the component removes is not held by its image: the rule has nothing to judge", () => {
    type Removing = Omit<typeof NCCL_SPEC, "removes"> & { readonly removes: readonly ["cuda"] };
    expectTypeOf<ComponentRuleProblem<Removing, "nccl-cuda-13", { version: "v2.26.6-1" }, typeof c.sys>>().toEqualTypeOf<never>();
    expectTypeOf<ComponentRuleProblem<Removing, "nccl-cuda-13", { version: "v2.26.6-1" }, Holding<"13.0">>>().toEqualTypeOf<never>();
  });
});

describe("nixl-libfabric-option", () => {
  test("0.6.0 with a libfabric; 0.6.1", () => {
    expectTypeOf<ComponentRuleProblem<typeof NIXL_SPEC, "nixl-libfabric-option", { version: "0.6.0"; libfabric: Lf<"v2.3.0"> }>>().toEqualTypeOf<
      Full<"nixl", "NIXL 0.6.0 has no libfabric_path meson option and no LIBFABRIC plugin (both first in 0.6.1); use NIXL 0.6.1 or later", "nixl-libfabric-option", "https://github.com/ai-dynamo/nixl/pull/784">
    >();
    expectTypeOf<ComponentRuleProblem<typeof NIXL_SPEC, "nixl-libfabric-option", { version: "0.6.1"; libfabric: Lf<"v2.3.0"> }>>().toEqualTypeOf<never>();
    expectTypeOf<ComponentRuleProblem<typeof NIXL_SPEC, "nixl-libfabric-option", { version: "0.6.0" }>>().toEqualTypeOf<never>();
  });
});

describe("nixl-libfabric-min", () => {
  test("NIXL 0.7.x: v2.2.0 below, v2.3.0rc2 at, v2.3.0 above (an rc below the bound is the runtime twin's: suffixes are ignored here)", () => {
    expectTypeOf<Min<"0.7.1", Lf<"v2.2.0">>>().toEqualTypeOf<
      Full<"nixl", "NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage p builds libfabric v2.2.0; use libfabric >= v2.3.0rc2, or NIXL 0.8.0 or later, which needs libfabric >= v1.21.0", "nixl-libfabric-min", NixlMinSrc>
    >();
    expectTypeOf<Min<"0.7.1", Lf<"v2.3.0rc2">>>().toEqualTypeOf<never>();
    expectTypeOf<Min<"0.7.1", Lf<"v2.3.0">>>().toEqualTypeOf<never>();
    expectTypeOf<Min<"0.7.1", Lf<"v2.3.0rc1">>>().toEqualTypeOf<never>();
  });
  test("NIXL 0.7.x: EFA installer 1.43.1 below, 1.43.2 at", () => {
    expectTypeOf<Min<"0.7.1", Artifact<"libfabric", "/opt/amazon/efa", "efa-drivers", "efa-installer-1.43.1">>>().toEqualTypeOf<
      Full<"nixl", "NIXL 0.7.1 needs libfabric >= v2.3.0rc2 (or EFA installer >= 1.43.2) but stage efa-drivers builds libfabric from EFA installer 1.43.1; use libfabric >= v2.3.0rc2, or NIXL 0.8.0 or later, which needs libfabric >= v1.21.0", "nixl-libfabric-min", NixlMinSrc>
    >();
    expectTypeOf<Min<"0.7.1", Artifact<"libfabric", "/opt/amazon/efa", "efa-drivers", "efa-installer-1.43.2">>>().toEqualTypeOf<never>();
  });
  test("the NIXL range: 0.6.1 in it, 0.6.0 not; 0.8.0 needs v1.21.0 and takes any installer", () => {
    expectTypeOf<Min<"0.6.1", Lf<"v2.2.0">>>().not.toEqualTypeOf<never>();
    expectTypeOf<Min<"0.6.0", Lf<"v2.2.0">>>().toEqualTypeOf<never>();
    expectTypeOf<Min<"0.8.0", Lf<"v1.20.0">>>().toEqualTypeOf<Full<"nixl", "NIXL 0.8.0 needs libfabric >= v1.21.0 but stage p builds libfabric v1.20.0", "nixl-libfabric-min", NixlMinSrc>>();
    expectTypeOf<Min<"0.8.0", Lf<"v1.21.0">>>().toEqualTypeOf<never>();
    expectTypeOf<Min<"0.8.0", Artifact<"libfabric", "/opt/amazon/efa", "efa-drivers", "efa-installer-1.40.0">>>().toEqualTypeOf<never>();
  });
  test("a version that is not a literal is left to the runtime twin", () => {
    expectTypeOf<Min<string, Lf<"v1.0.0">>>().toEqualTypeOf<never>();
    expectTypeOf<Min<"0.7.1", Lf<string>>>().toEqualTypeOf<never>();
  });
});

describe("nixl-ucx-line", () => {
  test("each NIXL line pins one UCX line", () => {
    expectTypeOf<Line<"0.7.1", Ucx<"v1.19.0">>>().toEqualTypeOf<never>();
    expectTypeOf<Line<"0.7.1", Ucx<"v1.20.0">>>().toEqualTypeOf<
      Full<"nixl", "NIXL 0.7.1 is built and tested with UCX 1.19.x (the official image's UCX_REF) but stage p builds UCX v1.20.0; build UCX v1.19.0 (--set UCX_VERSION=v1.19.0)", "nixl-ucx-line", "https://github.com/ai-dynamo/nixl/blob/v1.4.0/contrib/Dockerfile (ARG UCX_REF, at each tag: docs/facts/nixl-tags.yaml)">
    >();
    expectTypeOf<Line<"0.8.0", Ucx<"v1.20.0">>>().toEqualTypeOf<never>();
    expectTypeOf<Line<"1.4.0", Ucx<"v1.21.0">>>().not.toEqualTypeOf<never>();
    expectTypeOf<Line<"1.5.0", Ucx<"v1.19.0">>>().toEqualTypeOf<never>();
    expectTypeOf<Line<"0.7.1", Ucx<"HPC-X (base image)">>>().toEqualTypeOf<never>();
  });
});

describe("aws-ofi-nccl-libfabric-min", () => {
  type Src = "https://github.com/aws/aws-ofi-nccl/pull/333 and https://github.com/aws/aws-ofi-nccl/blob/v1.13.2-aws/RELEASENOTES.md";
  test("v1.13.x-aws with platform-aws: 1.22.0; otherwise 1.18.0; the platform-aws default is true", () => {
    expectTypeOf<Ofi<"v1.13.0-aws", Lf<"v1.21.0">>>().toEqualTypeOf<
      Full<"aws-ofi-nccl", "aws-ofi-nccl v1.13.0-aws with --enable-platform-aws needs libfabric >= 1.22.0 but stage p builds libfabric v1.21.0", "aws-ofi-nccl-libfabric-min", Src>
    >();
    expectTypeOf<Ofi<"v1.13.0-aws", Lf<"v1.22.0">>>().toEqualTypeOf<never>();
    expectTypeOf<Ofi<"v1.12.1-aws", Lf<"v1.21.0">>>().toEqualTypeOf<never>();
    expectTypeOf<Ofi<"v1.12.1-aws", Lf<"v1.17.0">>>().not.toEqualTypeOf<never>();
    expectTypeOf<Ofi<"v1.13.2-aws", Lf<"v1.21.0">, false>>().toEqualTypeOf<never>();
    expectTypeOf<Ofi<"v1.13.2-aws", Lf<"v1.17.0">, false>>().toEqualTypeOf<
      Full<"aws-ofi-nccl", "aws-ofi-nccl v1.13.2-aws needs libfabric >= 1.18.0 but stage p builds libfabric v1.17.0", "aws-ofi-nccl-libfabric-min", Src>
    >();
    expectTypeOf<ComponentRuleProblem<typeof AWS_OFI_NCCL_SPEC, "aws-ofi-nccl-libfabric-min", { version: "v1.13.0-aws"; libfabric: Lf<"v1.21.0"> }>>().not.toEqualTypeOf<never>();
  });
  test("the EFA installer's libfabric is exempt", () => {
    expectTypeOf<Ofi<"v1.13.2-aws", Artifact<"libfabric", "/opt/amazon/efa", "efa-drivers", "efa-installer-1.0.0">>>().toEqualTypeOf<never>();
  });
});

describe("efa-flag-version", () => {
  type Src = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html (installer options)";
  test("--check-signatures from 1.48.0, --enable-ngc from 1.49.0", () => {
    expectTypeOf<Flag<"1.47.0", "--check-signatures">>().toEqualTypeOf<Full<"efa-drivers", "EFA installer 1.47.0 has no --check-signatures flag (first in 1.48.0)", "efa-flag-version", Src>>();
    expectTypeOf<Flag<"1.48.0", "--check-signatures">>().toEqualTypeOf<never>();
    expectTypeOf<Flag<"1.48.0", "--enable-ngc">>().toEqualTypeOf<Full<"efa-drivers", "EFA installer 1.48.0 has no --enable-ngc flag (first in 1.49.0)", "efa-flag-version", Src>>();
    expectTypeOf<Flag<"1.49.0", "--enable-ngc">>().toEqualTypeOf<never>();
    expectTypeOf<Flag<"1.30.0", "--debug-packages">>().toEqualTypeOf<never>();
  });
});

/** A build base stage whose cuda artifact has version CV (what runtime-cuda-match compares with the runtime tag). */
type Building<CV extends string> = { readonly provides: { readonly cuda: Artifact<"cuda", "/usr/local/cuda", "base", CV, "in-image"> } };
type RuntimeCuda<T extends string, CV extends string> = ComponentRuleProblem<typeof RUNTIME_BASE_SPEC, "runtime-cuda-match", { tag: T; build: Building<CV> }>;
type RuntimeCudaSrc = typeof SOURCE_RUNTIME_CUDA_MATCH;

describe("runtime-cuda-match (the runtime tag's CUDA is the build base's)", () => {
  test("a CUDA 12.9 runtime tag over a CUDA 13.0 build base is refused, naming both; the same line builds", () => {
    expectTypeOf<RuntimeCuda<"12.9.1-runtime-ubuntu24.04", "13.0">>().toEqualTypeOf<
      Full<"runtime-base", "the runtime image tag 12.9.1-runtime-ubuntu24.04 (RUNTIME_TAG) has CUDA 12.9, but stage base builds with CUDA 13.0 (BASE_TAG); use a runtime tag of CUDA 13.0, or a BASE_TAG of CUDA 12.9", "runtime-cuda-match", RuntimeCudaSrc>
    >();
    expectTypeOf<RuntimeCuda<"12.9.1-runtime-ubuntu24.04", "12.9">>().toEqualTypeOf<never>();
    expectTypeOf<RuntimeCuda<"13.0.2-runtime-ubuntu24.04", "13.0">>().toEqualTypeOf<never>();
    expectTypeOf<RuntimeCuda<"13.0.2-runtime-ubuntu24.04", "12.9">>().not.toEqualTypeOf<never>();
  });
  test("a CUDA version the type does not know (read from the base tag at generation) is left to the runtime twin", () => {
    expectTypeOf<RuntimeCuda<"13.0.2-runtime-ubuntu24.04", string>>().toEqualTypeOf<never>();
  });
  test("a cuda-dl-base runtime tag names its CUDA after -cuda (NVIDIA's 25.10-cuda13.0 pairing), not in its leading release", () => {
    expectTypeOf<RuntimeCuda<"25.10-cuda13.0-runtime-ubuntu24.04", "13.0">>().toEqualTypeOf<never>();
    expectTypeOf<RuntimeCuda<"25.10-cuda13.0-runtime-ubuntu24.04@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "13.0">>().toEqualTypeOf<never>();
    expectTypeOf<RuntimeCuda<"25.10-cuda12.9-runtime-ubuntu24.04", "13.0">>().toEqualTypeOf<
      Full<"runtime-base", "the runtime image tag 25.10-cuda12.9-runtime-ubuntu24.04 (RUNTIME_TAG) has CUDA 12.9, but stage base builds with CUDA 13.0 (BASE_TAG); use a runtime tag of CUDA 13.0, or a BASE_TAG of CUDA 12.9", "runtime-cuda-match", RuntimeCudaSrc>
    >();
    expectTypeOf<RuntimeCuda<"25.10-cuda13.0-runtime-ubuntu24.04", "12.9">>().not.toEqualTypeOf<never>();
  });
  test("the component's options refuse a cuda-dl-base runtime tag of another CUDA than the build base's", () => {
    const host = hostBase({ cuda: "13.0" });
    cudaRuntimeBase({ build: host, doca: host, image: "nvcr.io/nvidia/cuda-dl-base", tag: "25.10-cuda13.0-runtime-ubuntu24.04" });
    // @ts-expect-error stage runtime-base: the runtime image tag 25.10-cuda12.9-runtime-ubuntu24.04 (RUNTIME_TAG) has CUDA 12.9, but stage base builds with CUDA 13.0 (BASE_TAG); use a runtime tag of CUDA 13.0, or a BASE_TAG of CUDA 12.9
    cudaRuntimeBase({ build: host, doca: host, image: "nvcr.io/nvidia/cuda-dl-base", tag: "25.10-cuda12.9-runtime-ubuntu24.04" });
  });
});
