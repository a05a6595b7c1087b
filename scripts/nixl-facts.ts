/**
 * Reads the official NIXL build at every known tag out of a git mirror of ai-dynamo/nixl and prints the
 * fact sheet docs/facts/nixl-tags.yaml. It parses upstream files only (contrib/Dockerfile,
 * meson_options.txt, meson.build, subprojects/*.wrap, pyproject.toml, contrib/build-wheel.sh), never
 * stagewright's code, so the test that checks the rendered official recipe against the sheet compares
 * two independent readings. Every fact carries the URL of the upstream line it was read from.
 *
 *   npx tsx scripts/nixl-facts.ts /path/to/nixl.git > docs/facts/nixl-tags.yaml
 */
import { execFileSync } from "node:child_process";
import { stringify } from "yaml";

/** The tags the sheet covers: every release tag from 0.6.1 to v1.4.0 (release candidates left out). */
const NIXL_FACT_TAGS = ["0.6.1", "0.7.0", "0.7.1", "0.8.0", "0.9.0", "0.10.0", "0.10.1", "v1.0.0", "v1.0.1", "v1.1.0", "v1.2.0", "v1.3.0", "v1.3.1", "v1.3.2", "v1.4.0"] as const;

const REPO = "https://github.com/ai-dynamo/nixl";

interface Fact<T> {
  readonly value: T;
  readonly source: string;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
}

function show(dir: string, tag: string, path: string): string | undefined {
  try {
    return git(dir, "show", `${tag}:${path}`);
  } catch {
    return undefined;
  }
}

/** A fact read from the first line of `path` that matches `re`; the value is `pick(match)`. */
function lineFact<T>(tag: string, path: string, text: string, re: RegExp, pick: (m: RegExpMatchArray) => T): Fact<T> | undefined {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i]!.match(re);
    if (m) return { value: pick(m), source: `${REPO}/blob/${tag}/${path}#L${i + 1}` };
  }
  return undefined;
}

/** A yes/no fact: true with the line that shows it, false with the whole file as the source. */
function hasFact(tag: string, path: string, text: string, re: RegExp): Fact<boolean> {
  return lineFact(tag, path, text, re, () => true) ?? { value: false, source: `${REPO}/blob/${tag}/${path}` };
}

function required<T>(f: Fact<T> | undefined, what: string, tag: string): Fact<T> {
  if (f === undefined) throw new Error(`nixl-facts: ${what} not found at ${tag}`);
  return f;
}

function tagFacts(dir: string, tag: string) {
  const df = "contrib/Dockerfile";
  const d = show(dir, tag, df);
  const mesonOptions = show(dir, tag, "meson_options.txt");
  const mesonBuild = show(dir, tag, "meson.build");
  const pyproject = show(dir, tag, "pyproject.toml");
  const buildWheel = show(dir, tag, "contrib/build-wheel.sh");
  if (d === undefined || mesonOptions === undefined || mesonBuild === undefined || pyproject === undefined) throw new Error(`nixl-facts: ${tag} lacks a file the sheet reads`);
  const arg = (name: string) => lineFact(tag, df, d, new RegExp(`^ARG ${name}="([^"]*)"`), (m) => m[1]!);
  const ucxRef = required(arg("UCX_REF"), "ARG UCX_REF", tag);
  const doca = required(lineFact(tag, df, d, /DOCA_v([0-9.]+)\/host\/(doca-host_[^$]+)/, (m) => m[1]!), "DOCA host deb", tag);
  const mesonSetup = required(lineFact(tag, df, d, /^\s*(?:uv run )?meson setup (.*) && \\$/, (m) => m[1]!.trim()), "meson setup", tag);
  const setupFlags = mesonSetup.value.split(/\s+/);
  const buildTypeArg = arg("BUILD_TYPE");
  const defaultBuildType = required(lineFact(tag, "meson.build", mesonBuild, /default_options: \['buildtype=([a-z]+)'/, (m) => m[1]!), "meson default buildtype", tag);
  const optionNames = mesonOptions
    .split("\n")
    .map((l, i) => [l.match(/^option\('([A-Za-z0-9_]+)'/)?.[1], i] as const)
    .filter((x): x is readonly [string, number] => x[0] !== undefined);
  const plugins = git(dir, "ls-tree", "-d", "--name-only", `${tag}:src/plugins`).trim().split("\n");
  const wraps = git(dir, "ls-tree", "--name-only", `${tag}:subprojects`)
    .trim()
    .split("\n")
    .filter((n) => n.endsWith(".wrap"))
    .map((n) => {
      const path = `subprojects/${n}`;
      const text = show(dir, tag, path)!;
      const field = (k: string) => text.match(new RegExp(`^${k}\\s*=\\s*(.+)$`, "m"))?.[1]?.trim();
      return {
        name: n.replace(/\.wrap$/, ""),
        kind: field("source_url") !== undefined ? "file" : "git",
        url: field("source_url") ?? field("url") ?? "",
        ...(field("revision") !== undefined ? { revision: field("revision") } : {}),
        ...(field("directory") !== undefined ? { directory: field("directory") } : {}),
        ...(field("source_hash") !== undefined ? { sha256: field("source_hash") } : {}),
        source: `${REPO}/blob/${tag}/${path}`,
      };
    });
  // One ENV instruction may set several variables over continuation lines.
  const envNames = [...new Set(d.replace(/\\\n/g, " ").split("\n").flatMap((l) => {
    const body = l.match(/^ENV (.*)$/)?.[1];
    return body === undefined ? [] : [...body.matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]!);
  }))];
  const pyName = required(lineFact(tag, "pyproject.toml", pyproject, /^name = ['"]([^'"]+)['"]/, (m) => m[1]!), "pyproject name", tag);
  const pyRequires = required(lineFact(tag, "pyproject.toml", pyproject, /^requires = \[(.*)\]/, (m) => m[1]!.split(",").map((s) => s.trim().replace(/^["']|["']$/g, ""))), "pyproject requires", tag);
  const wheelMethod: Fact<string> =
    lineFact(tag, df, d, /^(?:RUN )?\s*\.\/contrib\/build-wheel\.sh/, () => "build-wheel.sh") ??
    required(lineFact(tag, df, d, /uv pip install --system --no-build-isolation \. /, () => "uv pip install --system --no-build-isolation ."), "wheel method", tag);
  const etcdCmake = required(lineFact(tag, df, d, /cmake \.\. -DBUILD_ETCD_CORE_ONLY=ON(.*?)(?: && \\| && make.*)?$/, (m) => m[0]!.trim()), "etcd cmake", tag);
  const awsSdk = required(lineFact(tag, df, d, /aws-sdk-cpp\.git --branch ([0-9.]+)/, (m) => m[1]!), "aws-sdk-cpp branch", tag);
  const awsSdkOnly = required(lineFact(tag, df, d, /-DBUILD_ONLY="([^"]+)"/, (m) => m[1]!), "aws-sdk-cpp BUILD_ONLY", tag);
  const azure = lineFact(tag, df, d, /azure-sdk-for-cpp\.git --branch (\S+)/, (m) => m[1]!);
  const ucxGdr = required(lineFact(tag, df, d, /--with(out)?-gdrcopy(=\S+)?\s/, (m) => (m[1] ? "without" : `with${m[2] ?? ""}`)), "UCX gdrcopy flag", tag);
  return {
    tag,
    commit: git(dir, "rev-parse", `${tag}^{commit}`).trim(),
    date: git(dir, "log", "-1", "--format=%cI", tag).trim(),
    base_image_tag: required(arg("BASE_IMAGE_TAG"), "ARG BASE_IMAGE_TAG", tag),
    ucx: {
      ref: ucxRef,
      ref_is_branch: { value: /\.x$/.test(ucxRef.value), source: ucxRef.source },
      prefix: required(arg("UCX_PREFIX"), "ARG UCX_PREFIX", tag),
      gdrcopy: ucxGdr,
      configure_script: required(lineFact(tag, df, d, /^\s*\.\/(autogen\.sh && \.\/configure|contrib\/configure-release-mt)\b/, (m) => (m[1]!.startsWith("contrib") ? "contrib/configure-release-mt" : "configure")), "UCX configure", tag),
      enable_mt_flag: hasFact(tag, df, d, /--enable-mt\b/),
      experimental_api_with_ep: hasFact(tag, df, d, /EXPERIMENTAL_API_PARAM="--enable-experimental-api"/),
      soname_suffix_arg: hasFact(tag, df, d, /^ARG UCX_SONAME_SUFFIX=/),
      module_deepbind: hasFact(tag, df, d, /--enable-module-deepbind/),
    },
    libfabric: {
      version: required(arg("LIBFABRIC_VERSION"), "ARG LIBFABRIC_VERSION", tag),
      install_path: required(arg("LIBFABRIC_INSTALL_PATH"), "ARG LIBFABRIC_INSTALL_PATH", tag),
    },
    doca: {
      version: doca,
      pkg_config_path: hasFact(tag, df, d, /^ENV PKG_CONFIG_PATH=.*\$DOCA_PREFIX/),
    },
    build_type: buildTypeArg ?? { value: `meson default (${defaultBuildType.value})`, source: `${REPO}/blob/${tag}/${df}` },
    meson_default_build_type: defaultBuildType,
    meson_setup: {
      line: mesonSetup,
      ucx_path: { value: setupFlags.some((f) => f.startsWith("-Ducx_path=")), source: mesonSetup.source },
      libfabric_path: { value: setupFlags.some((f) => f.startsWith("-Dlibfabric_path=")), source: mesonSetup.source },
      buildtype: { value: setupFlags.some((f) => f.startsWith("--buildtype=")), source: mesonSetup.source },
    },
    build_nixl_ep: arg("BUILD_NIXL_EP") ?? { value: "absent", source: `${REPO}/blob/${tag}/${df}` },
    meson_options: optionNames.map(([name, i]) => ({ name, source: `${REPO}/blob/${tag}/meson_options.txt#L${i + 1}` })),
    plugins: { value: plugins, source: `${REPO}/tree/${tag}/src/plugins` },
    wraps,
    env: { value: envNames, source: `${REPO}/blob/${tag}/${df}` },
    deps: {
      aws_sdk_cpp: awsSdk,
      aws_sdk_cpp_build_only: awsSdkOnly,
      abseil_from_source: arg("ABSL_TAG") ?? { value: "no", source: `${REPO}/blob/${tag}/${df}` },
      grpc_from_source: arg("GRPC_TAG") ?? { value: "no", source: `${REPO}/blob/${tag}/${df}` },
      apt_libgrpc_dev: hasFact(tag, df, d, /^\s+libgrpc-dev \\/),
      apt_liburing_dev: hasFact(tag, df, d, /^\s+liburing-dev \\/),
      etcd_cmake: etcdCmake,
      azure_sdk: azure ?? { value: "absent", source: `${REPO}/blob/${tag}/${df}` },
      gusli_built: hasFact(tag, df, d, /git clone https:\/\/github\.com\/nvidia\/gusli\.git/),
    },
    python: {
      venv: lineFact(tag, df, d, /^ENV VIRTUAL_ENV=(\S+)/, (m) => m[1]!) ?? { value: "none (system Python)", source: `${REPO}/blob/${tag}/${df}` },
      setuptools: lineFact(tag, df, d, /'setuptools(>=[0-9.]+)'/, (m) => m[1]!) ?? { value: "not pinned", source: `${REPO}/blob/${tag}/${df}` },
      wheel_method: wheelMethod,
      meta_wheel: hasFact(tag, df, d, /build\/src\/bindings\/python\/nixl-meta\/nixl-\*\.whl/),
      pyproject_name: pyName,
      pyproject_build_requires: pyRequires,
      build_wheel_options: buildWheel === undefined
        ? { value: [], source: `${REPO}/blob/${tag}/contrib` }
        : { value: [...buildWheel.matchAll(/^\s+(--[a-z-]+)\)/gm)].map((m) => m[1]!).filter((o) => o !== "--help"), source: `${REPO}/blob/${tag}/contrib/build-wheel.sh` },
    },
  };
}

function main(): void {
  const dir = process.argv[2];
  if (dir === undefined) {
    process.stderr.write("usage: npx tsx scripts/nixl-facts.ts /path/to/nixl.git > docs/facts/nixl-tags.yaml\n");
    process.exit(2);
  }
  const header = [
    "# The official NIXL build (contrib/Dockerfile and the files it uses) at every release tag 0.6.1..v1.4.0.",
    "# Generated from a git mirror of https://github.com/ai-dynamo/nixl by scripts/nixl-facts.ts, which reads",
    "# upstream files only; each fact carries the URL of the upstream line it came from. Regenerate and diff:",
    "#   npx tsx scripts/nixl-facts.ts /path/to/nixl.git | diff - docs/facts/nixl-tags.yaml",
    "# Caveats (docs/sources.md): v1.3.1 was tagged on main (its contrib/Dockerfile is v1.4.0's), v1.3.2 on",
    "# release/1.3.x; v1.0.1 was cut from main after the UCX v1.21.x / abseil+gRPC change (v1.1.0's Dockerfile).",
    "",
  ].join("\n");
  process.stdout.write(header + stringify({ tags: NIXL_FACT_TAGS.map((t) => tagFacts(dir, t)) }, { lineWidth: 0 }));
}

main();
