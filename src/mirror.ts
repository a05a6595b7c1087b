/**
 * An offline source mirror: every download a recipe's steps make, laid out as
 * `<mirror>/<host>/<path>` (the layout SOURCE_MIRROR reads; paths URL-decoded) from local inputs,
 * so a build on a host without network reads it as `file://<mirror>`.
 *
 * What a recipe downloads is read from its stage IR (the `url=` and `repo=` lines that
 * fetchScript/downloadScript and gitCheckoutScript write, ARGs resolved to their defaults), plus the
 * `[wrap-file]` subprojects of a meson project whose step takes them from the mirror
 * (mesonWrapsFromMirror). Each is made from the inputs:
 * - a git repository: a small bare repository holding only the pinned commit and its tag (a
 *   shallow fetch), so the build's clone and commit check work unchanged;
 * - a GitHub tag archive: reproduced byte for byte with `git archive --prefix=<repo>-<version>/ |
 *   gzip -n` and checked against the pinned sha256;
 * - a release asset: reproduced the same way when the pinned sha256 says it is one (abseil's), else
 *   it cannot be made from git: give the file (`--file URL=PATH`), or make a substitute from a git
 *   tree (`--archive URL=GITDIR:REF[:SUBDIR[:PATH,...]]`: SUBDIR becomes the archive's root, PATHs
 *   keep only those) and pass its checksum (printed) to the build.
 * An explicit input wins: a given file, then a substitute (say, a header-only subset of a 55 MiB
 * archive), then a reproduction.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { stageArgs } from "./args-of.ts";
import { StagewrightError } from "./errors.ts";
import type { AnyStage } from "./stage.ts";

/** One download of a recipe: a file (checked by sha256) or a git repository (checked by commit). */
export interface Download {
  readonly stage: string;
  readonly kind: "file" | "git";
  readonly url: string;
  /** The pinned sha256 of a file, when the build checks one. */
  readonly sha256: string | null;
  /** The ARG that carries the sha256 (so a substitute's checksum can be passed), or the wrap's key. */
  readonly shaArg: string | null;
  /** A git source's ref (tag) and pinned commit. */
  readonly ref: string | null;
  readonly commit: string | null;
  /** For a meson wrap's archive: the directory it unpacks to (the archive's prefix). */
  readonly directory: string | null;
}

function resolveArgs(text: string, values: ReadonlyMap<string, string>, stage: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(#[^}]*)?\}/g, (_m, name: string, strip: string | undefined) => {
    const v = values.get(name);
    if (v === undefined) throw new StagewrightError("render", `stage ${stage}: a download reads \${${name}}, which the stage does not declare`, { stage });
    const cut = strip?.slice(1);
    return cut !== undefined && v.startsWith(cut) ? v.slice(cut.length) : v;
  });
}

/**
 * Every download the stages' steps make, ARGs resolved to their defaults, in stage order.
 *
 * @example
 * recipeDownloads(smokeRecipe().stages) // []
 */
export function recipeDownloads(stages: readonly AnyStage[]): Download[] {
  const out: Download[] = [];
  for (const s of stages) {
    const values = new Map(stageArgs(s).map((a) => [a.name, a.default] as const));
    for (const ins of s.steps) {
      if (ins.op !== "RUN") continue;
      const lines = ins.script.split("\n");
      lines.forEach((line, i) => {
        const file = /^\s*url="(https:\/\/[^"$]*(?:\$\{[^}]+\}[^"$]*)*)"$/.exec(line);
        if (file !== null) {
          const check = lines.slice(i).map((l) => /echo "\$\{([A-Za-z_][A-Za-z0-9_]*)\}  \S+" \| sha256sum -c -/.exec(l)).find((m) => m !== null);
          const shaArg = check?.[1] ?? null;
          const sha = shaArg === null ? null : values.get(shaArg) || null;
          out.push({ stage: s.name, kind: "file", url: resolveArgs(file[1]!, values, s.name), sha256: sha, shaArg, ref: null, commit: null, directory: null });
        }
        const git = /^\s*repo="(https:\/\/[^"]+)"$/.exec(line);
        if (git !== null) {
          const rest = lines.slice(i).join("\n");
          const commitArg = /checkout --quiet --detach "\$\{([A-Za-z_][A-Za-z0-9_]*)\}"/.exec(rest)?.[1];
          const refArg = /rev-parse "\$\{([A-Za-z_][A-Za-z0-9_]*)\}\^\{commit\}"/.exec(rest)?.[1];
          out.push({
            stage: s.name, kind: "git", url: resolveArgs(git[1]!, values, s.name), sha256: null, shaArg: null,
            ref: refArg === undefined ? null : values.get(refArg) ?? null,
            commit: commitArg === undefined ? null : values.get(commitArg) || null,
            directory: null,
          });
        }
      });
    }
  }
  return out;
}

/**
 * The stages whose steps take meson wrap subprojects from the mirror (mesonWrapsFromMirror): the
 * mirror also holds those wraps' archives.
 *
 * @example
 * mesonWrapStages(alignedRecipe().stages) // Set { "nixl" }
 */
export function mesonWrapStages(stages: readonly AnyStage[]): Set<string> {
  return new Set(stages.filter((s) => s.steps.some((i) => i.op === "RUN" && i.script.includes("subprojects/packagecache"))).map((s) => s.name));
}

/** Local inputs the mirror is made from. */
export interface MirrorInputs {
  /** Directories holding git repositories as `<owner>+<name>/repo`, `<owner>+<name>`, `<owner>/<name>.git` or `<owner>/<name>`. */
  readonly repoDirs: readonly string[];
  /** A repository for a URL's `owner/name`, by URL (`https://github.com/o/n.git` or any URL of that repository). */
  readonly git: ReadonlyMap<string, string>;
  /** Files given as they are, by URL. */
  readonly files: ReadonlyMap<string, string>;
  /** Substitutes made from a git tree (`GITDIR:REF[:SUBDIR]`), by URL. */
  readonly archives: ReadonlyMap<string, string>;
}

/** What happened to one download. */
export interface MirrorEntry {
  readonly url: string;
  readonly stage: string;
  readonly path: string;
  readonly status: "verified" | "git" | "copied" | "substituted" | "missing";
  /** For a substitute, or a copied file whose hash differs from the pin: what the build must be told. */
  readonly note: string;
  readonly sha256: string | null;
}

function git(args: readonly string[], cwd?: string): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 });
  if (r.status !== 0) throw new StagewrightError("mirror", `git ${args.join(" ")} failed: ${(r.stderr ?? "").trim().split("\n").at(-1) ?? ""}`);
  return r.stdout;
}

function gitBytes(args: readonly string[]): Buffer {
  const r = spawnSync("git", args, { maxBuffer: 1024 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  // A repository with objects missing (a partial or shallow snapshot) fails here: the user's input, so a sentence, not a trace.
  if (r.status !== 0) {
    const why = r.stderr.toString("utf8").trim().split("\n")[0] ?? "";
    throw new StagewrightError("mirror", `git ${args.join(" ")} failed: ${why}: the repository lacks objects of that tree (a partial or shallow copy); give a complete clone, or only the paths that are needed (--archive URL=GITDIR:REF:SUBDIR:PATH,...)`);
  }
  return r.stdout;
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * The mirror path of a URL: `<mirror>/<host>/<path>`, the path URL-decoded.
 *
 * @example
 * mirrorPath("/m", "https://github.com/o/n/archive/refs/tags/v1.tar.gz") // "/m/github.com/o/n/archive/refs/tags/v1.tar.gz"
 */
export function mirrorPath(mirror: string, url: string): string {
  const u = new URL(url);
  const path = decodeURIComponent(u.pathname);
  if (path.split("/").includes("..")) throw new StagewrightError("mirror", `${url}: the path climbs out of the mirror (..)`);
  return join(mirror, u.host, path);
}

function githubRepo(url: string): { owner: string; name: string } | null {
  const m = /^https:\/\/github\.com\/([^/]+)\/([^/]+?)(?:\.git)?(?:\/.*)?$/.exec(url);
  return m === null ? null : { owner: m[1]!, name: m[2]! };
}

function findRepo(url: string, inputs: MirrorInputs): string | null {
  const given = inputs.git.get(url);
  if (given !== undefined) return given;
  const gh = githubRepo(url);
  if (gh === null) return null;
  for (const [u, p] of inputs.git) {
    const other = githubRepo(u);
    if (other !== null && other.owner.toLowerCase() === gh.owner.toLowerCase() && other.name.toLowerCase() === gh.name.toLowerCase()) return p;
  }
  for (const dir of inputs.repoDirs) {
    for (const c of [`${gh.owner}+${gh.name}/repo`, `${gh.owner}+${gh.name}`, `${gh.owner}/${gh.name}.git`, `${gh.owner}/${gh.name}`]) {
      for (const cand of [join(dir, c), join(dir, c.toLowerCase())]) if (existsSync(join(cand, "HEAD")) || existsSync(join(cand, ".git"))) return cand;
    }
  }
  return null;
}

function writeFile(path: string, data: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.stagewright-tmp-${process.pid}`;
  writeFileSync(tmp, data);
  execFileSync("mv", ["-f", tmp, path]);
}

/** `git archive` of REF (or REF:SUBDIR) with a prefix, gzip -n (GitHub's tag archive bytes) or zip. */
function archiveOf(repo: string, treeish: string, prefix: string, format: "tar.gz" | "zip", paths: readonly string[] = []): Buffer {
  const { dir, ref } = asCommit(repo, treeish);
  try {
    const args = ["--git-dir", dir, "archive", `--format=${format === "zip" ? "zip" : "tar"}`, `--prefix=${prefix}`, ref, "--", ...paths];
    if (format === "zip") return gitBytes(args);
    return execFileSync("gzip", ["-n"], { input: gitBytes(args), maxBuffer: 1024 * 1024 * 1024 });
  } finally {
    if (dir !== gitDir(repo)) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `git archive` stamps a bare tree (REF:SUBDIR) with the current time, so the bytes would change
 * with every run: wrap such a tree in a commit dated like REF, in a scratch repository that borrows
 * the input's objects (the input is only read).
 */
function asCommit(repo: string, treeish: string): { dir: string; ref: string } {
  const at = treeish.indexOf(":");
  if (at < 0) return { dir: gitDir(repo), ref: treeish };
  const ref = treeish.slice(0, at);
  const tree = git(["--git-dir", gitDir(repo), "rev-parse", "--verify", treeish]).trim();
  const date = git(["--git-dir", gitDir(repo), "log", "-1", "--format=%cI", `${ref}^{commit}`]).trim();
  const dir = mkdtempSync(join(tmpdir(), "stagewright-mirror-"));
  git(["init", "--quiet", "--bare", dir]);
  writeFileSync(join(dir, "objects", "info", "alternates"), `${resolve(gitDir(repo), "objects")}\n`);
  const env = { ...process.env, GIT_AUTHOR_NAME: "stagewright", GIT_AUTHOR_EMAIL: "mirror@stagewright", GIT_COMMITTER_NAME: "stagewright", GIT_COMMITTER_EMAIL: "mirror@stagewright", GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  const r = spawnSync("git", ["--git-dir", dir, "commit-tree", tree, "-m", treeish], { encoding: "utf8", env });
  if (r.status !== 0) throw new StagewrightError("mirror", `git commit-tree for ${treeish} failed: ${(r.stderr ?? "").trim()}`);
  return { dir, ref: r.stdout.trim() };
}

function gitDir(repo: string): string {
  return existsSync(join(repo, ".git")) ? join(repo, ".git") : repo;
}

/** A small bare repository at `dest` holding only `commit` (and the tag `ref` when it names it). */
function shallowRepo(input: string, dest: string, ref: string | null, commit: string | null): string {
  const want = commit ?? ref;
  if (want === null) throw new StagewrightError("mirror", `${input}: neither a ref nor a commit to mirror`);
  const resolved = git(["--git-dir", gitDir(input), "rev-parse", "--verify", "--quiet", `${want}^{commit}`]).trim();
  if (commit !== null && ref !== null && ref !== commit) {
    const tagged = git(["--git-dir", gitDir(input), "rev-parse", `${ref}^{commit}`]).trim();
    if (tagged !== commit) throw new StagewrightError("mirror", `${input}: ${ref} is commit ${tagged}, not the pinned ${commit}; the build would refuse it`);
  }
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  git(["init", "--quiet", "--bare", dest]);
  const src = `file://${resolve(gitDir(input))}`;
  const isTag = ref !== null && ref !== commit && git(["--git-dir", gitDir(input), "tag", "--list", ref]).trim() === ref;
  const refspecs = isTag ? [`+refs/tags/${ref}:refs/tags/${ref}`] : [];
  git(["-C", dest, "-c", "protocol.file.allow=always", "fetch", "--quiet", "--depth", "1", "--no-tags", `--upload-pack=git -c uploadpack.allowAnySHA1InWant=true upload-pack`, src, ...refspecs, `${resolved}:refs/heads/main`]);
  git(["-C", dest, "symbolic-ref", "HEAD", "refs/heads/main"]);
  // No uploadpack.allowFilter: a filtered (blob:none) clone of a shallow repository loops on lazy
  // fetches; without it the build's clone warns that filtering is ignored and takes the one commit whole.
  git(["-C", dest, "update-server-info"]);
  return resolved;
}

interface WrapFile {
  readonly name: string;
  readonly directory: string;
  readonly keys: ReadonlyMap<string, string>;
}

function wrapsOf(repo: string, commit: string): WrapFile[] {
  const list = git(["--git-dir", gitDir(repo), "ls-tree", "--name-only", `${commit}:subprojects`]).split("\n").filter((f) => f.endsWith(".wrap"));
  const out: WrapFile[] = [];
  for (const f of list.sort()) {
    const text = git(["--git-dir", gitDir(repo), "show", `${commit}:subprojects/${f}`]);
    let section = "";
    const keys = new Map<string, string>();
    for (const line of text.split("\n")) {
      const sec = /^\[(.+)\]\s*$/.exec(line);
      if (sec !== null) section = sec[1]!;
      const kv = /^([a-z_]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (kv !== null && section === "wrap-file") keys.set(kv[1]!, kv[2]!);
    }
    if (keys.size > 0) out.push({ name: f, directory: keys.get("directory") ?? f.replace(/\.wrap$/, ""), keys });
  }
  return out;
}

/** The downloads of a meson project's `[wrap-file]` subprojects (source and patch archives). */
function wrapDownloads(stage: string, repo: string, commit: string): Download[] {
  return wrapsOf(repo, commit).flatMap((w) =>
    (["source", "patch"] as const).flatMap((kind) => {
      const url = w.keys.get(`${kind}_url`);
      if (url === undefined) return [];
      return [{ stage, kind: "file" as const, url, sha256: w.keys.get(`${kind}_hash`) ?? null, shaArg: `${w.keys.get(`${kind}_filename`) ?? ""}`, ref: null, commit: null, directory: w.directory }];
    }),
  );
}

/** Try to reproduce a GitHub tag archive or release asset from its repository. */
function reproduce(d: Download, inputs: MirrorInputs): Buffer | null {
  const gh = githubRepo(d.url);
  if (gh === null) return null;
  const repo = findRepo(d.url, inputs);
  if (repo === null) return null;
  const tagArchive = /\/archive\/(?:refs\/tags\/)?(.+)\.tar\.gz$/.exec(d.url);
  const release = /\/releases\/download\/([^/]+)\/(.+)\.tar\.gz$/.exec(d.url);
  const [tag, prefix] =
    tagArchive !== null ? [tagArchive[1]!, d.directory ?? `${gh.name}-${tagArchive[1]!.replace(/^v(?=\d)/, "")}`]
    : release !== null ? [release[1]!, d.directory ?? release[2]!]
    : [null, null];
  if (tag === null || prefix === null) return null;
  const r = spawnSync("git", ["--git-dir", gitDir(repo), "rev-parse", "--verify", "--quiet", `${tag}^{commit}`], { encoding: "utf8" });
  if (r.status !== 0) return null;
  return archiveOf(repo, tag, `${prefix}/`, "tar.gz");
}

/**
 * Lay out the mirror for the downloads (and the meson wraps of the git sources whose steps take
 * them from the mirror). Writes what it can; returns one entry per download, `missing` ones with
 * the input that would make them.
 *
 * @example
 * makeMirror(recipeDownloads(r.stages), { repoDirs: ["/srv/git"], git: new Map(), files: new Map(), archives: new Map() }, "/srv/mirror")
 */
export function makeMirror(downloads: readonly Download[], inputs: MirrorInputs, mirror: string, wrapStages: ReadonlySet<string> = new Set()): MirrorEntry[] {
  const out: MirrorEntry[] = [];
  const queue = [...downloads];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const d = queue.shift()!;
    if (seen.has(d.url)) continue;
    seen.add(d.url);
    const path = mirrorPath(mirror, d.url);
    const entry = (status: MirrorEntry["status"], note: string, sha: string | null) => out.push({ url: d.url, stage: d.stage, path, status, note, sha256: sha });
    if (d.kind === "git") {
      const repo = findRepo(d.url, inputs);
      if (repo === null) {
        entry("missing", `no git repository for it: pass --git ${d.url}=PATH or --repos DIR holding ${githubRepo(d.url)?.owner ?? "owner"}+${githubRepo(d.url)?.name ?? "name"}/repo`, null);
        continue;
      }
      const commit = shallowRepo(repo, path, d.ref, d.commit);
      entry("git", `${d.ref ?? ""} at ${commit}${d.commit === null ? " (NOT pinned by the recipe)" : ""}`, null);
      if (wrapStages.has(d.stage)) queue.push(...wrapDownloads(d.stage, repo, commit));
      continue;
    }
    const given = inputs.files.get(d.url);
    if (given !== undefined) {
      const data = readFileSync(given);
      const got = sha256(data);
      writeFile(path, data);
      if (d.sha256 !== null && got !== d.sha256) entry("substituted", `the given file's sha256 is ${got}, not the pinned ${d.sha256}: pass ${passHash(d, got)}`, got);
      else entry("copied", d.sha256 === null ? `no pinned sha256; its sha256 is ${got}` : "sha256 verified", got);
      continue;
    }
    const substitute = inputs.archives.get(d.url);
    if (substitute !== undefined) {
      const [repo, ref, sub, only] = substitute.split(":");
      if (repo === undefined || ref === undefined || ref === "") throw new StagewrightError("mirror", `--archive ${d.url}=${substitute}: give GITDIR:REF[:SUBDIR[:PATH,...]]`);
      const prefix = d.directory ?? basename(d.url).replace(/\.(tar\.gz|tgz|zip)$/, "");
      const zip = /\.zip$/.test(d.shaArg ?? "") || /\.zip$/.test(d.url);
      const tree = sub === undefined || sub === "" ? ref : `${ref}:${sub}`;
      const data = archiveOf(repo, tree, `${prefix}/`, zip ? "zip" : "tar.gz", only === undefined ? [] : only.split(","));
      writeFile(path, data);
      const got = sha256(data);
      entry("substituted", `substituted, as asked, from ${repo} ${ref}${sub === undefined ? "" : `:${sub}`} (sha256 ${got}${d.sha256 === null ? "" : `, not the pinned ${d.sha256}`}): pass ${passHash(d, got)}`, got);
      continue;
    }
    const made = reproduce(d, inputs);
    if (made !== null && (d.sha256 === null || sha256(made) === d.sha256)) {
      writeFile(path, made);
      entry("verified", d.sha256 === null ? `reproduced from git; no pinned sha256 to check (sha256 ${sha256(made)})` : "reproduced from git, sha256 verified", sha256(made));
      continue;
    }
    entry("missing", `cannot be made from a git repository${made !== null ? ` (git archive gives sha256 ${sha256(made)}, not the pinned ${d.sha256 ?? ""})` : ""}: pass --file ${d.url}=PATH, or --archive ${d.url}=GITDIR:REF[:SUBDIR] for a substitute`, null);
  }
  return out;
}

function basename(url: string): string {
  return decodeURIComponent(new URL(url).pathname).split("/").filter(Boolean).filter((p) => p !== "download").at(-1) ?? "file";
}

function passHash(d: Download, sha: string): string {
  if (d.directory !== null) return `${WRAP_HASHES_NOTE}${d.shaArg ?? ""}=${sha}`;
  return d.shaArg === null ? `the checksum ${sha} to the build` : `--arg ${d.shaArg}=${sha}`;
}

/** How a substituted meson wrap file's checksum is passed (an ARG of file=sha256 pairs). */
const WRAP_HASHES_NOTE = "in MESON_WRAP_SHA256S: ";

/**
 * The ARG values a build must be given for the substitutes, as NAME=VALUE lines (the host script's
 * `--arg` form; the mirror writes them to its build-args file).
 *
 * @example
 * mirrorBuildArgs(entries) // ["MESON_WRAP_SHA256S=asio-1.30.2.tar.gz=bc6f... asio_1.30.2-2_patch.zip=ad58..."]
 */
export function mirrorBuildArgs(entries: readonly MirrorEntry[]): string[] {
  const wraps = entries.filter((e) => e.status === "substituted" && e.note.includes(WRAP_HASHES_NOTE)).map((e) => e.note.slice(e.note.indexOf(WRAP_HASHES_NOTE) + WRAP_HASHES_NOTE.length));
  const args = entries.filter((e) => e.status === "substituted" && e.note.includes(": pass --arg ")).map((e) => e.note.slice(e.note.indexOf("--arg ") + "--arg ".length));
  return [...args, ...(wraps.length > 0 ? [`MESON_WRAP_SHA256S=${wraps.join(" ")}`] : [])];
}

/**
 * The mirror's report as text (one line per download), and the ARG values a build must be given for
 * substitutes, in the form the host script's `--arg` takes.
 *
 * @example
 * process.stdout.write(mirrorReport(entries))
 */
export function mirrorReport(entries: readonly MirrorEntry[], mirror: string): string {
  const lines = entries.map((e) => `${e.status.padEnd(11)} ${e.url} (stage ${e.stage})${e.note === "" ? "" : `: ${e.note}`}`);
  const pass = mirrorBuildArgs(entries).map((kv) => `--arg '${kv}'`);
  return [
    ...lines,
    "",
    `mirror: ${resolve(mirror)} (build with SOURCE_MIRROR=file://${resolve(mirror)})`,
    ...(pass.length > 0 ? [`substitutes: pass ${pass.join(" ")} (also in ${join(resolve(mirror), "build-args")}, one NAME=VALUE a line)`] : []),
    "",
  ].join("\n");
}
