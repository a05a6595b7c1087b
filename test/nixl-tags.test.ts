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
import { OFFICIAL_TAGS, officialRecipe } from "../recipes/official.ts";
import { nixlImageRows, nixlLinkage, type NixlTag } from "../stages/index.ts";
import { checkDockerfile } from "./support/checkers.ts";

interface Fact<T> {
  readonly value: T;
  readonly source: string;
}
interface TagFacts {
  readonly tag: string;
  readonly commit: string;
  readonly base_image_tag: Fact<string>;
  readonly ucx: { readonly ref: Fact<string>; readonly ref_is_branch: Fact<boolean>; readonly prefix: Fact<string>; readonly gdrcopy: Fact<string>; readonly configure_script: Fact<string> };
  readonly libfabric: { readonly version: Fact<string>; readonly install_path: Fact<string> };
  readonly doca: { readonly version: Fact<string> };
  readonly build_type: Fact<string>;
  readonly meson_default_build_type: Fact<string>;
  readonly meson_options: readonly { readonly name: string; readonly source: string }[];
  readonly deps: {
    readonly aws_sdk_cpp: Fact<string>; readonly aws_sdk_cpp_build_only: Fact<string>; readonly gusli_built: Fact<boolean>;
    readonly abseil_from_source: Fact<string>; readonly grpc_from_source: Fact<string>; readonly apt_libgrpc_dev: Fact<boolean>; readonly etcd_cmake: Fact<string>;
  };
  readonly python: { readonly venv: Fact<string>; readonly meta_wheel: Fact<boolean>; readonly wheel_method: Fact<string> };
  readonly build_nixl_ep: Fact<string>;
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
// NIXL's own meson options; meson's base options (b_ndebug, ...: https://mesonbuild.com/Builtin-options.html#base-options) exist at every tag.
const mesonOptionsGiven = (r: Recipe) => [...r.render().matchAll(/^\s+-D([a-z_]+)=/gm)].map((m) => m[1]!).filter((o) => !o.startsWith("b_"));

/** The UCX release tags of each line, read from docs/facts/dependencies.yaml (not from the stage library). */
const ucxReleases = (deps["ucx"] as { release_tags: { tag: string }[] }).release_tags.map((t) => t.tag);

describe.each(OFFICIAL_TAGS.map((t) => [t] as const))("the official recipe at NIXL %s follows the tag's contrib/Dockerfile, cell by cell", (tag: NixlTag) => {
  const f = factsAt(tag);
  const r = officialRecipe(tag);
  const text = r.render();
  const args = argsOf(r);
  const c = compareRecipes([r], nixlImageRows, nixlLinkage);
  const cell = (key: string) => c.rows.find((row) => row.key === key)!.values[0];
  /** A cell that differs from the sheet must be a difference the recipe says (a note naming it). */
  const sameOrSaid = (actual: unknown, fact: Fact<unknown>, said: RegExp) => {
    if (actual === fact.value) return;
    expect(r.notes.some((n) => said.test(n)), `${String(actual)} vs ${String(fact.value)} (${fact.source}) and no note says so`).toBe(true);
  };
  test.each([
    ["base image tag", () => args.get("BASE_TAG"), f.base_image_tag],
    ["NIXL version", () => args.get("NIXL_VERSION"), { value: f.tag, source: "tag" }],
    ["UCX prefix", () => cell("UCX prefix"), f.ucx.prefix],
    ["libfabric version", () => cell("libfabric"), f.libfabric.version],
    ["libfabric install path", () => cell("libfabric install path"), f.libfabric.install_path],
    ["aws-sdk-cpp branch", () => args.get("AWS_SDK_CPP_VERSION"), f.deps.aws_sdk_cpp],
  ] as const)("%s", (_what, actual, fact) => {
    expect(actual(), fact.source).toBe(fact.value);
  });
  test("commit: NIXL_COMMIT is the tag's commit", () => {
    expect(args.get("NIXL_COMMIT")).toBe(f.commit);
  });
  test("UCX: the tag's UCX_REF, or (a branch) that line's release tag, said in the notes", () => {
    const ucx = args.get("UCX_VERSION");
    if (!f.ucx.ref_is_branch.value) return expect(ucx, f.ucx.ref.source).toBe(f.ucx.ref.value);
    const line = f.ucx.ref.value.replace(/\.x$/, "");
    expect(ucxReleases.filter((t) => t.startsWith(`${line}.`)), f.ucx.ref.source).toContain(ucx);
    expect(r.notes.some((n) => n.includes(`UCX branch ${f.ucx.ref.value}`) && n.includes(ucx!))).toBe(true);
  });
  test("UCX configure: the script and the GDRCopy choice", () => {
    const script = f.ucx.configure_script.value === "contrib/configure-release-mt" ? "./contrib/configure-release-mt \\" : "./configure \\";
    expect(text, f.ucx.configure_script.source).toContain(`\n${script}\n`);
    expect(text.includes("--without-gdrcopy"), f.ucx.gdrcopy.source).toBe(f.ucx.gdrcopy.value === "without");
  });
  test("build type: the tag's choice (ARG BUILD_TYPE, else meson's default)", () => {
    expect(args.get("NIXL_BUILD_TYPE"), f.build_type.source).toBe(/^meson default \((\w+)\)$/.exec(f.build_type.value)?.[1] ?? f.build_type.value);
  });
  test("DOCA host package version", () => {
    expect(args.get("DOCA_BUILD")?.split("-")[0], f.doca.version.source).toBe(f.doca.version.value);
  });
  test("aws-sdk-cpp BUILD_ONLY", () => {
    expect(text, f.deps.aws_sdk_cpp_build_only.source).toContain(`-DBUILD_ONLY="${f.deps.aws_sdk_cpp_build_only.value}"`);
  });
  test("gusli built when the tag builds it", () => {
    expect(args.has("GUSLI_REF"), f.deps.gusli_built.source).toBe(f.deps.gusli_built.value);
  });
  test("gRPC: from apt, or abseil and gRPC from source at the tag's refs", () => {
    expect(/^\s+libgrpc-dev \\$/m.test(text), f.deps.apt_libgrpc_dev.source).toBe(f.deps.apt_libgrpc_dev.value);
    if (f.deps.grpc_from_source.value === "no") return expect(args.has("GRPC_VERSION")).toBe(false);
    expect(args.get("GRPC_VERSION"), f.deps.grpc_from_source.source).toBe(f.deps.grpc_from_source.value);
    // ABSL_TAG is the branch lts_YYYY_MM_DD; the recipe pins a release tag YYYYMMDD.N of it
    expect(args.get("ABSEIL_VERSION")?.split(".")[0], f.deps.abseil_from_source.source).toBe(f.deps.abseil_from_source.value.replace(/^lts_/, "").replace(/_/g, ""));
  });
  test("etcd-cpp-apiv3: the tag's C++ standard flags", () => {
    for (const flag of f.deps.etcd_cmake.value.match(/-D(ETCD_)?CMAKE_CXX_STANDARD=\d+/g) ?? []) expect(text, f.deps.etcd_cmake.source).toContain(flag);
    if (!/ETCD_CMAKE_CXX_STANDARD/.test(f.deps.etcd_cmake.value)) expect(text).not.toContain("ETCD_CMAKE_CXX_STANDARD");
  });
  test("python: the tag's venv, or the difference said", () => {
    sameOrSaid(/venv (\S+),/.exec(cell("Python packages") ?? "")?.[1] ?? "none (system Python)", f.python.venv, /venv/);
  });
  test("the wheel: build-wheel.sh, or the package built from pyproject.toml (said: no system Python)", () => {
    expect(text.includes("./contrib/build-wheel.sh"), f.python.wheel_method.source).toBe(f.python.wheel_method.value === "build-wheel.sh");
    if (f.python.wheel_method.value !== "build-wheel.sh") expect(text).toContain("uv build --wheel --no-build-isolation");
  });
  test("the NIXL meta wheel installed when the tag installs it", () => {
    expect(text.includes("build/src/bindings/python/nixl-meta/nixl-*.whl"), f.python.meta_wheel.source).toBe(f.python.meta_wheel.value);
  });
  test("NIXL EP: not built; said where the tag builds it by default", () => {
    expect(text).not.toContain("build_nixl_ep");
    expect(r.notes.some((n) => n.includes("NIXL EP")), f.build_nixl_ep.source).toBe(f.build_nixl_ep.value !== "absent");
  });
  test("every meson option the recipe gives NIXL exists at the tag", () => {
    const known = new Set(f.meson_options.map((o) => o.name));
    const given = mesonOptionsGiven(r);
    expect(given.length).toBeGreaterThan(0);
    for (const o of given) expect(known.has(o), `-D${o} at ${tag}: ${f.meson_options[0]?.source ?? ""}`).toBe(true);
  });
  test("dockerfile-utils, shell parser and shellcheck pass", () => {
    expect(checkDockerfile(text).problems).toEqual([]);
  });
});

describe("the stage library's version table agrees with the fact sheet", () => {
  test.each(OFFICIAL_TAGS.map((t) => [t] as const))("%s: meson options and plugin directories", async (tag) => {
    const { NIXL_MESON_OPTIONS, NIXL_PLUGIN_DIRS, nixlHasMesonOption, inReleaseRange } = await import("../stages/index.ts");
    const f = factsAt(tag) as TagFacts & { plugins: Fact<string[]> };
    const has = (Object.keys(NIXL_MESON_OPTIONS) as (keyof typeof NIXL_MESON_OPTIONS)[]).filter((o) => nixlHasMesonOption(tag, o) === true);
    expect(has.sort(), f.meson_options[0]?.source).toEqual(f.meson_options.map((o) => o.name).sort());
    const dirs = Object.entries(NIXL_PLUGIN_DIRS).filter(([, ranges]) => ranges.some((r) => inReleaseRange(tag, r) === true)).map(([d]) => d);
    expect(dirs.sort(), f.plugins.source).toEqual([...f.plugins.value].sort());
  });
});
