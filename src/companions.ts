/**
 * Companion files generated from the same recipe object as its Dockerfile: a build script with
 * every typed ARG as an option, a .dockerignore, and (when the recipe supplies one) a test script
 * run inside the built image. Written atomically: all files or none.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { followsPlatform, type Arg } from "./arg.ts";
import { stageArgs } from "./args-of.ts";
import { globalArgs } from "./render.ts";
import type { Recipe } from "./recipe.ts";
import { BAKE_FILE, bakeFile, bakeTargets } from "./bake.ts";
import { ensureDir, fileError } from "./files.ts";
import { hostScriptName, hostScriptOf } from "./host-script.ts";
import { argChecks } from "./arg.ts";
import { StagewrightError } from "./errors.ts";
import type { ValueCheck } from "./validate.ts";

/** A recipe may carry a test script generator (see stages/test-script.ts). */
export type TestScriptFor = (r: Recipe) => string;

const testScripts = new WeakMap<Recipe, TestScriptFor>();

/**
 * Attach the generator of the in-image test script to a recipe.
 *
 * @example
 * withTestScript(recipe("x", stages), nixlTestScript)
 */
export function withTestScript<R extends Recipe>(r: R, make: TestScriptFor): R {
  testScripts.set(r, make);
  return r;
}

/**
 * Carry the test script generator of one recipe over to another (e.g. the same recipe with values).
 *
 * @example
 * copyTestScript(original, withValues(original, values))
 */
export function copyTestScript<R extends Recipe>(from: Recipe, to: R): R {
  const make = testScripts.get(from);
  if (make !== undefined) testScripts.set(to, make);
  return to;
}

/**
 * Every ARG of the recipe (stage ARGs and FROM ARGs), in order of first appearance, with the
 * recipe's defaults: the build script's options, the manifest's args.
 *
 * @example
 * recipeArgs(alignedRecipe()).find((a) => a.name === "UCX_VERSION")?.default // "v1.19.0"
 */
export function recipeArgs(r: Recipe): Arg[] {
  const seen = new Map<string, Arg>();
  for (const a of globalArgs(r.stages)) seen.set(a.name, a);
  for (const s of r.stages) {
    if (!("steps" in s.from)) for (const a of s.from.args) if (!seen.has(a.name)) seen.set(a.name, a);
    for (const a of stageArgs(s)) if (!seen.has(a.name)) seen.set(a.name, a);
  }
  return [...seen.values()];
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const VALUE = "\uE000";

/** A JavaScript regular expression as a bash `[[ =~ ]]` (POSIX ERE) pattern, or an error naming the ARG. */
function ere(pattern: RegExp, arg: string): string {
  const unsupported = /\(\?<?[=!]|\\[1-9bBsSwW]|\\k</.exec(pattern.source);
  const flag = [...pattern.flags].find((f) => f !== "i" && f !== "u");
  if (unsupported !== null || flag !== undefined) {
    throw new StagewrightError("render", `ARG ${arg}: its pattern /${pattern.source}/${pattern.flags} uses ${unsupported?.[0] ?? `flag ${flag}`}, which the build script's bash regex cannot run; write the pattern without it`, { arg });
  }
  return pattern.source.replaceAll("(?:", "(").replaceAll("\\d", "[0-9]").replaceAll("\\/", "/");
}

/** The bash line that applies one value check of an ARG to the value given for its option (same sentence as --set). */
function checkLine(check: ValueCheck, a: Arg, option: string): string {
  const sentence = `${option} (ARG ${a.name}): ${check.problem(VALUE)}`;
  const count = sentence.split(VALUE).length - 1;
  const format = sentence.replaceAll("%", "%%").replaceAll(VALUE, "%s");
  const nocase = check.pattern.flags.includes("i") ? 1 : 0;
  return `  check_value "\${given[${a.name}]}" ${shellQuote(ere(check.pattern, a.name))} ${check.matches ? 1 : 0} ${nocase} ${shellQuote(format)} ${count}`;
}

/**
 * The build script: `docker buildx build` with every typed ARG as an option (validated again by
 * the ARG's own pattern in the Dockerfile's stages), --tag, --target, --no-cache and --help.
 *
 * @example
 * buildScript(alignedRecipe())
 */
export function buildScript(r: Recipe): string {
  const all = recipeArgs(r);
  const args = all.filter((a) => !followsPlatform(a));
  const fromPlatform = all.filter(followsPlatform);
  const opt = (a: Arg) => `--${a.name.toLowerCase().replace(/_/g, "-")}`;
  const help = [
    `Build the ${r.name} image with docker buildx.`,
    "",
    `usage: build-${r.name}.sh [options] [-- extra docker buildx build arguments]`,
    "",
    "  --tag TAG          image tag (default: " + `${r.name}:local` + ")",
    `  --target STAGE     build stage to stop at (default: ${r.final.name}; stages: ${r.stages.map((s) => s.name).join(", ")})`,
    "  --no-cache         do not use the build cache",
    "  --dry-run          print the docker command instead of running it",
    "  -h, --help         this help",
    "",
    "Build arguments (default in brackets):",
    ...args.map((a) => `  ${opt(a).padEnd(30)} ${a.description} [${a.default}]`),
    ...(fromPlatform.length === 0 ? [] : ["", "Set by --platform (not options): " + fromPlatform.map((a) => a.name).join(", ")]),
  ];
  const cases = args.map((a) => `    ${opt(a)}) need_value "$1" "$#"; given[${a.name}]="$2"; build_args+=(--build-arg "${a.name}=$2"); shift 2 ;;`);
  // The same value checks as --set, then the pins: a version moved without the checksum or commit
  // that follows it would keep the old pin and fail late, in the download or the checkout.
  const validation = args.flatMap((a) => {
    const checks = argChecks(a.kind).map((c) => checkLine(c, a, opt(a)));
    return checks.length === 0 ? [] : [`if [ -n "\${given[${a.name}]+x}" ]; then`, ...checks, "fi"];
  });
  const pins = args.flatMap((a) => {
    const source = a.derive === undefined ? undefined : args.find((x) => x.name === a.derive!.from);
    if (source === undefined || a.default === "") return [];
    return [
      `if [ -n "\${given[${source.name}]+x}" ] && [ "\${given[${source.name}]}" != ${shellQuote(source.default)} ] && [ -z "\${given[${a.name}]+x}" ]; then`,
      `  echo "build-${r.name}.sh: ${opt(source)} \${given[${source.name}]} needs its own ${a.name}: the default belongs to ${source.default}; pass ${opt(a)} <value for \${given[${source.name}]}> (stagewright lock records it)" >&2`,
      "  exit 2",
      "fi",
    ];
  });
  return `#!/usr/bin/env bash
# Generated by stagewright from recipe ${r.name}; do not edit (regenerate with npm run generate).
set -euo pipefail

usage() {
  cat <<'USAGE'
${help.join("\n")}
USAGE
}

need_value() {
  if [ "$2" -lt 2 ]; then
    echo "build-${r.name}.sh: $1 needs a value (see --help)" >&2
    exit 2
  fi
}

# check_value VALUE ERE MUST_MATCH NOCASE FORMAT COUNT: exit 2 with the sentence (FORMAT, the value COUNT times)
# unless VALUE matches ERE (MUST_MATCH=1) or does not (MUST_MATCH=0).
check_value() {
  local matched=0 i args=()
  if [ "$4" = 1 ]; then shopt -s nocasematch; fi
  if [[ $1 =~ $2 ]]; then matched=1; fi
  shopt -u nocasematch
  if [ "$matched" != "$3" ]; then
    for ((i = 0; i < $6; i++)); do args+=("$1"); done
    # shellcheck disable=SC2059 # the format is the generated sentence
    printf "build-${r.name}.sh: $5\\n" "\${args[@]}" >&2
    exit 2
  fi
}

here="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
tag=${shellQuote(`${r.name}:local`)}
target=${shellQuote(r.final.name)}
platform=${shellQuote(r.platforms[0]!)}
dry_run=0
build_args=()
extra=()
declare -A given=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --tag) need_value "$1" "$#"; tag="$2"; shift 2 ;;
    --target) need_value "$1" "$#"; target="$2"; shift 2 ;;
    --platform) need_value "$1" "$#"; platform="$2"; shift 2 ;;
    --no-cache) extra+=(--no-cache); shift ;;
    --dry-run) dry_run=1; shift ;;
${cases.join("\n")}
    --) shift; extra+=("$@"); break ;;
    *) echo "build-${r.name}.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

${[...validation, ...pins].join("\n")}

IFS=, read -r -a platforms <<<"$platform"
if [ "\${#platforms[@]}" -eq 0 ]; then echo "build-${r.name}.sh: --platform needs at least one platform (${r.platforms.join(", ")})" >&2; exit 2; fi
for p in "\${platforms[@]}"; do
  case "$p" in
    ${r.platforms.join("|")}) ;;
    *) echo "build-${r.name}.sh: --platform $p is not supported by this recipe; give one or more of ${r.platforms.join(", ")}" >&2; exit 2 ;;
  esac
done

cmd=(docker buildx build --file "$here/Dockerfile.${r.name}" --target "$target" --platform "$platform" --tag "$tag" "\${build_args[@]}" "\${extra[@]}" "$here")
if [ "$dry_run" = 1 ]; then
  printf '%q ' "\${cmd[@]}"
  printf '\\n'
else
  "\${cmd[@]}"
fi
`;
}

/**
 * The .dockerignore: the build context needs nothing but the Dockerfiles.
 *
 * @example
 * dockerignore(alignedRecipe()) // "# Generated ...\n*\n!Dockerfile.nixl-aligned\n"
 */
export function dockerignore(r: Recipe, variants: Readonly<Record<string, Recipe>> = {}): string {
  const keep = bakeTargets(r, variants).map((t) => `!${t.dockerfile}\n`).join("");
  return `# Generated by stagewright from recipe ${r.name}: every source is downloaded and pinned in the Dockerfile,\n# so the build context carries nothing.\n*\n${keep}`;
}

/**
 * The companion files of a recipe, by file name: its Dockerfile, build script, .dockerignore, test
 * script (when it has one), the bake file, each variant's Dockerfile (a bake target each), and the
 * host script (`host-<name>.sh`) only when the recipe can be one (`hostScriptOf` says why not).
 *
 * @example
 * Object.keys(companionFiles(alignedRecipe())) // ["Dockerfile.nixl-aligned", "build-nixl-aligned.sh", ".dockerignore", "test-nixl-aligned.sh", "docker-bake.hcl"]
 */
export function companionFiles(r: Recipe, variants: Readonly<Record<string, Recipe>> = {}): Record<string, string> {
  const files: Record<string, string> = {
    [`Dockerfile.${r.name}`]: r.render(),
    [`build-${r.name}.sh`]: buildScript(r),
    ".dockerignore": dockerignore(r, variants),
  };
  const test = testScripts.get(r);
  if (test !== undefined) files[`test-${r.name}.sh`] = test(r);
  files[BAKE_FILE] = bakeFile(r, variants);
  for (const t of bakeTargets(r, variants).slice(1)) files[t.dockerfile] = t.recipe.render();
  const host = hostScriptOf(r);
  if ("text" in host) files[hostScriptName(r.name)] = host.text;
  return files;
}

/**
 * Render every companion first, then write them into `dir` through a temporary directory, so a
 * failure leaves nothing half-written. Returns the written paths.
 *
 * @example
 * writeCompanions(alignedRecipe(), "out/aligned")
 */
export function writeCompanions(r: Recipe, dir: string, variants: Readonly<Record<string, Recipe>> = {}): string[] {
  const files = companionFiles(r, variants);
  ensureDir(dir);
  const tmp = join(dir, `.stagewright-tmp-${process.pid}`);
  let at = tmp;
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    for (const [name, text] of Object.entries(files)) {
      at = join(dir, name);
      writeFileSync(join(tmp, name), text, { mode: name.endsWith(".sh") ? 0o755 : 0o644 });
    }
    for (const name of Object.keys(files)) {
      at = join(dir, name);
      renameSync(join(tmp, name), at);
    }
  } catch (e) {
    throw fileError(e, at === tmp ? dir : at, "write");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return Object.keys(files).map((n) => join(dir, n));
}
