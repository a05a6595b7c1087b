/**
 * Recipe → docker-bake.hcl: the same build as the build script, declared for `docker buildx bake`.
 * One target per recipe variant (each its own Dockerfile), every typed ARG a bake variable whose
 * default is the recipe's (so values files, applied to the recipe, reach both) and whose
 * validation blocks are the ARG kind's own checks, translated (same sentences as the generator
 * prints); platforms, cache import/export and named contexts (an image from a mirror instead of a
 * registry) are variables a user fills from the environment (`VAR=value docker buildx bake`).
 */
import { argChecks, followsPlatform, type Arg } from "./arg.ts";
import { recipeArgs } from "./companions.ts";
import { StagewrightError } from "./errors.ts";
import type { Recipe } from "./recipe.ts";
import type { ImageBase } from "./stage.ts";
import { nameProblem, type ValueCheck } from "./validate.ts";

/** The file name the bake file is written as (bake finds it without -f in its directory). */
export const BAKE_FILE = "docker-bake.hcl";

/** One bake target: the recipe variant, its target name and its Dockerfile's file name. */
export interface BakeTarget {
  readonly target: string;
  readonly dockerfile: string;
  readonly recipe: Recipe;
}

/**
 * The bake targets of a recipe and its variants: the recipe itself as `<name>` with
 * Dockerfile.<name>, each variant as `<name>-<variant>` with Dockerfile.<name>-<variant>.
 *
 * @example
 * bakeTargets(alignedRecipe(), { "no-nccl": alignedRecipe({ nccl: false }) }).map((t) => t.target) // ["nixl-aligned", "nixl-aligned-no-nccl"]
 */
export function bakeTargets(r: Recipe, variants: Readonly<Record<string, Recipe>> = {}): BakeTarget[] {
  const targets: BakeTarget[] = [{ target: r.name, dockerfile: `Dockerfile.${r.name}`, recipe: r }];
  for (const [variant, v] of Object.entries(variants)) {
    const target = `${r.name}-${variant}`;
    const bad = nameProblem("recipe", target);
    if (bad !== undefined) throw new StagewrightError("invalid-value", `variant ${variant} of recipe ${r.name}: ${bad}`);
    targets.push({ target, dockerfile: `Dockerfile.${target}`, recipe: v });
  }
  return targets;
}

/** Variables the bake file declares besides the ARGs (an ARG of the same name is refused). */
const PLATFORMS_VAR = "PLATFORMS";
const CACHE_FROM_VAR = "CACHE_FROM";
const CACHE_TO_VAR = "CACHE_TO";
const IMAGE_VAR = "IMAGE";
const TAG_VAR = "TAG";

/** An HCL quoted string holding `text` literally (no interpolation). */
function hclString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const code = c.charCodeAt(0);
    if (c === '"' || c === "\\") out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else if ((c === "$" || c === "%") && text[i + 1] === "{") out += c + c;
    else out += c;
  }
  return `${out}"`;
}

/**
 * An HCL quoted template: `text` literally except `${NAME}`, which stays an interpolation of the
 * bake variable NAME (the Dockerfile's `${NAME}` and bake's read the same ARG). Throws when NAME
 * is not a variable of the file.
 */
function hclTemplate(text: string, variables: ReadonlySet<string>, where: string): string {
  const parts = text.split(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/);
  let out = "";
  parts.forEach((p, i) => {
    if (i % 2 === 0) out += hclString(p).slice(1, -1);
    else if (variables.has(p)) out += `\${${p}}`;
    else throw new StagewrightError("render", `${where} reads \${${p}}, which is not an ARG of the recipe; declare it as one of the stage's image args`);
  });
  return `"${out}"`;
}

/** Stands for the value in a check's sentence (a private-use character: no sentence holds one). */
const SENTINEL = "\uE000";

/** A JavaScript regular expression as RE2 source (bake's `regex()`), or an error naming the ARG. */
function re2(pattern: RegExp, arg: string): string {
  const unsupported = /\(\?<?[=!]|\\[1-9]|\\k</.exec(pattern.source);
  if (unsupported !== null) {
    throw new StagewrightError("render", `ARG ${arg}: its pattern /${pattern.source}/ uses ${unsupported[0]}, which bake's regex (RE2) does not have; write the pattern without lookaround or back-references`, { arg });
  }
  const flags = [...pattern.flags].filter((f) => f !== "u");
  const bad = flags.find((f) => !"ims".includes(f));
  if (bad !== undefined) throw new StagewrightError("render", `ARG ${arg}: its pattern /${pattern.source}/${pattern.flags} has flag ${bad}; an ARG pattern may use the flags i, m, s and u only`, { arg });
  return `${flags.length > 0 ? `(?${flags.join("")})` : ""}${pattern.source}`;
}

/** One bake `validation` block from a value check: the same pattern, the same sentence. */
function validationBlock(check: ValueCheck, a: Arg): string {
  const condition = `${check.matches ? "" : "!"}can(regex(${hclString(re2(check.pattern, a.name))}, ${a.name}))`;
  // The sentence with the value left as a placeholder, then the placeholder made an interpolation.
  const message = hclString(`ARG ${a.name}: ${check.problem(SENTINEL)}`).replaceAll(SENTINEL, `\${${a.name}}`);
  return `  validation {\n    condition     = ${condition}\n    error_message = ${message}\n  }`;
}

function variableBlock(name: string, description: string, type: string, def: string, validations: readonly string[]): string {
  return [`variable ${hclString(name)} {`, `  description = ${hclString(description.replace(/\s+/g, " "))}`, `  type        = ${type}`, `  default     = ${def}`, ...validations, "}"].join("\n");
}

function hclList(items: readonly string[]): string {
  return `[${items.map(hclString).join(", ")}]`;
}

/** A FROM that names an image BuildKit pulls (not an earlier stage, not scratch): a named context can replace it. */
function pulledImage(from: Recipe["stages"][number]["from"]): from is ImageBase {
  return !("steps" in from) && from.image.toLowerCase() !== "scratch";
}

function contextVariable(stage: string): string {
  return `CONTEXT_${stage.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/**
 * The bake file of a recipe and its variants. Deterministic; the build args `docker buildx bake
 * --print` resolves equal the Dockerfile's defaults overlaid with what the build script passes for
 * the same values (test/bake.test.ts runs both).
 *
 * @example
 * writeFileSync("docker-bake.hcl", bakeFile(alignedRecipe(), { "no-nccl": alignedRecipe({ nccl: false }) }))
 */
export function bakeFile(r: Recipe, variants: Readonly<Record<string, Recipe>> = {}): string {
  const targets = bakeTargets(r, variants);
  for (const t of targets) {
    if (t.recipe.platforms.join(",") !== r.platforms.join(",")) {
      throw new StagewrightError("render", `variant ${t.target} builds for ${t.recipe.platforms.join(", ")} but recipe ${r.name} for ${r.platforms.join(", ")}; one bake file has one PLATFORMS variable, give the variants the same platforms`);
    }
  }
  const args = new Map<string, { arg: Arg; target: string }>();
  for (const t of targets) {
    for (const a of recipeArgs(t.recipe).filter((x) => !followsPlatform(x))) {
      const seen = args.get(a.name);
      if (seen === undefined) args.set(a.name, { arg: a, target: t.target });
      else if (seen.arg.default !== a.default) {
        throw new StagewrightError("arg-conflict", `ARG ${a.name} defaults to ${JSON.stringify(seen.arg.default)} in target ${seen.target} but to ${JSON.stringify(a.default)} in target ${t.target}; one bake variable has one default, give the variants the same value`, { arg: a.name });
      }
    }
  }
  const roots = new Map<string, ImageBase>();
  for (const t of targets) for (const s of t.recipe.stages) if (pulledImage(s.from) && !roots.has(s.name)) roots.set(s.name, s.from);
  const extra = [PLATFORMS_VAR, CACHE_FROM_VAR, CACHE_TO_VAR, IMAGE_VAR, TAG_VAR, ...[...roots.keys()].map(contextVariable)];
  const clash = extra.find((n) => args.has(n));
  if (clash !== undefined) throw new StagewrightError("render", `ARG ${clash} has the name of a bake variable stagewright declares itself; rename the ARG`, { arg: clash });
  const variables = new Set([...args.keys(), ...extra]);

  const blocks: string[] = [];
  for (const { arg: a } of args.values()) {
    blocks.push(variableBlock(a.name, a.description, "string", hclString(a.default), argChecks(a.kind).map((c) => validationBlock(c, a))));
  }
  const platformList = r.platforms.join(", ");
  blocks.push(variableBlock(PLATFORMS_VAR, `platforms to build for (CSV in the environment): ${platformList}`, "list(string)", hclList(r.platforms.slice(0, 1)), [
    `  validation {\n    condition     = length(${PLATFORMS_VAR}) > 0 && length([for p in ${PLATFORMS_VAR} : p if !contains(${hclList(r.platforms)}, p)]) == 0\n    error_message = ${hclString(`PLATFORMS: recipe ${r.name} builds for ${platformList}; give one or more of them`)}\n  }`,
  ]));
  const cacheCheck = (v: string) => `  validation {\n    condition     = length([for c in ${v} : c if !can(regex("^type=[a-z0-9-]+(,|$)", c))]) == 0\n    error_message = ${hclString(`${v}: each entry is type=<registry|local|gha|s3|azblob|inline>,<options>, e.g. type=registry,ref=registry.example/${r.name}:cache`)}\n  }`;
  blocks.push(variableBlock(CACHE_FROM_VAR, `cache imports, as for docker buildx build --cache-from (CSV in the environment, quote each entry: "type=registry,ref=registry.example/${r.name}:cache"); empty = none`, "list(string)", "[]", [cacheCheck(CACHE_FROM_VAR)]));
  blocks.push(variableBlock(CACHE_TO_VAR, `cache exports, as for docker buildx build --cache-to (e.g. "type=registry,ref=registry.example/${r.name}:cache,mode=max"); empty = none`, "list(string)", "[]", [cacheCheck(CACHE_TO_VAR)]));
  blocks.push(variableBlock(IMAGE_VAR, "image repository of the tags", "string", hclString(r.name), []));
  blocks.push(variableBlock(TAG_VAR, "image tag; a variant's tag is <TAG>-<variant>", "string", hclString("local"), []));
  for (const [stage, base] of roots) {
    blocks.push(variableBlock(contextVariable(stage), `build context that replaces the image of stage ${stage} (${base.image}), e.g. oci-layout:///mirror/images/${stage} or docker-image://registry.mirror/...; empty = pull it`, "string", '""', [
      `  validation {\n    condition     = ${contextVariable(stage)} == "" || can(regex("^(docker-image|oci-layout)://.|^target:.|^https?://.|^[./]", ${contextVariable(stage)}))\n    error_message = ${hclString(`${contextVariable(stage)}: give docker-image://REF, oci-layout://DIR[:TAG], target:NAME, an http(s) URL or a directory`)}\n  }`,
    ]));
  }

  const targetBlocks = targets.map((t, i) => {
    const own = recipeArgs(t.recipe).filter((x) => !followsPlatform(x));
    const width = Math.max(...own.map((a) => a.name.length));
    const contexts = t.recipe.stages.flatMap((s) => (!pulledImage(s.from) ? [] : [`${contextVariable(s.name)} == "" ? {} : { ${hclTemplate(s.from.image, variables, `stage ${s.name}'s FROM`)} = ${contextVariable(s.name)} }`]));
    const tag = i === 0 ? `"\${${IMAGE_VAR}}:\${${TAG_VAR}}"` : `"\${${IMAGE_VAR}}:\${${TAG_VAR}}-${t.target.slice(r.name.length + 1)}"`;
    return [
      `# ${t.recipe.description.replace(/\s+/g, " ")}`,
      `target ${hclString(t.target)} {`,
      `  context    = "."`,
      `  dockerfile = ${hclString(t.dockerfile)}`,
      `  target     = ${hclString(t.recipe.final.name)}`,
      `  platforms  = ${PLATFORMS_VAR}`,
      `  tags       = [${tag}]`,
      `  cache-from = ${CACHE_FROM_VAR}`,
      `  cache-to   = ${CACHE_TO_VAR}`,
      `  contexts   = merge(${contexts.map((c) => `\n    ${c}`).join(",")}\n  )`,
      `  args = {`,
      ...own.map((a) => `    ${a.name.padEnd(width)} = ${a.name}`),
      `  }`,
      `}`,
    ].join("\n");
  });
  const first = [...args.values()].find((x) => x.arg.kind.type === "version")?.arg;
  const example = first === undefined ? "TAG=dev" : `${first.name}=${first.default}`;
  const header = [
    `# Generated by stagewright from recipe ${r.name}; do not edit (regenerate with npm run generate).`,
    `# Run it in this directory: docker buildx bake [${targets.map((t) => t.target).join(" | ")} | all]`,
    `# Every variable can be set from the environment (${example} docker buildx bake); each is checked by its`,
    "# validation blocks before anything builds. docker buildx bake --print shows the resolved build.",
  ];
  return `${[
    header.join("\n"),
    ...blocks,
    `group "default" {\n  targets = [${hclString(r.name)}]\n}`,
    `group "all" {\n  targets = ${hclList(targets.map((t) => t.target))}\n}`,
    ...targetBlocks,
  ].join("\n\n")}\n`;
}
