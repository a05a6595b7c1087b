/**
 * The official NIXL build per tag, as the committed fact sheet docs/facts/nixl-tags.yaml records it
 * (read from upstream files by scripts/nixl-facts.ts, never from the stage library), against what the
 * official recipe renders: each cell of the sheet that the recipe expresses is compared one by one.
 * The sheet itself is checked for shape: every tag 0.6.1..v1.4.0, every fact with the URL of the
 * upstream file at that same tag.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { compareRecipes, recipeArgs, type Recipe } from "../src/index.ts";
import { officialRecipe } from "../recipes/official.ts";
import { nixlImageRows, nixlLinkage } from "../stages/index.ts";

interface Fact<T> {
  readonly value: T;
  readonly source: string;
}
interface TagFacts {
  readonly tag: string;
  readonly commit: string;
  readonly base_image_tag: Fact<string>;
  readonly ucx: { readonly ref: Fact<string>; readonly prefix: Fact<string> };
  readonly libfabric: { readonly version: Fact<string>; readonly install_path: Fact<string> };
  readonly doca: { readonly version: Fact<string> };
  readonly build_type: Fact<string>;
  readonly meson_default_build_type: Fact<string>;
  readonly meson_options: readonly { readonly name: string; readonly source: string }[];
  readonly deps: { readonly aws_sdk_cpp: Fact<string>; readonly aws_sdk_cpp_build_only: Fact<string>; readonly gusli_built: Fact<boolean> };
  readonly python: { readonly venv: Fact<string>; readonly meta_wheel: Fact<boolean> };
}

const sheet = parse(readFileSync(new URL("../docs/facts/nixl-tags.yaml", import.meta.url), "utf8")) as { tags: TagFacts[] };
const deps = parse(readFileSync(new URL("../docs/facts/dependencies.yaml", import.meta.url), "utf8")) as Record<string, unknown>;
const factsAt = (tag: string): TagFacts => {
  const t = sheet.tags.find((x) => x.tag === tag);
  if (t === undefined) throw new Error(`no tag ${tag} in docs/facts/nixl-tags.yaml`);
  return t;
};

/** Every {value, source} pair and every bare `source` in a tree, with its path. */
function sources(node: unknown, path: string, out: [string, string][] = []): [string, string][] {
  if (Array.isArray(node)) node.forEach((n, i) => sources(n, `${path}[${i}]`, out));
  else if (node !== null && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "source" && typeof v === "string") out.push([path, v]);
      else sources(v, `${path}.${k}`, out);
    }
  }
  return out;
}

describe("the fact sheet", () => {
  test("covers every release tag from 0.6.1 to v1.4.0 (plain tags to 0.10.1, v prefix from v1.0.0)", () => {
    expect(sheet.tags.map((t) => t.tag)).toEqual(["0.6.1", "0.7.0", "0.7.1", "0.8.0", "0.9.0", "0.10.0", "0.10.1", "v1.0.0", "v1.0.1", "v1.1.0", "v1.2.0", "v1.3.0", "v1.3.1", "v1.3.2", "v1.4.0"]);
    for (const t of sheet.tags) expect(t.commit).toMatch(/^[0-9a-f]{40}$/);
  });
  test.each(sheet.tags.map((t) => [t.tag, t] as const))("every fact at %s names an upstream file at that same tag", (tag, t) => {
    const all = sources(t, tag);
    expect(all.length).toBeGreaterThan(40);
    for (const [path, url] of all) expect(url, path).toMatch(new RegExp(`^https://github\\.com/ai-dynamo/nixl/(blob|tree)/${tag.replace(/\./g, "\\.")}/[^\\s]+$`));
  });
  test("every dependency fact has a public https source and every commit is a full hash", () => {
    const all = sources(deps, "dependencies");
    expect(all.length).toBeGreaterThan(20);
    for (const [path, url] of all) expect(url, path).toMatch(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/(pull|issues|blob|tree|releases\/tag)\/\S+$/);
    const commits = JSON.stringify(deps).match(/"commit":"[^"]*"/g) ?? [];
    expect(commits.length).toBeGreaterThan(30);
    for (const c of commits) expect(c).toMatch(/^"commit":"[0-9a-f]{40}"$/);
  });
});

/** The recipe's ARG defaults by name. */
const argsOf = (r: Recipe) => new Map(recipeArgs(r).map((a) => [a.name, a.default]));
/** Each `-D<name>=` the nixl stage gives meson. */
const mesonOptionsGiven = (r: Recipe) => [...r.render().matchAll(/^\s+-D([a-z_]+)=/gm)].map((m) => m[1]!);

/** The official recipe at each tag it renders today. */
const officialAt: Readonly<Record<string, () => Recipe>> = { "0.7.1": () => officialRecipe() };

describe.each(Object.entries(officialAt))("the official recipe at NIXL %s follows the tag's contrib/Dockerfile, cell by cell", (tag, make) => {
  const f = factsAt(tag);
  const r = make();
  const args = argsOf(r);
  const c = compareRecipes([r], nixlImageRows, nixlLinkage);
  const cell = (key: string) => c.rows.find((row) => row.key === key)!.values[0];
  test.each([
    ["base image tag", () => args.get("BASE_TAG"), f.base_image_tag],
    ["NIXL version", () => args.get("NIXL_VERSION"), { value: f.tag, source: "tag" }],
    ["UCX ref", () => args.get("UCX_VERSION"), f.ucx.ref],
    ["UCX prefix", () => cell("UCX prefix"), f.ucx.prefix],
    ["libfabric version", () => cell("libfabric"), f.libfabric.version],
    ["libfabric install path", () => cell("libfabric install path"), f.libfabric.install_path],
    ["aws-sdk-cpp branch", () => args.get("AWS_SDK_CPP_VERSION"), f.deps.aws_sdk_cpp],
    ["python venv", () => /venv (\S+),/.exec(cell("Python packages") ?? "")?.[1] ?? "none (system Python)", f.python.venv],
  ] as const)("%s", (_what, actual, fact) => {
    expect(actual(), fact.source).toBe(fact.value);
  });
  test("build type: the tag's choice (ARG BUILD_TYPE, else meson's default)", () => {
    expect(args.get("NIXL_BUILD_TYPE"), f.build_type.source).toBe(/^meson default \((\w+)\)$/.exec(f.build_type.value)?.[1] ?? f.build_type.value);
  });
  test("DOCA host package version", () => {
    expect(args.get("DOCA_BUILD")?.split("-")[0], f.doca.version.source).toBe(f.doca.version.value);
  });
  test("aws-sdk-cpp BUILD_ONLY", () => {
    expect(r.render(), f.deps.aws_sdk_cpp_build_only.source).toContain(`-DBUILD_ONLY="${f.deps.aws_sdk_cpp_build_only.value}"`);
  });
  test("gusli built when the tag builds it", () => {
    expect(args.has("GUSLI_REF"), f.deps.gusli_built.source).toBe(f.deps.gusli_built.value);
  });
  test("the NIXL meta wheel installed when the tag installs it", () => {
    expect(r.render().includes("build/src/bindings/python/nixl-meta/nixl-*.whl"), f.python.meta_wheel.source).toBe(f.python.meta_wheel.value);
  });
  test("every meson option the recipe gives NIXL exists at the tag", () => {
    const known = new Set(f.meson_options.map((o) => o.name));
    const given = mesonOptionsGiven(r);
    expect(given.length).toBeGreaterThan(0);
    for (const o of given) expect(known.has(o), `-D${o} at ${tag}: ${f.meson_options[0]?.source ?? ""}`).toBe(true);
  });
});
