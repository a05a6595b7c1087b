/**
 * The real-build harness is private to each checkout: two checkouts (two copies of
 * scripts/setup-buildkit.sh, as two clones have) start, build on and stop their own dockerd at the
 * same time; a start never replaces a live daemon or deletes its pid file, and `stop` finds its
 * daemon by its command line when the pid file is gone. Every daemon started here is stopped by its
 * PID (through the script) and its state removed.
 *
 * Outside CI a machine without the builder skips this file with one line naming the setup command.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { REPO, builderSkipReason } from "../support/buildkit.ts";
import { tempDir } from "../support/tmp.ts";

const SKIP = builderSkipReason();
if (SKIP !== null) console.warn(`test/build/harness: skipping: ${SKIP}`);

interface Clone {
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
}

function sh(script: string, ...args: string[]) {
  const r = spawnSync("bash", [script, ...args], { encoding: "utf8", timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** Run the script in several clones at once. */
function together(clones: readonly Clone[], ...args: string[]): Promise<{ code: number | null; out: string }[]> {
  return Promise.all(
    clones.map(
      (c) =>
        new Promise<{ code: number | null; out: string }>((done) => {
          const p = spawn("bash", [c.script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
          let out = "";
          p.stdout.on("data", (d: Buffer) => (out += d.toString()));
          p.stderr.on("data", (d: Buffer) => (out += d.toString()));
          p.on("close", (code) => done({ code, out }));
        }),
    ),
  );
}

/** The pid of the clone's dockerd, from `status` (which finds it also without a pid file). */
function pidOf(c: Clone): number | null {
  const m = /dockerd running, pid (\d+)/.exec(sh(c.script, "status").out);
  return m ? Number(m[1]) : null;
}
const alive = (pid: number) => existsSync(`/proc/${pid}`);

describe.skipIf(SKIP !== null)("the harness: one daemon per checkout", () => {
  const clones: Clone[] = [];

  beforeAll(() => {
    const root = tempDir("stagewright-clones-");
    for (const name of ["a", "b"]) {
      const dir = join(root, name, "scripts");
      mkdirSync(dir, { recursive: true });
      const script = join(dir, "setup-buildkit.sh");
      copyFileSync(join(REPO, "scripts", "setup-buildkit.sh"), script);
      const env = Object.fromEntries(sh(script, "env").stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
      clones.push({ script, env });
    }
  });

  afterAll(() => {
    for (const c of clones) {
      sh(c.script, "stop");
      if (c.env["STATE"]?.startsWith("/tmp/stagewright-buildkit-")) rmSync(c.env["STATE"], { recursive: true, force: true });
    }
  }, 600_000);

  test("two checkouts get their own state: socket, pid file, docker config", () => {
    const [a, b] = clones as [Clone, Clone];
    expect(a.env["STATE"]).not.toBe(b.env["STATE"]);
    expect(a.env["DOCKER_HOST"]).not.toBe(b.env["DOCKER_HOST"]);
    expect(a.env["DOCKER_CONFIG"]).not.toBe(b.env["DOCKER_CONFIG"]);
    expect(a.env["DOCKER"]).toBe(b.env["DOCKER"]); // the cached sid binaries are shared
  });

  test("started, built on and stopped at the same time, each by its own PID", async () => {
    const started = await together(clones, "start");
    for (const s of started) expect(s.code, s.out).toBe(0);
    const pids = clones.map(pidOf);
    expect(pids[0]).not.toBeNull();
    expect(pids[1]).not.toBeNull();
    expect(pids[0]).not.toBe(pids[1]);

    // A build on each at once (FROM scratch: no image needed).
    const builds = await Promise.all(
      clones.map((c, i) => {
        const ctx = tempDir("stagewright-ctx-");
        writeFileSync(join(ctx, "hello"), `clone ${i}\n`);
        writeFileSync(join(ctx, "Dockerfile"), "FROM scratch\nCOPY hello /hello\n");
        return new Promise<{ code: number | null; out: string }>((done) => {
          const p = spawn(c.env["DOCKER"]!, ["build", "--progress=plain", "-t", `stagewright-harness:${i}`, ctx], {
            env: { ...process.env, DOCKER_HOST: c.env["DOCKER_HOST"], DOCKER_CONFIG: c.env["DOCKER_CONFIG"] },
            stdio: ["ignore", "pipe", "pipe"],
          });
          let out = "";
          p.stdout.on("data", (d: Buffer) => (out += d.toString()));
          p.stderr.on("data", (d: Buffer) => (out += d.toString()));
          p.on("close", (code) => done({ code, out }));
        });
      }),
    );
    for (const b of builds) expect(b.code, b.out.slice(-2000)).toBe(0);

    // A second start of a running checkout (even two at once) reuses its daemon and keeps its pid file.
    const again = await together([clones[0]!, clones[0]!], "start");
    for (const s of again) expect(s.code, s.out).toBe(0);
    expect(pidOf(clones[0]!)).toBe(pids[0]);
    expect(existsSync(clones[0]!.env["PIDFILE"]!)).toBe(true);

    // With its pid file gone, stop still finds and stops its own daemon, and only that one.
    rmSync(clones[0]!.env["PIDFILE"]!);
    expect(sh(clones[0]!.script, "stop").code).toBe(0);
    expect(alive(pids[0]!)).toBe(false);
    expect(alive(pids[1]!)).toBe(true);

    expect(sh(clones[1]!.script, "stop").code).toBe(0);
    expect(alive(pids[1]!)).toBe(false);
    for (const c of clones) expect(pidOf(c)).toBeNull();
  }, 600_000);
});
