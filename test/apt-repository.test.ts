/**
 * pinnedAptRepositoryScript run for real under bash with gpg (issue 11 item 7): a key file whose one
 * primary key has the pinned fingerprint becomes a keyring of that key alone and the source names it
 * in signed-by; a key with another fingerprint, a file with a second key, and an empty fingerprint
 * ARG each stop the step with their sentence. wget is replaced by a script that copies the key file,
 * and the two system directories by temporary ones, so the script's own logic is what runs.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { pinnedAptRepositoryScript } from "../src/index.ts";
import { parseShell, shellcheck } from "./support/checkers.ts";
import { tempDir } from "./support/tmp.ts";

const root = tempDir("stagewright-aptrepo-");
const gpgHome = join(root, "gnupg");
const script = pinnedAptRepositoryScript({ name: "vendor", keyUrl: "https://e.org/key.pub", fingerprintArg: "VENDOR_SIGNER_FINGERPRINT", whenEmpty: "see docs/sources.md", url: "https://e.org/repo/${arch}/", suite: "./" });

function gpg(...args: string[]): string {
  const r = spawnSync("gpg", ["--batch", "--homedir", gpgHome, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}
const fprs: string[] = [];
beforeAll(() => {
  mkdirSync(gpgHome, { mode: 0o700 });
  for (const who of ["one", "two"]) gpg("--passphrase", "", "--quick-gen-key", `${who} <${who}@example.org>`, "ed25519", "sign", "never");
  for (const l of gpg("--with-colons", "--fingerprint").split("\n")) if (l.startsWith("fpr:")) fprs.push(l.split(":")[9]!);
  writeFileSync(join(root, "one.pub"), gpg("--armor", "--export", fprs[0]!));
  writeFileSync(join(root, "both.pub"), gpg("--armor", "--export", fprs[0]!, fprs[1]!));
}, 60_000);

function runWith(keyFile: string, fingerprint: string) {
  const dir = tempDir("stagewright-aptrepo-run-");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  mkdirSync(join(dir, "etc-apt"));
  writeFileSync(join(bin, "wget"), `#!/bin/sh\n# wget ... -O <out> <url>: copy the prepared key to <out>\nwhile [ "$1" != "-O" ]; do shift; done\ncp '${keyFile}' "$2"\n`);
  chmodSync(join(bin, "wget"), 0o755);
  const body = script.replaceAll("/usr/share/keyrings", join(dir, "keyrings")).replaceAll("/etc/apt/sources.list.d", join(dir, "etc-apt")).replaceAll("/tmp/vendor.key", join(dir, "vendor.key"));
  const r = spawnSync("bash", ["--norc", "--noprofile", "-euo", "pipefail", "-c", `arch=x86_64\n${body}`], {
    encoding: "utf8",
    env: { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: dir, SOURCE_MIRROR: "", VENDOR_SIGNER_FINGERPRINT: fingerprint },
  });
  return { status: r.status, err: r.stderr, dir };
}

describe("pinnedAptRepositoryScript", () => {
  test("is valid bash and shellcheck-clean", () => {
    parseShell(script);
    expect(shellcheck(`arch=x86_64\n${script}`, "bash")).toEqual([]);
  });
  test("the pinned key becomes the repository's only key", () => {
    const r = runWith(join(root, "one.pub"), fprs[0]!);
    expect(r.err).toBe("");
    expect(r.status).toBe(0);
    expect(readFileSync(join(r.dir, "etc-apt", "vendor.list"), "utf8")).toBe(`deb [signed-by=${join(r.dir, "keyrings", "vendor.gpg")}] https://e.org/repo/x86_64/ ./\n`);
    const listed = spawnSync("gpg", ["--batch", "--with-colons", "--show-keys", join(r.dir, "keyrings", "vendor.gpg")], { encoding: "utf8" }).stdout;
    expect(listed.split("\n").filter((l) => l.startsWith("pub:")).length).toBe(1);
    expect(listed).toContain(`fpr:::::::::${fprs[0]}:`);
    expect(existsSync(join(r.dir, "vendor.key"))).toBe(false);
  });
  test("a key with another fingerprint stops the step", () => {
    const r = runWith(join(root, "one.pub"), fprs[1]!);
    expect(r.status).toBe(1);
    expect(r.err).toContain(`holds the key(s) ${fprs[0]}, expected exactly ${fprs[1]}`);
    expect(existsSync(join(r.dir, "etc-apt", "vendor.list"))).toBe(false);
  });
  test("a key file with a second key stops the step, even when one of them is the pinned key", () => {
    const r = runWith(join(root, "both.pub"), fprs[0]!);
    expect(r.status).toBe(1);
    expect(r.err).toContain(", expected exactly ");
  });
  test("an empty fingerprint stops the step before any download, with the fix", () => {
    const r = runWith(join(root, "one.pub"), "");
    expect(r.status).toBe(1);
    expect(r.err).toBe("stagewright: VENDOR_SIGNER_FINGERPRINT is empty, so the vendor apt repository cannot be trusted: pass --build-arg VENDOR_SIGNER_FINGERPRINT=<40 upper-case hex digits> (see docs/sources.md)\n");
    expect(existsSync(join(r.dir, "vendor.key"))).toBe(false);
  });
});
