/**
 * `stagewright lock`: download every pinned source (or some), compute its sha256, and write the
 * lock back, keeping its comments and order. On a machine with internet it fills or refreshes the
 * lock; with --base-url it reads from a mirror laid out as <mirror>/<host>/<path> (how the tests
 * run it, against a server on 127.0.0.1). Git sources and images are left alone (their pins are
 * commits and digests, checked by the build).
 */
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseDocument, isMap, isSeq } from "yaml";
import { parseLock } from "./sources.ts";
import { StagewrightError } from "./errors.ts";
import type { CliIo } from "./cli.ts";

/** Options of {@link refreshLock}. */
export interface LockOptions {
  readonly file: string;
  readonly only: readonly string[];
  /** A mirror laid out as <mirror>/<host>/<path>; default: the URLs themselves. */
  readonly baseUrl?: string;
  /** Injected for tests; default: global fetch. */
  readonly fetch?: typeof fetch;
}

/** What refreshing found for one source. */
export interface LockResult {
  readonly id: string;
  readonly status: "added" | "unchanged" | "changed" | "skipped";
  readonly sha256?: string;
  readonly previous?: string | null;
  readonly reason?: string;
}

/**
 * Download and hash the lock's https sources; returns one result per source and writes the lock
 * (only when every download succeeded).
 *
 * @example
 * await refreshLock({ file: "stages/sources.lock.yaml", only: [], baseUrl: "http://127.0.0.1:8080" })
 */
export async function refreshLock(o: LockOptions): Promise<LockResult[]> {
  const text = readFileSync(o.file, "utf8");
  const pins = parseLock(text, o.file);
  for (const id of o.only) if (!pins.has(id)) throw new StagewrightError("lock", `no source ${id} in ${o.file}; its ids: ${[...pins.keys()].join(", ")}`, { file: o.file });
  const doFetch = o.fetch ?? fetch;
  const results: LockResult[] = [];
  const hashes = new Map<string, string>();
  for (const pin of pins.values()) {
    if (o.only.length > 0 && !o.only.includes(pin.id)) continue;
    if (!pin.url.startsWith("https://") || pin.url.endsWith(".git")) {
      results.push({ id: pin.id, status: "skipped", reason: pin.url.endsWith(".git") ? "git source (pinned by commit)" : "not an https download" });
      continue;
    }
    const url = o.baseUrl === undefined ? pin.url : `${o.baseUrl.replace(/\/$/, "")}/${pin.url.slice("https://".length)}`;
    let res: Response;
    try {
      res = await doFetch(url);
    } catch (e) {
      throw new StagewrightError("lock", `cannot download ${pin.id} from ${url}: ${(e as Error).message}; check the network, or point --base-url at a mirror laid out as <mirror>/<host>/<path>; nothing was written`);
    }
    if (!res.ok) throw new StagewrightError("lock", `downloading ${pin.id} from ${url} answered HTTP ${res.status}; nothing was written`);
    const sha = createHash("sha256").update(Buffer.from(await res.arrayBuffer())).digest("hex");
    hashes.set(pin.id, sha);
    results.push({ id: pin.id, status: pin.sha256 === null ? "added" : pin.sha256 === sha ? "unchanged" : "changed", sha256: sha, previous: pin.sha256 });
  }
  const doc = parseDocument(text);
  const list = doc.get("sources");
  if (!isSeq(list)) throw new StagewrightError("lock", `${o.file}: expected a top-level "sources:" list`);
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const id = item.get("id");
    if (typeof id === "string" && hashes.has(id)) item.set("sha256", hashes.get(id));
  }
  const tmp = `${o.file}.stagewright-tmp-${process.pid}`;
  writeFileSync(tmp, doc.toString({ lineWidth: 0 }));
  parseLock(readFileSync(tmp, "utf8"), o.file);
  renameSync(tmp, o.file);
  return results;
}

/**
 * The `lock` command over a default lock file.
 *
 * @example
 * const command = lockCommand("stages/sources.lock.yaml")
 */
export function lockCommand(defaultFile: string) {
  return async (argv: readonly string[], io: CliIo): Promise<number> => {
    let file = defaultFile;
    let baseUrl: string | undefined;
    const only: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const v = argv[i + 1];
      if ((a === "--lock" || a === "--only" || a === "--base-url") && v === undefined) throw new StagewrightError("unknown-option", `${a} needs a value; see stagewright lock --help`);
      if (a === "--lock") file = v!;
      else if (a === "--only") only.push(v!);
      else if (a === "--base-url") baseUrl = v!;
      else throw new StagewrightError("unknown-option", `unknown argument ${a}; see stagewright lock --help`);
      i++;
    }
    const results = await refreshLock({ file, only, ...(baseUrl !== undefined ? { baseUrl } : {}) });
    for (const r of results) io.out(`${r.status.padEnd(9)} ${r.id}${r.sha256 !== undefined ? ` ${r.sha256}` : ""}${r.reason !== undefined ? ` (${r.reason})` : ""}${r.status === "changed" ? ` (was ${r.previous})` : ""}\n`);
    io.err(`wrote ${file}\n`);
    return results.some((r) => r.status === "changed") ? 1 : 0;
  };
}
