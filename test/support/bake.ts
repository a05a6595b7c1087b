/**
 * Test-side access to `docker buildx bake --print` and to what the generated build script passes:
 * the buildx binary that scripts/setup-buildkit.sh unpacks (run standalone, with no daemon — the
 * environment names a socket that does not exist, so a bake that wanted one would fail), the
 * Dockerfile's ARG defaults (dockerfile-ast), and the build script's `--dry-run` command, unquoted.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DockerfileParser } from "dockerfile-ast";
import { buildkitHome, inCI, SETUP_COMMAND } from "./buildkit.ts";

/** The buildx binary of the prepared builder state. */
export function buildxPath(): string {
  return join(buildkitHome(), "sid-root/usr/libexec/docker/cli-plugins/docker-buildx");
}

/** Null when the bake tests must run (buildx unpacked, or CI set); else the one line to print. */
export function bakeSkipReason(): string | null {
  if (existsSync(buildxPath()) || inCI()) return null;
  return `no docker-buildx at ${buildxPath()}; set it up with: ${SETUP_COMMAND}`;
}

/** What `docker buildx bake --print` resolved, per target. */
export interface BakePrint {
  readonly group: Record<string, { targets: string[] }>;
  readonly target: Record<string, {
    context: string;
    dockerfile: string;
    target?: string;
    args?: Record<string, string>;
    platforms?: string[];
    tags?: string[];
    contexts?: Record<string, string>;
    "cache-from"?: Record<string, string>[];
    "cache-to"?: Record<string, string>[];
  }>;
}

/** The result of one bake run: the parsed print on success, the error text otherwise. */
export interface BakeResult {
  readonly code: number;
  readonly print: BakePrint | null;
  readonly stderr: string;
}

/**
 * `docker buildx bake --print <targets>` in `dir`, with only `env` (and PATH) in the environment:
 * a variable the test does not set keeps its default.
 */
export function bakePrint(dir: string, targets: readonly string[], env: Readonly<Record<string, string>> = {}): BakeResult {
  const home = mkdtempSync(join(tmpdir(), "stagewright-bake-"));
  try {
    const r = spawnSync(buildxPath(), ["bake", "--print", "--progress=quiet", ...targets], {
      cwd: dir,
      encoding: "utf8",
      timeout: 60_000,
      env: { PATH: "/usr/bin:/bin", HOME: home, DOCKER_CONFIG: join(home, "docker"), DOCKER_HOST: `unix://${join(home, "no-daemon.sock")}`, ...env },
    });
    if (r.error) throw r.error;
    const code = r.status ?? 1;
    return { code, print: code === 0 ? (JSON.parse(r.stdout) as BakePrint) : null, stderr: r.stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Every ARG default a Dockerfile declares (`ARG NAME=value`, quotes removed), by name.
 *
 * @example
 * dockerfileArgDefaults('ARG A="x y"\nFROM scratch') // { A: "x y" }
 */
export function dockerfileArgDefaults(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of DockerfileParser.parse(text).getInstructions()) {
    if (i.getKeyword() !== "ARG") continue;
    const p = (i as unknown as { getProperty(): { getName(): string; getValue(): string | null } | null }).getProperty();
    if (p !== null && p.getValue() !== null && !(p.getName() in out)) out[p.getName()] = p.getValue()!;
  }
  return out;
}

/** The words of a `printf '%q '` line (bash's backslash quoting), unquoted. */
export function unquoteWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (c === "'" && (word === null || word === "")) {
      const end = line.indexOf("'", i + 1);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === " " || c === "\n") {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? "") + c;
  }
  if (word !== null) words.push(word);
  return words;
}

/** What a build script's `--dry-run` would run: its build args, target, tag, platform and file. */
export interface ScriptBuild {
  readonly code: number;
  readonly stderr: string;
  readonly args: Record<string, string>;
  readonly target: string | undefined;
  readonly tag: string | undefined;
  readonly platform: string | undefined;
  readonly file: string | undefined;
}

/**
 * Run `bash <script> --dry-run <options>` and read the docker command it prints.
 *
 * @example
 * scriptBuild("generated/nixl-aligned/build-nixl-aligned.sh", ["--ucx-version", "v1.19.0"]).args // { UCX_VERSION: "v1.19.0" }
 */
export function scriptBuild(script: string, options: readonly string[]): ScriptBuild {
  const r = spawnSync("bash", [script, "--dry-run", ...options], { encoding: "utf8", timeout: 30_000 });
  if (r.error) throw r.error;
  const words = unquoteWords(r.stdout.trim());
  const args: Record<string, string> = {};
  const flag = (name: string) => {
    const i = words.indexOf(name);
    return i < 0 ? undefined : words[i + 1];
  };
  words.forEach((w, i) => {
    if (w !== "--build-arg") return;
    const kv = words[i + 1]!;
    const eq = kv.indexOf("=");
    args[kv.slice(0, eq)] = kv.slice(eq + 1);
  });
  return { code: r.status ?? 1, stderr: r.stderr, args, target: flag("--target"), tag: flag("--tag"), platform: flag("--platform"), file: flag("--file") };
}
