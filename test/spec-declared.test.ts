/**
 * Issue 14, one declaration per component: the FROM image of a root stage is declared once in its
 * component spec (`image`: the options, their ARGs, the FROM line are derived), and preinstalled
 * is a component spec made from its option values; both render what they rendered before
 * (test/golden/ and generated/ hold those bytes).
 */
import { describe, expect, test } from "vitest";
import { componentImage, imageDefault, imageFrom, option, recipeArgs, taggedImageRefArg, TARGETARCH, type ComponentSpec, type ImageBase } from "../src/index.ts";
import { productionRecipe } from "../recipes/production.ts";
import { BASE_SPEC, PREINSTALLED_OPTIONS, cudaDlBase, preinstalled, preinstalledSpec, uvStage } from "../stages/index.ts";

const uv = uvStage();

describe("the FROM image, declared once", () => {
  test("the base stage's FROM line and its ARGs come from the spec's image declaration", () => {
    const base = cudaDlBase(uv, { tag: "25.10-cuda13.0-devel-ubuntu24.04" });
    expect(base.from).toEqual(componentImage(BASE_SPEC, { image: "nvcr.io/nvidia/cuda-dl-base", tag: "25.10-cuda13.0-devel-ubuntu24.04" }));
    const from = base.from as ImageBase;
    expect(from.image).toBe("${BASE_IMAGE}:${BASE_TAG}");
    expect(from.args.map((a) => [a.name, a.default, a.description])).toEqual([
      ["BASE_IMAGE", "nvcr.io/nvidia/cuda-dl-base", "base image repository"],
      ["BASE_TAG", "25.10-cuda13.0-devel-ubuntu24.04", "base image tag, optionally pinned by digest (<tag>@sha256:<digest>)"],
    ]);
    // The CUDA artifact follows BASE_TAG, and its image fact is the FROM line at the defaults.
    expect(base.provides.cuda.version).toBe("13.0");
    expect(base.provides.cuda.facts["image"]).toBe("nvcr.io/nvidia/cuda-dl-base:25.10-cuda13.0-devel-ubuntu24.04");
    expect(uv.from).toEqual(imageFrom([recipeArgs(productionRecipe()).find((a) => a.name === "UV_IMAGE")!]));
  });
  test("an option value is checked as the ARG it becomes, with the ARG's sentence, naming stage and option", () => {
    const tag: string = "latest";
    expect(() => cudaDlBase(uv, { tag })).toThrow('base, option tag: "latest" is not an image tag, optionally pinned by digest');
    const repo: string = "NVCR.io/Nvidia";
    expect(() => cudaDlBase(uv, { image: repo })).toThrow('base, option image: "NVCR.io/Nvidia" is not an image repository such as nvcr.io/nvidia/cuda-dl-base');
    expect(() => uvStage("ghcr.io/astral-sh/uv:0.9.7")).toThrow("uv, option image: \"ghcr.io/astral-sh/uv:0.9.7\" is not an image reference pinned by digest");
  });
  test("a spec whose image part names an option of another kind is refused where it is declared", () => {
    const spec = { name: "x", options: { image: option.string({ doc: "not an image option" }) }, image: { parts: [{ option: "image", arg: "X_IMAGE", doc: "x" }] } } as const satisfies ComponentSpec;
    expect(() => componentImage(spec, { image: "debian" })).toThrow("image part X_IMAGE names option image, which is not an option.image option");
  });
  test("imageFrom writes each ARG once; --platform from an automatic ARG", () => {
    const img = taggedImageRefArg("LOCAL_IMAGE", "local/base:1", "a local image");
    expect(imageFrom([img], { platform: TARGETARCH })).toEqual({ image: "${LOCAL_IMAGE}", args: [img, TARGETARCH], platform: "${TARGETARCH}" });
    expect(imageDefault(imageFrom([img]))).toBe("local/base:1");
  });
});

describe("preinstalled, on the component spec", () => {
  const base = cudaDlBase(uv, {});
  const hpcx = preinstalled(base, { name: "hpcx-ucx", kind: "ucx", prefix: "/opt/hpcx/ucx", version: "HPC-X (base image)", file: "lib/libucp.so.0" });
  test("its stage and artifact come from the spec its option values make", () => {
    expect(preinstalledSpec("hpcx-ucx", "ucx", "/opt/hpcx/ucx")).toEqual({ name: "hpcx-ucx", options: PREINSTALLED_OPTIONS, artifacts: { ucx: { kind: "ucx", delivery: "in-image", prefix: "/opt/hpcx/ucx" } } });
    expect(hpcx.name).toBe("hpcx-ucx");
    const a = hpcx.provides.ucx;
    expect([a.kind, a.prefix, a.producer, a.version, a.delivery.type, a.facts["distribution"]]).toEqual(["ucx", "/opt/hpcx/ucx", "hpcx-ucx", "HPC-X (base image)", "in-image", "base-image"]);
    expect(a.layout.lib).toEqual(["lib"]);
    expect(hpcx.steps).toHaveLength(1);
  });
  test("a bad option is refused before the spec exists, naming the stage as its type does (the component while the name is not valid)", () => {
    const name: string = "HPCX";
    expect(() => preinstalled(base, { name, kind: "ucx", prefix: "/opt/hpcx/ucx", version: "x", file: "lib/libucp.so.0" })).toThrow('preinstalled, option name: "HPCX" is not a stage name');
    const o = { name: "x", kind: "ucx", prefix: "/opt/x", version: "x", file: "lib/x.so", prefx: "/opt/y" } as const;
    // @ts-expect-error unknown option prefx for stage x; remove it or use one of the options the stage declares
    expect(() => preinstalled(base, o)).toThrow("unknown option prefx for stage x; remove it or use one of the options the stage declares");
  });
});
