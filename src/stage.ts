import type { Arg } from "./arg.ts";
import type { AnyArtifact, Artifact, DeliveryType } from "./artifact.ts";
import type { Instruction } from "./instructions.ts";
import { copyArtifact, copyRuntime } from "./instructions.ts";
import { fail, nameProblem } from "./validate.ts";
import type { RuleOverride, VersionRule } from "./version-rules.ts";

/**
 * What a stage holds or requires, reduced to the three facts the composition rules compare.
 * Artifacts and needs both have this shape.
 */
export interface Held<K extends string = string, P extends string = string, By extends string = string> {
  readonly kind: K;
  readonly prefix: P;
  readonly producer: By;
}

/**
 * A requirement of a stage: an artifact kind at a prefix. `producer` is the stage the artifact was
 * taken from, or null when the requirement was stated by kind and prefix alone (a stage from another
 * repository that hard-codes `/opt/amazon/efa`). `mode` says how the files arrive: "build" copies
 * the whole staged install, "runtime" only its runtime paths. `D` is the artifact's delivery: an
 * "in-image" artifact reaches the stage only when the stage is built FROM its producer.
 */
export interface Need<
  K extends string = string,
  P extends string = string,
  By extends string | null = string | null,
  D extends DeliveryType = DeliveryType,
  A extends AnyArtifact | undefined = AnyArtifact | undefined,
> {
  readonly kind: K;
  readonly prefix: P;
  readonly producer: By;
  /** The delivery of the artifact (see {@link Artifact}); absent for a requirement stated by kind and prefix. */
  readonly delivery?: D;
  readonly mode: "build" | "runtime";
  /** The artifact taken, its literal type kept: an image that copies it in holds this artifact (its version too). */
  readonly artifact: A;
}

/** Any need, literal types erased. */
export type AnyNeed = Need<string, string, string | null>;

/**
 * Need an artifact to build against: its staged files are copied into the stage.
 *
 * @example
 * needs: [buildNeed(fabric.provides.libfabric)]
 */
export function buildNeed<K extends string, P extends string, By extends string, V extends string, D extends DeliveryType>(a: Artifact<K, P, By, V, D>): Need<K, P, By, D, Artifact<K, P, By, V, D>> {
  return Object.freeze({ kind: a.kind, prefix: a.prefix, producer: a.producer, mode: "build" as const, artifact: a, delivery: a.delivery.type });
}

/**
 * Need an artifact at run time: only its runtime paths are copied, and its lib dirs registered.
 *
 * @example
 * needs: [runtimeNeed(nixlBuild.provides.nixl)]
 */
export function runtimeNeed<K extends string, P extends string, By extends string, V extends string, D extends DeliveryType>(a: Artifact<K, P, By, V, D>): Need<K, P, By, D, Artifact<K, P, By, V, D>> {
  return Object.freeze({ kind: a.kind, prefix: a.prefix, producer: a.producer, mode: "runtime" as const, artifact: a, delivery: a.delivery.type });
}

/**
 * Require an artifact kind at a stated prefix without taking it from a stage (for stages that
 * hard-code a path). The recipe checks it against whatever stage provides that kind.
 *
 * @example
 * needs: [expectAt("libfabric", "/opt/amazon/efa")]
 */
export function expectAt<const K extends string, const P extends string>(kind: K, prefix: P): Need<K, P, null, DeliveryType, undefined> {
  return Object.freeze({ kind, prefix, producer: null, mode: "build" as const, artifact: undefined });
}

/** An external image a stage starts from, with the ARGs its reference reads (global ARGs). */
export interface ImageBase {
  readonly image: string;
  readonly args: readonly Arg[];
  /**
   * `FROM --platform=<platform>`: e.g. `$BUILDPLATFORM` for a stage whose steps run on the build host
   * (a cross compiler), whatever platform the image is built for. Omitted: the target platform.
   */
  readonly platform?: string;
}

/**
 * An external base image. The reference may use `${ARG}` of the given ARGs; `platform` pins the
 * stage to a platform (`${BUILDPLATFORM}` with BUILDPLATFORM among the args: the build host).
 *
 * @example
 * image("${BASE_IMAGE}:${BASE_TAG}", [baseImageArg, baseTagArg])
 * image("${CROSS_IMAGE}", [crossImageArg, BUILDPLATFORM], { platform: "${BUILDPLATFORM}" })
 */
export function image(ref: string, args: readonly Arg[] = [], options: { readonly platform?: string } = {}): ImageBase {
  return Object.freeze(options.platform === undefined ? { image: ref, args } : { image: ref, args, platform: options.platform });
}

/**
 * An external image whose reference is made of ARGs, each written once: `imageFrom([BASE_IMAGE,
 * BASE_TAG])` is `FROM ${BASE_IMAGE}:${BASE_TAG}` with both as global ARGs; `platform` an ARG such
 * as BUILDPLATFORM (`FROM --platform=${BUILDPLATFORM}`).
 *
 * @example
 * imageFrom([crossImageArg], { platform: BUILDPLATFORM })
 */
export function imageFrom(parts: readonly Arg[], options: { readonly platform?: Arg } = {}): ImageBase {
  const ref = (a: Arg) => `\${${a.name}}`;
  const p = options.platform;
  return image(parts.map(ref).join(":"), p === undefined ? parts : [...parts, p], p === undefined ? {} : { platform: ref(p) });
}

/**
 * An external image's reference with each of its ARGs at its default (`${BASE_IMAGE}:${BASE_TAG}`
 * → `nvcr.io/nvidia/cuda-dl-base:25.06-cuda12.9-devel-ubuntu24.04`), for facts and manifests.
 *
 * @example
 * imageDefault(image("${UV_IMAGE}", [uvImageArg])) // the pinned uv reference
 */
export function imageDefault(base: ImageBase): string {
  return base.image.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => base.args.find((a) => a.name === name)?.default ?? m);
}

/**
 * One Docker build stage: its base, ARGs, needs, provided artifacts, what its image holds, and its
 * instructions. The type parameters carry the literal facts the recipe rules compare.
 *
 * @example
 * const s: Stage<"ucx"> = ucx(base, { version: "v1.19.0" })
 */
export interface Stage<
  N extends string = string,
  Prov extends { readonly [k: string]: AnyArtifact } = { readonly [k: string]: AnyArtifact },
  Nd extends AnyNeed = AnyNeed,
  A extends Arg = Arg,
  C extends Held = Held,
> {
  readonly name: N;
  readonly description: string;
  readonly from: ImageBase | AnyStage;
  readonly args: readonly A[];
  readonly needs: readonly Nd[];
  readonly provides: Prov;
  /** Everything this stage's image holds: inherited (minus removals), copied in, and installed. */
  readonly contains: readonly C[];
  readonly removes: readonly string[];
  readonly steps: readonly Instruction[];
  /** Component versions for OCI labels, e.g. `{ libfabric: "v2.3.0" }`; values may reference ARGs. */
  readonly versions: Readonly<Record<string, string>>;
  /** Compatibility rules of the component, checked at generation. */
  readonly rules: readonly VersionRule[];
  /** Rules an expert chose to override; rendered visibly into the Dockerfile. */
  readonly overrides: readonly RuleOverride[];
}

/** Any stage, literal types erased. */
export type AnyStage = Stage<string, { readonly [k: string]: AnyArtifact }, AnyNeed, Arg, Held>;

type ContainsOf<S> = S extends { readonly contains: readonly (infer C)[] } ? C : never;
type Removed<C, R extends string> = C extends { readonly kind: R } ? never : C;
/**
 * What a stage's needs add to its image: a staged artifact is copied in; an in-image one is there only
 * when the base already holds it (else the recipe check refuses the stage). Unknown delivery counts
 * as held: the runtime check decides. A copied artifact is held as the artifact itself, as
 * composeImage holds it at run time, so a later stage's rules read its version (a version rule on
 * an artifact its base holds); a need whose artifact type is not literal adds its kind, prefix and
 * producer only.
 */
type NeedHeld<Nd, Base> = Nd extends Need<infer K, infer P, infer By, infer D, infer A>
  ? By extends string
    ? [D] extends ["in-image"]
      ? [Extract<Base, { readonly kind: K; readonly producer: By }>] extends [never] ? never : Held<K, P, By>
      : CopiedHeld<A, K, P, By>
    : never
  : never;
/** The artifact a need copies in, rebuilt on the need's own literals (a wide artifact type: Held). */
type CopiedHeld<A, K extends string, P extends string, By extends string> = [A] extends [Artifact<K, P, By, infer V, infer D>] ? Artifact<K, P, By, V, D> : Held<K, P, By>;

/**
 * The stage type {@link defineStage} returns for a name, a base, artifacts, needs, ARGs and removed
 * kinds: what its image holds is the base's contents minus removals, the needs and its artifacts.
 *
 * @example
 * type S = StageOf<"ucx", typeof base, { ucx: typeof ucxArtifact }, never, never, never>
 */
export type StageOf<N extends string, F extends ImageBase | AnyStage, Prov extends { readonly [k: string]: AnyArtifact }, Nd extends AnyNeed, A extends Arg, R extends string> = Stage<
  N,
  Prov,
  Nd,
  A,
  Removed<ContainsOf<F>, R> | NeedHeld<Nd, Removed<ContainsOf<F>, R>> | Prov[keyof Prov]
>;

/** The spec accepted by {@link defineStage}. */
export interface StageSpec<
  N extends string,
  F extends ImageBase | AnyStage,
  Prov extends { readonly [k: string]: AnyArtifact },
  Nd extends AnyNeed,
  A extends Arg,
  R extends string,
> {
  readonly name: N;
  readonly description: string;
  readonly from: F;
  readonly args?: readonly A[];
  readonly needs?: readonly Nd[];
  readonly provides?: Prov;
  /** Artifact kinds the steps delete from the inherited image (e.g. the EFA installer's libfabric). */
  readonly removes?: readonly R[];
  readonly steps: readonly Instruction[];
  /**
   * How many of the leading instructions of `steps` come before the needs are copied in: steps that
   * read no need (a source download), so that a changed need does not re-execute them. Default 0.
   */
  readonly stepsBeforeNeeds?: number;
  readonly versions?: Readonly<Record<string, string>>;
  readonly rules?: readonly VersionRule[];
  readonly overrides?: readonly RuleOverride[];
}

/**
 * Define a stage. Needs are copied in first (build needs: the whole staged install; runtime needs:
 * only runtime paths), after the first `stepsBeforeNeeds` steps; then the steps run. Artifacts
 * must name this stage as producer.
 *
 * @example
 * const s = defineStage({ name: "hello", description: "demo", from: image("debian:12"), steps: [run("echo hi")] })
 */
export function defineStage<
  const N extends string,
  const F extends ImageBase | AnyStage,
  const Prov extends { readonly [k: string]: AnyArtifact } = {},
  const Nd extends AnyNeed = never,
  const A extends Arg = never,
  const R extends string = never,
>(
  spec: StageSpec<N, F, Prov, Nd, A, R>,
): StageOf<N, F, Prov, Nd, A, R> {
  const badName = nameProblem("stage", spec.name);
  if (badName !== undefined) fail("invalid-value", badName, { stage: spec.name });
  const provides = (spec.provides ?? {}) as Prov;
  for (const [key, a] of Object.entries(provides)) {
    if (a.producer !== spec.name) {
      fail("invalid-value", `stage ${spec.name} provides ${key} but the artifact names stage ${a.producer} as its producer; create the artifact with producer "${spec.name}"`, { stage: spec.name });
    }
  }
  const needs: readonly Nd[] = spec.needs ?? [];
  const removes: readonly R[] = spec.removes ?? [];
  const { contains, copySteps } = composeImage(spec.from, removes, needs, provides);
  const before = spec.stepsBeforeNeeds ?? 0;
  if (!Number.isInteger(before) || before < 0 || before > spec.steps.length) {
    fail("invalid-value", `stage ${spec.name}: stepsBeforeNeeds is ${before}, but it must be a whole number from 0 to the ${spec.steps.length} instructions of its steps`, { stage: spec.name });
  }
  type C = Removed<ContainsOf<F>, R> | NeedHeld<Nd, Removed<ContainsOf<F>, R>> | Prov[keyof Prov];
  return Object.freeze({
    name: spec.name,
    description: spec.description,
    from: spec.from,
    args: spec.args ?? [],
    needs,
    provides,
    contains: contains as unknown as readonly C[],
    removes,
    steps: [...spec.steps.slice(0, before), ...copySteps, ...spec.steps.slice(before)],
    versions: spec.versions ?? {},
    rules: spec.rules ?? [],
    overrides: spec.overrides ?? [],
  });
}

/**
 * What a stage's image holds and the COPY steps that bring its needs in: the base's contents minus
 * removals, each staged need's artifact (unless the base already holds it), and the stage's own
 * artifacts. An in-image need the base does not hold is not in the image (nothing can copy it);
 * the recipe check reports it.
 *
 * @example
 * composeImage(base, [], [buildNeed(fabric.provides.libfabric)], {}).copySteps.length // 1
 */
export function composeImage(
  from: ImageBase | AnyStage,
  removes: readonly string[],
  needs: readonly AnyNeed[],
  provides: { readonly [k: string]: AnyArtifact },
): { contains: Held[]; copySteps: Instruction[] } {
  const inherited = "steps" in from ? from.contains.filter((c) => !removes.includes(c.kind)) : [];
  const copied: Held[] = [];
  const copySteps: Instruction[] = [];
  for (const n of needs) {
    if (n.artifact === undefined) continue;
    if (inherited.some((c) => c.kind === n.kind && c.producer === n.producer)) continue;
    if (n.artifact.delivery.type !== "staged") continue;
    copied.push(n.artifact);
    copySteps.push(...(n.mode === "build" ? copyArtifact(n.artifact) : copyRuntime(n.artifact)));
  }
  return { contains: [...inherited, ...copied, ...Object.values(provides)], copySteps };
}

/**
 * The base chain of a stage, nearest first (the stage itself excluded).
 *
 * @example
 * ancestors(nixlStage).map((s) => s.name) // ["base"]
 */
export function ancestors(s: AnyStage): AnyStage[] {
  const out: AnyStage[] = [];
  let cur: ImageBase | AnyStage = s.from;
  while ("steps" in cur) {
    out.push(cur);
    cur = cur.from;
  }
  return out;
}
