/**
 * Test-side checkers for generated Dockerfiles and shell scripts.
 *
 * Everything here runs offline and needs no Docker daemon:
 *   - dockerfile-utils `validate()`  grammar: instruction names, flags, argument counts, casing, ...
 *   - dockerfile-ast                 structure: stages, RUN bodies (shell form and heredocs), SHELL
 *   - mvdan-sh                       a real shell parser (POSIX or bash) on every RUN body
 *   - shellcheck (Debian binary)     lint of every RUN body at severity "warning" and above
 *
 * See docs/checkers.md for what each checker catches and what it does not
 * (BuildKit's `docker build --check` lives in scripts/setup-buildkit.sh).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Arg, DockerfileParser, Env, From, Run } from 'dockerfile-ast';
import type { Dockerfile, Heredoc, Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

// ---------------------------------------------------------------------------------------------
// dockerfile-utils

/** An LSP diagnostic as returned by dockerfile-utils `validate()` (0-based range). */
export type Diagnostic = ReturnType<typeof validate>[number];

const SEVERITY_NAMES: Record<number, string> = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };

/** dockerfile-utils `validate()` with its default settings: every diagnostic, any severity. */
export function validateDockerfile(text: string): Diagnostic[] {
  return validate(text);
}

/** One diagnostic per line, as `<line>: <message>` (1-based line), for assertion messages. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// structure

export interface FlagInfo {
  name: string;
  value: string | null;
}
export interface InstructionInfo {
  keyword: string;
  /** `--name=value` flags in source order (a RUN can have several `--mount`). */
  flags: FlagInfo[];
  /** Whitespace-split arguments after the flags, as dockerfile-ast reports them. */
  args: string[];
  /** 1-based line of the instruction. */
  line: number;
}
export interface StageInfo {
  /** `AS <name>` as written, or null for an unnamed stage. */
  name: string | null;
  /** The FROM image text as written (`${BASE_IMAGE}`, `base`, `debian:bookworm`). */
  from: string;
  /** Names of the ARGs this stage declares (ARGs are not inherited, so this is the stage's scope). */
  args: string[];
  /** The stage's instructions after its FROM. */
  instructions: InstructionInfo[];
  /** 1-based line of the FROM. */
  line: number;
}

/** Stages of a Dockerfile via dockerfile-ast. Instructions before the first FROM are not included. */
export function stagesOf(text: string): StageInfo[] {
  const df = DockerfileParser.parse(text);
  const stages: StageInfo[] = [];
  for (const ins of df.getInstructions()) {
    if (ins instanceof From) {
      stages.push({ name: ins.getBuildStage(), from: ins.getImage() ?? '', args: [], instructions: [], line: lineOf(ins) });
      continue;
    }
    const current = stages[stages.length - 1];
    if (!current) continue;
    current.instructions.push({ keyword: ins.getKeyword(), flags: flagsOf(ins), args: ins.getArguments().map((a) => a.getValue()), line: lineOf(ins) });
    if (ins instanceof Arg) {
      const name = ins.getProperty()?.getName();
      if (name) current.args.push(name);
    }
  }
  return stages;
}

function lineOf(ins: Instruction): number {
  return ins.getRange().start.line + 1;
}

function flagsOf(ins: Instruction): FlagInfo[] {
  const withFlags = ins as Instruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] };
  return typeof withFlags.getFlags === 'function' ? withFlags.getFlags().map((f) => ({ name: f.getName(), value: f.getValue() })) : [];
}

// ---------------------------------------------------------------------------------------------
// RUN bodies

export interface RunBody {
  /** 1-based line of the RUN instruction. */
  line: number;
  /** The stage's `AS` name, or its 0-based index as a string when unnamed. */
  stage: string;
  /** The interpreter that runs the body: the stage's SHELL executable (following parent stages), else
   *  /bin/sh; for `RUN bash ... <<'EOF'` the invoked shell; for `RUN <<EOF` with a `#!` line, that shell. */
  shell: string;
  /** The text the shell runs. Shell form: continuation lines joined as Docker does (escape + newline
   *  removed, comment and blank lines inside the continuation dropped). Heredoc: see runBodies(). */
  body: string;
}

type Dialect = 'bash' | 'sh';

/** Position of a body location in the Dockerfile (1-based). */
interface Located {
  line: number;
  col: number;
}
interface RunBodyDetail extends RunBody {
  /** bash/sh, or null when the interpreter is not a POSIX-like shell (SHELL ["pwsh", ...]). */
  dialect: Dialect | null;
  /** Maps a 1-based (line, col) of `body` to the Dockerfile. */
  locate(bodyLine: number, bodyCol: number): Located;
  /** Names an ARG/ENV of this stage (declared before the RUN) or an ENV of a parent stage defines. */
  inScope: Set<string>;
  /** Extra findings about the RUN itself (e.g. unterminated heredoc). */
  notes: { line: number; message: string }[];
}

interface Segment {
  offset: number;
  line: number;
  col: number;
}

/** Joins a continued instruction the way BuildKit's parser does (`line 0-based`, `char` where text starts). */
function joinContinuation(lines: readonly string[], startLine: number, startChar: number, endLine: number, endChar: number | null, escape: string): { text: string; segments: Segment[] } {
  const cont = new RegExp(escapeRegExp(escape) + '[ \\t]*$');
  let text = '';
  const segments: Segment[] = [];
  for (let l = startLine; l <= endLine; l++) {
    let raw = lines[l] ?? '';
    if (l === endLine && endChar !== null) raw = raw.slice(0, endChar);
    let col = 0;
    if (l === startLine) {
      raw = raw.slice(startChar);
      col = startChar;
    } else if (/^\s*#/.test(raw) || /^\s*$/.test(raw)) {
      continue; // Docker drops comment lines and empty lines inside a continued instruction
    }
    const m = cont.exec(raw);
    segments.push({ offset: text.length, line: l + 1, col: col + 1 });
    text += m ? raw.slice(0, m.index) : raw;
    if (!m) break;
  }
  return { text, segments };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function locateInSegments(segments: readonly Segment[], col: number): Located {
  let seg = segments[0];
  for (const s of segments) if (s.offset <= col - 1) seg = s;
  if (!seg) return { line: 0, col };
  return { line: seg.line, col: seg.col + (col - 1 - seg.offset) };
}

export function dialectOf(shell: string): Dialect | null {
  const base = shell.split('/').pop() ?? shell;
  if (/^bash(\d[\d.]*)?$/.test(base)) return 'bash';
  if (['sh', 'dash', 'ash', 'posh'].includes(base)) return 'sh';
  return null;
}

function shebangShell(firstLine: string): string | null | undefined {
  // undefined: no shebang; null: a non-shell interpreter; else the shell
  if (!firstLine.startsWith('#!')) return undefined;
  const words = firstLine.slice(2).trim().split(/\s+/);
  let interp = words[0] ?? '';
  if (/(^|\/)env$/.test(interp)) interp = words.slice(1).find((w) => !w.startsWith('-')) ?? '';
  return dialectOf(interp) ? interp : null;
}

interface StageModel {
  name: string | null;
  label: string;
  start: number; // 0-based line of FROM
  parent: number; // index of the parent stage or -1
}

function stageModels(df: Dockerfile): StageModel[] {
  const froms = df.getFROMs();
  const out: StageModel[] = [];
  froms.forEach((f, i) => {
    const image = (f.getImage() ?? '').toLowerCase();
    const parent = out.findIndex((s) => s.name !== null && s.name.toLowerCase() === image);
    out.push({ name: f.getBuildStage(), label: f.getBuildStage() ?? String(i), start: f.getRange().start.line, parent: parent < i ? parent : -1 });
  });
  return out;
}

function stageIndexAt(stages: readonly StageModel[], line0: number): number {
  let idx = -1;
  stages.forEach((s, i) => {
    if (s.start <= line0) idx = i;
  });
  return idx;
}

function shellOf(ins: Instruction): string {
  try {
    const arr: unknown = JSON.parse(ins.getArgumentsContent() ?? '');
    if (Array.isArray(arr) && typeof arr[0] === 'string') return arr[0];
  } catch {
    /* an invalid SHELL is reported by dockerfile-utils */
  }
  return '/bin/sh';
}

/** The shell for an instruction at `line0` in stage `s`: latest SHELL before it, else the parent's last SHELL. */
function effectiveShell(instructions: readonly Instruction[], stages: readonly StageModel[], s: number, line0: number): string {
  const seen = new Set<number>();
  let limit = line0;
  while (s >= 0 && !seen.has(s)) {
    seen.add(s);
    const st = stages[s];
    if (!st) break;
    const end = stages[s + 1]?.start ?? Infinity;
    let found: Instruction | null = null;
    for (const ins of instructions) {
      const l = ins.getRange().start.line;
      if (ins.getKeyword() === 'SHELL' && l > st.start && l < end && l < limit) found = ins;
    }
    if (found) return shellOf(found);
    s = st.parent;
    limit = Infinity;
  }
  return '/bin/sh';
}

function scopeAt(instructions: readonly Instruction[], stages: readonly StageModel[], s: number, line0: number): Set<string> {
  const names = new Set<string>();
  const add = (ins: Instruction, envOnly: boolean): void => {
    if (ins instanceof Env) for (const p of ins.getProperties()) names.add(p.getName());
    else if (!envOnly && ins instanceof Arg) {
      const n = ins.getProperty()?.getName();
      if (n) names.add(n);
    }
  };
  const seen = new Set<number>();
  let first = true;
  while (s >= 0 && !seen.has(s)) {
    seen.add(s);
    const st = stages[s];
    if (!st) break;
    const end = stages[s + 1]?.start ?? Infinity;
    for (const ins of instructions) {
      const l = ins.getRange().start.line;
      if (l > st.start && l < end && (!first || l < line0)) add(ins, !first);
    }
    first = false;
    s = st.parent;
  }
  return names;
}

function heredocText(lines: readonly string[], h: Heredoc, chomp: boolean): { text: string; lineNos: number[] } {
  const r = h.getContentRange();
  if (!r) return { text: '', lineNos: [] };
  const out: string[] = [];
  const lineNos: number[] = [];
  for (let l = r.start.line; l <= r.end.line; l++) {
    let t = lines[l] ?? '';
    if (l === r.end.line) t = t.slice(0, r.end.character);
    if (l === r.start.line) t = t.slice(r.start.character);
    if (chomp) t = t.replace(/^\t+/, '');
    out.push(t);
    lineNos.push(l + 1);
  }
  return { text: out.join('\n') + '\n', lineNos };
}

const SHELL_OPTION_WORDS = new Set(['pipefail', 'errexit', 'nounset', 'xtrace', 'posix', 'noglob', 'errtrace', 'functrace', 'verbose']);

/** `bash -euo pipefail <<'EOF'` (a shell reading the one heredoc as its script): the shell, else null. */
function stdinShell(cmdline: string, heredocToken: string): string | null {
  const words = cmdline.trim().split(/\s+/);
  if (words[words.length - 1] !== heredocToken) return null;
  words.pop();
  if (/(^|\/)env$/.test(words[0] ?? '')) words.shift();
  const interp = words.shift();
  if (!interp || !dialectOf(interp)) return null;
  for (const w of words) {
    if (/^[-+][A-Za-z]+$/.test(w)) {
      if (w.startsWith('-') && w.includes('c')) return null; // -c: the heredoc is not the script
      continue;
    }
    if (/^--[a-z][a-z-]*$/.test(w) || SHELL_OPTION_WORDS.has(w)) continue;
    return null; // positional args, redirections, pipelines: not a plain "shell < script"
  }
  return interp;
}

function extractRuns(text: string): { df: Dockerfile; runs: RunBodyDetail[] } {
  const df = DockerfileParser.parse(text);
  const lines = text.split(/\r?\n/);
  const escape = df.getEscapeCharacter();
  const instructions = df.getInstructions();
  const stages = stageModels(df);
  const runs: RunBodyDetail[] = [];
  for (const ins of instructions) {
    if (!(ins instanceof Run)) continue;
    const line0 = ins.getRange().start.line;
    const s = stageIndexAt(stages, line0);
    const stage = stages[s]?.label ?? '';
    const stageShell = effectiveShell(instructions, stages, s, line0);
    const inScope = scopeAt(instructions, stages, s, line0);
    const args = ins.getArguments();
    const first = args[0];
    if (!first) continue;
    const start = first.getRange().start;
    const heredocs = ins.getHeredocs();
    const base = { line: line0 + 1, stage, inScope };

    if (heredocs.length === 0) {
      // exec form: RUN ["bash", "-c", "..."] runs no shell of its own
      try {
        const parsed: unknown = JSON.parse(ins.getArgumentsContent() ?? '');
        if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) continue;
      } catch {
        /* shell form */
      }
      const end = ins.getRange().end;
      const { text: body, segments } = joinContinuation(lines, start.line, start.character, end.line, end.character, escape);
      runs.push({ ...base, shell: stageShell, body, dialect: dialectOf(stageShell), locate: (_l, c) => locateInSegments(segments, c), notes: [] });
      continue;
    }

    const notes: { line: number; message: string }[] = [];
    for (const h of heredocs) {
      if (!h.getDelimiterRange()) notes.push({ line: h.getStartRange().start.line + 1, message: `unterminated heredoc <<${h.getName()}: no closing "${h.getName()}" line` });
    }
    const h0 = heredocs[0] as Heredoc;
    const contentStart = h0.getContentRange()?.start.line ?? h0.getDelimiterRange()?.start.line ?? h0.getStartRange().start.line + 1;
    const cmd = joinContinuation(lines, start.line, start.character, contentStart - 1, null, escape);
    const tokenOf = (h: Heredoc): string => {
      const r = h.getStartRange();
      return (lines[r.start.line] ?? '').slice(r.start.character, r.end.character);
    };
    const token0 = tokenOf(h0);
    const chomp0 = /^<<-/.test(token0);
    const only = heredocs.length === 1 ? stdinOrScript(cmd.text, token0) : null;
    if (only) {
      const { text: content, lineNos } = heredocText(lines, h0, chomp0);
      let shell = only.kind === 'script' ? stageShell : only.shell;
      const firstLine = content.split('\n')[0] ?? '';
      const bang = shebangShell(firstLine);
      if (bang === null) continue; // `#!/usr/bin/env python3`: not shell
      if (bang !== undefined) shell = bang;
      if (only.kind === 'stdin' && !/^<<-?\s*["']/.test(token0) && /[$`\\]/.test(content)) {
        notes.push({
          line: line0 + 1,
          message: `RUN ${only.shell} ${token0}: the delimiter is unquoted, so the outer /bin/sh expands $, \` and \\ in the heredoc before ${only.shell} reads it; quote it (<<'${h0.getName()}')`,
        });
      }
      runs.push({ ...base, shell, body: content, dialect: dialectOf(shell), notes, locate: (l, c) => ({ line: lineNos[l - 1] ?? line0 + 1, col: c }) });
      continue;
    }
    // Anything else (`cat > f <<EOF`, several heredocs, `python3 <<PY`): BuildKit hands the command line
    // plus the heredocs, reconstituted, to the stage's shell.
    let body = cmd.text;
    const lineNos: number[] = [line0 + 1];
    for (const h of heredocs) {
      const { text: content, lineNos: ln } = heredocText(lines, h, /^<<-/.test(tokenOf(h)));
      body += '\n' + content + h.getName();
      lineNos.push(...ln, (h.getDelimiterRange()?.start.line ?? -1) + 1);
    }
    runs.push({
      ...base,
      shell: stageShell,
      body,
      dialect: dialectOf(stageShell),
      notes,
      locate: (l, c) => (l === 1 ? locateInSegments(cmd.segments, c) : { line: lineNos[l - 1] ?? line0 + 1, col: c }),
    });
  }
  return { df, runs };
}

function stdinOrScript(cmdline: string, token: string): { kind: 'script' } | { kind: 'stdin'; shell: string } | null {
  if (cmdline.trim() === token) return { kind: 'script' };
  const shell = stdinShell(cmdline, token);
  return shell ? { kind: 'stdin', shell } : null;
}

/**
 * Every RUN body of a Dockerfile, in order.
 *  - Shell form: the command after the flags, continuation lines joined as Docker joins them.
 *  - `RUN <<EOF` (the heredoc is the whole command): the heredoc content, run by the stage's shell,
 *    or by its `#!` interpreter (non-shell interpreters such as python are skipped).
 *  - `RUN [--mount=...] bash -euo pipefail <<'EOF'` (a shell reading the one heredoc): the heredoc
 *    content, with `shell` set to that shell.
 *  - Any other heredoc use (`cat > f <<EOF && ...`, several heredocs): the command line plus the heredocs,
 *    reconstituted as BuildKit passes them to the stage's shell.
 *  - Exec form (`RUN ["bash", "-c", ...]`) is skipped.
 */
export function runBodies(text: string): RunBody[] {
  return extractRuns(text).runs.map(({ line, stage, shell, body }) => ({ line, stage, shell, body }));
}

// ---------------------------------------------------------------------------------------------
// mvdan-sh

interface MvdanPos {
  Line(): number;
  Col(): number;
}
interface MvdanError {
  Error(): string;
  Pos?: MvdanPos;
}
interface MvdanSyntax {
  NewParser(...options: unknown[]): { Parse(src: string, name: string): unknown };
  Variant(lang: unknown): unknown;
  LangBash: unknown;
  LangPOSIX: unknown;
}
let mvdan: MvdanSyntax | null = null;
function mvdanSyntax(): MvdanSyntax {
  // GopherJS-compiled CommonJS module without types: load it with require.
  mvdan ??= (createRequire(import.meta.url)('mvdan-sh') as { syntax: MvdanSyntax }).syntax;
  return mvdan;
}

/** A shell syntax error from mvdan-sh, with 1-based line/column in the parsed text. */
export class ShellSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'ShellSyntaxError';
  }
}

/**
 * Parses `body` with mvdan-sh (bash or POSIX sh grammar). Throws ShellSyntaxError
 * ("<name>:<line>:<col>: <reason>") when it is not valid shell. Default grammar: bash.
 */
export function parseShell(body: string, shell: Dialect = 'bash', name = 'body'): void {
  const syntax = mvdanSyntax();
  const parser = syntax.NewParser(syntax.Variant(shell === 'bash' ? syntax.LangBash : syntax.LangPOSIX));
  try {
    parser.Parse(body, name);
  } catch (e: unknown) {
    const err = e as MvdanError;
    if (err && typeof err.Error === 'function') {
      const line = err.Pos?.Line() ?? 0;
      const col = err.Pos?.Col() ?? 0;
      const message = err.Error();
      // ParseError/LangError both print as "<name>:<line>:<col>: <reason>"
      const reason = message.startsWith(`${name}:`) ? message.replace(/^.*?:\d+:\d+: /, '') : message;
      throw new ShellSyntaxError(message, line, col, reason);
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// shellcheck

export const SHELLCHECK_INSTALL = 'apt-get install -y shellcheck';
/** Returned by shellcheck() when the binary is missing outside CI. Compare by identity (isShellcheckMissing). */
export const SHELLCHECK_MISSING: string[] = Object.freeze([`shellcheck is not installed; install it with: ${SHELLCHECK_INSTALL}`]) as string[];
export function isShellcheckMissing(result: readonly string[]): boolean {
  return result === SHELLCHECK_MISSING;
}
/** The severity floor passed to `shellcheck -S`: every finding, style included (the generated files have none; SC2154 is the one exclusion, see checkDockerfile). */
export const SHELLCHECK_SEVERITY = 'style';
export type ShellcheckSeverity = 'error' | 'warning' | 'info' | 'style';

let shellcheckFound: boolean | null = null;
export function shellcheckAvailable(): boolean {
  if (shellcheckFound === null) {
    const r = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
    shellcheckFound = !r.error && r.status === 0;
  }
  return shellcheckFound;
}

/**
 * For tests: null when shellcheck can run, else the one-line reason to skip
 * (`shellcheck is not installed; install it with: apt-get install -y shellcheck`).
 * Never a reason in CI: there shellcheck() throws instead, so nothing is skipped silently.
 */
export function shellcheckSkipReason(): string | null {
  return shellcheckAvailable() || inCI() ? null : (SHELLCHECK_MISSING[0] ?? SHELLCHECK_INSTALL);
}

function inCI(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function requireShellcheck(): boolean {
  if (shellcheckAvailable()) return true;
  if (inCI()) throw new Error('shellcheck is required in CI; .ci/run installs it with apt-get (apt-get install -y --no-install-recommends shellcheck)');
  return false;
}

interface ShellcheckFinding {
  line: number;
  col: number;
  level: string;
  message: string;
  code: string;
}
const GCC_LINE = /^(.*?):(\d+):(\d+): (\w+): (.*) \[(SC\d+)\]$/;

function runShellcheck(args: string[], input?: string): string {
  const r = spawnSync('shellcheck', ['--norc', '-f', 'gcc', ...args], { encoding: 'utf8', input: input ?? '', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  // 0: clean, 1: findings; anything else is a usage or I/O error
  if (r.status !== 0 && r.status !== 1) throw new Error(`shellcheck ${args.join(' ')} exited ${String(r.status)}: ${r.stderr}`);
  return r.stdout;
}

function formatFinding(f: ShellcheckFinding): string {
  return `${f.line}:${f.col}: ${f.level}: ${f.message} [${f.code}]`;
}

/**
 * Runs the real shellcheck on `body` (`shellcheck -f gcc -s <shell> -S warning -`) and returns its
 * findings as `<line>:<col>: <level>: <message> [SCxxxx]`. Default floor: warning (see docs/checkers.md).
 * Binary missing: throws when $CI is set, else returns SHELLCHECK_MISSING (a one-line marker array).
 */
export function shellcheck(body: string, shell: Dialect, severity: ShellcheckSeverity = SHELLCHECK_SEVERITY): string[] {
  const found = shellcheckFindings(body, shell, severity);
  return found ? found.map(formatFinding) : SHELLCHECK_MISSING;
}

/** null when shellcheck is missing (outside CI). */
function shellcheckFindings(body: string, shell: Dialect, severity: ShellcheckSeverity): ShellcheckFinding[] | null {
  if (!requireShellcheck()) return null;
  return parseFindings(runShellcheck(['-s', shell, '-S', severity, '-'], body));
}

function parseFindings(out: string): ShellcheckFinding[] {
  const found: ShellcheckFinding[] = [];
  for (const l of out.split('\n')) {
    const m = GCC_LINE.exec(l);
    if (m) found.push({ line: Number(m[2]), col: Number(m[3]), level: m[4] ?? '', message: m[5] ?? '', code: m[6] ?? '' });
  }
  return found;
}

const batchCache = new Map<string, ShellcheckFinding[]>();

/** shellcheck over many bodies with one process per dialect (temp files); results cached by content. */
function shellcheckBatch(items: readonly { body: string; dialect: Dialect }[]): ShellcheckFinding[][] {
  const results: ShellcheckFinding[][] = items.map(() => []);
  const key = (i: { body: string; dialect: Dialect }): string => `${i.dialect}\0${i.body}`;
  const todo = new Map<Dialect, number[]>();
  items.forEach((it, i) => {
    const cached = batchCache.get(key(it));
    if (cached) results[i] = cached;
    else todo.set(it.dialect, [...(todo.get(it.dialect) ?? []), i]);
  });
  if (todo.size === 0) return results;
  const dir = mkdtempSync(join(tmpdir(), 'stagewright-shellcheck-'));
  try {
    for (const [dialect, idxs] of todo) {
      const files = idxs.map((i) => {
        const f = join(dir, `run-${i}.sh`);
        writeFileSync(f, items[i]?.body ?? '');
        return f;
      });
      const out = runShellcheck(['-s', dialect, '-S', SHELLCHECK_SEVERITY, ...files]);
      const byFile = new Map<string, ShellcheckFinding[]>();
      for (const l of out.split('\n')) {
        const m = GCC_LINE.exec(l);
        if (!m) continue;
        const list = byFile.get(m[1] ?? '') ?? [];
        list.push({ line: Number(m[2]), col: Number(m[3]), level: m[4] ?? '', message: m[5] ?? '', code: m[6] ?? '' });
        byFile.set(m[1] ?? '', list);
      }
      idxs.forEach((i, n) => {
        const found = byFile.get(files[n] ?? '') ?? [];
        results[i] = found;
        const it = items[i];
        if (it) batchCache.set(key(it), found);
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// combined

export interface CheckResult {
  /** Everything found, one line each: `<line>: [<source>] <message>` (Dockerfile lines, 1-based). */
  problems: string[];
  /** Checks that could not run here (shellcheck missing outside CI, non-shell SHELL), with the reason. */
  skipped: string[];
}

const REFERENCED_NOT_ASSIGNED = /^(\w+) is referenced but not assigned\.$/;
const DEFAULT_BUILD_VARS = new Set(['ALL_PROXY', 'all_proxy', 'FTP_PROXY', 'ftp_proxy', 'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy']);

/**
 * All offline checks on a Dockerfile:
 *  - dockerfile-utils diagnostics (any severity),
 *  - COPY/ADD --from=<name> that names no earlier stage and is no image reference,
 *  - unterminated RUN heredocs and `RUN bash <<EOF` with an unquoted delimiter (outer expansion),
 *  - every RUN body parsed with mvdan-sh (bash or POSIX grammar, after the body's shell),
 *  - shellcheck on every RUN body (severity warning and above), findings mapped to Dockerfile lines.
 *    SC2154 ("referenced but not assigned") is dropped for names an ARG/ENV in scope defines.
 */
export function checkDockerfile(text: string): CheckResult {
  const problems: { line: number; text: string }[] = [];
  const skipped: string[] = [];
  for (const d of validateDockerfile(text)) {
    problems.push({ line: d.range.start.line + 1, text: `[dockerfile-utils ${SEVERITY_NAMES[d.severity ?? 1] ?? 'error'}] ${d.message}` });
  }
  const { df, runs } = extractRuns(text);
  problems.push(...stageRefProblems(df));
  const toCheck: { run: RunBodyDetail; dialect: Dialect }[] = [];
  for (const run of runs) {
    for (const n of run.notes) problems.push({ line: n.line, text: `[heredoc] ${n.message}` });
    if (!run.dialect) {
      skipped.push(`line ${run.line}: RUN body for shell "${run.shell}" is not checked (not sh/bash)`);
      continue;
    }
    try {
      parseShell(run.body, run.dialect, `RUN@${run.line}`);
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      const at = run.locate(e.line, e.col);
      problems.push({ line: at.line, text: `[sh-parse ${run.dialect}] RUN at line ${run.line}: ${e.reason}` });
    }
    toCheck.push({ run, dialect: run.dialect });
  }
  if (toCheck.length > 0) {
    if (requireShellcheck()) {
      const results = shellcheckBatch(toCheck.map(({ run, dialect }) => ({ body: run.body, dialect })));
      toCheck.forEach(({ run, dialect }, i) => {
        for (const f of results[i] ?? []) {
          const unassigned = f.code === 'SC2154' ? REFERENCED_NOT_ASSIGNED.exec(f.message)?.[1] : undefined;
          if (unassigned && (run.inScope.has(unassigned) || DEFAULT_BUILD_VARS.has(unassigned))) continue;
          const at = run.locate(f.line, f.col);
          problems.push({ line: at.line, text: `[shellcheck ${f.code} ${f.level}, ${dialect}] RUN at line ${run.line}: ${f.message}` });
        }
      });
    } else {
      skipped.push(SHELLCHECK_MISSING[0] ?? 'shellcheck missing');
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return { problems: problems.map((p) => `${p.line}: ${p.text}`), skipped };
}

/** COPY/ADD --from=X must name an earlier stage, be a stage index, or look like an image reference. */
function stageRefProblems(df: Dockerfile): { line: number; text: string }[] {
  const stages = stageModels(df);
  const out: { line: number; text: string }[] = [];
  for (const ins of df.getInstructions()) {
    const kw = ins.getKeyword();
    if (kw !== 'COPY' && kw !== 'ADD') continue;
    const from = flagsOf(ins).find((f) => f.name === 'from');
    if (!from) continue;
    const v = (from.value ?? '').toLowerCase();
    const line0 = ins.getRange().start.line;
    const here = stageIndexAt(stages, line0);
    if (v === '') {
      out.push({ line: line0 + 1, text: '[stage-ref] --from has no value' });
      continue;
    }
    if (v.includes('$') || /[/:@]/.test(v)) continue; // variable, or an image reference
    if (/^\d+$/.test(v)) {
      if (Number(v) >= here) out.push({ line: line0 + 1, text: `[stage-ref] --from=${v}: stage index is not an earlier stage` });
      continue;
    }
    const idx = stages.findIndex((s) => s.name?.toLowerCase() === v);
    if (idx < 0 || idx >= here) {
      out.push({ line: line0 + 1, text: `[stage-ref] --from=${from.value ?? ''}: no earlier stage has this name (BuildKit would try to pull it as an image)` });
    }
  }
  return out;
}

/**
 * A standalone shell script: parse (mvdan-sh) + shellcheck. The dialect comes from the `#!` line
 * (bash unless it names sh/dash); without a `#!` line it is bash.
 */
export function checkScript(text: string, name = 'script'): CheckResult {
  const firstLine = text.split('\n')[0] ?? '';
  const bang = shebangShell(firstLine);
  const dialect: Dialect = bang ? (dialectOf(bang) ?? 'bash') : 'bash';
  const problems: string[] = [];
  const skipped: string[] = [];
  if (bang === null) skipped.push(`${name}: ${firstLine} is not a shell script; parsed as bash anyway`);
  try {
    parseShell(text, dialect, name);
  } catch (e) {
    if (!(e instanceof ShellSyntaxError)) throw e;
    problems.push(`${e.line}: [sh-parse ${dialect}] ${e.reason}`);
  }
  const found = shellcheckFindings(text, dialect, SHELLCHECK_SEVERITY);
  if (!found) skipped.push(SHELLCHECK_MISSING[0] ?? 'shellcheck missing');
  else problems.push(...found.map((f) => `${f.line}: [shellcheck ${f.code} ${f.level}, ${dialect}] ${f.message}`));
  problems.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  return { problems, skipped };
}
