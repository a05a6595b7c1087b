/**
 * One declaration per component. A {@link ComponentSpec} names the stage once and declares its
 * options (with kinds), the ARGs of its version and prefix, its artifacts, the kinds it removes and
 * its version rules as data. From it the core derives, on both sides: the option type and the
 * runtime option check, the typed needs (one build need per artifact option given), the typed
 * artifacts (kind, prefix, producer and version literals), the ARGs, and both twins of every rule.
 * The stage's own code is only its build: the steps, and the details of its artifacts.
 */
import { argValueProblem, checkArgValue, pathArg, stringArg, versionArg, type Arg, type VersionLiteralCheck } from "./arg.ts";
import { artifact, type AnyArtifact, type Artifact, type ArtifactSpec, type DeliveryType } from "./artifact.ts";
import type { Instruction } from "./instructions.ts";
import { checkOptionValues, type DefaultsOf, type OptionKinds, type OptionProblem, type OptionsArg } from "./options.ts";
import { ruleOf, type RuleChecks, type RuleData, type RuleProblem } from "./rule-data.ts";
import { imagePartArg, imagePartKind } from "./image-ref.ts";
import { buildNeed, defineStage, imageFrom, type AnyNeed, type AnyStage, type ImageBase, type Need, type StageOf } from "./stage.ts";
import { fail } from "./validate.ts";
import type { VersionForm, VersionFormProblem } from "./version-form.ts";
import type { RuleOverride, VersionRule } from "./version-rules.ts";

/** How a component's artifact is declared: the facts the composition rules compare. */
export interface ArtifactDecl {
  readonly kind: string;
  /** How consumers get it: copied from the staged install, or only through the FROM chain. */
  readonly delivery: DeliveryType;
  /** A fixed prefix; omitted: the stage's prefix (its option, its ARG). */
  readonly prefix?: string;
  /** "own": the stage's version (tracked by its version ARG); omitted: the build gives it. */
  readonly version?: "own";
  /** With version "own": do not tie the artifact to the version ARG. */
  readonly versionArg?: false;
  /** The distribution: the version reads `<distribution>-<version>` and facts.distribution names it. */
  readonly distribution?: string;
  /** Provided only when these options hold (defaults applied). */
  readonly when?: { readonly [option: string]: string | boolean };
}

/** The ARG that carries the stage's version, from one of its options. */
export interface VersionDecl {
  readonly option: string;
  readonly arg: string;
  readonly doc: string;
  /**
   * How the upstream writes its release tags (`v2.3.0`, `v2.27.3-1`, `1.43.3`): a value in another
   * form fails tsc (a literal) and every runtime check of the ARG (`--set`, values, build script, bake).
   */
  readonly form?: VersionForm;
  /** For a version that is not a release (a git ref, a build id): the ARG's pattern. */
  readonly pattern?: { readonly regex: RegExp; readonly expected: string };
  /** The ARG's default from the option value (a short ref to its full commit). */
  readonly value?: (option: string) => string;
}

/**
 * The external image a root stage starts FROM, as ARGs from its options: each part of the reference
 * (`${BASE_IMAGE}:${BASE_TAG}`: a repository and a tag; or one reference pinned by digest) is an
 * `option.image` option; the ARG's kind is the option's, so value, ARG and FROM line are declared once.
 *
 * @example
 * const img: ImageDecl = { parts: [{ option: "image", arg: "BASE_IMAGE", doc: "base image repository" }, { option: "tag", arg: "BASE_TAG", doc: "base image tag" }] }
 */
export interface ImageDecl {
  readonly parts: readonly { readonly option: string; readonly arg: string; readonly doc: string }[];
  /** `FROM --platform=${ARG}` with an automatic platform ARG such as BUILDPLATFORM (the build host). */
  readonly platform?: Arg;
}

/** The ARG that carries the stage's install prefix, from one of its options. */
export interface PrefixDecl {
  readonly option: string;
  readonly arg: string;
  readonly doc: string;
  readonly default: string;
}

/**
 * A component, declared once.
 *
 * @example
 * const spec = { name: "hello", options: { version: option.version({ doc: "tag", required: true }) },
 *   version: { option: "version", arg: "HELLO_VERSION", doc: "hello tag" } } as const satisfies ComponentSpec
 */
export interface ComponentSpec {
  readonly name: string;
  readonly options: OptionKinds;
  readonly version?: VersionDecl;
  readonly prefix?: PrefixDecl;
  /** For a root stage: the external image it starts FROM (see {@link componentImage}). */
  readonly image?: ImageDecl;
  readonly artifacts?: { readonly [key: string]: ArtifactDecl };
  readonly removes?: readonly string[];
  readonly rules?: readonly RuleData[];
}

// ---------------------------------------------------------------------------------------------
// Types derived from a spec

type Opt<O, K, Default> = K extends string ? (O extends { readonly [k in K]: infer X } ? X : Default) : Default;
type OptDefault<Sp extends ComponentSpec, K> = K extends keyof Sp["options"] ? (Sp["options"][K] extends { readonly default: infer D } ? (D extends undefined ? string : D) : string) : string;

/** The stage's own version literal: the version option's value, or its default. */
export type SelfVersion<Sp extends ComponentSpec, O> = Sp["version"] extends { readonly option: infer K } ? Opt<O, K, OptDefault<Sp, K>> extends infer V extends string ? V : string : string;

/** The stage's prefix literal: the prefix option's value, or the declared default. */
export type StagePrefix<Sp extends ComponentSpec, O> = Sp["prefix"] extends { readonly option: infer K; readonly default: infer D extends string }
  ? Opt<O, K, D> extends infer P extends string ? P : string
  : string;

type WhenHolds<W, O, Defaults> = false extends { [K in keyof W]: Opt<O, K, K extends keyof Defaults ? Defaults[K] : undefined> extends W[K] ? true : false }[keyof W] ? false : true;

type DeclArtifact<Sp extends ComponentSpec, D, O> = D extends ArtifactDecl
  ? Artifact<
      D["kind"],
      D extends { readonly prefix: infer P extends string } ? P : StagePrefix<Sp, O>,
      Sp["name"],
      D extends { readonly version: "own" } ? (D extends { readonly distribution: infer Dist extends string } ? `${Dist}-${SelfVersion<Sp, O>}` : SelfVersion<Sp, O>) : string,
      D["delivery"]
    >
  : never;

/** The artifacts a spec provides for options O, literal facts kept. */
export type ProvidesOf<Sp extends ComponentSpec, O> = Sp["artifacts"] extends infer As
  ? {
      readonly [K in keyof As as As[K] extends { readonly when: infer W } ? (WhenHolds<W, O, DefaultsOf<Sp["options"]>> extends true ? K : never) : K]: DeclArtifact<Sp, As[K], O>;
    }
  : {};

/** One build need per artifact option that O gives, literal facts kept. */
export type NeedsOf<Sp extends ComponentSpec, O> = {
  [K in keyof O & keyof Sp["options"]]: O[K] extends Artifact<infer Kd, infer P, infer By, infer V, infer D> ? Need<Kd, P, By, D, Artifact<Kd, P, By, V, D>> : never;
}[keyof O & keyof Sp["options"]];

type ArgsOf<Sp extends ComponentSpec, O> =
  | (Sp["version"] extends { readonly arg: infer N extends string } ? Arg<N, Sp["version"] extends { readonly value: unknown } ? string : SelfVersion<Sp, O>> : never)
  | (Sp["prefix"] extends { readonly arg: infer N extends string } ? Arg<N, StagePrefix<Sp, O>> : never)
  | Arg;

/**
 * The stage a component spec builds for a base F and options O; `Extra` are the needs its build
 * adds besides the artifact options (a final stage's runtime needs).
 *
 * @example
 * type S = ComponentStage<typeof ucxSpec, typeof efa, { version: "v1.19.0" }>
 */
export type ComponentStage<Sp extends ComponentSpec, F extends AnyStage | ImageBase, O, Extra extends AnyNeed = never> = StageOf<
  Sp["name"],
  F,
  ProvidesOf<Sp, O> extends infer P extends { readonly [k: string]: AnyArtifact } ? P : never,
  (NeedsOf<Sp, O> | Extra) extends infer N extends AnyNeed ? N : never,
  ArgsOf<Sp, O>,
  Sp["removes"] extends readonly (infer R extends string)[] ? R : never
>;

/** The artifacts the image of a stage F holds (never for an external image). */
export type HeldBy<F> = F extends { readonly contains: readonly (infer C)[] } ? C : never;
/**
 * What a component's stage inherits from its base F: F's holdings minus the kinds the spec removes
 * (what a `held` rule reads; the runtime twin reads the stage's own holdings, built the same way).
 */
type InheritedBy<Sp extends ComponentSpec, F> = Exclude<HeldBy<F>, { readonly kind: Sp["removes"] extends readonly (infer R extends string)[] ? R : never }>;

/**
 * The parameter type of a component's options: the declared options (unknown keys refused, also
 * through a variable; version and path literals and artifact kinds checked) and every version
 * rule's compile-time twin (a `held` rule reads the artifacts the base F holds); `Extra` adds a
 * stage's own checks as {@link OptionProblem} pairs. A refused options object prints as the short
 * {@link OptionsVerdict} refusal, sentence first.
 *
 * @example
 * function ucx<const F extends AnyStage, const O extends object>(from: F, options: ComponentOptions<typeof ucxSpec, O, F>) {}
 */
export type ComponentOptions<Sp extends ComponentSpec, O, F = never, Extra = never> = OptionsArg<
  Sp["options"],
  Sp["name"],
  O,
  RuleChecks<Sp["rules"], Sp["name"], SelfVersion<Sp, O>, O, DefaultsOf<Sp["options"]>, InheritedBy<Sp, F>> | Extra,
  FormCheck<Sp["version"], O, Sp["name"]>
>;

/**
 * The version option of O must be in the declared form: else an {@link OptionProblem} pair with the
 * sentence buildComponent throws (unless the option's own literal check already refuses it: one
 * sentence per key).
 */
type FormCheck<D, O, N extends string> = D extends { readonly option: infer K extends string; readonly arg: infer A extends string; readonly form: infer F }
  ? O extends { readonly [k in K]: infer V extends string }
    ? [VersionFormProblem<F, A, V>] extends [never] ? never : VersionLiteralCheck<V> extends string ? never : OptionProblem<K, `stage ${N}, option ${K}: ${VersionFormProblem<F, A, V>}`>
    : never
  : never;

/**
 * The compile-time sentence for a component's version literal V that is not in its declared form
 * (never when it is, or when the component declares no form), worded as the runtime check words it.
 *
 * @example
 * type E = ComponentVersionProblem<typeof LIBFABRIC_SPEC, "2.3.0"> // "LIBFABRIC_VERSION is a libfabric release tag with its v (v2.3.0), not 2.3.0"
 */
export type ComponentVersionProblem<Sp extends ComponentSpec, V extends string> = Sp["version"] extends { readonly arg: infer A extends string; readonly form: infer F }
  ? VersionFormProblem<F, A, V>
  : never;

/**
 * The compile-time sentence of one of a component's rules for options O (never when it holds):
 * what tsc prints for that rule, read from the same data as the runtime check. F is the base
 * stage, for a `held` rule (one on an artifact the base holds).
 *
 * @example
 * type E = ComponentRuleProblem<typeof NIXL_SPEC, "nixl-ucx-line", { version: "0.8.0"; ucx: typeof u119 }>
 */
export type ComponentRuleProblem<Sp extends ComponentSpec, Id extends string, O, F = never> = Sp["rules"] extends readonly (infer R)[]
  ? RuleProblem<Extract<R, { readonly id: Id }>, Sp["name"], SelfVersion<Sp, O>, O, DefaultsOf<Sp["options"]>, InheritedBy<Sp, F>>
  : never;

// ---------------------------------------------------------------------------------------------
// Runtime

/** The artifact fields a build gives (the declared facts come from the spec). */
export type ArtifactDetails = Omit<ArtifactSpec<string, string, string, string>, "kind" | "prefix" | "producer" | "version" | "prefixArg"> & {
  readonly version?: string;
};

/** What a component's build receives. */
export interface BuildContext {
  /** The stage's base: a stage, or an external image. */
  readonly from: AnyStage | ImageBase;
  /** The options, checked, with defaults applied. */
  readonly options: { readonly [k: string]: unknown };
  /** The stage's version (option value or default), when the spec declares one. */
  readonly version: string;
  readonly versionArg: Arg | undefined;
  /** The stage's prefix (option value or default), when the spec declares one. */
  readonly prefix: string;
  readonly prefixArg: Arg | undefined;
  /** The ARGs of the spec's FROM image by option name, when it declares one. */
  readonly imageArgs: { readonly [option: string]: Arg };
}

/** What a component's build returns; `N` are the needs it adds besides the artifact options. */
export interface BuildResult<N extends AnyNeed = never> {
  readonly description: string;
  /**
   * Needs besides one build need per artifact option: the runtime needs of a final stage, which
   * copy only the runtime paths of the artifacts it is given (runtimeNeeds).
   */
  readonly needs?: readonly N[];
  /** The stage's ARGs in order; the version and prefix ARGs lead unless listed here. */
  readonly args?: readonly Arg[];
  readonly steps: readonly Instruction[];
  /** How many leading steps run before the build needs are copied in (a source download); default 0. */
  readonly stepsBeforeNeeds?: number;
  /** The details of each declared artifact that is provided (layout, files, delivery, ...). */
  readonly details: { readonly [key: string]: ArtifactDetails };
  readonly versions?: Readonly<Record<string, string>>;
  /**
   * Runtime-only guards for values from data (e.g. a version ARG changed to one the steps were not
   * generated for); at compile time they hold by construction, as the literal is the generated one.
   */
  readonly guards?: readonly VersionRule[];
}

function versionArgOf(spec: ComponentSpec, value: string): Arg {
  const d = spec.version!;
  const def = d.value !== undefined ? d.value(value) : value;
  if (d.pattern !== undefined) return stringArg(d.arg, def, d.pattern.regex, d.pattern.expected, d.doc);
  if (d.form !== undefined) {
    // Named here with the stage and option, before the ARG's own check would name the ARG alone.
    const problem = argValueProblem({ type: "version", form: { arg: d.arg, form: d.form } }, def);
    if (problem !== undefined) fail("invalid-value", `stage ${spec.name}, option ${d.option}: ${problem}`, { stage: spec.name, option: d.option, arg: d.arg });
  }
  return versionArg(d.arg, def, d.doc, d.form);
}

function imageArgsOf(spec: ComponentSpec, options: { readonly [k: string]: unknown }): { readonly [option: string]: Arg } {
  const out: { [option: string]: Arg } = {};
  for (const p of spec.image?.parts ?? []) {
    const k = spec.options[p.option];
    if (k?.image === undefined) fail("invalid-value", `component ${spec.name}: image part ${p.arg} names option ${p.option}, which is not an option.image option`, { stage: spec.name });
    const value = String(options[p.option] ?? k.default ?? "");
    const problem = argValueProblem(imagePartKind(k.image.part, k.image.example), value);
    if (problem !== undefined) fail("invalid-value", `stage ${spec.name}, option ${p.option}: ${problem}`, { stage: spec.name, option: p.option, arg: p.arg });
    out[p.option] = imagePartArg(k.image.part, p.arg, value, p.doc, k.image.example);
  }
  return out;
}

/**
 * The external image a spec's root stage starts FROM, for its checked options: the reference
 * written from the declared ARGs (`${BASE_IMAGE}:${BASE_TAG}`), with those ARGs.
 *
 * @example
 * buildComponent(BASE_SPEC, (o) => componentImage(BASE_SPEC, o), {}, build)
 */
export function componentImage(spec: ComponentSpec, options: { readonly [k: string]: unknown }): ImageBase {
  if (spec.image === undefined) fail("invalid-value", `component ${spec.name} declares no image to start FROM`, { stage: spec.name });
  const args = imageArgsOf(spec, options);
  const platform = spec.image.platform;
  return imageFrom(spec.image.parts.map((p) => args[p.option]!), platform === undefined ? {} : { platform });
}

function whenHolds(when: ArtifactDecl["when"], options: { readonly [k: string]: unknown }): boolean {
  return when === undefined || Object.entries(when).every(([k, v]) => options[k] === v);
}

/**
 * Build a component's stage from its spec: check the options, derive the ARGs, needs, artifacts
 * and rules, run the build for the steps. `from` may be computed from the checked options (a root
 * stage's image).
 *
 * @example
 * const s = buildComponent(spec, efa, { version: "v1.19.0" }, (c) => ({ description: "ucx", steps: [], details: {} }))
 */
export function buildComponent<const Sp extends ComponentSpec, const F extends AnyStage | ImageBase, const O extends object, const N extends AnyNeed = never>(
  spec: Sp,
  from: F | ((options: { readonly [k: string]: unknown }) => F),
  options: O,
  build: (c: BuildContext) => BuildResult<N>,
): ComponentStage<Sp, F, O, N> {
  const o = checkOptionValues(spec.name, options, spec.options);
  const version = spec.version !== undefined ? String(o[spec.version.option] ?? "") : "";
  const vArg = spec.version !== undefined ? versionArgOf(spec, version) : undefined;
  const prefix = spec.prefix !== undefined ? String(o[spec.prefix.option] ?? spec.prefix.default) : "";
  const pArg = spec.prefix !== undefined ? pathArg(spec.prefix.arg, prefix, spec.prefix.doc) : undefined;
  if (pArg !== undefined) checkArgValue(pArg, prefix, spec.name);
  const base = typeof from === "function" ? from(o) : from;
  const r = build({ from: base, options: o, version, versionArg: vArg, prefix, prefixArg: pArg, imageArgs: spec.image === undefined ? {} : imageArgsOf(spec, o) });
  const provides: { [k: string]: AnyArtifact } = {};
  for (const [key, d] of Object.entries(spec.artifacts ?? {})) {
    if (!whenHolds(d.when, o)) continue;
    const det = r.details[key];
    if (det === undefined) fail("invalid-value", `component ${spec.name}: its build gives no details for artifact ${key}`, { stage: spec.name });
    const own = d.version === "own";
    const v = own ? (d.distribution !== undefined ? `${d.distribution}-${version}` : version) : det.version;
    if (v === undefined) fail("invalid-value", `component ${spec.name}: artifact ${key} declares no version and its build gives none`, { stage: spec.name });
    if (det.delivery.type !== d.delivery) fail("invalid-value", `component ${spec.name}: artifact ${key} is declared ${d.delivery} but its build delivers it ${det.delivery.type}`, { stage: spec.name });
    const fixedPrefix = d.prefix !== undefined;
    provides[key] = artifact({
      ...det,
      kind: d.kind,
      producer: spec.name,
      version: v,
      prefix: fixedPrefix ? d.prefix! : prefix,
      ...(fixedPrefix || pArg === undefined ? {} : { prefixArg: pArg }),
      ...(own && d.versionArg !== false && vArg !== undefined ? { versionArg: vArg } : {}),
      ...(d.distribution !== undefined ? { facts: { distribution: d.distribution, ...det.facts } } : {}),
    });
  }
  for (const key of Object.keys(r.details)) {
    if (!(key in provides)) fail("invalid-value", `component ${spec.name}: its build gives details for ${key}, which the spec does not declare (or whose condition does not hold)`, { stage: spec.name });
  }
  const needs: AnyNeed[] = [];
  for (const [key, k] of Object.entries(spec.options)) {
    if (k.artifactKind !== undefined && o[key] !== undefined) needs.push(buildNeed(o[key] as AnyArtifact));
  }
  needs.push(...(r.needs ?? []));
  const inputs = { options: o, versionArg: spec.version?.arg ?? "" };
  // The version and prefix ARGs lead, unless the build places them itself.
  const listed = new Set((r.args ?? []).map((a) => a.name));
  const args = [...[vArg, pArg].filter((a): a is Arg => a !== undefined && !listed.has(a.name)), ...(r.args ?? [])];
  const steps = r.steps;
  checkTypedArgs(spec.name, steps, args, needs);
  const stage = defineStage({
    name: spec.name,
    description: r.description,
    from: base as AnyStage | ImageBase,
    args,
    needs,
    provides,
    removes: spec.removes ?? [],
    steps,
    ...(r.stepsBeforeNeeds === undefined ? {} : { stepsBeforeNeeds: r.stepsBeforeNeeds }),
    versions: r.versions ?? {},
    rules: [...(spec.rules ?? []).map((rule) => ruleOf(rule, inputs)), ...(r.guards ?? [])],
    overrides: (o["overrides"] as readonly RuleOverride[] | undefined) ?? [],
  });
  // The one cast: the stage was built from the same declarations its type reads (kind, prefix,
  // producer and version of each artifact; one need per artifact option given, and the build's own).
  return stage as unknown as ComponentStage<Sp, F, O, N>;
}

/** A script built with `sh` that reads an ARG the stage does not declare is refused here, not at render. */
function checkTypedArgs(stage: string, steps: readonly Instruction[], args: readonly Arg[], needs: readonly AnyNeed[]): void {
  const known = new Set([...args.map((a) => a.name), ...needs.flatMap((n) => n.artifact?.args.map((a) => a.name) ?? [])]);
  for (const s of steps) {
    if (s.op !== "RUN" || s.typed === undefined) continue;
    const missing = s.typed.argNames.filter((n) => !known.has(n));
    if (missing.length > 0) fail("render", `stage ${stage} reads ARG ${missing.join(", ")} but does not declare it; add it to the stage's args`, { stage, arg: missing[0]! });
  }
}

/** A component's stage function: `(from, options) => stage`, typed from its spec. */
export type Component<Sp extends ComponentSpec> = <const F extends AnyStage, const O extends object = {}>(from: F, options: ComponentOptions<Sp, O, F>) => ComponentStage<Sp, F, O>;

/**
 * Declare a component built FROM another stage: the spec once, and the build.
 *
 * @example
 * export const hello = defineComponent(spec, (c) => ({ description: "hello", steps: [run(sh`echo ${c.versionArg!}`)], details: {} }))
 */
export function defineComponent<const Sp extends ComponentSpec>(spec: Sp, build: (c: BuildContext) => BuildResult): Component<Sp> {
  return ((from: AnyStage, options: object) => buildComponent(spec, from, options, build)) as Component<Sp>;
}

/**
 * The artifact of a kind that a stage's image holds (from its base chain), for scripts that use it
 * without copying it (the CUDA toolkit of the base image).
 *
 * @example
 * heldArtifact(efa, "cuda").prefix // "/usr/local/cuda"
 */
export function heldArtifact(from: AnyStage | ImageBase, kind: string): AnyArtifact {
  const hit = "steps" in from ? from.contains.find((c): c is AnyArtifact => c.kind === kind && "delivery" in c) : undefined;
  if (hit === undefined) {
    const what = "steps" in from ? `stage ${from.name}` : `image ${from.image}`;
    fail("missing-producer", `${what} holds no ${kind} artifact; build FROM a stage whose image holds it`, "steps" in from ? { stage: from.name } : {});
  }
  return hit;
}
