/**
 * Recipe → Dockerfile text. Deterministic: the output depends only on the stages, in order.
 *
 * ARG placement: ARGs read by a FROM line or by more than one stage are declared once, with their
 * default, before the first FROM, and re-declared without a default in each stage right before the
 * first step that reads them, so one `--build-arg` reaches producer and consumer alike while a
 * changed value invalidates as little cache as possible. Other ARGs are declared with their default
 * right before their first use.
 */
import { followsPlatform, type Arg } from "./arg.ts";
import { checkStages } from "./check.ts";
import { argLine, fromLine, instructionText, labelLines } from "./dockerfile-text.ts";
import { StagewrightError } from "./errors.ts";
import { shell, type Instruction } from "./instructions.ts";
import { type AnyStage, type ImageBase } from "./stage.ts";
import { stageArgs } from "./args-of.ts";
import { assertLintClean } from "./lint.ts";

/** The shell every root stage sets: bash, failing on errors, unset variables and broken pipes. */
export const STRICT_SHELL: readonly string[] = ["/bin/bash", "-euo", "pipefail", "-c"];

/** What the renderer needs to know about a recipe. */
export interface RenderSpec {
  readonly name: string;
  readonly description: string;
  readonly stages: readonly AnyStage[];
  /** Extra OCI labels for the final stage. */
  readonly labels?: readonly (readonly [string, string])[];
}

export { stageArgs };

function referencedArgs(text: string, args: readonly Arg[]): Arg[] {
  return args.filter((a) => new RegExp(`\\$\\{?${a.name}(?![A-Za-z0-9_])`).test(text));
}

function fromRef(s: AnyStage): string {
  return "steps" in s.from ? s.from.name : (s.from as ImageBase).image;
}

/**
 * The ARGs declared before the first FROM: those read by FROM lines, and those read by more than
 * one stage. In order of first appearance.
 *
 * @example
 * globalArgs(stages).map((a) => a.name) // ["BASE_IMAGE", "BASE_TAG", "LIBFABRIC_INSTALL_PATH"]
 */
export function globalArgs(stages: readonly AnyStage[]): Arg[] {
  const order = new Map<string, Arg>();
  const users = new Map<string, number>();
  const last = stages[stages.length - 1];
  for (const s of stages) {
    if (!("steps" in s.from)) for (const a of s.from.args) {
      if (!order.has(a.name)) order.set(a.name, a);
      users.set(a.name, Infinity);
    }
    const labelUses = s === last ? referencedArgs(JSON.stringify(versionLabels(stages)), [...stages.flatMap(stageArgs), ...stages.flatMap(imageArgs)]) : [];
    for (const a of dedupe([...usedArgs(s), ...labelUses])) {
      if (!order.has(a.name)) order.set(a.name, a);
      users.set(a.name, (users.get(a.name) ?? 0) + 1);
    }
  }
  // ARGs that follow the platform are computed once, before the first FROM, and their sources with them.
  const out: Arg[] = [];
  const add = (a: Arg): void => {
    if (out.some((x) => x.name === a.name)) return;
    if (a.kind.type === "computed") for (const f of a.kind.from) add(f);
    out.push(a);
  };
  for (const a of order.values()) if ((users.get(a.name) ?? 0) > 1 || followsPlatform(a)) add(a);
  return out;
}

/**
 * The lines that declare an ARG with its value: `ARG NAME=default`, or `ARG NAME` for one BuildKit
 * sets, or one `ARG NAME=<step>` per substitution step for a computed one (its sources first, when
 * `declared` does not hold them yet).
 */
function declaration(a: Arg, declared: Set<string>): string[] {
  if (declared.has(a.name)) return [];
  declared.add(a.name);
  const head = comment(a.name, a.description);
  switch (a.kind.type) {
    case "automatic":
      return [head, argLine(a.name)];
    case "computed":
      return [...a.kind.from.flatMap((f) => declaration(f, declared)), head, ...a.kind.steps.map((step) => argLine(a.name, step))];
    default:
      return [head, argLine(a.name, a.default)];
  }
}

function imageArgs(s: AnyStage): readonly Arg[] {
  return "steps" in s.from ? [] : s.from.args;
}

function dedupe(args: readonly Arg[]): Arg[] {
  return [...new Map(args.map((a) => [a.name, a] as const)).values()];
}

function usedArgs(s: AnyStage): Arg[] {
  const all = stageArgs(s);
  const text = s.steps.map((i) => JSON.stringify(i)).join("\n");
  return referencedArgs(text, all);
}

function unusedOwnArgs(s: AnyStage): string[] {
  const used = new Set(usedArgs(s).map((a) => a.name));
  return s.args.filter((a) => !used.has(a.name)).map((a) => a.name);
}

/** A `# NAME description` line; line breaks in the description are folded so it stays one comment. */
function comment(name: string, description: string): string {
  return `# ${name} ${description.replace(/\s+/g, " ")}`.replace(/\s+$/, "");
}

/**
 * Render stages as Dockerfile text (after running every composition check).
 *
 * @example
 * const text = renderDockerfile({ name: "demo", description: "a demo", stages: [base, app] })
 */
export function renderDockerfile(spec: RenderSpec): string {
  checkStages(spec.stages);
  assertLintClean(spec.stages);
  const globals = globalArgs(spec.stages);
  const globalNames = new Set(globals.map((a) => a.name));
  const out: string[] = ["# syntax=docker/dockerfile:1", comment(spec.name, spec.description), ""];
  const globalDeclared = new Set<string>();
  for (const a of globals) out.push(...declaration(a, globalDeclared));
  const known = new Map(spec.stages.flatMap((s) => stageArgs(s).map((a) => [a.name, a] as const)));
  const everyArg = dedupe([...spec.stages.flatMap(stageArgs), ...spec.stages.flatMap(imageArgs)]);
  spec.stages.forEach((s, index) => {
    const isFinal = index === spec.stages.length - 1;
    out.push("", ...stageBlock(s, { globalNames, known, extraArgs: isFinal ? everyArg : [], labels: isFinal ? finalLabels(spec) : [] }));
  });
  return tidy(out);
}

/**
 * One stage on its own, every ARG declared with its default inside the stage: the unit that the
 * per-stage golden files hold.
 *
 * @example
 * renderStageAlone(fabric) // "# libfabric ...\nFROM efa-drivers AS libfabric\n..."
 */
export function renderStageAlone(s: AnyStage): string {
  const known = new Map(stageArgs(s).map((a) => [a.name, a] as const));
  return tidy(stageBlock(s, { globalNames: new Set(), known, extraArgs: [], labels: [] }));
}

function tidy(lines: readonly string[]): string {
  return `${lines.join("\n").replace(/\n{3,}/g, "\n\n").replace(/\n+$/, "")}\n`;
}

interface BlockContext {
  /** ARGs declared before the first FROM (re-declared here without a default). */
  readonly globalNames: ReadonlySet<string>;
  /** Every ARG the recipe knows, to catch a step that reads one the stage does not declare. */
  readonly known: ReadonlyMap<string, Arg>;
  /** ARGs the final stage may also read (its labels name every component version). */
  readonly extraArgs: readonly Arg[];
  readonly labels: readonly (readonly [string, string])[];
}

function stageBlock(s: AnyStage, ctx: BlockContext): string[] {
  const own = new Set(stageArgs(s).map((a) => a.name));
  const ownText = s.steps.map((i) => JSON.stringify(i)).join("\n");
  const undeclared = [...ctx.known.values()].filter((a) => !own.has(a.name) && referencedArgs(ownText, [a]).length > 0).map((a) => a.name);
  if (undeclared.length > 0) {
    throw new StagewrightError("render", `stage ${s.name} reads ARG ${undeclared.join(", ")} but does not declare it; add it to the stage's args`, { stage: s.name, arg: undeclared[0]! });
  }
  const unused = unusedOwnArgs(s);
  if (unused.length > 0) {
    throw new StagewrightError("render", `stage ${s.name} declares ARG ${unused.join(", ")} but no step reads it; remove the ARG or use it`, { stage: s.name, arg: unused[0]! });
  }
  const out: string[] = [comment(s.name, s.description), fromLine(fromRef(s), s.name, "steps" in s.from ? undefined : (s.from as ImageBase).platform)];
  for (const o of s.overrides) out.push(`# stagewright: rule ${o.rule} is overridden here on purpose: ${o.reason.replace(/\s+/g, " ")}`);
  const steps: Instruction[] = [...s.steps];
  if (!("steps" in s.from)) steps.unshift(shell(STRICT_SHELL));
  if (ctx.labels.length > 0) steps.push({ op: "LABEL", labels: ctx.labels });
  const declared = new Set<string>();
  const all = dedupe([...stageArgs(s), ...ctx.extraArgs]);
  for (const ins of steps) {
    const text = ins.op === "LABEL" ? labelLines(ins.labels) : instructionText(ins);
    for (const a of referencedArgs(text, all)) {
      if (declared.has(a.name)) continue;
      declared.add(a.name);
      if (ctx.globalNames.has(a.name)) out.push(argLine(a.name));
      else {
        declared.delete(a.name);
        out.push(...declaration(a, declared));
      }
    }
    out.push(text);
  }
  return out;
}

/** OCI labels for the final image: title, description and every component version. */
function finalLabels(spec: RenderSpec): (readonly [string, string])[] {
  return [
    ["org.opencontainers.image.title", spec.name],
    ["org.opencontainers.image.description", spec.description.replace(/\s+/g, " ")],
    ...versionLabels(spec.stages),
    ...spec.stages.flatMap((s) => s.overrides.map((o) => [`dev.stagewright.override.${o.rule}`, o.reason.replace(/\s+/g, " ")] as const)),
    ...(spec.labels ?? []),
  ];
}

/** `dev.stagewright.version.<component>` labels; values may reference version ARGs. */
function versionLabels(stages: readonly AnyStage[]): (readonly [string, string])[] {
  const versions = new Map<string, string>();
  for (const s of stages) for (const [k, v] of Object.entries(s.versions)) if (!versions.has(k)) versions.set(k, v);
  return [...versions.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [`dev.stagewright.version.${k}`, v] as const);
}
