/**
 * A throw-away root for building a host script for real: the Debian rootfs tarball that
 * scripts/setup-buildkit.sh makes, extracted into a private temp dir of this test run (the shared
 * tarball is only read). Host scripts run with `--root DIR` (chroot), so nothing reaches this
 * machine's /usr/local or /etc/ld.so.conf.d. Without root privileges the script runs in a user and
 * mount namespace (`unshare -rm`) with the machine's /dev bound into the root.
 *
 * Outside CI a machine without the tarball skips with one line naming the setup command; in CI it
 * never skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SETUP_COMMAND, buildkitHome, inCI } from './buildkit.ts';
import { tempDir } from './tmp.ts';

/** The rootfs tarball of scripts/setup-buildkit.sh (Debian minbase + gcc, libc6-dev, make). */
export function rootfsTarball(): string {
  const suite = process.env['STAGEWRIGHT_BASE_SUITE'] || 'bookworm';
  return join(buildkitHome(), 'base', `${suite}-minbase-gcc-libc6-dev-make.tar`);
}

/** Null when the tests must run; otherwise the one line to print when skipping them. */
export function rootfsSkipReason(): string | null {
  if (existsSync(rootfsTarball()) || inCI()) return null;
  return `no rootfs tarball at ${rootfsTarball()}; make it with: ${SETUP_COMMAND}`;
}

const privileged = typeof process.getuid === 'function' && process.getuid() === 0;

/** A fresh root extracted from the tarball, private to this test file (removed after it). */
export function makeRoot(): string {
  const tar = rootfsTarball();
  if (!existsSync(tar)) throw new Error(`${tar} is missing; make it with: ${SETUP_COMMAND}`);
  const root = join(tempDir('stagewright-root-'), 'root');
  mkdirSync(root);
  // Device nodes need privileges; unprivileged runs bind the machine's /dev instead.
  const args = ['-xf', tar, '-C', root, ...(privileged ? [] : ['--exclude=./dev/*'])];
  const r = spawnSync('tar', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar ${args.join(' ')} failed: ${r.stderr}`);
  return root;
}

/** The result of running a host script. */
export interface ScriptRun {
  readonly code: number;
  readonly output: string;
}

/**
 * Run `bash <script> --root <root> <args>`: directly as root, else in `unshare -rm` with /dev bound.
 * The child runs in its own process group and is killed by its PID on timeout (spawnSync).
 */
export function runInRoot(script: string, root: string, args: readonly string[], cwd: string): ScriptRun {
  const inner = ['bash', script, '--root', root, ...args];
  const cmd = privileged
    ? inner
    : ['unshare', '-rm', 'bash', '-c', 'mount --rbind /dev "$1/dev" && shift && exec "$@"', 'bind-dev', root, ...inner];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd, encoding: 'utf8', timeout: 300_000, maxBuffer: 32 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Run a command inside the root (chroot), the same way. */
export function inRoot(root: string, command: readonly string[]): ScriptRun {
  const cmd = privileged ? ['chroot', root, ...command] : ['unshare', '-r', 'chroot', root, ...command];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
