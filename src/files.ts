/**
 * Writing output files the way a user's mistake should end: every file-system failure is one
 * StagewrightError line naming the path and the cause (never a Node stack trace), nothing hangs,
 * and a file is replaced atomically (written to a temporary sibling, then renamed) so a refusal or
 * a crash never leaves a partial or empty file behind.
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { StagewrightError } from "./errors.ts";

const CAUSES: Readonly<Record<string, string>> = {
  ENOTDIR: "a part of the path is a file, not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EEXIST: "it already exists and is not a directory",
  EISDIR: "it is a directory",
  ENOENT: "the file system refuses to create it there",
  ENAMETOOLONG: "the name is too long",
  EDQUOT: "disk quota exceeded",
};

/**
 * The one-line StagewrightError for a failed file-system call on `path`.
 *
 * @example
 * fileError(err, "out/Dockerfile", "write").message // "cannot write out/Dockerfile: permission denied (EACCES)"
 */
export function fileError(e: unknown, path: string, action: string): StagewrightError {
  const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
  const cause = code === undefined ? (e instanceof Error ? e.message : String(e)) : `${CAUSES[code] ?? "failed"} (${code})`;
  return new StagewrightError("file", `cannot ${action} ${path}: ${cause}`, { file: path });
}

function kindOf(path: string): "dir" | "other" | "missing" {
  try {
    return statSync(path).isDirectory() ? "dir" : "other";
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    // ENOTDIR: an ancestor is a file; the walk up finds it and names it.
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw fileError(e, path, "reach");
  }
}

/**
 * `mkdir -p` that fails in one line instead of spinning: Node's recursive mkdirSync loops forever
 * where the kernel answers ENOENT for a directory whose parent exists (/proc), so each missing
 * directory is created on its own, from the nearest existing ancestor down.
 *
 * @example
 * ensureDir("out/aligned")
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  // Walk the path as given, so the message names what the user typed (README.md, not /abs/README.md).
  let at = dir;
  for (;;) {
    const kind = kindOf(at);
    if (kind === "dir") break;
    if (kind === "other") throw new StagewrightError("file", `cannot create directory ${dir}: ${at} is a file, not a directory`, { file: dir });
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      throw fileError(e, d, "create directory");
    }
  }
}

/**
 * Write `text` to `path` atomically: its directory is created, the text goes to a temporary file
 * beside it, which is then renamed over `path`.
 *
 * @example
 * writeFileAtomic("Dockerfile", recipe.render())
 */
export function writeFileAtomic(path: string, text: string, mode = 0o644): void {
  if (kindOf(path) === "dir") throw new StagewrightError("file", `cannot write ${path}: it is a directory; give a file name`, { file: path });
  ensureDir(dirname(path));
  const tmp = `${path}.stagewright-tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw fileError(e, path, "write");
  }
}
