/**
 * Test-side access to the private BuildKit of scripts/setup-buildkit.sh (Debian sid dockerd +
 * buildx): find it, start it once (or reuse the one CI started), import the smoke base image, build
 * with `--progress=plain` and `--network=host`, parse which steps ran and which came from cache,
 * run `check` and `docker buildx bake`, and stop the daemon again if this process started it.
 *
 * Outside CI a machine without the builder skips the real-build tests with one line naming
 * {@link SETUP_COMMAND}; with CI set they never skip (startBuilder throws).
 * docs/build-truth.md says what these builds prove.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The one command that sets the builder up (sid .debs + the smoke base rootfs). */
export const SETUP_COMMAND = 'bash scripts/setup-buildkit.sh setup';

const SCRIPT = join(REPO, 'scripts', 'setup-buildkit.sh');

/** The shared cache of scripts/setup-buildkit.sh (sid binaries, smoke base tarball); the daemon state is per checkout. */
export function buildkitHome(): string {
  return process.env['STAGEWRIGHT_BUILDKIT_HOME'] || '/tmp/stagewright-buildkit';
}

/** CI is set (and not "", "0" or "false"), as test/support/checkers.ts reads it. */
export function inCI(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** What `setup` leaves behind and the tests need; an empty list means the builder is installed. */
export function missingBuilderParts(): string[] {
  const home = buildkitHome();
  const suite = process.env['STAGEWRIGHT_BASE_SUITE'] || 'bookworm';
  const parts: [string, string][] = [
    ['dockerd', join(home, 'sid-root/usr/sbin/dockerd')],
    ['docker CLI', join(home, 'sid-root/usr/bin/docker')],
    ['docker-buildx', join(home, 'sid-root/usr/libexec/docker/cli-plugins/docker-buildx')],
    ['smoke base rootfs', join(home, `base/${suite}-minbase-gcc-libc6-dev-make.tar`)],
  ];
  return parts.filter(([, path]) => !existsSync(path)).map(([what]) => what);
}

/**
 * Null when the real-build tests must run (builder installed, or CI set); otherwise the one line
 * to print when skipping them.
 */
export function builderSkipReason(): string | null {
  const missing = missingBuilderParts();
  if (missing.length === 0 || inCI()) return null;
  return `no BuildKit builder (${missing.join(', ')} missing in ${buildkitHome()}); set it up with: ${SETUP_COMMAND}`;
}

/** The output of a command. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr, stdout first. */
  readonly output: string;
  readonly seconds: number;
}

function runCommand(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string): CommandResult {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: REPO, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 600_000, ...(input !== undefined ? { input } : {}) });
  if (r.error) throw r.error;
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  return { code: r.status ?? 1, stdout, stderr, output: stdout + stderr, seconds: (performance.now() - t0) / 1000 };
}

function script(...args: string[]): CommandResult {
  return runCommand('bash', [SCRIPT, ...args], process.env);
}

/** One numbered step of a build, as `--progress=plain` reports it. */
export interface ProgressStep {
  /** The vertex number (`#12`). */
  readonly id: number;
  readonly stage: string;
  /** 1-based position in the stage; BuildKit counts FROM as step 1. */
  readonly index: number;
  readonly total: number;
  /** The instruction as BuildKit prints it (`RUN <<'EOF' (set -euo pipefail...)`). */
  readonly instruction: string;
  /** "executed" when BuildKit ran it (DONE), "cached" (CACHED), "error" (ERROR), else "unknown". */
  readonly status: 'executed' | 'cached' | 'error' | 'unknown';
  /** The DONE time, when BuildKit printed one. */
  readonly seconds: number | null;
}

const HEADER = /^#(\d+) \[([^\]\s]+) (\d+)\/(\d+)\] (.*)$/;
const STATUS = /^#(\d+) (CACHED|DONE (\d+(?:\.\d+)?)s|ERROR\b.*|CANCELED)\s*$/;

/**
 * The numbered steps of a `docker build --progress=plain` log, in stage order. A vertex is printed
 * again whenever its output resumes; its last status line wins. `[internal]` vertices and the
 * export are not numbered steps and are left out.
 *
 * @example
 * parsePlainProgress('#7 [greet 2/2] RUN make\n#7 CACHED\n') // [{ id: 7, stage: "greet", index: 2, total: 2, instruction: "RUN make", status: "cached", seconds: null }]
 */
export function parsePlainProgress(log: string): ProgressStep[] {
  const headers = new Map<number, { stage: string; index: number; total: number; instruction: string }>();
  const status = new Map<number, { status: ProgressStep['status']; seconds: number | null }>();
  for (const line of log.split(/\r?\n/)) {
    const h = HEADER.exec(line);
    if (h) {
      const id = Number(h[1]);
      if (!headers.has(id)) headers.set(id, { stage: h[2]!, index: Number(h[3]), total: Number(h[4]), instruction: h[5]! });
      continue;
    }
    const s = STATUS.exec(line);
    if (s) {
      const word = s[2]!;
      const st: ProgressStep['status'] = word === 'CACHED' ? 'cached' : word.startsWith('DONE') ? 'executed' : word.startsWith('ERROR') ? 'error' : 'unknown';
      status.set(Number(s[1]), { status: st, seconds: s[3] !== undefined ? Number(s[3]) : null });
    }
  }
  const steps = [...headers.entries()].map(([id, h]) => ({ id, ...h, ...(status.get(id) ?? { status: 'unknown' as const, seconds: null }) }));
  return steps.sort((a, b) => (a.stage === b.stage ? a.index - b.index : a.id - b.id));
}

/** The steps that count for cache impact: every numbered step but FROM (loading the base image is no build step). */
export function buildSteps(steps: readonly ProgressStep[]): ProgressStep[] {
  return steps.filter((s) => !/^FROM\s/i.test(s.instruction));
}

/**
 * Per stage, how many build steps ran and how many came from cache, and how many it has. BuildKit
 * numbers a stage's steps `[stage i/n]`; n counts FROM only for a stage FROM an image.
 */
export function stageSummary(steps: readonly ProgressStep[]): Map<string, { executed: number; cached: number; total: number }> {
  const out = new Map<string, { executed: number; cached: number; total: number }>();
  const fromImage = new Set(steps.filter((s) => /^FROM\s/i.test(s.instruction)).map((s) => s.stage));
  for (const s of buildSteps(steps)) {
    const e = out.get(s.stage) ?? { executed: 0, cached: 0, total: fromImage.has(s.stage) ? s.total - 1 : s.total };
    if (s.status === 'executed' || s.status === 'error') e.executed++;
    if (s.status === 'cached') e.cached++;
    out.set(s.stage, e);
  }
  return out;
}

/** A Dockerfile without its `# syntax=` parser directive (BuildKit would pull that frontend image; there is no registry here). */
export function withoutSyntaxDirective(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!/^#\s*[A-Za-z]+\s*=/.test(line)) break;
    if (/^#\s*syntax\s*=/i.test(line)) lines[i] = '#';
  }
  return lines.join('\n');
}

/** The result of one build. */
export interface BuildResult extends CommandResult {
  readonly ok: boolean;
  readonly steps: ProgressStep[];
}

/** Options of {@link Builder.build}. */
export interface BuildOptions {
  /** The Dockerfile text (a `# syntax=` line is blanked). */
  readonly dockerfile: string;
  /** The build context, relative to the repository root. */
  readonly context: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly tag?: string;
  /** `--platform` (one platform: the docker driver builds one per call). */
  readonly platform?: string;
  /** `--target`. */
  readonly target?: string;
  /** `--output` (e.g. `type=local,dest=DIR` to read the result's files on the host). */
  readonly output?: string;
}

/** A running builder. */
export interface Builder {
  /** Whether this process started dockerd (and so stops it in {@link Builder.stop}). */
  readonly startedHere: boolean;
  /** Seconds spent in start + base import. */
  readonly setupSeconds: number;
  /** `docker <args>` against the private daemon; `env` adds variables (a bake file's, for `docker buildx bake`). */
  docker(args: readonly string[], env?: Readonly<Record<string, string>>): CommandResult;
  /** `docker build --network=host --progress=plain ...`, parsed. */
  build(options: BuildOptions): BuildResult;
  /** `docker run --rm --network=host <image> <command...>`. */
  run(image: string, command: readonly string[]): CommandResult;
  /** `scripts/setup-buildkit.sh check [--platform P]... [--build-arg K=V]... <files>`. */
  check(files: readonly string[], buildArgs?: Readonly<Record<string, string>>, platforms?: readonly string[]): CommandResult;
  /** Drop the build cache, so the next build is a full one. */
  pruneCache(): void;
  /** Stop dockerd if this process started it (by its PID, through the script). */
  stop(): void;
}

/** The client environment of this checkout's daemon, as the script computes it (`setup-buildkit.sh env`). */
function dockerEnv(): { env: NodeJS.ProcessEnv; docker: string } {
  const r = script('env');
  if (r.code !== 0) throw new Error(`scripts/setup-buildkit.sh env failed:\n${r.output}`);
  const vars = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: vars['DOCKER_CONFIG'], DOCKER_HOST: vars['DOCKER_HOST'] };
  for (const k of ['DOCKER_CONTEXT', 'DOCKER_BUILDKIT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete env[k];
  return { env, docker: vars['DOCKER']! };
}

/**
 * Reuse the running dockerd or start one, then import the smoke base image. Throws when the
 * builder is not installed (the caller has already skipped outside CI) or does not come up.
 */
export function startBuilder(): Builder {
  const missing = missingBuilderParts();
  if (missing.length > 0) {
    throw new Error(`the real-build tests need the BuildKit builder (${missing.join(', ')} missing in ${buildkitHome()})${inCI() ? ' and never skip in CI' : ''}; run: ${SETUP_COMMAND}`);
  }
  const t0 = performance.now();
  let startedHere = false;
  if (script('status').code !== 0) {
    const started = script('start');
    if (started.code !== 0) throw new Error(`scripts/setup-buildkit.sh start failed:\n${started.output}`);
    startedHere = true;
  }
  const base = script('base');
  if (base.code !== 0) {
    if (startedHere) script('stop');
    throw new Error(`scripts/setup-buildkit.sh base failed:\n${base.output}`);
  }
  const setupSeconds = (performance.now() - t0) / 1000;
  const { env, docker } = dockerEnv();
  let stopped = false;
  return {
    startedHere,
    setupSeconds,
    docker: (args, extra = {}) => runCommand(docker, args, { ...env, ...extra }),
    build(o) {
      const dir = mkdtempSync(join(tmpdir(), 'stagewright-build-'));
      try {
        const file = join(dir, 'Dockerfile');
        writeFileSync(file, withoutSyntaxDirective(o.dockerfile));
        const args = ['build', '--network=host', '--progress=plain', '-f', file];
        for (const [k, v] of Object.entries(o.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
        if (o.tag !== undefined) args.push('-t', o.tag);
        if (o.platform !== undefined) args.push('--platform', o.platform);
        if (o.target !== undefined) args.push('--target', o.target);
        if (o.output !== undefined) args.push('--output', o.output);
        args.push(join(REPO, o.context));
        const r = runCommand(docker, args, env);
        return { ...r, ok: r.code === 0, steps: parsePlainProgress(r.output) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    run: (image, command) => runCommand(docker, ['run', '--rm', '--network=host', image, ...command], env),
    check(files, buildArgs = {}, platforms = []) {
      const args = ['check', ...platforms.flatMap((p) => ['--platform', p]), ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]), ...files];
      return script(...args);
    },
    pruneCache() {
      const r = runCommand(docker, ['builder', 'prune', '--all', '--force'], env);
      if (r.code !== 0) throw new Error(`docker builder prune failed:\n${r.output}`);
    },
    stop() {
      if (stopped || !startedHere) return;
      stopped = true;
      const r = script('stop');
      if (r.code !== 0) throw new Error(`scripts/setup-buildkit.sh stop failed:\n${r.output}`);
    },
  };
}
