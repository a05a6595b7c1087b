/**
 * The build-time assertions run for real under bash (with `set -euo pipefail`, as every RUN does):
 * the one-copy check that also sees Python site-packages copies (issue 11 item 3: torch's wheel brings
 * its own libnccl.so.2), and the one-origin check over dpkg packages (item 4: a mixed rdma-core after
 * the EFA installer skipped packages DOCA installed newer), and the resolution check of the final
 * image (item 9: every runtime file's shared objects found, what a lean base must provide through the
 * artifacts' runtimePackages). dpkg-query and ldd are replaced by scripts that print a given table,
 * so the check's logic is what is tested, not this machine's packages and libraries.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { artifact, oneSourceAssertion, resolvedAssertion, uniqueSonameAssertion } from "../src/index.ts";
import { parseShell, shellcheck } from "./support/checkers.ts";
import { tempDir } from "./support/tmp.ts";

function bash(script: string, env: Record<string, string> = {}) {
  const r = spawnSync("bash", ["--norc", "--noprofile", "-euo", "pipefail", "-c", script], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe("uniqueSonameAssertion with site-packages", () => {
  const soname = "libstagewright-probe.so.2";
  const root = tempDir("stagewright-onecopy-");
  const lib = join(root, "usr-lib");
  const venv = join(root, "venv", "lib", "python3.12", "site-packages", "nvidia", "probe", "lib");
  mkdirSync(lib, { recursive: true });
  writeFileSync(join(lib, `${soname}.21.5`), "real");
  symlinkSync(`${soname}.21.5`, join(lib, soname));
  const check = uniqueSonameAssertion(soname, { alsoUnder: [join(root, "venv", "lib"), join(root, "no-such-python*", "dist-packages")] });

  test("is valid bash and shellcheck-clean", () => {
    parseShell(check);
    expect(shellcheck(check, "bash")).toEqual([]);
  });
  test("one copy on LD_LIBRARY_PATH and none in site-packages passes", () => {
    const r = bash(check, { LD_LIBRARY_PATH: lib });
    expect(r.err).toBe("");
    expect(r.status).toBe(0);
  });
  test("a wheel's copy under site-packages fails, naming both files", () => {
    mkdirSync(venv, { recursive: true });
    writeFileSync(join(venv, soname), "wheel");
    const r = bash(check, { LD_LIBRARY_PATH: lib });
    expect(r.status).toBe(1);
    expect(r.err).toContain(`stagewright: the image must hold exactly one ${soname} (loader, and files under ${join(root, "venv", "lib")}`);
    expect(r.err).toContain(`  ${join(lib, `${soname}.21.5`)}`);
    expect(r.err).toContain(`  ${join(venv, soname)}`);
  });
  test("without alsoUnder the message and the shell are the loader-only check", () => {
    expect(uniqueSonameAssertion(soname)).not.toContain("find ");
    expect(uniqueSonameAssertion(soname)).toContain(`the loader must see exactly one ${soname}, it sees:`);
  });
});

describe("oneSourceAssertion over dpkg packages", () => {
  const spec = { source: "rdma-core", names: "^(rdma-core|ibverbs-|libibverbs|libefa|librdmacm|libibumad)", what: "rdma-core", fix: "install every rdma-core package from one repository" };
  const check = oneSourceAssertion(spec);
  const dir = tempDir("stagewright-onesource-");
  const withPackages = (rows: string[]) => {
    const table = join(dir, `table-${rows.length}-${Math.random().toString(36).slice(2)}`);
    writeFileSync(table, rows.map((r) => `${r}\n`).join(""));
    const bin = join(dir, `bin-${Math.random().toString(36).slice(2)}`);
    mkdirSync(bin);
    // The fake prints the table in the format the check asks for (it ignores -W -f, as the check always passes the same ones).
    writeFileSync(join(bin, "dpkg-query"), `#!/bin/sh\ncat '${table}'\n`);
    chmodSync(join(bin, "dpkg-query"), 0o755);
    return bash(check, { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` });
  };
  const row = (name: string, version: string, source = "rdma-core", sourceVersion = version, status = "ii ") => `${status}\t${name}\t${version}\t${source}\t${sourceVersion}`;

  test("is valid bash and shellcheck-clean", () => {
    parseShell(check);
    expect(shellcheck(check, "bash")).toEqual([]);
  });
  test("one source at one version passes and says so", () => {
    const doca = "2507mlnx58-1.2507097";
    const r = withPackages([row("libibverbs1", doca), row("ibverbs-providers", doca), row("rdma-core", doca), row("libefa1", doca), row("zlib1g", "1:1.3", "zlib")]);
    expect(r.err).toBe("");
    expect(r.status).toBe(0);
    expect(r.out).toContain(`stagewright: rdma-core: 4 packages, all from source rdma-core ${doca}`);
  });
  test("DOCA's packages kept and the EFA installer's added (the mix) fails with the table and the fix", () => {
    const r = withPackages([row("libibverbs1", "2507mlnx58-1.2507097"), row("rdma-core", "2507mlnx58-1.2507097"), row("libefa1", "58.amzn0-1"), row("ibverbs-utils", "58.amzn0-1")]);
    expect(r.status).toBe(1);
    expect(r.err).toContain("stagewright: rdma-core must come from one source at one version, the image has:");
    expect(r.err).toContain("  libefa1 58.amzn0-1 (source rdma-core 58.amzn0-1)");
    expect(r.err).toContain("  libibverbs1 2507mlnx58-1.2507097 (source rdma-core 2507mlnx58-1.2507097)");
    expect(r.err).toContain("  fix: install every rdma-core package from one repository");
  });
  test("a package of the set built from another source fails", () => {
    const v = "50.0-2build2";
    const r = withPackages([row("libibverbs1", v), row("libefa1", "1.0", "efa-fork", "1.0")]);
    expect(r.status).toBe(1);
    expect(r.err).toContain("  libefa1 1.0 (source efa-fork 1.0)");
  });
  test("removed packages (config-files only) do not count", () => {
    const v = "50.0-2build2";
    const r = withPackages([row("libibverbs1", v), row("libefa1", "58.amzn0-1", "rdma-core", "58.amzn0-1", "rc ")]);
    expect(r.status).toBe(0);
  });
  test("no package of the set fails", () => {
    const r = withPackages([row("zlib1g", "1:1.3", "zlib")]);
    expect(r.status).toBe(1);
    expect(r.err).toContain("stagewright: no rdma-core package is installed; install every rdma-core package from one repository");
  });
});

describe("resolvedAssertion over ldd's output", () => {
  const dir = tempDir("stagewright-resolved-");
  const prefix = join(dir, "opt", "probe");
  mkdirSync(join(prefix, "lib"), { recursive: true });
  for (const f of ["libprobe.so.1", "libplugin.so"]) writeFileSync(join(prefix, "lib", f), "");
  const probe = artifact({ kind: "probe", producer: "probe-stage", version: "1.0", prefix, delivery: { type: "staged", dir: "/opt/stagewright/stage/probe" }, runtimeFiles: ["lib/libprobe.so.1", "lib/libplugin.so"] });
  const check = resolvedAssertion([probe], ["libcuda.so.1"]);
  // The fake ldd prints, for each file, the lines given for its base name (a missing file fails as ldd does).
  const withLdd = (lines: Record<string, string[]>) => {
    const bin = join(dir, `bin-${Math.random().toString(36).slice(2)}`);
    mkdirSync(bin);
    const cases = Object.entries(lines).map(([f, ls]) => `  */${f}) printf '%s\\n' ${ls.map((l) => `'${l}'`).join(" ")} ;;`).join("\n");
    writeFileSync(join(bin, "ldd"), `#!/bin/bash\n[ -e "$1" ] || { echo "ldd: $1: No such file or directory" >&2; exit 1; }\ncase "$1" in\n${cases}\n  *) ;;\nesac\n`);
    chmodSync(join(bin, "ldd"), 0o755);
    return bash(check, { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` });
  };
  const found = (so: string) => `\t${so} => /usr/lib/x86_64-linux-gnu/${so} (0x00007f0000000000)`;
  const missing = (so: string) => `\t${so} => not found`;

  test("is valid bash and shellcheck-clean, one check per runtime file", () => {
    parseShell(check);
    expect(shellcheck(check, "bash")).toEqual([]);
    expect(check.match(/^stagewright_resolved "/gm)).toHaveLength(2);
    expect(resolvedAssertion([artifact({ kind: "x", producer: "x", version: "1", prefix: "/opt/x", delivery: { type: "staged", dir: "/s" } })])).toBe("");
  });
  test("every shared object found passes", () => {
    const r = withLdd({ "libprobe.so.1": [found("libnuma.so.1"), found("libc.so.6")], "libplugin.so": [found("libprobe.so.1")] });
    expect(r.err).toBe("");
    expect(r.status).toBe(0);
  });
  test("a shared object not found fails, naming the file, its artifact, its stage and the fix", () => {
    const r = withLdd({ "libprobe.so.1": [found("libc.so.6")], "libplugin.so": [missing("libhwloc.so.15"), missing("libnuma.so.1"), found("libc.so.6")] });
    expect(r.status).toBe(1);
    expect(r.err).toBe(`stagewright: ${join(prefix, "lib", "libplugin.so")} (probe of stage probe-stage) needs libhwloc.so.15 libnuma.so.1, which the image does not have: add the distribution package that provides it to the runtimePackages of the probe artifact\n`);
  });
  test("a driver library the container runtime mounts at docker run is not required", () => {
    const r = withLdd({ "libprobe.so.1": [missing("libcuda.so.1"), found("libc.so.6")], "libplugin.so": [] });
    expect(r.status).toBe(0);
  });
  test("a runtime file ldd cannot read fails with ldd's message", () => {
    rmSync(join(prefix, "lib", "libplugin.so"));
    try {
      const r = withLdd({ "libprobe.so.1": [found("libc.so.6")] });
      expect(r.status).toBe(1);
      expect(r.err).toContain(`stagewright: cannot inspect ${join(prefix, "lib", "libplugin.so")}: ldd: ${join(prefix, "lib", "libplugin.so")}: No such file or directory`);
    } finally {
      writeFileSync(join(prefix, "lib", "libplugin.so"), "");
    }
  });
});
