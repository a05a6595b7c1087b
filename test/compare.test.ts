/**
 * The comparison: every cell of the official column agrees with the official image (contrib/Dockerfile of
 * https://github.com/ai-dynamo/nixl at tag 0.7.1), the production column with the production approach as specified (issue 4), and the
 * refusal of the production approach as specified (NIXL 0.6.0 + -Dlibfabric_path).
 */
import { describe, expect, test } from "vitest";
import { compareRecipes, recipeFromStages } from "../src/index.ts";
import { builtinRecipes } from "../recipes/index.ts";
import { PRODUCTION_NIXL_SPECIFIED, productionStages } from "../recipes/production.ts";
import { nixlImageRows, nixlLinkage } from "../stages/index.ts";

const names = ["nixl-official", "nixl-production", "nixl-aligned"];
const c = compareRecipes(names.map((n) => builtinRecipes[n]!()), nixlImageRows, nixlLinkage);
const cellOf = (key: string, recipe: string) => c.rows.find((r) => r.key === key)!.values[names.indexOf(recipe)];

// The 0.7.1 values: ARGs, ENV and steps of https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile
// (per tag: docs/facts/nixl-tags.yaml).
describe("the official column is the 0.7.1 image", () => {
  test.each([
    ["base image", "nvcr.io/nvidia/cuda-dl-base:25.03-cuda12.8-devel-ubuntu24.04"], // ARG BASE_IMAGE, BASE_IMAGE_TAG
    ["CUDA", "12.8"],
    ["Ubuntu", "24.04"],
    ["Python (PYTHON_VERSION)", "3.12"], // ARG DEFAULT_PYTHON_VERSION
    ["NIXL (NIXL_VERSION)", "0.7.1"],
    ["NIXL prefix (NIXL_PREFIX)", "/usr/local/nixl"], // ARG NIXL_PREFIX
    ["NIXL build type", "debug"], // no --buildtype, meson default debug up to 0.7.x (meson.build default_options)
    ["UCX", "v1.19.0"], // ARG UCX_REF
    ["UCX prefix", "/usr"], // ARG UCX_PREFIX
    ["libfabric", "v2.3.0"], // ARG LIBFABRIC_VERSION
    ["libfabric install path", "/usr/local"], // ARG LIBFABRIC_INSTALL_PATH
    ["Rust (RUST_VERSION)", "1.86.0"], // ENV RUST_VERSION=1.86.0
    ["EFA installer (EFA_VERSION)", "not installed"], // no EFA installer from 0.6.1 on (https://github.com/ai-dynamo/nixl/pull/847)
    ["GDRCopy", "from the base image (/usr/local)"], // UCX --with-gdrcopy=/usr/local, which no step builds: the base image's
    ["NCCL (NCCL_VERSION)", "not built (base image's, if any)"],
    ["aws-ofi-nccl", "not in the image"],
    ["DOCA (DOCA_BUILD)", "3.1.0-091000-25.07"], // the DOCA step
    ["aws-sdk-cpp (AWS_SDK_CPP_VERSION)", "1.11.581"], // the aws-sdk-cpp step
    ["Python packages", "venv /workspace/.venv, NIXL wheel installed into it"], // ENV VIRTUAL_ENV, the wheel step
  ])("%s = %s", (key, value) => {
    expect(cellOf(key, "nixl-official")).toBe(value);
  });
});

describe("the production column", () => {
  test.each([
    ["base image", "nvcr.io/nvidia/pytorch:25.06-py3"],
    ["libfabric", "EFA installer 1.43.3 (AWS fork)"],
    ["libfabric install path", "/opt/amazon/efa"],
    ["NIXL prefix (NIXL_PREFIX)", "/opt/nvidia/nvda_nixl"], // meson's default prefix (https://github.com/ai-dynamo/nixl/blob/0.6.1/meson.build#L20)
    ["NIXL (NIXL_VERSION)", "0.6.1"],
  ])("%s = %s", (key, value) => {
    expect(cellOf(key, "nixl-production")).toBe(value);
  });
  test("the specified NIXL 0.6.0 is refused: no -Dlibfabric_path before 0.6.1", () => {
    expect(() => recipeFromStages("p", productionStages(PRODUCTION_NIXL_SPECIFIED))).toThrow(
      "stage nixl: NIXL 0.6.0 has no libfabric_path meson option and no LIBFABRIC plugin (both first in 0.6.1); use NIXL 0.6.1 or later (rule nixl-libfabric-option; source: https://github.com/ai-dynamo/nixl/pull/784)",
    );
  });
});

describe("statuses and critical differences", () => {
  test("libfabric choices are ABI conflicts, a build type is a difference", () => {
    expect(c.rows.find((r) => r.key === "libfabric install path")!.status).toBe("conflict");
    expect(c.rows.find((r) => r.key === "NIXL build type")!.status).toBe("differs");
    expect(c.rows.find((r) => r.key === "Rust (RUST_VERSION)")!.status).toBe("same");
  });
  test("which libfabric each NIXL build links and loads", () => {
    expect(c.critical[1]).toContain(
      "nixl: `/opt/nvidia/nvda_nixl/lib/x86_64-linux-gnu/plugins/libplugin_LIBFABRIC.so` is built against the libfabric in /opt/amazon/efa (stage efa-drivers); at run time it loads `/opt/amazon/efa/lib/libfabric.so.1` (stage efa-drivers), asserted with ldd at build time.",
    );
    expect(c.critical[2]!.every((s) => s.includes("/usr/local/lib/libfabric.so.1"))).toBe(true);
  });
});
