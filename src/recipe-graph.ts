/**
 * A recipe resolved once: each stage's position and base chain, what its image holds (and from which
 * producer), what it was built against, and who provides each artifact kind. The runtime rules
 * (check.ts) read this graph instead of walking the stage list again; the type-level rules
 * (rules.ts) build the same tables as types.
 */
import type { AnyArtifact } from "./artifact.ts";
import { ancestors, type AnyNeed, type AnyStage, type Held } from "./stage.ts";

/** One stage of a resolved recipe. */
export interface ResolvedStage {
  readonly stage: AnyStage;
  /** Its position in the recipe's list. */
  readonly index: number;
  /** Its base chain, nearest first (stages only; the external image is not listed). */
  readonly chain: readonly AnyStage[];
  /** Everything its image holds. */
  readonly holds: readonly Held[];
  /** What it was built against: its needs. */
  readonly against: readonly AnyNeed[];
  /** What its image holds because of its own needs (copied in, or already held by its base). */
  readonly added: readonly Held[];
}

/** A recipe's stages with the relations every rule reads. */
export interface RecipeGraph {
  readonly stages: readonly ResolvedStage[];
  /** The first stage of each name. */
  readonly byName: ReadonlyMap<string, ResolvedStage>;
  /** Every provider of an artifact kind, in list order, wherever it is listed. */
  providers(kind: string): readonly AnyArtifact[];
  /** The stages, other than the producer itself, whose images hold something the producer built. */
  holdersOf(producer: string): readonly ResolvedStage[];
}

/**
 * Resolve a list of stages into the graph the rules read.
 *
 * @example
 * resolveRecipe([base, fabric, nixlStage]).holdersOf("libfabric").map((s) => s.stage.name) // ["nixl"]
 */
export function resolveRecipe(stages: readonly AnyStage[]): RecipeGraph {
  const resolved = stages.map((stage, index): ResolvedStage => {
    const held = (n: AnyNeed) => stage.contains.find((c) => c.kind === n.kind && c.producer === n.producer);
    return {
      stage,
      index,
      chain: ancestors(stage),
      holds: stage.contains,
      against: stage.needs,
      added: stage.needs.map(held).filter((h): h is Held => h !== undefined),
    };
  });
  const byName = new Map<string, ResolvedStage>();
  for (const r of resolved) if (!byName.has(r.stage.name)) byName.set(r.stage.name, r);
  const providers = new Map<string, AnyArtifact[]>();
  for (const s of stages) for (const a of Object.values(s.provides)) providers.set(a.kind, [...(providers.get(a.kind) ?? []), a]);
  return {
    stages: resolved,
    byName,
    providers: (kind) => providers.get(kind) ?? [],
    holdersOf: (producer) => resolved.filter((r) => r.stage.name !== producer && r.holds.some((h) => h.producer === producer)),
  };
}
