/**
 * The image's bill of materials: the resolved components, versions and paths of a recipe, as YAML.
 */
import { stringify } from "yaml";
import { recipeArgs } from "./companions.ts";
import { resolvedVersion, type AnyArtifact } from "./artifact.ts";
import type { Recipe } from "./recipe.ts";

/**
 * The manifest of a recipe as a plain object (stable key order).
 *
 * @example
 * manifest(alignedRecipe()).components.find((c) => c.kind === "libfabric")?.prefix // "/usr/local"
 */
export function manifest(r: Recipe) {
  const args = recipeArgs(r);
  const value = (n: string) => args.find((a) => a.name === n)?.default;
  const inImage = new Map<string, AnyArtifact>();
  for (const c of r.final.contains) if ("delivery" in c) inImage.set(`${c.kind}@${c.producer}`, c as AnyArtifact);
  for (const n of r.final.needs) if (n.artifact !== undefined) inImage.set(`${n.kind}@${n.producer ?? ""}`, n.artifact);
  return {
    recipe: r.name,
    description: r.description,
    target: r.final.name,
    stages: r.stages.map((s) => s.name),
    components: [...inImage.values()].map((a) => ({
      kind: a.kind,
      version: resolvedVersion(a, value),
      prefix: a.prefix,
      stage: a.producer,
      delivery: a.delivery.type,
      // ${ARCH} and the like resolved with the recipe's ARG defaults: a bill of materials names real paths.
      ...(a.runtimeFiles.length > 0 ? { files: a.runtimeFiles.map((f) => f.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, n: string) => value(n) ?? m)) } : {}),
      ...(Object.keys(a.facts).length > 0 ? { facts: { ...a.facts } } : {}),
    })),
    args: Object.fromEntries(args.map((a) => [a.name, a.default])),
    ...(r.notes.length > 0 ? { notes: [...r.notes] } : {}),
  };
}

/**
 * The manifest as YAML text.
 *
 * @example
 * process.stdout.write(manifestYaml(alignedRecipe()))
 */
export function manifestYaml(r: Recipe): string {
  return stringify(manifest(r), { lineWidth: 0 });
}
