/**
 * `stagewright lock` against a local HTTP server on 127.0.0.1 that serves fixture files laid out as
 * a mirror (<mirror>/<host>/<path>): it fills and refreshes checksums, keeps the lock's comments,
 * and writes nothing when a download fails.
 */
import { tempDir } from "./support/tmp.ts";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lockCommand, parseLock, refreshLock } from "../src/index.ts";

const files: Record<string, string> = {
  "/github.com/example/lib/releases/download/v1.0.0/lib-1.0.0.tar.bz2": "pretend tarball 1.0.0\n",
  "/downloads.example.org/tool-2.tar.gz": "pretend tool 2\n",
};
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = files[req.url ?? ""];
    if (body === undefined) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const LOCK = `# a lock with a comment that must survive
sources:
  - id: lib-1.0.0
    version: v1.0.0
    url: https://github.com/example/lib/releases/download/v1.0.0/lib-1.0.0.tar.bz2
    sha256: null
    commit: null
    source: fixture
  - id: tool-2
    version: "2"
    url: https://downloads.example.org/tool-2.tar.gz
    sha256: "${"0".repeat(64)}"
    commit: null
    source: fixture
  - id: repo
    version: v1
    url: https://github.com/example/repo.git
    sha256: null
    commit: ${"a".repeat(40)}
    source: fixture
`;

function lockFile(text = LOCK): string {
  const f = join(tempDir("stagewright-lock-"), "sources.lock.yaml");
  writeFileSync(f, text);
  return f;
}

describe("refreshLock", () => {
  test("fills a missing sha256, corrects a wrong one, skips git sources, keeps comments", async () => {
    const f = lockFile();
    const results = await refreshLock({ file: f, only: [], baseUrl: base });
    expect(results).toEqual([
      { id: "lib-1.0.0", status: "added", sha256: sha(files["/github.com/example/lib/releases/download/v1.0.0/lib-1.0.0.tar.bz2"]!), previous: null },
      { id: "tool-2", status: "changed", sha256: sha(files["/downloads.example.org/tool-2.tar.gz"]!), previous: "0".repeat(64) },
      { id: "repo", status: "skipped", reason: "git source (pinned by commit)" },
    ]);
    const text = readFileSync(f, "utf8");
    expect(text.startsWith("# a lock with a comment that must survive\n")).toBe(true);
    const pins = parseLock(text, f);
    expect(pins.get("lib-1.0.0")!.sha256).toBe(sha(files["/github.com/example/lib/releases/download/v1.0.0/lib-1.0.0.tar.bz2"]!));
    expect(pins.get("repo")!.commit).toBe("a".repeat(40));
    const again = await refreshLock({ file: f, only: [], baseUrl: base });
    expect(again.map((r) => r.status)).toEqual(["unchanged", "unchanged", "skipped"]);
  });
  test("--only refreshes just the given ids", async () => {
    const f = lockFile();
    const results = await refreshLock({ file: f, only: ["tool-2"], baseUrl: base });
    expect(results.map((r) => r.id)).toEqual(["tool-2"]);
    expect(parseLock(readFileSync(f, "utf8"), f).get("lib-1.0.0")!.sha256).toBeNull();
  });
  test("a failed download writes nothing", async () => {
    const f = lockFile(LOCK.replace("tool-2.tar.gz", "tool-3.tar.gz"));
    const before = readFileSync(f, "utf8");
    await expect(refreshLock({ file: f, only: [], baseUrl: base })).rejects.toThrow(/downloading tool-2 from .* answered HTTP 404; nothing was written/);
    expect(readFileSync(f, "utf8")).toBe(before);
  });
  test("an unknown id is an error", async () => {
    await expect(refreshLock({ file: lockFile(), only: ["nope"], baseUrl: base })).rejects.toThrow("no source nope in");
  });
});

describe("the lock command", () => {
  test("prints one line per source and writes the lock", async () => {
    const f = lockFile();
    let out = "";
    const code = await lockCommand(f)(["--base-url", base, "--only", "lib-1.0.0"], { out: (t) => (out += t), err: () => undefined });
    expect(code).toBe(0);
    expect(out).toBe(`added     lib-1.0.0 ${sha(files["/github.com/example/lib/releases/download/v1.0.0/lib-1.0.0.tar.bz2"]!)}\n`);
  });
  test("a changed checksum exits 1 (someone must review why upstream changed)", async () => {
    const code = await lockCommand(lockFile())(["--base-url", base, "--only", "tool-2"], { out: () => undefined, err: () => undefined });
    expect(code).toBe(1);
  });
});
