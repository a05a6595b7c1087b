/**
 * The compile-time twin of the version forms (issue 9 item 5): a version literal in another form
 * than its upstream's fails tsc with the sentence the runtime check prints (test/version-form.test.ts),
 * read from the same declaration; at each release bound of a form that changes with the version.
 */
import { describe, expectTypeOf, test } from "vitest";
import type { ComponentVersionProblem, VersionFormProblem } from "../../src/index.ts";
import { AWS_OFI_NCCL_SPEC, EFA_SPEC, GDRCOPY_SPEC, LIBFABRIC_SPEC, NCCL_SPEC, NIXL_SPEC, UCX_SPEC, cudaDlBase, libfabric, ucx, uvStage } from "../../stages/index.ts";

type Lf<V extends string> = ComponentVersionProblem<typeof LIBFABRIC_SPEC, V>;
type Nixl<V extends string> = ComponentVersionProblem<typeof NIXL_SPEC, V>;
type Ofi<V extends string> = ComponentVersionProblem<typeof AWS_OFI_NCCL_SPEC, V>;
type NixlSentence<V extends string> = `NIXL_VERSION is a NIXL release tag: without a v up to 0.10.1, with its v from v1.0.0 (0.7.1, v1.4.0), not ${V}`;
type OfiSentence<V extends string> = `AWS_OFI_NCCL_VERSION is an aws-ofi-nccl release tag: v…-aws up to v1.13.2-aws, v… from v1.14.0 (v1.12.1-aws, v1.20.0), not ${V}`;

describe("one form per upstream", () => {
  test("libfabric: v-tags, release candidates without a dash", () => {
    expectTypeOf<Lf<"2.3.0">>().toEqualTypeOf<"LIBFABRIC_VERSION is a libfabric release tag with its v (v2.3.0), not 2.3.0">();
    expectTypeOf<Lf<"v2.3.0">>().toEqualTypeOf<never>();
    expectTypeOf<Lf<"v2.3.0rc2">>().toEqualTypeOf<never>();
    expectTypeOf<Lf<"v2.3.0-rc2">>().not.toEqualTypeOf<never>();
    expectTypeOf<Lf<"v02.3.0">>().not.toEqualTypeOf<never>();
  });
  test("UCX, GDRCopy, NCCL, EFA installer", () => {
    expectTypeOf<ComponentVersionProblem<typeof UCX_SPEC, "v1.22.0-rc3">>().toEqualTypeOf<never>();
    expectTypeOf<ComponentVersionProblem<typeof UCX_SPEC, "1.19.0">>().toEqualTypeOf<"UCX_VERSION is a UCX release tag with its v (v1.19.0), not 1.19.0">();
    expectTypeOf<ComponentVersionProblem<typeof GDRCOPY_SPEC, "v2.5">>().toEqualTypeOf<never>();
    expectTypeOf<ComponentVersionProblem<typeof GDRCOPY_SPEC, "v2.4.1">>().toEqualTypeOf<never>();
    expectTypeOf<ComponentVersionProblem<typeof GDRCOPY_SPEC, "2.4.1">>().toEqualTypeOf<"GDRCOPY_VERSION is a GDRCopy release tag with its v (v2.4.1), not 2.4.1">();
    expectTypeOf<ComponentVersionProblem<typeof NCCL_SPEC, "v2.27.3-1">>().toEqualTypeOf<never>();
    expectTypeOf<ComponentVersionProblem<typeof NCCL_SPEC, "v2.27.3">>().toEqualTypeOf<"NCCL_VERSION is an NCCL release tag with its v and its -N build number (v2.27.3-1), not v2.27.3">();
    expectTypeOf<ComponentVersionProblem<typeof EFA_SPEC, "1.43.3">>().toEqualTypeOf<never>();
    expectTypeOf<ComponentVersionProblem<typeof EFA_SPEC, "v1.43.3">>().toEqualTypeOf<"EFA_VERSION is an EFA installer version, without a v (1.43.3), not v1.43.3">();
  });
  test("a value that is not a literal is left to the runtime twin", () => {
    expectTypeOf<Lf<string>>().toEqualTypeOf<never>();
    expectTypeOf<VersionFormProblem<typeof LIBFABRIC_SPEC.version.form, "X", string>>().toEqualTypeOf<never>();
  });
});

describe("forms that change with the version, at their bounds", () => {
  test("NIXL: plain below 1.0.0, with its v from v1.0.0", () => {
    expectTypeOf<Nixl<"0.10.1">>().toEqualTypeOf<never>();
    expectTypeOf<Nixl<"v0.10.1">>().toEqualTypeOf<NixlSentence<"v0.10.1">>();
    expectTypeOf<Nixl<"v1.0.0">>().toEqualTypeOf<never>();
    expectTypeOf<Nixl<"1.0.0">>().toEqualTypeOf<NixlSentence<"1.0.0">>();
    expectTypeOf<Nixl<"v1.4.0-rc2">>().toEqualTypeOf<never>();
    expectTypeOf<Nixl<"v10.0.0">>().toEqualTypeOf<never>();
  });
  test("aws-ofi-nccl: -aws from v1.7.0 to v1.13.x, none from v1.14.0", () => {
    expectTypeOf<Ofi<"v1.6.0">>().toEqualTypeOf<never>();
    expectTypeOf<Ofi<"v1.6.0-aws">>().toEqualTypeOf<never>();
    expectTypeOf<Ofi<"v1.7.0">>().toEqualTypeOf<OfiSentence<"v1.7.0">>();
    expectTypeOf<Ofi<"v1.7.0-aws">>().toEqualTypeOf<never>();
    expectTypeOf<Ofi<"v1.13.2-aws">>().toEqualTypeOf<never>();
    expectTypeOf<Ofi<"v1.13.2">>().toEqualTypeOf<OfiSentence<"v1.13.2">>();
    expectTypeOf<Ofi<"v1.14.0">>().toEqualTypeOf<never>();
    expectTypeOf<Ofi<"v1.14.0-aws">>().toEqualTypeOf<OfiSentence<"v1.14.0-aws">>();
    expectTypeOf<Ofi<"v1.100.0">>().toEqualTypeOf<never>();
    // A number far above any bound is compared digit by digit (no counting up to it).
    expectTypeOf<Ofi<"v99999.0.0">>().toEqualTypeOf<never>();
  });
});

describe("the stage functions", () => {
  const base = cudaDlBase(uvStage(), {});
  test("a literal in the form compiles; one in another form does not", () => {
    libfabric(base, { version: "v2.3.0" });
    ucx(base, { version: "v1.19.0" });
    // @ts-expect-error LIBFABRIC_VERSION is a libfabric release tag with its v (v2.3.0), not 2.3.0
    libfabric(base, { version: "2.3.0" });
    // @ts-expect-error UCX_VERSION is a UCX release tag with its v (v1.19.0), not 1.19.0
    ucx(base, { version: "1.19.0" });
  });
});
