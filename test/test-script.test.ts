/**
 * The in-image test script's EFA preflight runs for real (issue 11 item 6): with no EFA device it
 * stops at once with the docker run fix, before any check that could hang on libfabric's tcp
 * fallback (https://github.com/ai-dynamo/nixl/pull/2205); with devices but a limited memlock it
 * stops with the --ulimit fix; STAGEWRIGHT_SKIP_EFA=1 skips on purpose.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { alignedRecipe } from "../recipes/aligned.ts";
import { gpuHostRecipe } from "../recipes/gpu-host.ts";
import { companionFiles } from "../src/index.ts";
import { tempDir } from "./support/tmp.ts";

const script = companionFiles(alignedRecipe())["test-nixl-aligned.sh"]!;
const dir = tempDir("stagewright-testscript-");
const file = join(dir, "test.sh");
writeFileSync(file, script);

function run(env: Record<string, string>, memlock = "8192") {
  // ulimit -l can only be lowered without privileges; the preflight reads it in the same shell.
  const r = spawnSync("bash", ["--norc", "--noprofile", "-c", `ulimit -l ${memlock} 2>/dev/null || true; exec bash "$0"`, file], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    timeout: 30_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("test script EFA preflight", () => {
  test("no EFA device: exit 1 at once, with the docker run --device fix, before the other checks", () => {
    const r = run({ EFA_DEVICE_DIR: join(dir, "no-such-dir") });
    expect(r.status).toBe(1);
    expect(r.out).toContain(`FAIL EFA: no EFA device in ${join(dir, "no-such-dir")}; NIXL LIBFABRIC would fall back to tcp and can hang`);
    expect(r.out).toContain("fix: run the container with the EFA devices, e.g. docker run --device /dev/infiniband/uverbs0");
    expect(r.out).not.toContain("libfabric.so.1 exists");
    // Stopped before the other checks: the summary line counts the preflight alone.
    expect(r.out).toMatch(/\n0 passed, 1 failed, 0 skipped\n/);
  });
  test("a device but a limited memlock: exit 1 with the --ulimit memlock=-1 fix", () => {
    const devices = join(dir, "infiniband");
    mkdirSync(devices, { recursive: true });
    writeFileSync(join(devices, "uverbs0"), "");
    const r = run({ EFA_DEVICE_DIR: devices });
    expect(r.status).toBe(1);
    expect(r.out).toContain("FAIL EFA: the memlock limit is 8192 KiB, not unlimited");
    expect(r.out).toContain("fix: docker run --ulimit memlock=-1");
  });
  test("STAGEWRIGHT_SKIP_EFA=1 skips the EFA checks and runs the rest", () => {
    const r = run({ STAGEWRIGHT_SKIP_EFA: "1", EFA_DEVICE_DIR: join(dir, "no-such-dir") });
    expect(r.out).toContain("SKIP EFA: device and memlock checks (STAGEWRIGHT_SKIP_EFA=1)");
    expect(r.out).toContain("SKIP libfabric: fi_info -p efa (STAGEWRIGHT_SKIP_EFA=1)");
    // The other checks ran (and fail here, outside the image).
    expect(r.out).toMatch(/\d+ passed, \d+ failed, \d+ skipped/);
  });
});

describe("NIXL_PLUGIN_DIR: the test script checks what the final image sets", () => {
  const gpuHost = companionFiles(gpuHostRecipe())["test-gpu-host.sh"]!;
  const body = (text: string, title: string) => text.slice(text.indexOf(`check "${title}"`)).split("\nCHECK\n")[0]!;
  test("an image that sets it (aligned): the value is the plugin directory", () => {
    expect(body(script, "NIXL_PLUGIN_DIR points at the plugin directory")).toContain('test "${NIXL_PLUGIN_DIR:-}" = "${NIXL_PREFIX}/lib/${ARCH}-linux-gnu/plugins"');
    expect(script).not.toContain("NIXL_PLUGIN_DIR is unset");
  });
  test("an image that leaves it unset (gpu-host, omitEnv): unset is checked, and a value left over from elsewhere fails", () => {
    const title = "NIXL_PLUGIN_DIR is unset, as the image leaves it, and the installed nixl lists its plugins without it";
    expect(gpuHost).not.toContain("NIXL_PLUGIN_DIR points at the plugin directory");
    const lines = body(gpuHost, title).split("\n").slice(1);
    expect(lines.find((l) => l.includes("want = "))).toContain('want = ["UCX","UCX_MO","POSIX","LIBFABRIC"]');
    // Without torch (nixl._api imports it) the compiled bindings are imported instead: still fails closed here, where none is installed.
    const whole = spawnSync("bash", ["-euo", "pipefail", "-c", lines.join("\n")], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
    expect(whole.status).not.toBe(0);
    expect(`${whole.stdout}${whole.stderr}`).toContain("no torch in the image: nixl._api needs it, so the compiled bindings are imported instead of listing the plugins");
    expect(`${whole.stdout}${whole.stderr}`).toContain("stagewright: no nixl_cu* package is installed");
    // The unset test itself, both ways (the python line needs the installed wheel: a GPU-host run shows it, docs/build-truth.md).
    const runCheck = (env: Record<string, string>) => spawnSync("bash", ["-euo", "pipefail", "-c", lines[0]!], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } }).status;
    expect(runCheck({})).toBe(0);
    expect(runCheck({ NIXL_PLUGIN_DIR: "/usr/local/nixl/lib/x86_64-linux-gnu/plugins" })).toBe(1);
  });
});

describe("runtime environment of an image with aws-ofi-nccl (docs/sources.md issue 11 rows 6a-6e)", () => {
  const text = alignedRecipe().render();
  test("the tuner is named, NCCL_NET forbids the socket fallback, and NCCL's sockets avoid docker/lo/veth", () => {
    expect(text).toContain('ENV NCCL_TUNER_PLUGIN="${AWS_OFI_NCCL_PREFIX}/lib/libnccl-ofi-tuner.so"');
    expect(text).toContain('ENV NCCL_NET="AWS Libfabric"');
    expect(text).toContain('ENV NCCL_SOCKET_IFNAME="^docker,lo,veth"');
  });
  test("the tuner ENV names a file the aws-ofi-nccl artifact declares", () => {
    const ofi = alignedRecipe().final.needs.flatMap((n) => (n.artifact ? [n.artifact] : [])).find((a) => a.kind === "aws-ofi-nccl")!;
    expect(ofi.runtimeFiles).toContain("lib/libnccl-ofi-tuner.so");
  });
});

describe("torch installed but failing to import is a FAIL, not an image without torch", () => {
  // A python on PATH whose torch is found but raises on import, with the compiled bindings importable:
  // deciding "no torch" by a failed import passed the bindings check and skipped the torch checks.
  const root = tempDir("stagewright-brokentorch-");
  const site = join(root, "site");
  for (const d of ["torch", "nixl", "nixl_cu12", "bin"].map((n) => join(n === "bin" ? root : site, n))) mkdirSync(d, { recursive: true });
  writeFileSync(join(site, "torch", "__init__.py"), 'raise ImportError("libtorch_cuda.so: cannot open shared object file")\n');
  writeFileSync(join(site, "nixl", "__init__.py"), "import torch\n");
  writeFileSync(join(site, "nixl_cu12", "__init__.py"), "");
  writeFileSync(join(site, "nixl_cu12", "_bindings.py"), "");
  writeFileSync(join(root, "bin", "python"), '#!/bin/sh\nexec python3 "$@"\n', { mode: 0o755 });
  const r = run({ STAGEWRIGHT_SKIP_EFA: "1", PATH: `${join(root, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`, PYTHONPATH: site });
  test("the import nixl check runs and fails", () => {
    expect(r.out).toContain("FAIL python: import nixl and print its version");
    expect(r.out).not.toContain("python: the NIXL bindings import");
  });
  test("the torch NCCL check is not skipped as 'no torch in the image'", () => {
    expect(r.out).not.toContain("(no torch in the image)");
  });
});

describe("the NCCL check finds the base's libnccl.so.2 in a loader cache longer than a pipe buffer", () => {
  test("no SIGPIPE under pipefail: the lib= line succeeds and names the first entry", () => {
    const line = script.split("\n").find((l) => l.startsWith('lib="$(ldconfig -p'))!;
    expect(line).toBeDefined();
    const root = tempDir("stagewright-ncclcache-");
    mkdirSync(join(root, "bin"));
    // libnccl.so.2 first, then more than 64 KiB of other entries.
    writeFileSync(join(root, "bin", "ldconfig"), `#!/bin/bash\nprintf '\\tlibnccl.so.2 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnccl.so.2\\n'\nfor i in $(seq 3000); do printf '\\tlibzz-padding-%05d-of-a-long-loader-cache.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libzz-%05d.so.1\\n' "$i" "$i"; done\n`, { mode: 0o755 });
    const r = spawnSync("bash", ["--norc", "--noprofile", "-euo", "pipefail", "-c", `${line}\necho "$lib"`], { encoding: "utf8", env: { PATH: `${join(root, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}` } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("/usr/lib/x86_64-linux-gnu/libnccl.so.2\n");
  });
});
