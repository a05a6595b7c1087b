/**
 * Issue 14, holes 1 and 2, at run time: the runtime twin refuses the same compositions with the
 * same sentences as tsc (test/types/holes.test-d.ts), nothing is rendered for them, and their
 * consistent forms render.
 */
import { describe, expect, test } from "vitest";
import { findProblems, recipeFromStages, StagewrightError } from "../src/index.ts";
import * as h from "./fixtures/holes.ts";
import { H } from "./fixtures/expected-messages.ts";

const messages = (stages: Parameters<typeof findProblems>[0]) => findProblems(stages).map((p) => p.message);

describe("hole 1: the list order does not defeat rule 1", () => {
  test("efa-drivers after nixl, the final image FROM efa-drivers: the compile-time sentences", () => {
    expect(messages(h.hole1)).toEqual([H.prefix, H.held]);
  });
  test("the same whatever the order: efa-drivers listed first gives the same sentences", () => {
    const first = [h.uv, h.base, h.dc, h.efa, h.etcd, h.ucxBuild, h.fabric, h.nixlOnSource, h.finalOnEfa];
    expect(messages(first)).toEqual([H.prefix, H.held]);
  });
  test("installer 1.43.1 also breaks nixl-libfabric-min in the image that holds nixl", () => {
    expect(messages(h.hole1Old)).toEqual([H.prefix, H.held, H.oldInstaller]);
  });
  test("refused before rendering: no Dockerfile, so no ldd assertion expecting /opt/amazon/efa", () => {
    let thrown: unknown;
    try {
      recipeFromStages("hole1", h.hole1).render();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(StagewrightError);
    expect((thrown as StagewrightError).problems).toEqual([H.prefix, H.held]);
  });
  test("the consistent form renders, and its ldd assertion expects the libfabric nixl was built against", () => {
    const text = recipeFromStages("fixed", h.hole1Fixed).render();
    expect(text).toContain('want="${LIBFABRIC_INSTALL_PATH}/lib/libfabric.so.1"');
    expect(text).not.toContain("/opt/amazon/efa");
  });
});

describe("hole 2: an in-image need outside the FROM chain", () => {
  test("nixl FROM doca given the installer's libfabric", () => {
    expect(messages(h.hole2)).toEqual([H.inImage]);
  });
  test("a consumer's own defineStage", () => {
    expect(messages(h.hole2Own)).toEqual([H.inImageOwn]);
  });
  test("no stage claims to hold what it could not copy", () => {
    // Its type says so too: comparing its kinds with "libfabric" does not compile.
    expect(h.nixlOffChain.contains.map((c): string => c.kind)).not.toContain("libfabric");
    expect(JSON.stringify(h.nixlOffChain.steps)).not.toContain("efa-drivers");
  });
  test("nixl FROM efa-drivers renders, with -Dlibfabric_path at the installer's prefix", () => {
    expect(messages(h.hole2Fixed)).toEqual([]);
    expect(recipeFromStages("fixed", h.hole2Fixed).render()).toContain('-Dlibfabric_path="/opt/amazon/efa"');
  });
});
