/**
 * Values that arrive as data: `--set KEY=VALUE` flags and `--values file.yaml`. They override ARG
 * defaults at generation time, for the whole image (`args:`) or for one stage (`stages: {name: {...}}`),
 * and pass the same checks as typed code: each value is validated by its ARG's kind, and the
 * overridden recipe runs every composition rule again, so a values file that moves
 * LIBFABRIC_INSTALL_PATH for the producer only is refused with the sentences tsc would print.
 */
import { isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { checkArgValue, followsPlatform, type Arg } from "./arg.ts";
import type { AnyArtifact } from "./artifact.ts";
import { stageArgs } from "./args-of.ts";
import { closest, fail } from "./validate.ts";
import { composeImage, image, type AnyNeed, type AnyStage, type ImageBase } from "./stage.ts";
import { PLATFORMS, recipeFromStages, type Platform, type Recipe } from "./recipe.ts";
import { isStagewrightError, StagewrightError } from "./errors.ts";
import { copyTestScript } from "./companions.ts";

/** ARG overrides: for the whole image, and per stage. */
export interface Values {
  readonly args: Readonly<Record<string, string>>;
  readonly stages: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Explicit rule overrides from data, rendered visibly like overrides in code. */
  readonly overrides?: readonly { readonly stage: string; readonly rule: string; readonly reason: string }[];
  /** The platforms to build for instead of the recipe's (a subset of what it supports makes sense, e.g. linux/amd64 only). */
  readonly platforms?: readonly Platform[];
}

/** No overrides. */
export const NO_VALUES: Values = Object.freeze({ args: {}, stages: {} });

const VALUES_KEYS = ["args", "stages", "overrides", "platforms"];

function platformsFrom(raw: unknown, file: string): Platform[] | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) fail("values", `${file}: platforms must be a list of one or more of ${PLATFORMS.join(", ")}`, { file });
  return raw.map((p: unknown, i: number) => {
    if (typeof p !== "string" || !(PLATFORMS as readonly string[]).includes(p)) fail("values", `${file}: platforms[${i}] ${JSON.stringify(p)} is not one of ${PLATFORMS.join(", ")}`, { file });
    return p as Platform;
  });
}

function overridesFrom(raw: unknown, file: string): NonNullable<Values["overrides"]> {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) fail("values", `${file}: overrides must be a list of { stage, rule, reason }`, { file });
  return raw.map((o: unknown, i: number) => {
    if (typeof o !== "object" || o === null || Array.isArray(o)) fail("values", `${file}: overrides[${i}] must be a mapping with stage, rule and reason`, { file });
    const m = o as Record<string, unknown>;
    for (const k of Object.keys(m)) if (!["stage", "rule", "reason"].includes(k)) fail("values", `${file}: overrides[${i}]: unknown key ${k}; an override has stage, rule and reason`, { file });
    for (const k of ["stage", "rule", "reason"]) if (typeof m[k] !== "string") fail("values", `${file}: overrides[${i}].${k} must be a string`, { file });
    return { stage: m["stage"] as string, rule: m["rule"] as string, reason: m["reason"] as string };
  });
}

/** Where a value sits in the YAML text: its line and its text exactly as written (`3.10`, not the number 3.1). */
interface Source {
  at(path: readonly string[]): { line: number; text: string } | undefined;
}

function sourceOf(doc: Document, text: string, lines: LineCounter): Source {
  return {
    at(path) {
      const node = doc.getIn(path, true);
      if (!isScalar(node) || node.range === undefined || node.range === null) return undefined;
      return { line: lines.linePos(node.range[0]).line, text: text.slice(node.range[0], node.range[1]).trim() };
    },
  };
}

function stringMap(raw: unknown, at: readonly string[], file: string, source: Source): Record<string, string> {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) fail("values", `${file}: ${at.join(".")} must be a mapping of ARG names to values`, { file });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== "string") {
      const src = source.at([...at, k]);
      const written = src?.text ?? String(v);
      const where = src === undefined ? file : `${file}:${src.line}`;
      fail("values", `${where}: ${[...at, k].join(".")} must be a string, got ${v === null ? "null" : Array.isArray(v) ? "a list" : typeof v}; quote it (${k}: "${written}")`, { file, arg: k });
    }
    out[k] = v;
  }
  return out;
}

/**
 * A YAML syntax error as `file:line:column: what`. The parser reports an unclosed bracket or quote
 * on the empty line after the text; that location is moved to the end of the last line that has
 * text. A line of blanks the parser points at (a tab before a no-break space) keeps its location.
 */
function yamlSyntaxError(text: string, file: string, e: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): never {
  // Only the position the parser appends is cut: a colon in the quoted source stays.
  const what = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  const lines = text.split("\n");
  let line = e.linePos?.[0].line ?? 1;
  let col = e.linePos?.[0].col ?? 1;
  let last = lines.length;
  while (last > 1 && lines[last - 1]!.trim() === "") last--;
  if (line > last && (lines[line - 1] ?? "") === "") {
    line = last;
    col = lines[last - 1]!.trimEnd().length + 1;
  }
  fail("values", `${file}:${line}:${col}: not valid YAML: ${what}`, { file });
}

/**
 * Parse a values file. Unknown top-level keys and values that are not strings are errors (YAML
 * turns `1.20` into a number, which would silently lose a trailing zero).
 *
 * @example
 * parseValues("args:\n  LIBFABRIC_INSTALL_PATH: /opt/libfabric\n", "values.yaml")
 */
export function parseValues(text: string, file: string): Values {
  const lines = new LineCounter();
  const parsed = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const bad = parsed.errors[0];
  if (bad !== undefined) yamlSyntaxError(text, file, bad as Parameters<typeof yamlSyntaxError>[2]);
  // Parsing succeeds for an alias whose anchor is missing (or one that expands past the parser's
  // alias limit); building the value throws a plain ReferenceError, which must not escape as such.
  let doc: unknown;
  try {
    doc = parsed.toJS();
  } catch (e) {
    fail("values", `${file}: not valid YAML: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
  const source = sourceOf(parsed, text, lines);
  if (doc === null || doc === undefined) return NO_VALUES;
  if (typeof doc !== "object" || Array.isArray(doc)) fail("values", `${file}: expected a mapping with args: and/or stages:`, { file });
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (!VALUES_KEYS.includes(k)) fail("values", `${file}: unknown key ${k}; a values file has args: (whole image) and stages: (per stage)`, { file });
  }
  const stagesRaw = d["stages"];
  const stages: Record<string, Record<string, string>> = {};
  if (stagesRaw !== null && stagesRaw !== undefined) {
    if (typeof stagesRaw !== "object" || Array.isArray(stagesRaw)) fail("values", `${file}: stages must be a mapping of stage names to ARG mappings`, { file });
    for (const [name, m] of Object.entries(stagesRaw as Record<string, unknown>)) stages[name] = stringMap(m, ["stages", name], file, source);
  }
  const platforms = platformsFrom(d["platforms"], file);
  return { args: stringMap(d["args"], ["args"], file, source), stages, overrides: overridesFrom(d["overrides"], file), ...(platforms === undefined ? {} : { platforms }) };
}

/**
 * Parse `--set KEY=VALUE` flags into whole-image values.
 *
 * @example
 * parseSets(["LIBFABRIC_VERSION=v2.3.0"]) // { args: { LIBFABRIC_VERSION: "v2.3.0" }, stages: {} }
 */
export function parseSets(sets: readonly string[]): Values {
  const args: Record<string, string> = {};
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) fail("values", `--set ${s}: expected KEY=VALUE, e.g. --set LIBFABRIC_VERSION=v2.3.0`);
    args[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return { args, stages: {} };
}

/**
 * Merge values; later ones win.
 *
 * @example
 * mergeValues(fromFile, fromFlags)
 */
export function mergeValues(...all: readonly Values[]): Values {
  const args: Record<string, string> = {};
  const stages: Record<string, Record<string, string>> = {};
  for (const v of all) {
    Object.assign(args, v.args);
    for (const [s, m] of Object.entries(v.stages)) stages[s] = { ...stages[s], ...m };
  }
  const platforms = all.map((v) => v.platforms).filter((p) => p !== undefined).at(-1);
  return { args, stages, overrides: all.flatMap((v) => v.overrides ?? []), ...(platforms === undefined ? {} : { platforms }) };
}

/** An ARG that follows the platform has no value of its own to set: the platform sets it. */
function refusePlatformArg(a: Arg, stage?: string): void {
  if (!followsPlatform(a)) return;
  const at = stage === undefined ? `ARG ${a.name}` : `stage ${stage}, ARG ${a.name}`;
  fail("values", `${at} follows the platform (${a.kind.type === "computed" ? `computed from ${a.kind.from.map((f) => f.name).join(", ")}` : "set by BuildKit"}): choose the platform instead, --platform linux/arm64 for the build script or PLATFORMS=linux/arm64 for bake`, stage === undefined ? { arg: a.name } : { stage, arg: a.name });
}

/**
 * The version an artifact states when its version ARG takes another value: through its versionOf
 * when it has one (a version read from an image tag), else its version literal with the ARG's
 * default replaced (a version written `<distribution>-<version>` keeps its form).
 */
function movedVersion(a: AnyArtifact, versionArg: Arg, value: string): string {
  if (a.versionOf !== undefined) return a.versionOf(value);
  const d = versionArg.default;
  return d !== "" && a.version.endsWith(d) ? `${a.version.slice(0, a.version.length - d.length)}${value}` : value;
}

function imageArgsOf(s: AnyStage): readonly Arg[] {
  return "steps" in s.from ? [] : s.from.args;
}

/**
 * The stages with the values applied: ARG defaults replaced (validated by each ARG's kind),
 * artifact prefixes and versions that ARGs drive moved with them, checksums that follow a version
 * recomputed. Throws for ARG or stage names the recipe does not have.
 *
 * @example
 * applyValues(recipe.stages, { args: { LIBFABRIC_INSTALL_PATH: "/opt/libfabric" }, stages: {} })
 */
export function applyValues(stages: readonly AnyStage[], values: Values): AnyStage[] {
  const known = new Map<string, Arg>();
  for (const s of stages) for (const a of [...stageArgs(s), ...imageArgsOf(s)]) if (!known.has(a.name)) known.set(a.name, a);
  const names = new Set(stages.map((s) => s.name));
  const list = (xs: Iterable<string>) => [...xs].sort().join(", ") || "none";
  for (const k of Object.keys(values.args)) {
    if (!known.has(k)) {
      const guess = closest(k, [...known.keys()]);
      fail("values", `ARG ${k} is not an ARG of this recipe${guess === undefined ? "" : ` (did you mean ${guess}?)`}; its ARGs are: ${list(known.keys())}`, { arg: k });
    }
    refusePlatformArg(known.get(k)!);
    checkArgValue(known.get(k)!, values.args[k]!);
  }
  for (const [stage, m] of Object.entries(values.stages)) {
    const s = stages.find((x) => x.name === stage);
    if (s === undefined) {
      const guess = closest(stage, [...names]);
      fail("values", `stage ${stage} is not a stage of this recipe${guess === undefined ? "" : ` (did you mean ${guess}?)`}; its stages are: ${list(names)}`, { stage });
    }
    const own = new Map([...stageArgs(s), ...imageArgsOf(s)].map((a) => [a.name, a] as const));
    for (const k of Object.keys(m)) {
      if (!own.has(k)) fail("values", `stage ${stage} has no ARG ${k}; its ARGs are: ${list(own.keys())}`, { stage, arg: k });
      refusePlatformArg(own.get(k)!, stage);
      checkArgValue(own.get(k)!, m[k]!, stage);
    }
  }

  for (const o of values.overrides ?? []) {
    if (!names.has(o.stage)) {
      const guess = closest(o.stage, [...names]);
      fail("values", `override of rule ${o.rule}: stage ${o.stage} is not a stage of this recipe${guess === undefined ? "" : ` (did you mean ${guess}?)`}`, { stage: o.stage });
    }
  }
  const mapped = new Map<AnyStage, AnyStage>();
  const out: AnyStage[] = [];
  for (const s of stages) {
    const vals: Record<string, string> = { ...values.args, ...values.stages[s.name] };
    const resolve = (a: Arg): string => vals[a.name] ?? (a.derive !== undefined && vals[a.derive.from] !== undefined ? a.derive.value(vals[a.derive.from]!) : a.default);
    const arg = <A extends Arg>(a: A): A => (resolve(a) === a.default ? a : (Object.freeze({ ...a, default: resolve(a) }) as A));
    const artifactIn = (a: AnyArtifact): AnyArtifact => {
      const prefix = a.prefixArg !== undefined ? resolve(a.prefixArg) : a.prefix;
      const version = a.versionArg !== undefined && resolve(a.versionArg) !== a.versionArg.default ? movedVersion(a, a.versionArg, resolve(a.versionArg)) : a.version;
      if (prefix === a.prefix && version === a.version && a.args.every((x) => resolve(x) === x.default)) return a;
      return Object.freeze({
        ...a,
        prefix,
        version,
        prefixArg: a.prefixArg === undefined ? undefined : arg(a.prefixArg),
        versionArg: a.versionArg === undefined ? undefined : arg(a.versionArg),
        args: a.args.map(arg),
      });
    };
    const from: ImageBase | AnyStage = "steps" in s.from ? (mapped.get(s.from) ?? s.from) : image(s.from.image, s.from.args.map(arg));
    const provides = Object.fromEntries(Object.entries(s.provides).map(([k, a]) => [k, artifactIn(a)]));
    const needs: AnyNeed[] = s.needs.map((n) => {
      if (n.artifact === undefined) return n;
      const a = artifactIn(n.artifact);
      return Object.freeze({ ...n, artifact: a, prefix: a.prefix });
    });
    const { contains } = composeImage(from, s.removes, needs, provides);
    const extra = (values.overrides ?? []).filter((o) => o.stage === s.name).map((o) => ({ rule: o.rule, reason: o.reason }));
    const next: AnyStage = Object.freeze({ ...s, from, args: s.args.map(arg), provides, needs, contains, overrides: [...s.overrides, ...extra] });
    mapped.set(s, next);
    out.push(next);
  }
  return out;
}

/**
 * A recipe with values applied (and every rule checked again). Throws StagewrightError when the
 * values break a rule, with the same sentences as tsc.
 *
 * @example
 * withValues(alignedRecipe(), parseSets(["LIBFABRIC_INSTALL_PATH=/opt/libfabric"])).render()
 */
export function withValues(r: Recipe, values: Values): Recipe {
  if (Object.keys(values.args).length === 0 && Object.keys(values.stages).length === 0 && (values.overrides ?? []).length === 0 && values.platforms === undefined) return r;
  let next: Recipe;
  try {
    next = recipeFromStages(r.name, applyValues(r.stages, values), { description: r.description, labels: r.labels, notes: r.notes, platforms: values.platforms ?? r.platforms, ...(r.platformRules === undefined ? {} : { platformRules: r.platformRules }) });
  } catch (e) {
    const perStage = Object.entries(values.stages).flatMap(([stage, m]) => Object.keys(m).map((arg) => ({ stage, arg })));
    if (isStagewrightError(e) && perStage.length > 0 && (e.code === "arg-conflict" || e.code === "prefix-mismatch")) {
      // The sentences speak of code; the data-side fix is to move the ARG for the whole image.
      const hint = `fix in the values: one image has one value per ARG, so move ${[...new Set(perStage.map((p) => p.arg))].join(", ")} under args: (the whole image) instead of stages: ${[...new Set(perStage.map((p) => p.stage))].join(", ")}`;
      throw new StagewrightError(e.code, e.message, e.where, [...e.problems, hint]);
    }
    throw e;
  }
  return copyTestScript(r, next);
}
