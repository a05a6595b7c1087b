import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkDockerfile,
  checkScript,
  formatDiagnostics,
  isShellcheckMissing,
  parseShell,
  runBodies,
  SHELLCHECK_MISSING,
  shellcheck,
  shellcheckSkipReason,
  ShellSyntaxError,
  stagesOf,
  validateDockerfile,
} from './checkers.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtureDir = join(here, '..', 'fixtures', 'checkers');
const fixture = (name: string): string => readFileSync(join(fixtureDir, name), 'utf8');

// Outside CI a missing shellcheck skips the shellcheck-dependent tests, with one line saying how to
// install it; in CI shellcheck() throws instead, so those tests fail.
const SKIP_NOTE = shellcheckSkipReason();
const noShellcheck = SKIP_NOTE !== null;
if (SKIP_NOTE) console.warn(`checkers.test.ts: skipping shellcheck tests: ${SKIP_NOTE}`);

/** Expects exactly one thrown ShellSyntaxError and returns it. */
function syntaxErrorOf(body: string, shell: 'bash' | 'sh'): ShellSyntaxError {
  try {
    parseShell(body, shell);
  } catch (e) {
    expect(e).toBeInstanceOf(ShellSyntaxError);
    return e as ShellSyntaxError;
  }
  throw new Error(`parseShell accepted invalid ${shell}: ${JSON.stringify(body)}`);
}

describe('validateDockerfile (dockerfile-utils)', () => {
  it('reports an unknown instruction with its line', () => {
    const diags = validateDockerfile(fixture('unknown-instruction.Dockerfile'));
    expect(formatDiagnostics(diags)).toBe('3: Unknown instruction: COPYY');
    expect(diags[0]?.severity).toBe(1);
  });

  it('accepts the good fixture (cache mounts, heredocs, SHELL, COPY --from) with no diagnostic of any severity', () => {
    expect(formatDiagnostics(validateDockerfile(fixture('good.Dockerfile')))).toBe('');
  });

  it('reports an empty continuation line as a warning', () => {
    const diags = validateDockerfile('FROM debian:bookworm-slim\nRUN echo a && \\\n\n    echo b\n');
    expect(diags.map((d) => [d.range.start.line + 1, d.severity, d.message])).toEqual([[3, 2, 'Empty continuation line']]);
  });
});

describe('runBodies (dockerfile-ast)', () => {
  const bodies = runBodies(fixture('good.Dockerfile'));

  it('joins continuations as Docker does, drops comment lines, follows SHELL through parent stages', () => {
    expect(bodies).toEqual([
      {
        line: 7,
        stage: 'base',
        shell: '/bin/sh',
        body: 'set -eux;     mkdir -p "${PREFIX}/bin" &&     echo "base ready" > /etc/stack-base.txt',
      },
      {
        line: 13,
        stage: 'base',
        shell: '/bin/sh',
        body: 'set -eux\nfor f in libfabric ucx nixl; do\n  echo "$f" >> /etc/components.txt\ndone\n',
      },
      {
        line: 24,
        stage: 'builder',
        shell: '/bin/bash',
        body: 'if [[ -d "${PREFIX}" ]]; then echo "jobs=${JOBS}" > "${PREFIX}/BUILDINFO"; fi',
      },
      {
        line: 26,
        stage: 'builder',
        shell: 'bash',
        body: 'parts=(configure build install)\nfor p in "${parts[@]}"; do\n  echo "step ${p}" >> /build/log.txt\ndone\n',
      },
      {
        line: 32,
        stage: 'builder',
        shell: '/bin/bash',
        body: 'cat > /build/notes.txt <<EOF && wc -l /build/notes.txt\nbuilt in ${PREFIX}\nEOF',
      },
      // exec-form RUN (line 35) and the python heredoc (line 36) are not shell: skipped
      { line: 42, stage: 'tester', shell: '/bin/bash', body: 'set -o pipefail; [[ -f /build/log.txt ]] && wc -l < /build/log.txt' },
    ]);
  });

  it('honours the escape directive and <<- tab stripping, and names unnamed stages by index', () => {
    const text = '# escape=`\nFROM debian:bookworm-slim\nRUN echo a `\n    b\nRUN <<-EOT\n\techo tab\n\tEOT\n';
    expect(runBodies(text)).toEqual([
      { line: 3, stage: '0', shell: '/bin/sh', body: 'echo a     b' },
      { line: 5, stage: '0', shell: '/bin/sh', body: 'echo tab\n' },
    ]);
  });

  it('takes the heredoc of "bash -euo pipefail <<\'EOF\'" after continued flags and a comment line', () => {
    const text = [
      'FROM debian:bookworm-slim AS a',
      'RUN --mount=type=cache,target=/x \\',
      '    # a comment between the flags and the command',
      "    bash -euo pipefail <<'EOF'",
      'arr=(1 2)',
      'echo "${arr[@]}"',
      'EOF',
      '',
    ].join('\n');
    expect(runBodies(text)).toEqual([{ line: 2, stage: 'a', shell: 'bash', body: 'arr=(1 2)\necho "${arr[@]}"\n' }]);
  });

  it('uses the shebang of a RUN <<EOF script as its shell', () => {
    const text = 'FROM debian:bookworm-slim\nRUN <<EOF\n#!/bin/bash\nset -euo pipefail\nEOF\n';
    expect(runBodies(text).map((b) => b.shell)).toEqual(['/bin/bash']);
  });
});

describe('parseShell (mvdan-sh)', () => {
  it('rejects "done" without a loop, with line and column', () => {
    const e = syntaxErrorOf('set -eux\nif true; then echo ok; fi; done\n', 'sh');
    expect([e.line, e.col, e.reason]).toEqual([2, 28, '"done" can only be used to end a loop']);
    expect(e.message).toBe('body:2:28: "done" can only be used to end a loop');
  });

  it('rejects an unterminated if', () => {
    const e = syntaxErrorOf('if [ -d /opt ]; then\n  echo ok\n', 'bash');
    expect(e.reason).toBe('if statement must end with "fi"');
    expect(e.line).toBe(1);
  });

  it('uses the bash grammar for bash and POSIX for sh', () => {
    expect(() => parseShell('pkgs=(a b)\necho "${pkgs[@]}"\n', 'bash')).not.toThrow();
    expect(syntaxErrorOf('pkgs=(a b)\n', 'sh').reason).toBe('arrays are a bash/mksh feature');
  });

  it('accepts every body of the good fixture in its own dialect', () => {
    const bodies = runBodies(fixture('good.Dockerfile'));
    expect(bodies.length).toBe(6);
    for (const b of bodies) expect(() => parseShell(b.body, b.shell.endsWith('bash') ? 'bash' : 'sh')).not.toThrow();
  });
});

describe.skipIf(noShellcheck)('shellcheck (binary)', () => {
  it('flags an unquoted variable that can expand to rm -rf /* (SC2115, warning)', () => {
    const findings = shellcheck('rm -rf $STAGING/*\n', 'sh');
    expect(findings).toEqual([
      '1:8: warning: Use "${var:?}" to ensure this never expands to /* . [SC2115]',
      '1:8: note: Double quote to prevent globbing and word splitting. [SC2086]',
    ]);
  });

  it('flags an unquoted array expansion (SC2068, error)', () => {
    expect(shellcheck('pkgs=(a b)\napt-get install ${pkgs[@]}\n', 'bash')).toEqual([
      '2:17: error: Double quote array expansions to avoid re-splitting elements. [SC2068]',
    ]);
  });

  it('floor is "style": even an info-level SC2086 is a finding; a higher floor can be asked for', () => {
    expect(shellcheck('echo $HOME\n', 'sh')).toEqual(['1:6: note: Double quote to prevent globbing and word splitting. [SC2086]']);
    expect(shellcheck('echo $HOME\n', 'sh', 'warning')).toEqual([]);
  });

  it('flags bashisms only under sh', () => {
    expect(shellcheck('[[ -d /opt ]] && echo yes\n', 'sh')).toEqual(['1:1: warning: In POSIX sh, [[ ]] is undefined. [SC3010]']);
    expect(shellcheck('[[ -d /opt ]] && echo yes\n', 'bash')).toEqual([]);
  });
});

describe('shellcheck when the binary is missing', () => {
  // A child node with a PATH that has no shellcheck; tsx loads the TypeScript module.
  const probe = (env: Record<string, string>): { status: number | null; stdout: string; stderr: string } => {
    const code = `
      const m = await import(${JSON.stringify(join(here, 'checkers.ts'))});
      const r = m.shellcheck('echo hi', 'sh');
      console.log(JSON.stringify({ missing: m.isShellcheckMissing(r), r }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: join(here, '..', '..'),
      env: { PATH: '/nonexistent', HOME: process.env['HOME'] ?? '/tmp', ...env },
      encoding: 'utf8',
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('returns the one-line marker naming apt-get outside CI', () => {
    const r = probe({});
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ missing: true, r: SHELLCHECK_MISSING });
    expect(SHELLCHECK_MISSING).toEqual(['shellcheck is not installed; install it with: apt-get install -y shellcheck']);
    expect(isShellcheckMissing([...SHELLCHECK_MISSING])).toBe(false); // identity, not content
  }, 30_000);

  it('throws in CI', () => {
    const r = probe({ CI: 'true' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('shellcheck is required in CI; .ci/run installs it with apt-get');
  }, 30_000);
});

describe('checkDockerfile', () => {
  it.skipIf(noShellcheck)('passes the good fixture with nothing skipped', () => {
    expect(checkDockerfile(fixture('good.Dockerfile'))).toEqual({ problems: [], skipped: [] });
  });

  it('reports an unknown instruction', () => {
    expect(checkDockerfile(fixture('unknown-instruction.Dockerfile')).problems).toEqual(['3: [dockerfile-utils error] Unknown instruction: COPYY']);
  });

  it('reports bad shell syntax in a RUN at the Dockerfile line of the fault', (ctx) => {
    const { problems, skipped } = checkDockerfile(fixture('bad-shell-syntax.Dockerfile'));
    expect(problems[0]).toBe('6: [sh-parse sh] RUN at line 2: "done" can only be used to end a loop');
    if (SKIP_NOTE) return ctx.skip(SKIP_NOTE);
    expect(skipped).toEqual([]);
    expect(problems.slice(1)).toEqual(['6: [shellcheck SC1089 error, sh] RUN at line 2: Parsing stopped here. Is this keyword correctly matched up?']);
  });

  it('reports an unterminated if in a continued RUN', () => {
    const { problems } = checkDockerfile(fixture('unterminated-if.Dockerfile'));
    expect(problems[0]).toBe('4: [sh-parse sh] RUN at line 2: if statement must end with "fi"');
  });

  it.skipIf(noShellcheck)('reports the unquoted $STAGING/* (shellcheck SC2115) at its line', () => {
    expect(checkDockerfile(fixture('unquoted-var.Dockerfile')).problems).toEqual([
      '5: [shellcheck SC2115 warning, sh] RUN at line 3: Use "${var:?}" to ensure this never expands to /* .',
      '5: [shellcheck SC2086 note, sh] RUN at line 3: Double quote to prevent globbing and word splitting.',
    ]);
  });

  it.skipIf(noShellcheck)('reports [[ ]] under the default /bin/sh', () => {
    expect(checkDockerfile(fixture('bashism-under-sh.Dockerfile')).problems).toEqual(['3: [shellcheck SC3010 warning, sh] RUN at line 3: In POSIX sh, [[ ]] is undefined.']);
  });

  it('reports an unterminated heredoc', () => {
    expect(checkDockerfile(fixture('heredoc-unterminated.Dockerfile')).problems).toEqual(['2: [heredoc] unterminated heredoc <<EOF: no closing "EOF" line']);
  });

  it('reports a heredoc fed to bash with an unquoted delimiter', () => {
    const { problems } = checkDockerfile(fixture('heredoc-unquoted-stdin.Dockerfile'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^2: \[heredoc\] RUN bash <<EOF: the delimiter is unquoted/);
  });

  it('reports COPY --from naming no stage, but accepts an image reference', () => {
    expect(checkDockerfile(fixture('stage-ref.Dockerfile')).problems).toEqual([
      '4: [stage-ref] --from=bulder: no earlier stage has this name (BuildKit would try to pull it as an image)',
    ]);
  });

  it.skipIf(noShellcheck)('does not report SC2154 for a lower-case ARG in scope, but does for an unknown one', () => {
    const text = 'FROM debian:bookworm-slim AS a\nARG version=1\nRUN echo "${version}" "${verison}"\n';
    expect(checkDockerfile(text).problems).toEqual(['3: [shellcheck SC2154 warning, sh] RUN at line 3: verison is referenced but not assigned.']);
  });
});

describe('checkScript', () => {
  it.skipIf(noShellcheck)('passes a clean bash script', () => {
    expect(checkScript(fixture('good.sh'))).toEqual({ problems: [], skipped: [] });
  });

  it.skipIf(noShellcheck)('passes the repo\'s own scripts (.ci/run, scripts/setup-buildkit.sh)', () => {
    for (const rel of ['.ci/run', 'scripts/setup-buildkit.sh']) {
      expect(checkScript(readFileSync(join(here, '..', '..', rel), 'utf8'), rel)).toEqual({ problems: [], skipped: [] });
    }
  });

  it('reports an unterminated if', () => {
    expect(checkScript(fixture('unterminated-if.sh')).problems[0]).toBe('3: [sh-parse bash] if statement must end with "fi"');
  });

  it.skipIf(noShellcheck)('reports an unquoted array expansion', () => {
    expect(checkScript(fixture('unquoted-array.sh')).problems).toEqual(['4: [shellcheck SC2068 error, bash] Double quote array expansions to avoid re-splitting elements.']);
  });
});

describe('stagesOf', () => {
  it('lists stages with their base, ARGs and instructions', () => {
    const stages = stagesOf(fixture('good.Dockerfile'));
    expect(stages.map((s) => [s.name, s.from, s.args])).toEqual([
      ['base', '${BASE_IMAGE}', ['DEBIAN_FRONTEND']],
      ['builder', 'base', ['JOBS']],
      ['tester', 'builder', []],
      ['runtime', '${BASE_IMAGE}', []],
    ]);
    const runtime = stages[3];
    expect(runtime?.instructions.map((i) => [i.keyword, i.flags, i.args])).toEqual([
      ['COPY', [{ name: 'from', value: 'builder' }], ['/opt/stack', '/opt/stack']],
      ['COPY', [{ name: 'from', value: 'base' }], ['/etc/components.txt', '/opt/components.txt']],
      ['CMD', [], ['["bash"]']],
    ]);
    const mounts = stages[0]?.instructions.find((i) => i.keyword === 'RUN')?.flags;
    expect(mounts).toEqual([
      { name: 'mount', value: 'type=cache,target=/var/cache/apt,sharing=locked' },
      { name: 'mount', value: 'type=cache,target=/var/lib/apt,sharing=locked' },
    ]);
  });
});
