/**
 * Version forms (issue 9 item 5): each version ARG carries the form its upstream writes its tags
 * in, and every runtime path refuses a value in another form with one sentence: a stage's options,
 * `--set`, a values file, the build script and the bake file (the compile-time twin is in
 * test/types/version-form.test-d.ts and test/tsc-messages.test.ts).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parseSets, parseValues, versionFormRegex, withValues, type VersionForm } from "../src/index.ts";
import { alignedRecipe } from "../recipes/aligned.ts";
import { currentRecipe } from "../recipes/current.ts";
import { AWS_OFI_NCCL_FORM, AWS_OFI_NCCL_SPEC, EFA_SPEC, GDRCOPY_SPEC, LIBFABRIC_SPEC, NCCL_SPEC, NIXL_RELEASES, NIXL_TAG_FORM, UCX_SPEC, cudaDlBase, etcdCppApi, libfabric, nixl, ucx, uvStage } from "../stages/index.ts";

const LIBFABRIC_SENTENCE = "LIBFABRIC_VERSION is a libfabric release tag with its v (v2.3.0), not 2.3.0";

/**
 * Tags read from the upstream repositories (`git ls-remote --tags <repo>`, December 2026) that each
 * form must take, and values the upstream has no tag for. EFA installer versions are the names of
 * AWS's tarballs (aws-efa-installer-<version>.tar.gz), not git tags.
 */
const CASES: readonly (readonly [string, VersionForm, readonly string[], readonly string[]])[] = [
  ["libfabric", LIBFABRIC_SPEC.version.form, ["v1.21.0", "v2.3.0", "v2.3.0rc2", "v2.5.1", "v2.6.0rc1"], ["2.3.0", "v2.3", "v2.3.0-rc2", "V2.3.0", "v02.3.0"]],
  ["UCX", UCX_SPEC.version.form, ["v1.19.0", "v1.20.1", "v1.22.0-rc3"], ["1.19.0", "v1.19", "v1.19.0rc1", "v1.20.x"]],
  ["GDRCopy", GDRCOPY_SPEC.version.form, ["v2.4", "v2.4.1", "v2.5.2", "v2.6"], ["2.4.1", "v2"]],
  ["NCCL", NCCL_SPEC.version.form, ["v2.23.4-1", "v2.27.3-1", "v2.30.7-1"], ["v2.27.3", "2.27.3-1", "v2.27.3-1+cuda12.9"]],
  ["aws-ofi-nccl", AWS_OFI_NCCL_SPEC.version.form, ["v1.5.0-aws", "v1.6.0", "v1.7.0-aws", "v1.12.1-aws", "v1.13.2-aws", "v1.14.0", "v1.20.0", "v1.21.1"], ["v1.12.1", "v1.13.2", "v1.14.0-aws", "v1.20.0-aws", "1.12.1-aws"]],
  ["NIXL", NIXL_TAG_FORM, ["0.6.1", "0.7.1", "0.10.1", "v1.0.0", "v1.4.0", "v1.4.0-rc2"], ["v0.7.1", "v0.10.1", "1.0.0", "1.4.0", "0.7.1-rc1"]],
  ["EFA installer", EFA_SPEC.version.form, ["1.43.3", "1.47.0"], ["v1.43.3", "1.43", "1.43.3-1"]],
];

describe.each(CASES)("the %s form", (_name, form, tags, others) => {
  test.each(tags)("takes the upstream tag %s", (tag) => expect(versionFormRegex(form).test(tag)).toBe(true));
  test.each(others)("refuses %s, which the upstream does not write", (value) => expect(versionFormRegex(form).test(value)).toBe(false));
});

test("every NIXL release the stage library knows is in the NIXL form", () => {
  for (const r of NIXL_RELEASES) expect(versionFormRegex(NIXL_TAG_FORM).test(r.tag), r.tag).toBe(true);
});

test("aws-ofi-nccl: the -aws suffix is required from v1.7.0 and refused from v1.14.0, at each boundary", () => {
  const re = versionFormRegex(AWS_OFI_NCCL_FORM);
  expect([re.test("v1.6.9"), re.test("v1.6.9-aws")]).toEqual([true, true]);
  expect([re.test("v1.7.0"), re.test("v1.7.0-aws")]).toEqual([false, true]);
  expect([re.test("v1.13.99"), re.test("v1.13.99-aws")]).toEqual([false, true]);
  expect([re.test("v1.14.0"), re.test("v1.14.0-aws")]).toEqual([true, false]);
});

describe("a form's release bounds, at run time", () => {
  // Every triple of a grid against the bound, for shapes below, between and above two bounds: the
  // one expression (what bash and RE2 run too) decides as a comparison of release numbers would.
  const cmp = (a: readonly number[], b: readonly number[]) => {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return 0;
  };
  test.each([
    ["1.0.0", "1.14.0"],
    ["0.7.3", "2.10.5"],
    ["0.0.1", "0.0.2"],
    ["3.99.100", "10.0.0"],
    ["0.9.0", "0.11.0"],
  ])("shapes a (below %s), b (below %s) and c", (lo, hi) => {
    const re = versionFormRegex({ expected: "x", example: "x", shapes: [{ shape: "a<N>.<N>.<N>", below: lo }, { shape: "b<N>.<N>.<N>", below: hi }, { shape: "c<N>.<N>.<N>" }], source: "" });
    const L = lo.split(".").map(Number);
    const H = hi.split(".").map(Number);
    const wrong: string[] = [];
    for (let x = 0; x < 12; x++) {
      for (let y = 0; y < 120; y += y < 20 ? 1 : 7) {
        for (let z = 0; z < 130; z += z < 12 ? 1 : 11) {
          const t = [x, y, z];
          const want = { a: cmp(t, L) < 0, b: cmp(t, L) >= 0 && cmp(t, H) < 0, c: cmp(t, H) >= 0 };
          for (const [p, w] of Object.entries(want)) if (re.test(`${p}${x}.${y}.${z}`) !== w) wrong.push(`${p}${x}.${y}.${z}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(re.test("b01.2.3")).toBe(false);
  });
  test("a malformed form is refused where it is declared", () => {
    const f = (shapes: VersionForm["shapes"]) => () => versionFormRegex({ expected: "x", example: "x", shapes, source: "" });
    expect(f([{ shape: "v<N>.<N>", below: "1.0.0" }, { shape: "v<N>.<N>.<N>" }])).toThrow("a shape with a bound needs three <N> before any [");
    expect(f([{ shape: "v<N>.<N>.<N>" }, { shape: "<N>.<N>.<N>" }])).toThrow("every shape but the last needs its below");
    expect(f([{ shape: "v<N>.<N>.<N>[-rc[<N>]]" }])).toThrow("[ and ] must pair, without nesting");
    expect(f([{ shape: "v<N>1" }])).toThrow("a digit right after <N>");
  });
});

describe("every runtime path refuses a value in another form, with the same sentence", () => {
  const base = cudaDlBase(uvStage(), {});
  test("a stage's option (a value from data, not a literal)", () => {
    const version: string = "2.3.0";
    expect(() => libfabric(base, { version })).toThrow(`stage libfabric, option version: ${LIBFABRIC_SENTENCE}`);
    const u: string = "1.19.0";
    expect(() => ucx(base, { version: u })).toThrow("stage ucx, option version: UCX_VERSION is a UCX release tag with its v (v1.19.0), not 1.19.0");
    const n: string = "v0.7.1";
    const u119 = ucx(base, { version: "v1.19.0" });
    const etcd = etcdCppApi(base, {});
    expect(() => nixl(base, { version: n, ucx: u119.provides.ucx, etcd: etcd.provides.etcd })).toThrow("NIXL_VERSION is a NIXL release tag: without a v up to 0.10.1, with its v from v1.0.0 (0.7.1, v1.4.0), not v0.7.1");
  });
  test("--set and a values file", () => {
    expect(() => withValues(alignedRecipe(), parseSets(["LIBFABRIC_VERSION=2.3.0"]))).toThrow(`ARG LIBFABRIC_VERSION: ${LIBFABRIC_SENTENCE}`);
    expect(() => withValues(currentRecipe(), parseValues("args:\n  AWS_OFI_NCCL_VERSION: v1.20.0-aws\n", "values.yaml"))).toThrow(
      "AWS_OFI_NCCL_VERSION is an aws-ofi-nccl release tag: v…-aws up to v1.13.2-aws, v… from v1.14.0 (v1.12.1-aws, v1.20.0), not v1.20.0-aws",
    );
    expect(() => withValues(alignedRecipe(), parseSets(["LIBFABRIC_VERSION=v2.3.0rc2", "LIBFABRIC_SHA256=" + "0".repeat(64)]))).not.toThrow();
  });
  test("the CLI: one line, exit 1", () => {
    const r = spawnSync(process.execPath, ["bin/stagewright.mjs", "render", "aligned", "--set", "LIBFABRIC_VERSION=2.3.0"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(LIBFABRIC_SENTENCE);
  });
  test("the build script: exit 2 with the sentence, before docker runs", () => {
    const run = (...args: string[]) => spawnSync("bash", ["generated/nixl-aligned/build-nixl-aligned.sh", "--dry-run", ...args], { encoding: "utf8", timeout: 30_000 });
    const bad = run("--libfabric-version", "2.3.0");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`build-nixl-aligned.sh: --libfabric-version (ARG LIBFABRIC_VERSION): ${LIBFABRIC_SENTENCE}\n`);
    // The aligned image takes the base's NCCL by default; the production recipe's script has --nccl-version.
    const nccl = spawnSync("bash", ["generated/nixl-production/build-nixl-production.sh", "--dry-run", "--nccl-version", "v2.27.3"], { encoding: "utf8", timeout: 30_000 });
    expect(nccl.status).toBe(2);
    expect(nccl.stderr).toContain("NCCL_VERSION is an NCCL release tag with its v and its -N build number (v2.27.3-1), not v2.27.3");
    // In the form, the check passes and the next one (the checksum that follows the version) speaks.
    const good = run("--libfabric-version", "v2.3.0rc2");
    expect(good.stderr).toContain("needs its own LIBFABRIC_SHA256");
  });
  test("the host script: exit 2 with the sentence, before any stage runs", () => {
    const r = spawnSync("bash", ["generated/gpu-host/host-gpu-host.sh", "--arg", "LIBFABRIC_VERSION=2.3.0", "--only", "base"], { encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`host-gpu-host.sh: --arg LIBFABRIC_VERSION (ARG LIBFABRIC_VERSION): ${LIBFABRIC_SENTENCE}\n`);
    const env = spawnSync("bash", ["generated/gpu-host/host-gpu-host.sh", "--only", "base"], { encoding: "utf8", timeout: 30_000, env: { ...process.env, LIBFABRIC_VERSION: "2.3.0" } });
    expect(env.status).toBe(2);
    expect(env.stderr).toContain(LIBFABRIC_SENTENCE);
  });
  test("the bake file: the same expression and sentence in LIBFABRIC_VERSION's validation", () => {
    const hcl = readFileSync("generated/nixl-aligned/docker-bake.hcl", "utf8");
    const re = versionFormRegex(LIBFABRIC_SPEC.version.form);
    expect(hcl).toContain(`condition     = can(regex(${JSON.stringify(re.source)}, LIBFABRIC_VERSION))`);
    expect(hcl).toContain('error_message = "ARG LIBFABRIC_VERSION: LIBFABRIC_VERSION is a libfabric release tag with its v (v2.3.0), not ${LIBFABRIC_VERSION}"');
  });
});
