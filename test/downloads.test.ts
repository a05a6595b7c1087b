/**
 * Issue 11 item 7: zero unverified downloads in a default build. Every download the aligned
 * Dockerfiles make (read from the rendered text: test/support/downloads.ts) is listed with how it
 * is verified; the list is asserted whole, so a new download must be added here on purpose, and each
 * entry must be verified. The audit itself is shown to catch the old DOCA step (a .deb behind an
 * empty sha256) and an apt repository trusted by an unpinned key.
 */
import { describe, expect, test } from "vitest";
import { downloadScript, pinnedAptRepositoryScript, recipeFromStages, run, defineStage, image, stringArg } from "../src/index.ts";
import { alignedRecipe } from "../recipes/aligned.ts";
import { cudaDlBase, doca, uvStage } from "../stages/index.ts";
import { downloadsOf } from "./support/downloads.ts";

const EXPECTED = [
  "doca: wget /tmp/doca.key",
  "doca: apt /etc/apt/sources.list.d/doca.list",
  "gdrcopy: wget gdrcopy.tar.gz",
  "libfabric: wget libfabric.tar.bz2",
  "ucx: git ucx",
  "etcd-cpp-api: git etcd-cpp-apiv3",
  "aws-sdk-cpp: git aws-sdk-cpp",
  "gusli: git gusli",
  "nixl: wget rustup-init",
  "nixl: git nixl",
  'nixl: wget "subprojects/packagecache/$file"',
];
const NCCL = ["nccl: wget nccl.tar.gz", "aws-ofi-nccl: wget aws-ofi-nccl.tar.gz"];
// The lean final image's base adds DOCA's repository again, through the same pinned key (issue 11 item 9).
const LEAN = ["runtime-base: wget /tmp/doca.key", "runtime-base: apt /etc/apt/sources.list.d/doca.list"];

describe.each([
  ["with aws-ofi-nccl for the base's NCCL (the default)", alignedRecipe({ nccl: true }), [...EXPECTED, ...LEAN, NCCL[1]!]],
  ["building NCCL", alignedRecipe({ nccl: true, buildNccl: true }), [...EXPECTED, ...LEAN, ...NCCL]],
  ["without NCCL", alignedRecipe({ nccl: false }), [...EXPECTED, ...LEAN]],
  ["in the devel flavour", alignedRecipe({ nccl: true, flavour: "devel" }), [...EXPECTED, NCCL[1]!]],
])("every download of the aligned Dockerfile %s", (_, r, expected) => {
  const downloads = downloadsOf(r.render());
  test("is the expected list", () => {
    expect(downloads.map((d) => `${d.stage}: ${d.what}`).sort()).toEqual([...expected].sort());
  });
  test("is verified", () => {
    expect(downloads.filter((d) => !d.verified).map((d) => `${d.stage}: ${d.what}: ${d.how}`)).toEqual([]);
  });
  test("the DOCA repository is trusted through its pinned key, and the build stops without it", () => {
    const apt = downloads.find((d) => d.what === "apt /etc/apt/sources.list.d/doca.list")!;
    expect(apt.how).toBe("Release signed by the key with fingerprint DOCA_SIGNER_FINGERPRINT (no default: the step stops unless it is passed)");
  });
});

test("a fingerprint given as the doca option becomes the ARG default, and the audit reads it", () => {
  const fpr = "0123456789ABCDEF0123456789ABCDEF01234567"; // a stand-in of the right form, not the real key's
  const uv = uvStage();
  const base = cudaDlBase(uv, {});
  const text = recipeFromStages("r", [uv, base, doca(base, { keyFingerprint: fpr })]).render();
  expect(text).toContain(`ARG DOCA_SIGNER_FINGERPRINT="${fpr}"`);
  expect(downloadsOf(text).find((d) => d.what.startsWith("apt "))!.how).toBe(`Release signed by the key with fingerprint DOCA_SIGNER_FINGERPRINT=${fpr}`);
});

describe("the audit catches what it must", () => {
  const from = image("debian:bookworm-20250101", []);
  const stage = (script: string, args = [stringArg("X_SHA256", "", /^([0-9a-f]{64})?$/, "hex", "x"), stringArg("X_SIGNER_FINGERPRINT", "", /^([0-9A-F]{40})?$/, "hex", "x")]) =>
    recipeFromStages("r", [defineStage({ name: "s", description: "s", from, args, steps: [run(script)] })]).render();
  test("a download behind an empty sha256 (the DOCA host .deb before) is unverified", () => {
    const d = downloadsOf(stage(downloadScript("https://e.org/doca-host.deb", "/tmp/doca-host.deb", "X_SHA256") + "\necho ${X_SIGNER_FINGERPRINT}"));
    expect(d).toEqual([{ stage: "s", what: "wget /tmp/doca-host.deb", verified: false, how: "sha256 X_SHA256 is empty: NOT verified" }]);
  });
  test("an apt repository whose key fingerprint is empty and not required is unverified", () => {
    const script = pinnedAptRepositoryScript({ name: "x", keyUrl: "https://e.org/key", fingerprintArg: "X_SIGNER_FINGERPRINT", whenEmpty: "see docs", url: "https://e.org/repo/", suite: "./" })
      .replace(/^if \[ -z [^\n]*\n/, "");
    const d = downloadsOf(stage(`${script}\necho "\${X_SHA256}"`));
    expect(d.map((x) => [x.what, x.verified])).toEqual([["wget /tmp/x.key", false], ["apt /etc/apt/sources.list.d/x.list", false]]);
  });
  test("a fetch it does not know is reported, not skipped", () => {
    // Written by hand: the generator's lint refuses to render an unverified fetch in the first place.
    const d = downloadsOf("FROM debian:bookworm-20250101 AS s\nRUN <<'EOF'\nset -euo pipefail\ncurl -fsSLo x.tgz https://e.org/x.tgz\nEOF\n");
    expect(d.map((x) => [x.what, x.verified])).toEqual([["unknown curl -fsSLo x.tgz https://e.org/x.tgz", false]]);
  });
});
