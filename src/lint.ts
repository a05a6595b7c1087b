/**
 * The hadolint-style rules that matter for these images, checked on the instruction IR (so they
 * cannot be fooled by formatting): fail-fast shells, apt hygiene, verified downloads, no :latest,
 * no swallowed failures, no disabled TLS checks, no secrets in ARG or ENV. Errors make render()
 * refuse; warnings (a download without a pinned checksum) are listed by `stagewright check`.
 */
import { stageArgs } from "./args-of.ts";
import type { Arg } from "./arg.ts";
import { StagewrightError } from "./errors.ts";
import type { Instruction } from "./instructions.ts";
import type { AnyStage } from "./stage.ts";

/** One lint finding. */
export interface Finding {
  readonly rule: string;
  readonly severity: "error" | "warning";
  readonly stage: string;
  readonly message: string;
}

// BuildKit's SecretsUsedInArgOrEnv also flags a KEY word of its own (DOCA_KEY_FINGERPRINT), so this rule does too:
// a name `docker build --check` warns about is refused here first.
const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|ACCESS_KEY|API_KEY|CREDENTIAL|(^|_)KEY(_|$))/i;

function resolveDefaults(ref: string, args: readonly Arg[]): string {
  return ref.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, n: string) => args.find((a) => a.name === n)?.default ?? m);
}

function runFindings(stage: string, ins: Extract<Instruction, { op: "RUN" }>): Finding[] {
  const out: Finding[] = [];
  const f = (rule: string, message: string, severity: Finding["severity"] = "error") => out.push({ rule, severity, stage, message: `stage ${stage}: ${message}` });
  const script = ins.script;
  const lines = script.split("\n");
  if (/\bapt-get\s+(?:-\S+\s+)*install\b/.test(script)) {
    for (const l of lines.filter((x) => /\bapt-get\s+(?:-\S+\s+)*install\b/.test(x))) {
      if (!/--no-install-recommends/.test(l) && !/install\s+-y\s+(?:--no-install-recommends\s+)?ubuntu-keyring/.test(l)) {
        if (!/ubuntu-keyring/.test(l)) f("apt-no-recommends", `apt-get install without --no-install-recommends: ${l.trim()}`);
      }
    }
    const cached = ins.mounts.some((m) => m.type === "cache" && m.target === "/var/lib/apt");
    if (!cached && !/rm -rf \/var\/lib\/apt\/lists/.test(script)) f("apt-lists", "apt-get install leaves /var/lib/apt/lists in the layer: use the apt cache mounts (aptCache) or rm -rf /var/lib/apt/lists/*");
  }
  if (/\b(curl|wget)\b[^\n|]*\|\s*(sudo\s+)?(ba|z|da)?sh\b/.test(script)) f("pipe-to-shell", "a download is piped into a shell without a checksum: download to a file, verify it with sha256sum -c, then run it");
  // A key whose fingerprint is compared with a pinned ARG and then named in signed-by verifies an apt repository (pinnedAptRepositoryScript).
  const pinnedRepository = /!= "\$\{[A-Z0-9_]+_FINGERPRINT\}"/.test(script) && /\[signed-by=/.test(script);
  if (/\b(wget|curl)\s+(-|"|'|https?:)/.test(script) && !/sha256sum -c|gpg --batch --verify/.test(script) && !pinnedRepository) {
    f("unverified-download", "a download is not verified: check it with sha256sum -c (downloadScript), a signature from a pinned key (signatureScript), or make it the pinned key of an apt repository (pinnedAptRepositoryScript)");
  }
  if (/\|\|\s*true\b/.test(script)) f("swallowed-failure", "`|| true` hides a failed step: remove it, or test the condition explicitly");
  if (/--no-check-certificate|\bcurl\b[^\n]*\s(-k|--insecure)\b|GIT_SSL_NO_VERIFY/.test(script)) f("tls-disabled", "TLS verification is disabled (--no-check-certificate, curl -k or GIT_SSL_NO_VERIFY): remove it");
  if (/\$\{[A-Za-z_][A-Za-z0-9_]*:\+/.test(script)) {
    f("plus-expansion", "a ${VAR:+...} test is true for \"0\" too: resolve switches at generation time, or test [ \"$VAR\" = 1 ]", "warning");
  }
  return out;
}

/**
 * Prefixes too general to name one artifact (many install into them), never flagged as hard-coded.
 * FHS locations, not domain knowledge.
 */
const SHARED_PREFIXES: ReadonlySet<string> = new Set(["/", "/usr", "/usr/local", "/opt"]);

/** The artifacts of other stages that a stage needs or whose image it holds, by prefix. */
function foreignPrefixes(s: AnyStage): Map<string, { kind: string; producer: string }> {
  const out = new Map<string, { kind: string; producer: string }>();
  const add = (h: { kind: string; prefix: string; producer: string | null }) => {
    if (h.producer === null || h.producer === s.name || SHARED_PREFIXES.has(h.prefix) || out.has(h.prefix)) return;
    out.set(h.prefix, { kind: h.kind, producer: h.producer });
  };
  s.needs.forEach(add);
  s.contains.forEach(add);
  return out;
}

/**
 * Rule hard-coded-prefix: a path written as text that is (or lies under) the prefix of another
 * stage's artifact. The composition rules compare the prefixes of declared needs; a path typed by
 * hand escapes them, so it must come from the artifact (`sh` with the artifact, or `at(a, rel)`).
 * For a script built with `sh` only its literal text is read.
 */
function hardCodedPrefixes(stage: string, ins: Extract<Instruction, { op: "RUN" }>, foreign: ReadonlyMap<string, { kind: string; producer: string }>): Finding[] {
  if (foreign.size === 0) return [];
  const out: Finding[] = [];
  const texts = ins.typed?.literals ?? [ins.script];
  for (const text of texts) {
    for (const token of text.match(/\/[A-Za-z0-9_.+/-]*/g) ?? []) {
      const path = token.length > 1 ? token.replace(/\/+$/, "") : token;
      for (const [prefix, a] of foreign) {
        if (path !== prefix && !path.startsWith(`${prefix}/`)) continue;
        out.push({
          rule: "hard-coded-prefix",
          severity: "error",
          stage,
          message: `stage ${stage}: the script writes ${path}, a path of the ${a.kind} artifact of stage ${a.producer}, by hand; take it from the artifact (sh\`...\${artifact}...\` or at(artifact, "...")) and declare the need, so the composition rules compare it`,
        });
      }
    }
  }
  return out;
}

/**
 * Lint stages (the rules above); returns every finding, errors and warnings.
 *
 * @example
 * lintStages(alignedRecipe().stages).filter((f) => f.severity === "error") // []
 */
export function lintStages(stages: readonly AnyStage[]): Finding[] {
  const out: Finding[] = [];
  // One image has one value per ARG: an empty pin read by several stages is one gap, named at its first stage.
  const emptyPins = new Set<string>();
  for (const s of stages) {
    const args = stageArgs(s);
    const f = (rule: string, message: string, severity: Finding["severity"] = "error") => out.push({ rule, severity, stage: s.name, message: `stage ${s.name}: ${message}` });
    if (!("steps" in s.from)) {
      const ref = resolveDefaults(s.from.image, s.from.args);
      // A digest pins any tag, latest included; scratch is no image: nothing to pin.
      if (ref !== "scratch" && (/:latest$/.test(ref) || !/[:@]/.test(ref.split("/").pop() ?? ""))) f("unpinned-image", `FROM ${ref} is not pinned: give a version tag (never :latest) or a digest`);
    }
    for (const a of args) {
      if (/_(SHA256|FINGERPRINT|COMMIT)$/.test(a.name) && a.default === "") {
        if (emptyPins.has(a.name)) continue;
        emptyPins.add(a.name);
      }
      if (SECRET_NAME.test(a.name)) f("secret-in-arg", `ARG ${a.name} looks like a secret; build args end up in the image history: use RUN --mount=type=secret`);
      if (/_SHA256$/.test(a.name) && a.default === "") f("missing-checksum", `ARG ${a.name} is empty, so its download is not verified: add the sha256 to the source lock (stagewright lock fills it)`, "warning");
      if (/_FINGERPRINT$/.test(a.name) && a.default === "") f("missing-fingerprint", `ARG ${a.name} is empty, so the build stops until a fingerprint is passed: add the key's full fingerprint to the source lock from a public source, or pass it as a build arg`, "warning");
      if (/_COMMIT$/.test(a.name) && a.default === "") f("missing-commit", `ARG ${a.name} is empty, so its git source is not pinned to a commit: add the commit to the source lock`, "warning");
      if (/(^|[^A-Za-z0-9_])latest$/.test(a.default) && /IMAGE|TAG|VERSION/.test(a.name)) f("unpinned-image", `ARG ${a.name} defaults to ${a.default}: pin a version`);
    }
    const foreign = foreignPrefixes(s);
    for (const ins of s.steps) {
      if (ins.op === "RUN") out.push(...runFindings(s.name, ins), ...hardCodedPrefixes(s.name, ins, foreign));
      if (ins.op === "ENV") for (const [k] of ins.vars) if (SECRET_NAME.test(k)) f("secret-in-env", `ENV ${k} looks like a secret; ENV is baked into the image: use RUN --mount=type=secret`);
      if (ins.op === "SHELL" && !ins.argv.includes("pipefail")) f("shell-pipefail", `SHELL ${JSON.stringify(ins.argv)} has no -o pipefail: a failing command in a pipe would not fail the build`);
      if (ins.op === "COPY" && ins.from !== undefined && /[:/]/.test(ins.from) && /:latest$|^[^:@]+$/.test(ins.from)) f("unpinned-image", `COPY --from=${ins.from} is not pinned by version`);
    }
  }
  return out;
}

/**
 * Throw a StagewrightError for the lint errors of stages (warnings pass).
 *
 * @example
 * assertLintClean(stages)
 */
export function assertLintClean(stages: readonly AnyStage[]): void {
  const errors = lintStages(stages).filter((f) => f.severity === "error");
  const first = errors[0];
  if (first !== undefined) throw new StagewrightError("lint", `${first.message} (rule ${first.rule})`, { stage: first.stage }, errors.map((e) => `${e.message} (rule ${e.rule})`));
}
