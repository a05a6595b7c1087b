/**
 * Digest pinning of FROM images (issue 11 item 8): docs/security.md tells users to pass
 * `BASE_TAG=<tag>@sha256:<digest>`, so the typed ARG, values from data and the rendered FROM accept it.
 */
import { describe, expect, test } from "vitest";
import { IMAGE_TAG_PATTERN, PINNED_IMAGE_REF_PATTERN, REFUSED_IMAGE_TAGS, argValueProblem, imageRefArg, imageRefParts, imageTagArg, parseValues, withValues } from "../src/index.ts";
import { alignedRecipe } from "../recipes/aligned.ts";
import { cudaVersionOfTag } from "../stages/index.ts";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const TAG = "25.06-cuda12.9-devel-ubuntu24.04";

describe("image tag and reference patterns", () => {
  const kind = imageTagArg("BASE_TAG", TAG, "t").kind;
  test.each([TAG, `${TAG}@${DIGEST}`, "12.9.1-runtime-ubuntu24.04", "v1", "latest-but-not-only", `latest@${DIGEST}`])("tag %s is accepted (a digest pins even latest)", (t) => {
    expect(argValueProblem(kind, t)).toBeUndefined();
  });
  test.each(["latest", `${TAG}@sha256:abc`, `${TAG}@sha512:${"0".repeat(64)}`, `${TAG}@${DIGEST.toUpperCase()}`, "-x", "a:b", "a/b", "a b"])("tag %j is refused", (t) => {
    expect(argValueProblem(kind, t)).toContain("is not an image tag, optionally pinned by digest");
  });
  test("latest is refused by the refused list, not by a lookahead (bake's RE2 has none)", () => {
    expect(REFUSED_IMAGE_TAGS).toEqual(["latest"]);
    expect(IMAGE_TAG_PATTERN.source).not.toContain("(?");
    expect(PINNED_IMAGE_REF_PATTERN.source).not.toContain("(?");
  });
  test.each([`nvcr.io/nvidia/cuda:12.9.1-runtime-ubuntu24.04@${DIGEST}`, `ghcr.io/astral-sh/uv@${DIGEST}`, `registry.local:5000/team/img:1.0@${DIGEST}`])("pinned reference %s is accepted", (r) => {
    expect(PINNED_IMAGE_REF_PATTERN.test(r)).toBe(true);
  });
  test.each(["nvcr.io/nvidia/cuda:12.9.1", "nvcr.io/nvidia/cuda:latest", "NVCR.io/x:1@" + DIGEST, "x:1@sha256:1"])("reference %j is refused", (r) => {
    expect(PINNED_IMAGE_REF_PATTERN.test(r)).toBe(false);
  });
  test("a reference without a digest is refused, naming the form", () => {
    expect(() => imageRefArg("UV_IMAGE", "ghcr.io/astral-sh/uv:0.9.7", "uv")).toThrow(
      'ARG UV_IMAGE: "ghcr.io/astral-sh/uv:0.9.7" is not an image reference pinned by digest (<repository>:<tag>@sha256:<64 hex digits>)',
    );
    expect(imageRefArg("UV_IMAGE", `ghcr.io/astral-sh/uv:0.9.7@${DIGEST}`, "uv").default).toBe(`ghcr.io/astral-sh/uv:0.9.7@${DIGEST}`);
  });
  test("imageTagArg refuses latest with the sentence", () => {
    // @ts-expect-error latest is not a pinned image tag: give a version tag such as 25.06-cuda12.9-devel-ubuntu24.04, optionally with @sha256:<digest>
    expect(() => imageTagArg("BASE_TAG", "latest", "base image tag")).toThrow('ARG BASE_TAG: "latest" is not an image tag, optionally pinned by digest');
  });
  test("imageRefParts splits tag and digest", () => {
    expect(imageRefParts(`${TAG}@${DIGEST}`)).toEqual({ tag: TAG, digest: DIGEST });
    expect(imageRefParts(TAG)).toEqual({ tag: TAG });
    expect(imageRefParts(`registry.local:5000/x@${DIGEST}`)).toEqual({ digest: DIGEST });
    expect(imageRefParts(`registry.local:5000/x:1.0@${DIGEST}`)).toEqual({ tag: "1.0", digest: DIGEST });
    expect(() => imageRefParts("a b")).toThrow('"a b" is not an image tag');
  });
  test("the CUDA version still follows a digest-pinned tag", () => {
    expect(cudaVersionOfTag(`${TAG}@${DIGEST}`)).toBe("12.9");
  });
});

describe("BASE_TAG pinned by digest from data", () => {
  test("a values file with BASE_TAG=<tag>@<digest> renders FROM …:<tag>@<digest> as the ARG default", () => {
    const r = withValues(alignedRecipe(), parseValues(`args:\n  BASE_TAG: "${TAG}@${DIGEST}"\n`, "values.yaml"));
    const text = r.render();
    expect(text).toContain(`ARG BASE_TAG="${TAG}@${DIGEST}"`);
    expect(text).toContain("FROM ${BASE_IMAGE}:${BASE_TAG} AS base");
  });
});
