/**
 * The `stagewright` command: render, compare, graph, check, mirror and lock, with --help on each. A user
 * mistake is one line saying what is wrong and how to fix it, a non-zero exit, and nothing
 * half-written. The domain (which recipes are built in, the comparison rows) is injected, so this
 * module stays free of NIXL knowledge.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isStagewrightError, StagewrightError } from "./errors.ts";
import { closest } from "./validate.ts";
import type { Recipe } from "./recipe.ts";
import { mergeValues, parseSets, parseValues, withValues, type Values, NO_VALUES } from "./values.ts";
import { recipeArgs, writeCompanions } from "./companions.ts";
import { bakeFile } from "./bake.ts";
import { compareRecipes, comparisonMarkdown, type ComparisonRow } from "./compare.ts";
import { dotGraph, mermaidGraph } from "./graph-format.ts";
import { manifestYaml } from "./manifest.ts";
import { lintStages, type Finding } from "./lint.ts";
import { fileError, writeFileAtomic } from "./files.ts";
import { renderWarnings } from "./main.ts";
import { hostScriptName, hostScriptOf, renderHostScript } from "./host-script.ts";
import { makeMirror, mesonWrapStages, mirrorBuildArgs, mirrorReport, recipeDownloads } from "./mirror.ts";

/** What the CLI needs from the stage library and the recipes. */
export interface CliContext {
  readonly builtins: Readonly<Record<string, () => Recipe>>;
  readonly aliases: Readonly<Record<string, string>>;
  /** Variants of built-in recipes (by recipe name), each a bake target of its own. */
  readonly variants?: Readonly<Record<string, Readonly<Record<string, () => Recipe>>>>;
  readonly compareRows: readonly ComparisonRow[];
  readonly critical: (r: Recipe) => string[];
  /** Extra findings for `check` (e.g. source pins), beyond the lint rules. */
  readonly extraChecks?: (r: Recipe) => Finding[];
  /** The `lock` command, when the library has a source lock. */
  readonly lock?: (args: readonly string[], io: CliIo) => Promise<number>;
  /** Called once before a TypeScript recipe file is imported (registers the TypeScript loader). */
  readonly loadTypeScript?: () => Promise<void>;
  /** Printed by --version. */
  readonly version?: string;
  /** Built-in recipes that take a version, `<name>@<version>` (e.g. a release tag), by built-in name. */
  readonly versioned?: Readonly<Record<string, RecipeVersions>>;
  /** Commands the library adds (listed in the usage, with their own --help). */
  readonly commands?: readonly CliCommand[];
}

/** The versions a built-in recipe can be made at: the ones it knows and how to make one. */
export interface RecipeVersions {
  readonly known: readonly string[];
  make(variant: string): Recipe;
}

/** A command the library adds to the CLI. */
export interface CliCommand {
  readonly name: string;
  /** One line for the usage. */
  readonly summary: string;
  /** The command's --help text. */
  readonly help: string;
  run(args: readonly string[], io: CliIo): number;
}

/** Where the CLI writes. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const USAGE = `usage: stagewright <command> [options]

commands:
  render <recipe>    print the Dockerfile (-o FILE writes it atomically; --out DIR adds its companions)
  compare <A> <B>... print a Markdown version-and-approach comparison
  graph <recipe>     print the stage graph (Mermaid, or DOT with --format dot)
  check <recipe>     run the composition rules and lint rules, list every missing pin
  lock               fill or refresh the source lock from the network
  mirror <recipe>    lay out an offline source mirror of everything the recipe downloads
%COMMANDS%
<recipe> is a built-in name (%BUILTINS%), a built-in at a version (%VERSIONED%),
or a path to a TypeScript recipe file whose default export is a recipe or a function returning one.
Run stagewright <command> --help for the options of a command; stagewright --version prints the version.`;

const HELP: Record<string, string> = {
  render: `usage: stagewright render <recipe> [-o FILE | --out DIR] [--format dockerfile|bake|script] [--set KEY=VALUE]... [--values FILE] [--manifest]

  -o, --output FILE  write what would be printed (the Dockerfile, the bake file or the manifest) to FILE
                     atomically: a refusal leaves FILE as it was (\`> FILE\` in a shell truncates it first)
  --out DIR          write Dockerfile.<name>, build-<name>.sh, test-<name>.sh, .dockerignore, docker-bake.hcl,
                     each variant's Dockerfile.<name>-<variant> and, when the recipe can be one,
                     host-<name>.sh into DIR
  --format bake      print docker-bake.hcl instead of the Dockerfile: one target per variant, every ARG a
                     variable with its validation, PLATFORMS, CACHE_FROM/CACHE_TO, CONTEXT_<stage>
  --format script    print a bash script that builds the stages on this machine (host-<name>.sh;
                     see its --help: --root, --system-packages verify, --arg, --only, --until)
  --set KEY=VALUE    override an ARG default for the whole image (repeatable)
  --values FILE      YAML with args: (whole image), stages: {<stage>: {KEY: VALUE}} (per stage),
                     overrides: [{stage, rule, reason}] (explicit rule overrides, rendered visibly) and
                     platforms: [linux/amd64, linux/arm64] (what the build script and bake file build for)
  --manifest         print the image's bill of materials (YAML) instead of the Dockerfile;
                     with --out, also write manifest-<name>.yaml
Values pass the same rules as typed code: moving an ARG for one stage only is refused.`,
  compare: `usage: stagewright compare <A> <B> [<C>...] [--out FILE]

  Prints (or writes to FILE) a Markdown table: one row per component and key path, the value in
  each recipe, and a status (same / differs / conflict), then the critical differences.`,
  graph: `usage: stagewright graph <recipe> [--format mermaid|dot]

  Prints the stage graph: solid edges FROM, dashed edges COPY --from. Default format: mermaid.`,
  check: `usage: stagewright check <recipe> [--set KEY=VALUE]... [--values FILE]

  Runs every composition rule and the lint rules, and lists every download without a pinned
  checksum and every git source without a pinned commit. Exit 0 with no findings, 1 otherwise.`,
  mirror: `usage: stagewright mirror <recipe> --out DIR [--repos DIR]... [--git URL=PATH]... [--file URL=PATH]...
                          [--archive URL=GITDIR:REF[:SUBDIR[:PATH,...]]]... [--set KEY=VALUE]... [--values FILE]

  Lays out DIR as <DIR>/<host>/<path> (what SOURCE_MIRROR reads; build with SOURCE_MIRROR=file://DIR)
  for every download of the recipe's steps, including the meson wrap subprojects of a step that
  takes them from the mirror, from local inputs:
  --repos DIR        directories of git repositories (<owner>+<name>/repo, <owner>+<name>, <owner>/<name>.git)
  --git URL=PATH     the repository for a URL (when its name differs)
  --file URL=PATH    a file as it is (a release asset fetched elsewhere); its sha256 is checked
  --archive URL=GITDIR:REF[:SUBDIR[:PATH,...]]
                     a substitute made from a git tree (SUBDIR as its root, only the PATHs when
                     given), for what git cannot reproduce; its checksum is printed, to be passed
                     to the build
  Git sources become small bare repositories holding the pinned commit and its tag; tag archives are
  reproduced (git archive | gzip -n) and checked against the pinned sha256. Prints one line per
  download; exits 1 when something is missing (everything else is written).`,
  lock: `usage: stagewright lock [--lock FILE] [--only ID]... [--base-url URL]

  Downloads every source of the lock (or only the given ids), computes its sha256 and writes the
  lock back. Needs the network (or --base-url pointing at a mirror laid out as <mirror>/<host>/<path>).`,
};

interface Parsed {
  readonly positional: string[];
  readonly flags: Map<string, string[]>;
}

/** One-letter options and the long option each stands for. */
const SHORT: Readonly<Record<string, string>> = { "-o": "--output" };

function parseArgs(argv: readonly string[], spec: Record<string, "value" | "bool">, command: string): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = SHORT[argv[i]!] ?? argv[i]!;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const kind = spec[name];
      if (kind === undefined) throw new StagewrightError("unknown-option", `unknown option --${name}; see stagewright ${command} --help`, { option: name });
      let value = "true";
      if (kind === "value") {
        if (eq > 0) value = a.slice(eq + 1);
        else {
          const next = argv[i + 1];
          if (next === undefined || next.startsWith("--")) throw new StagewrightError("unknown-option", `--${name} needs a value; see stagewright ${command} --help`, { option: name });
          value = next;
          i++;
        }
      }
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else positional.push(a);
  }
  return { positional, flags };
}

/**
 * Load a recipe by built-in name or alias, or from a TypeScript file (default export: a Recipe or a
 * function returning one).
 *
 * @example
 * await loadRecipe("aligned", ctx)
 */
export async function loadRecipe(spec: string, ctx: CliContext): Promise<Recipe> {
  const at = /^([a-z][a-z0-9-]*)@(.+)$/.exec(spec);
  if (at !== null) {
    const base = ctx.aliases[at[1]!] ?? at[1]!;
    const versions = ctx.versioned?.[base];
    if (versions === undefined) throw new StagewrightError("recipe-file", `recipe ${at[1]} takes no @version; recipes that do: ${Object.keys(ctx.versioned ?? {}).join(", ") || "none"}`);
    if (!versions.known.includes(at[2]!)) {
      const guess = closest(at[2]!, versions.known);
      throw new StagewrightError("recipe-file", `${at[1]} has no version ${at[2]}${guess === undefined ? "" : ` (did you mean ${guess}?)`}; known: ${versions.known.join(", ")}`);
    }
    return versions.make(at[2]!);
  }
  const name = ctx.aliases[spec] ?? spec;
  const builtin = ctx.builtins[name];
  if (builtin !== undefined) return builtin();
  const looksLikePath = /[/\\.]/.test(spec);
  if (!looksLikePath) {
    const names = [...Object.keys(ctx.aliases), ...Object.keys(ctx.builtins)];
    const guess = closest(spec, names);
    throw new StagewrightError("recipe-file", `no built-in recipe ${spec}${guess === undefined ? "" : ` (did you mean ${guess}?)`}; built-in: ${names.join(", ")}, or give a path to a .ts recipe file`);
  }
  const path = resolve(spec);
  if (!existsSync(path)) throw new StagewrightError("recipe-file", `recipe file ${spec} does not exist`, { file: spec });
  let mod: { default?: unknown };
  try {
    if (/\.[cm]?tsx?$/.test(path)) await ctx.loadTypeScript?.();
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    if (isStagewrightError(e)) throw e;
    throw new StagewrightError("recipe-file", `recipe file ${spec} failed to load: ${loadFailure(e).replace(path, spec)}`, { file: spec });
  }
  let value = mod.default;
  if (typeof value === "function") {
    try {
      value = (value as () => unknown)();
    } catch (e) {
      if (isStagewrightError(e)) throw e;
      throw new StagewrightError("recipe-file", `recipe file ${spec} threw while building its recipe: ${firstLine(e)}`, { file: spec });
    }
  }
  if (!isRecipe(value)) {
    throw new StagewrightError("recipe-file", `recipe file ${spec} exports no recipe: export default recipe(...) or a function returning one`, { file: spec });
  }
  return value;
}

function isRecipe(v: unknown): v is Recipe {
  return typeof v === "object" && v !== null && "stages" in v && "render" in v && typeof (v as Recipe).render === "function";
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
}

/**
 * Why a recipe file did not load, in one line. The TypeScript loader reports a syntax error as
 * "Transform failed with 1 error:" with the location on the next line (`file:line:col: ERROR: text`),
 * so that line is what is printed.
 */
function loadFailure(e: unknown): string {
  const lines = (e instanceof Error ? e.message : String(e)).split("\n");
  for (const l of lines) {
    const m = /^(.+:\d+:\d+): ERROR: (.*)$/.exec(l.trim());
    if (m) return `${m[1]}: ${m[2]}`;
  }
  const first = lines[0] ?? "";
  if (/require\(\) ES Module|Cannot use import statement outside a module/.test(first)) {
    return `${first.split(". ")[0]}; a recipe file is an ES module: name it .mts or add "type": "module" to the nearest package.json`;
  }
  return first;
}

function valuesFrom(p: Parsed): Values {
  const files = (p.flags.get("values") ?? []).map((f) => {
    if (!existsSync(f)) throw new StagewrightError("values", `values file ${f} does not exist; a values file is YAML with args: (whole image) and stages: (per stage)`, { file: f });
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch (e) {
      throw fileError(e, f, "read values file");
    }
    return parseValues(text, f);
  });
  return mergeValues(NO_VALUES, ...files, parseSets(p.flags.get("set") ?? []));
}

/**
 * The variants of a built-in recipe with the values applied: those values that name ARGs or
 * stages a variant does not have are left out for it (the recipe itself has already checked them).
 */
function variantsOf(name: string, values: Values, ctx: CliContext): Record<string, Recipe> {
  const out: Record<string, Recipe> = {};
  for (const [variant, make] of Object.entries(ctx.variants?.[name] ?? {})) {
    const v = make();
    const own = new Set(recipeArgs(v).map((a) => a.name));
    const stages = new Set(v.stages.map((s) => s.name));
    const keep = <T>(m: Readonly<Record<string, T>>, has: (k: string) => boolean) => Object.fromEntries(Object.entries(m).filter(([k]) => has(k)));
    out[variant] = withValues(v, {
      args: keep(values.args, (k) => own.has(k)),
      stages: keep(values.stages, (k) => stages.has(k)),
      overrides: (values.overrides ?? []).filter((o) => stages.has(o.stage)),
      ...(values.platforms === undefined ? {} : { platforms: values.platforms }),
    });
  }
  return out;
}

/**
 * A rule sentence as a command-line user acts on it: the override hint is written for code
 * (`add an explicit override { rule, reason }`); here it names the values-file form instead.
 */
function forCommandLine(sentence: string): string {
  const stage = /^stage ([A-Za-z0-9][A-Za-z0-9_.-]*)/.exec(sentence)?.[1];
  return sentence.replace(
    /add an explicit override \{ rule: "([^"]+)", reason: "\.\.\." \}/,
    (_, rule: string) => `add to a --values file: overrides: [{ stage: ${stage ?? "<stage>"}, rule: ${rule}, reason: "<why>" }]`,
  );
}

/**
 * Run the CLI; returns the exit code.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), ctx, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) })
 */
export async function runCli(argv: readonly string[], ctx: CliContext, io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const versionedNames = Object.keys(ctx.versioned ?? {}).map((b) => `${Object.entries(ctx.aliases).find(([, v]) => v === b)?.[0] ?? b}@<${ctx.versioned![b]!.known[0] ?? "version"}…>`);
  const usage = USAGE.replace("%BUILTINS%", Object.keys(ctx.aliases).join(", "))
    .replace("%VERSIONED%", versionedNames.join(", ") || "none")
    .replace("%COMMANDS%", (ctx.commands ?? []).map((c) => `  ${c.name.padEnd(19)}${c.summary}\n`).join(""));
  const extra = ctx.commands?.find((c) => c.name === command);
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.out(`${usage}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-V") {
    io.out(`stagewright ${ctx.version ?? "(unknown version)"}\n`);
    return 0;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    const help = HELP[command] ?? extra?.help;
    if (help === undefined) {
      io.err(`stagewright: unknown command ${command}; see stagewright --help\n`);
      return 2;
    }
    io.out(`${help}\n`);
    return 0;
  }
  try {
    switch (command) {
      case "render": {
        const p = parseArgs(rest, { out: "value", output: "value", set: "value", values: "value", manifest: "bool", format: "value" }, "render");
        if (p.positional.length !== 1) throw new StagewrightError("unknown-option", "give exactly one recipe; see stagewright render --help");
        const format = p.flags.get("format")?.at(-1) ?? "dockerfile";
        if (format !== "dockerfile" && format !== "bake" && format !== "script") throw new StagewrightError("unknown-option", `--format ${format} is not dockerfile, bake or script; see stagewright render --help`, { option: "format" });
        const out = p.flags.get("out")?.at(-1);
        const output = p.flags.get("output")?.at(-1);
        if (out !== undefined && output !== undefined) throw new StagewrightError("unknown-option", "give -o FILE (the Dockerfile) or --out DIR (the Dockerfile and its companions), not both", { option: "output" });
        const values = valuesFrom(p);
        const original = await loadRecipe(p.positional[0]!, ctx);
        const r = withValues(original, values);
        const variants = variantsOf(original.name, values, ctx);
        const wantManifest = p.flags.has("manifest");
        if (wantManifest && format === "bake") throw new StagewrightError("unknown-option", "--manifest and --format bake each choose what is printed; give one of them (with --out both are written)", { option: "format" });
        if (format === "script" && wantManifest) throw new StagewrightError("unknown-option", "--manifest and --format script each choose what is printed; give one of them (with --out both are written)", { option: "format" });
        if (out !== undefined) {
          const host = hostScriptOf(r);
          // Asked for explicitly: a recipe that cannot be a host script is an error, before anything is written.
          if (format === "script" && "problem" in host) throw new StagewrightError("render", host.problem);
          const files = writeCompanions(r, out, variants);
          if (wantManifest) {
            const m = join(out, `manifest-${r.name}.yaml`);
            writeFileAtomic(m, manifestYaml(r));
            files.push(m);
          }
          for (const f of files) io.err(`wrote ${f}\n`);
          // After the files are written: a refusal to write stays one line.
          if ("problem" in host) io.err(`note: ${hostScriptName(r.name)} not written: ${host.problem}\n`);
        } else {
          const text = wantManifest ? manifestYaml(r) : format === "bake" ? bakeFile(r, variants) : format === "script" ? renderHostScript(r) : r.render();
          if (output === undefined) io.out(text);
          else {
            writeFileAtomic(output, text);
            io.err(`wrote ${output}\n`);
          }
        }
        for (const w of renderWarnings(r)) io.err(`${w}\n`);
        return 0;
      }
      case "compare": {
        const p = parseArgs(rest, { out: "value" }, "compare");
        if (p.positional.length < 2) throw new StagewrightError("unknown-option", "give at least two recipes; see stagewright compare --help");
        const recipes = [];
        for (const spec of p.positional) recipes.push(await loadRecipe(spec, ctx));
        const text = `# ${recipes.map((r) => r.name).join(" vs ")}\n\n${comparisonMarkdown(compareRecipes(recipes, ctx.compareRows, ctx.critical))}`;
        const out = p.flags.get("out")?.at(-1);
        if (out !== undefined) {
          writeFileAtomic(out, text);
          io.err(`wrote ${out}\n`);
        } else io.out(text);
        return 0;
      }
      case "graph": {
        const p = parseArgs(rest, { format: "value" }, "graph");
        if (p.positional.length !== 1) throw new StagewrightError("unknown-option", "give exactly one recipe; see stagewright graph --help");
        const format = p.flags.get("format")?.at(-1) ?? "mermaid";
        if (format !== "mermaid" && format !== "dot") throw new StagewrightError("unknown-option", `--format ${format} is not mermaid or dot; see stagewright graph --help`, { option: "format" });
        const r = await loadRecipe(p.positional[0]!, ctx);
        io.out(format === "dot" ? dotGraph(r, r.name) : mermaidGraph(r));
        return 0;
      }
      case "check": {
        const p = parseArgs(rest, { set: "value", values: "value" }, "check");
        if (p.positional.length !== 1) throw new StagewrightError("unknown-option", "give exactly one recipe; see stagewright check --help");
        const r = withValues(await loadRecipe(p.positional[0]!, ctx), valuesFrom(p));
        const findings = [...lintStages(r.stages), ...(ctx.extraChecks?.(r) ?? [])];
        for (const f of findings) io.out(`${f.severity}: ${f.message} (rule ${f.rule})\n`);
        io.out(`${r.name}: ${findings.length === 0 ? "no findings" : `${findings.length} finding${findings.length === 1 ? "" : "s"}`}\n`);
        if (findings.some((f) => f.rule === "missing-checksum" || f.rule === "missing-commit")) {
          io.out("(a missing pin does not stop a build: it prints NOT verified and the hash; record it with stagewright lock on a machine with network, see docs/security.md)\n");
        }
        return findings.length === 0 ? 0 : 1;
      }
      case "mirror": {
        const p = parseArgs(rest, { out: "value", repos: "value", git: "value", file: "value", archive: "value", set: "value", values: "value" }, "mirror");
        if (p.positional.length !== 1) throw new StagewrightError("unknown-option", "give exactly one recipe; see stagewright mirror --help");
        const out = p.flags.get("out")?.at(-1);
        if (out === undefined) throw new StagewrightError("unknown-option", "--out DIR is required: the mirror directory to lay out; see stagewright mirror --help", { option: "out" });
        const r = withValues(await loadRecipe(p.positional[0]!, ctx), valuesFrom(p));
        const pairs = (flag: string) =>
          new Map(
            (p.flags.get(flag) ?? []).map((kv) => {
              const at = kv.indexOf("=");
              if (!kv.startsWith("https://") || at < 0) throw new StagewrightError("unknown-option", `--${flag} ${kv}: give URL=VALUE with an https:// URL`, { option: flag });
              return [kv.slice(0, at), kv.slice(at + 1)] as const;
            }),
          );
        for (const d of p.flags.get("repos") ?? []) if (!existsSync(d)) throw new StagewrightError("mirror", `--repos ${d} does not exist`, { file: d });
        const inputs = { repoDirs: p.flags.get("repos") ?? [], git: pairs("git"), files: pairs("file"), archives: pairs("archive") };
        for (const [u, f] of inputs.files) if (!existsSync(f)) throw new StagewrightError("mirror", `--file ${u}=${f}: ${f} does not exist`, { file: f });
        const entries = makeMirror(recipeDownloads(r.stages), inputs, out, mesonWrapStages(r.stages));
        const report = mirrorReport(entries, out);
        writeFileAtomic(resolve(out, "MIRROR.txt"), report);
        // What a build must be given for the substitutes, read by scripts as NAME=VALUE lines.
        writeFileAtomic(resolve(out, "build-args"), mirrorBuildArgs(entries).map((l) => `${l}\n`).join(""));
        io.out(report);
        const missing = entries.filter((e) => e.status === "missing");
        if (missing.length > 0) io.err(`stagewright mirror: ${missing.length} download${missing.length === 1 ? "" : "s"} missing from the mirror (see the lines marked missing)\n`);
        return missing.length > 0 ? 1 : 0;
      }
      case "lock": {
        if (ctx.lock === undefined) throw new StagewrightError("lock", "this installation has no source lock");
        return await ctx.lock(rest, io);
      }
      default:
        if (extra !== undefined) return extra.run(rest, io);
        io.err(`stagewright: unknown command ${command}; see stagewright --help\n`);
        return 2;
    }
  } catch (e) {
    if (isStagewrightError(e)) {
      io.err(`stagewright ${command}: ${forCommandLine(e.message.split("\n")[0]!)}\n`);
      if (e.problems.length > 1) io.err(`  (${e.problems.length - 1} more problem${e.problems.length > 2 ? "s" : ""}:)\n${e.problems.slice(1).map((p) => `  ${forCommandLine(p)}\n`).join("")}`);
      return 1;
    }
    throw e;
  }
}
