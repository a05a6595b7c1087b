/**
 * Recipe → one bash script that builds the recipe's stages on the current machine (an AMI
 * provisioner, a bare-metal node, a cluster image), from the same stage IR as the Dockerfile: the
 * same RUN bodies, the ARG defaults as variables the environment or `--arg` overrides, COPY --from
 * as copies out of the producer's staged tree, ENV and WORKDIR carried along the FROM chain. The
 * stages run in recipe order (every stage comes after the stages it names), each timed.
 *
 * A machine is not an image: every stage shares one file system, and the recipe's external base
 * image is this machine itself. What a script cannot do faithfully (take files out of an external
 * image, a custom SHELL, secrets, bind mounts, ADD) is refused with the instruction and the reason.
 * Steps that install system packages (RUN steps that declare `packages`) either run, or with
 * `--system-packages verify` (hosts without network whose packages are present) are replaced by a
 * dpkg check that stops with the list of what is missing.
 */
import type { Arg } from "./arg.ts";
import { checkStages } from "./check.ts";
import { StagewrightError } from "./errors.ts";
import type { Instruction } from "./instructions.ts";
import { assertLintClean } from "./lint.ts";
import { STRICT_SHELL, globalArgs, type RenderSpec } from "./render.ts";
import { stageArgs } from "./args-of.ts";
import { argValueChecks, checkValueFunction, shellQuote } from "./shell-checks.ts";
import type { AnyStage } from "./stage.ts";

/**
 * The file name `render --out` gives a recipe's host script.
 *
 * @example
 * hostScriptName("smoke") // "host-smoke.sh"
 */
export function hostScriptName(recipeName: string): string {
  return `host-${recipeName}.sh`;
}

/** A path from the IR (it may reference ARGs as `${NAME}`) as a double-quoted word, globs left live. */
function pathWord(p: string): string {
  if (/["\\`]/.test(p)) throw new StagewrightError("render", `path ${JSON.stringify(p)} holds a quote, backslash or backtick; a host script cannot copy it`);
  return p
    .split(/([*?])/)
    .map((part) => (part === "*" || part === "?" ? part : part === "" ? "" : `"${part}"`))
    .join("");
}

function envValue(v: string): string {
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/`/g, "\\`")}"`;
}

function refuse(s: AnyStage, what: string, why: string): never {
  throw new StagewrightError("render", `stage ${s.name}: ${what} cannot be expressed in a host script: ${why}`, { stage: s.name });
}

function fnName(stage: string): string {
  return `stage_${stage.replace(/[^A-Za-z0-9]/g, "_")}`;
}

function delimiter(body: string): string {
  const lines = new Set(body.split("\n").map((l) => l.trim()));
  let d = "STAGEWRIGHT_STEP";
  for (let i = 1; lines.has(d); i++) d = `STAGEWRIGHT_STEP_${i}`;
  return d;
}

/** The ENV and WORKDIR a step sees: the base chain's, then the stage's own before the step. */
interface StepContext {
  readonly env: readonly (readonly [string, string])[];
  readonly workdir: string;
}

function inheritedContext(s: AnyStage): StepContext {
  if (!("steps" in s.from)) return { env: [], workdir: "/" };
  const base = s.from;
  let ctx = inheritedContext(base);
  for (const ins of base.steps) ctx = advance(ctx, ins);
  return ctx;
}

function advance(ctx: StepContext, ins: Instruction): StepContext {
  if (ins.op === "ENV") return { env: [...ctx.env, ...ins.vars], workdir: ctx.workdir };
  if (ins.op === "WORKDIR") return { env: ctx.env, workdir: ins.path };
  return ctx;
}

function prelude(ctx: StepContext): string[] {
  const cd = ctx.workdir === "/" ? ["cd /"] : [`mkdir -p ${pathWord(ctx.workdir)}`, `cd ${pathWord(ctx.workdir)}`];
  return [...ctx.env.map(([k, v]) => `export ${k}=${envValue(v)}`), ...cd];
}

function stageSteps(s: AnyStage, byName: ReadonlyMap<string, AnyStage>): string[] {
  let ctx = inheritedContext(s);
  const out: string[] = [];
  let n = 0;
  for (const ins of s.steps) {
    switch (ins.op) {
      case "COMMENT":
        out.push(...ins.text.split("\n").map((l) => `  # ${l}`.trimEnd()));
        break;
      case "LABEL":
        break;
      case "SHELL":
        if (JSON.stringify(ins.argv) !== JSON.stringify(STRICT_SHELL)) {
          refuse(s, `SHELL ${JSON.stringify(ins.argv)}`, `every step of a host script runs in ${STRICT_SHELL.join(" ")}`);
        }
        break;
      case "ADD":
        return refuse(s, `ADD ${ins.source}`, "use a RUN step with downloadScript, which the mirror and the checksum check cover");
      case "ENV":
      case "WORKDIR":
        ctx = advance(ctx, ins);
        break;
      case "COPY": {
        if (ins.chmod !== undefined) refuse(s, `COPY --chmod=${ins.chmod}`, "copies keep their modes; set the mode in a RUN step");
        if (ins.from === undefined) {
          out.push(`  sw_copy ${pathWord(ins.dest)} ${ins.sources.map((src) => `"$context"/${pathWord(src)}`).join(" ")}`);
          break;
        }
        const producer = byName.get(ins.from);
        if (producer === undefined || !("steps" in producer.from) && producer.steps.length === 0) {
          const what = producer === undefined ? `an image ${ins.from}` : `stage ${ins.from}, an external image (${(producer.from as { image: string }).image})`;
          refuse(s, `COPY --from=${ins.from} ${ins.sources.join(" ")}`, `the files come from ${what}, which this machine does not hold; install them in a RUN step instead`);
        }
        out.push(`  sw_copy ${pathWord(ins.dest)} ${ins.sources.map((src) => `"$root"${pathWord(src).replace(/^"/, "")}`.replace(/^"\$root"/, '"$root')).join(" ")}`);
        break;
      }
      case "RUN": {
        n++;
        for (const m of ins.mounts) {
          if (m.type === "secret") refuse(s, `RUN --mount=type=secret,id=${m.id}`, "a host script has no build secrets; read the secret from a file the step names");
          if (m.type === "bind") refuse(s, `RUN --mount=type=bind,target=${m.target}`, "a host script has no bind mounts; COPY the files first");
        }
        const caches = ins.mounts.filter((m) => m.type === "cache").map((m) => `mkdir -p ${pathWord(m.target)}`);
        const body = [...prelude(ctx), ...caches, ins.script].join("\n");
        const d = delimiter(body);
        const runStep = `sw_run ${s.name} ${n} <<'${d}'\n${body}\n${d}`;
        if (ins.packages !== undefined && ins.packages.length > 0) {
          out.push(
            `  if [ "$system_packages" = verify ]; then`,
            `    sw_verify_packages ${s.name} ${ins.packages.map(shellQuote).join(" ")}`,
            "  else",
            ...runStep.split("\n").map((l, i) => (i === 0 ? `    ${l}` : l)),
            "  fi",
          );
        } else out.push(`  ${runStep}`);
        break;
      }
    }
  }
  return out;
}

function recipeArgs(stages: readonly AnyStage[]): Arg[] {
  const seen = new Map<string, Arg>();
  for (const a of globalArgs(stages)) seen.set(a.name, a);
  for (const s of stages) for (const a of stageArgs(s)) if (!seen.has(a.name)) seen.set(a.name, a);
  return [...seen.values()];
}

const HELPERS = `sw_log() { printf 'stagewright: %s\\n' "$*" >&2; }

# A command on this machine, or inside --root.
sw_in_root() {
  if [ "$root" = / ]; then "$@"; else chroot "$root" "$@"; fi
}

# Run one step (its body on stdin) in bash with the stage's ENV.
sw_run() {
  local stage=$1 step=$2 body
  body="$(cat)"
  sw_log "stage $stage step $step"
  sw_in_root /bin/bash -euo pipefail -c "$body" || { sw_log "stage $stage step $step failed"; exit 1; }
}

# COPY semantics: a directory's contents go into DEST, a file goes into DEST/ (or becomes DEST). Every stage of a host
# script shares one root, and stages of one wave may run side by side: a file already there from the same staged tree
# is left alone (-u: same mtime), a changed one is replaced (a symlink cannot be overwritten in place), and copies take
# one lock so two stages never replace the same file at once (both seen on a real GPU-host run).
sw_cp() {
  flock "\${root%/}/tmp/.stagewright-copy.lock" cp -a -u --remove-destination "$@"
}
sw_copy() {
  local dest=$1 src target
  shift
  target="\${root%/}$dest"
  for src in "$@"; do
    if [ -d "$src" ]; then
      mkdir -p "$target"
      sw_cp "$src/." "$target/"
    elif [ -e "$src" ]; then
      case "$dest" in
        */) mkdir -p "$target"; sw_cp "$src" "$target" ;;
        *) mkdir -p "$(dirname "$target")"; sw_cp "$src" "$target" ;;
      esac
    else
      sw_log "COPY source $src does not exist"
      exit 1
    fi
  done
}

# Instead of installing system packages: stop with the list of the declared ones dpkg lacks.
sw_verify_packages() {
  local stage=$1 p missing=()
  shift
  for p in "$@"; do
    # shellcheck disable=SC2016 # dpkg-query's format, not a shell expansion
    if [ "$(sw_in_root dpkg-query -W -f='\${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]; then missing+=("$p"); fi
  done
  if [ "\${#missing[@]}" -gt 0 ]; then
    sw_log "stage $stage: these declared system packages are not installed: \${missing[*]}"
    sw_log "install them (apt-get install \${missing[*]}), or run without --system-packages verify on a machine with network"
    exit 1
  fi
  sw_log "stage $stage: all $# declared system packages are installed (dpkg)"
}`;

/**
 * Render the recipe's stages as one bash script that builds them on the current machine (after
 * the same composition and lint checks as the Dockerfile).
 *
 * @example
 * const text = renderHostScript({ name: "smoke", description: "demo", stages: smokeRecipe().stages })
 */
export function renderHostScript(spec: RenderSpec): string {
  checkStages(spec.stages);
  assertLintClean(spec.stages);
  const byName = new Map(spec.stages.map((s) => [s.name, s] as const));
  const args = recipeArgs(spec.stages);
  const names = spec.stages.map((s) => s.name);
  const bodies = spec.stages.map((s) => ({ s, lines: stageSteps(s, byName) }));
  const argNames = args.map((a) => a.name);
  const out: string[] = [
    "#!/usr/bin/env bash",
    `# ${spec.name}: ${spec.description.replace(/\s+/g, " ")}`,
    `# Generated by stagewright from recipe ${spec.name}: builds its stages on this machine, in dependency order,`,
    `# from the same steps as Dockerfile.${spec.name}. Regenerate it; do not edit it.`,
    "set -euo pipefail",
    "",
    "usage() {",
    "  cat <<'USAGE'",
    `usage: ${hostScriptName(spec.name)} [--root DIR] [--context DIR] [--system-packages install|verify] [--arg NAME=VALUE]... [--only STAGE]... [--until STAGE]`,
    "",
    "  --root DIR              build inside DIR (chroot), not into this machine's / (needs root)",
    "  --context DIR           where COPY takes build-context files from (default: the current directory)",
    "  --system-packages MODE  install (default) runs the package steps; verify only checks with dpkg that",
    "                          the declared packages are installed and stops with the list of missing ones",
    "  --arg NAME=VALUE        override an ARG default (the environment does too: NAME=VALUE ./script)",
    "  --only STAGE            build only this stage (repeatable; the stages it needs must be built already)",
    "  --until STAGE           build the stages up to and including STAGE",
    "",
    `stages, in order: ${names.join(" ")}`,
    `ARGs: ${argNames.length > 0 ? argNames.join(" ") : "(none)"}`,
    "USAGE",
    "}",
    "",
    "root=/",
    'context="$PWD"',
    "system_packages=install",
    "only=()",
    'until=""',
    "while [ $# -gt 0 ]; do",
    '  case "$1" in',
    '    --root) root="${2:?--root needs a directory}"; shift 2 ;;',
    '    --context) context="${2:?--context needs a directory}"; shift 2 ;;',
    '    --system-packages) system_packages="${2:?--system-packages needs install or verify}"; shift 2 ;;',
    '    --only) only+=("${2:?--only needs a stage}"); shift 2 ;;',
    '    --until) until="${2:?--until needs a stage}"; shift 2 ;;',
    "    --arg)",
    '      kv="${2:?--arg needs NAME=VALUE}"',
    '      case "${kv%%=*}" in',
    `        ${argNames.length > 0 ? argNames.join("|") : "''"}) export "\${kv%%=*}=\${kv#*=}" ;;`,
    `        *) echo "${hostScriptName(spec.name)}: --arg \${kv%%=*}: no such ARG (see --help)" >&2; exit 2 ;;`,
    "      esac",
    "      shift 2 ;;",
    "    -h|--help) usage; exit 0 ;;",
    `    *) echo "${hostScriptName(spec.name)}: unknown option $1 (see --help)" >&2; exit 2 ;;`,
    "  esac",
    "done",
    'case "$system_packages" in install|verify) ;; *) echo "--system-packages $system_packages: use install or verify" >&2; exit 2 ;; esac',
    'if [ ! -d "$root" ]; then echo "--root $root is not a directory" >&2; exit 2; fi',
    'root="$(cd "$root" && pwd)"',
    'context="$(cd "$context" && pwd)"',
    `for s in "\${only[@]}" \${until:+"$until"}; do case "$s" in ${names.join("|")}) ;; *) echo "no stage $s; stages: ${names.join(" ")}" >&2; exit 2 ;; esac; done`,
    "",
    "# ARG defaults; a value from the environment or --arg wins.",
  ];
  for (const a of args) out.push(`if [ -z "\${${a.name}+set}" ]; then ${a.name}=${shellQuote(a.default)}; fi`);
  if (args.length > 0) out.push(`export ${argNames.join(" ")}`);
  // The same value checks as --set and the build script, on every value (a default passes its own).
  const checks = args.flatMap((a) => argValueChecks(a, `--arg ${a.name}`, `\${${a.name}}`).map((l) => l.trimStart()));
  if (checks.length > 0) out.push("", checkValueFunction(hostScriptName(spec.name)), ...checks);
  out.push("", HELPERS, "");
  for (const { s, lines } of bodies) {
    const base = "steps" in s.from ? `stage ${s.from.name}` : `image ${s.from.image} (here: this machine)`;
    out.push(`# ${s.name}: ${s.description.replace(/\s+/g, " ")} (FROM ${base})`, `${fnName(s.name)}() {`, ...(lines.some((l) => !l.trimStart().startsWith("#")) ? lines : [...lines, "  :"]), "}", "");
  }
  out.push(
    "wanted() {",
    '  if [ "${#only[@]}" -gt 0 ]; then',
    '    local s; for s in "${only[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1',
    "  fi",
    "  return 0",
    "}",
    "",
    "times=()",
    "build() {",
    '  local name=$1 start=$SECONDS',
    '  wanted "$name" || return 0',
    '  sw_log "=== stage $name"',
    '  "$2"',
    '  times+=("$name $((SECONDS - start))s")',
    '  sw_log "=== stage $name built in $((SECONDS - start))s"',
    "}",
    "",
    "finish() {",
    '  sw_log "$1; build times: ${times[*]:-none}"',
    "}",
    "",
  );
  for (const s of spec.stages) {
    out.push(`build ${s.name} ${fnName(s.name)}`, `if [ "$until" = ${s.name} ]; then finish "stopped after stage ${s.name} (--until)"; exit 0; fi`);
  }
  out.push('finish "done"', "");
  return out.join("\n");
}

/**
 * The host script of a recipe, or why it cannot be one (the refusal's sentence), for writers
 * that emit it next to the Dockerfile when it can be expressed.
 *
 * @example
 * const h = hostScriptOf(smokeRecipe()); if ("text" in h) writeFileSync("host-smoke.sh", h.text)
 */
export function hostScriptOf(spec: RenderSpec): { readonly text: string } | { readonly problem: string } {
  try {
    return { text: renderHostScript(spec) };
  } catch (e) {
    if (e instanceof StagewrightError && e.code === "render") return { problem: e.message };
    throw e;
  }
}
