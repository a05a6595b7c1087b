/**
 * nixl: NIXL from its git tag (pinned commit), built with meson against the libfabric and UCX
 * artifacts (paths derived from them, never restated), installed into NIXL_PREFIX; Rust bindings,
 * the Python wheel and nixlbench.
 * Facts: shared/reference/nixl-official-image.md §2 steps 6, 12-15; §3 (meson); §5 (layout, plugin
 * names); §0 item 2 (0.7.x defaults to a debug build; release is chosen explicitly here).
 */
import {
  artifact,
  componentArgs,
  versionArg,
  buildNeeds,
  cacheMount,
  checkOptions,
  defineStage,
  downloadScript,
  enumArg,
  env,
  fail,
  gitCheckoutScript,
  pathIn,
  run,
  SOURCE_MIRROR,
  type AnyStage,
  type Artifact,
  type KnownOptions,
  type NeedOf,
  type OptionLiteralChecks,
  type Overrides,
  type PrefixOf,
  type RuleOverride,
} from "../src/index.ts";
import { compile, publishStaged } from "./build-steps.ts";
import { generatedForRule, nixlFeatures, nixlRules, type NixlLibfabricProblem, type NixlUcxProblem } from "./nixl-rules.ts";
import { ARCH, NPROC, PYTHON_VERSION, commitArg, sourcePin, stagedDir } from "./shared.ts";

/** NIXL build types; 0.7.x defaults to debug when none is given. */
export type NixlBuildType = "release" | "debug";

/** Options of {@link nixl}. */
export interface NixlOptions<V extends string = string, P extends string = string> {
  /** Release tag, e.g. "0.7.1" (no v prefix up to 0.10.1). */
  readonly version: V;
  /** Install prefix (NIXL_PREFIX). Default "/usr/local/nixl". */
  readonly prefix?: P;
  /** meson build type. Default "release". */
  readonly buildType?: NixlBuildType;
  /** The libfabric to build the LIBFABRIC plugin against (-Dlibfabric_path from the artifact). */
  readonly libfabric?: Artifact<"libfabric", string, string, string>;
  /** The UCX to build the UCX plugin against (-Ducx_path from the artifact). */
  readonly ucx: Artifact<"ucx", string, string, string>;
  /** etcd-cpp-apiv3, for nixlbench (always built). */
  readonly etcd: Artifact<"etcd-cpp-api", string, string, string>;
  readonly awsSdk?: Artifact<"aws-sdk-cpp", string, string, string>;
  readonly gusli?: Artifact<"gusli", string, string, string>;
  /** Rust toolchain for the Rust bindings. Default "1.86.0"; false skips the bindings. */
  readonly rust?: string | false;
  readonly overrides?: readonly RuleOverride[];
}

const NIXL_OPTION_NAMES = ["version", "prefix", "buildType", "libfabric", "ucx", "etcd", "awsSdk", "gusli", "rust", "overrides"] as const;

/**
 * Plugin file names NIXL builds for the given dependencies (0.7.1: `libplugin_<NAME>.so`, §5).
 *
 * @example
 * nixlPlugins({ libfabric: true, awsSdk: false, gusli: false, version: "0.7.1" }) // ["libplugin_UCX.so", "libplugin_UCX_MO.so", "libplugin_POSIX.so", "libplugin_LIBFABRIC.so"]
 */
export function nixlPlugins(deps: { libfabric: boolean; awsSdk: boolean; gusli: boolean; version: string }): string[] {
  const f = nixlFeatures(deps.version);
  return ["UCX", ...(f.ucxMo ? ["UCX_MO"] : []), "POSIX", ...(deps.libfabric ? ["LIBFABRIC"] : []), ...(deps.awsSdk ? ["OBJ"] : []), ...(deps.gusli && f.gusli ? ["GUSLI"] : [])].map(
    (n) => `libplugin_${n}.so`,
  );
}


type LibfabricCheck<V extends string, O> = O extends { readonly libfabric: Artifact<"libfabric", string, infer By, infer LV> }
  ? [NixlLibfabricProblem<V, By, LV>] extends [never] ? unknown
    : [Overrides<O, "nixl-libfabric-min" | "nixl-libfabric-option">] extends [never] ? { readonly libfabric: NixlLibfabricProblem<V, By, LV> } : unknown
  : unknown;

type UcxCheck<V extends string, O> = O extends { readonly ucx: Artifact<"ucx", string, infer By, infer UV> }
  ? [NixlUcxProblem<V, By, UV>] extends [never] ? unknown
    : [Overrides<O, "nixl-ucx-line">] extends [never] ? { readonly ucx: NixlUcxProblem<V, By, UV> } : unknown
  : unknown;

/** rustup-init 1.28.1 per architecture (lock ids rustup-init-1.28.1-<arch>). */
const RUSTUP_INIT_VERSION = "1.28.1";

/**
 * The NIXL stage. Its artifacts: `nixl` (libraries, plugins, binaries), `nixlWheel` and, with etcd,
 * `nixlbench`.
 *
 * @example
 * const n = nixl(sys, { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: ucxBuild.provides.ucx })
 */
export function nixl<const F extends AnyStage, const O extends NixlOptions>(
  from: F,
  options: O & KnownOptions<O, NixlOptions, "nixl"> & OptionLiteralChecks<O> & LibfabricCheck<O["version"], O> & UcxCheck<O["version"], O>,
) {
  type V = O["version"];
  type P = PrefixOf<O, "/usr/local/nixl">;
  checkOptions("nixl", options, NIXL_OPTION_NAMES);
  const o = options as unknown as NixlOptions<V, P>;
  const { version: NIXL_VERSION, prefix: NIXL_PREFIX, prefixValue: prefix } = componentArgs(options, "/usr/local/nixl", {
    version: ["NIXL_VERSION", "NIXL release tag (no v prefix up to 0.10.1)"],
    prefix: ["NIXL_PREFIX", "NIXL install prefix"],
  });
  const buildType = o.buildType ?? "release";
  const rustVersion = o.rust ?? "1.86.0";
  const NIXL_COMMIT = commitArg("NIXL_COMMIT", NIXL_VERSION, (v) => `nixl-${v}`);
  const NIXL_BUILD_TYPE = enumArg("NIXL_BUILD_TYPE", ["release", "debug"], buildType, "meson build type (0.7.x defaults to debug when none is given)");
  const RUST_VERSION = versionArg("RUST_VERSION", rustVersion === false ? "1.86.0" : rustVersion, "Rust toolchain for NIXL's Rust bindings");
  const staged = stagedDir("nixl");
  const wheelDir = "/opt/stagewright/wheels";
  if (o.gusli !== undefined && !nixlFeatures(o.version).gusli) {
    fail("version-rule", `nixl: NIXL ${o.version} has no GUSLI plugin (first in 0.7.0); drop the gusli option or use NIXL 0.7.0 or later`, { stage: "nixl", option: "gusli" });
  }
  const features = nixlFeatures(o.version);
  const plugins = nixlPlugins({ libfabric: o.libfabric !== undefined, awsSdk: o.awsSdk !== undefined, gusli: o.gusli !== undefined, version: o.version });
  const libdir = "lib/${ARCH}-linux-gnu";
  const mesonFlags = [
    '--prefix="${NIXL_PREFIX}"',
    '--buildtype="${NIXL_BUILD_TYPE}"',
    ...(o.libfabric !== undefined ? [`-Dlibfabric_path="${pathIn(o.libfabric, "")}"`] : []),
    `-Ducx_path="${pathIn(o.ucx, "")}"`,
  ];
  const rustup = ["x86_64", "aarch64"].map((arch) => `${arch}) rustup_sha256=${sourcePin(`rustup-init-${RUSTUP_INIT_VERSION}-${arch}`).sha256 ?? ""} ;;`);
  // The cast keeps each artifact's literal prefix and producer from O, so tsc can compare them in a recipe.
  const needs = buildNeeds(o.libfabric, o.ucx, o.etcd, o.awsSdk, o.gusli) as unknown as NeedOf<O["libfabric"] | O["ucx"] | O["etcd"] | O["awsSdk"] | O["gusli"]>[];
  const nixlArtifact = artifact({
    kind: "nixl", producer: "nixl", version: o.version as V, prefix, prefixArg: NIXL_PREFIX, versionArg: NIXL_VERSION, args: [ARCH],
    layout: { lib: [libdir], include: ["include"], bin: ["bin"], plugins: [`${libdir}/plugins`] },
    runtimeFiles: [`${libdir}/libnixl.so`, ...plugins.map((p) => `${libdir}/plugins/${p}`)],
    runtimePaths: ["lib", "bin"], delivery: { type: "staged", dir: staged }, ldconfig: true,
    env: [["NIXL_PREFIX", "${NIXL_PREFIX}"], ["NIXL_PLUGIN_DIR", `\${NIXL_PREFIX}/${libdir}/plugins`]],
    links: [
      { file: `${libdir}/plugins/libplugin_UCX.so`, soname: "libucp.so.0", kind: "ucx" },
      ...(o.libfabric !== undefined ? [{ file: `${libdir}/plugins/libplugin_LIBFABRIC.so`, soname: "libfabric.so.1", kind: "libfabric" }] : []),
    ],
    facts: { buildType, libfabricLinked: o.libfabric === undefined ? "none" : `${o.libfabric.producer}:${o.libfabric.prefix}` },
  });
  return defineStage({
    name: "nixl",
    description: `NIXL built with meson (${buildType}) against the libfabric and UCX artifacts; Rust bindings, wheel, nixlbench`,
    from,
    args: [NIXL_VERSION, NIXL_COMMIT, NIXL_PREFIX, NIXL_BUILD_TYPE, ARCH, PYTHON_VERSION, SOURCE_MIRROR, NPROC, ...(rustVersion === false ? [] : [RUST_VERSION])],
    needs,
    rules: [...nixlRules, generatedForRule(o.version)],
    overrides: o.overrides ?? [],
    provides: {
      nixl: nixlArtifact,
      nixlWheel: artifact({
        kind: "nixl-wheel", producer: "nixl", version: o.version as V, prefix: wheelDir, versionArg: NIXL_VERSION,
        runtimePaths: ["."], delivery: { type: "staged", dir: staged },
      }),
      nixlbench: artifact({
        kind: "nixlbench", producer: "nixl", version: o.version as V, prefix: "/usr/local/nixlbench", versionArg: NIXL_VERSION,
        layout: { bin: ["bin"] }, runtimeFiles: ["bin/nixlbench"], runtimePaths: ["bin"], delivery: { type: "staged", dir: staged },
      }),
    },
    steps: [
      ...(rustVersion === false
        ? []
        : [
            env(["RUSTUP_HOME", "/usr/local/rustup"], ["CARGO_HOME", "/usr/local/cargo"], ["PATH", "/usr/local/cargo/bin:${PATH}"]),
            run(
              [
                `case "\${ARCH}" in\n  ${rustup.join("\n  ")}\n  *) echo "stagewright: no pinned rustup-init for ARCH=\${ARCH}" >&2; exit 1 ;;\nesac`,
                'cd /tmp',
                downloadScript(`https://static.rust-lang.org/rustup/archive/${RUSTUP_INIT_VERSION}/\${ARCH}-unknown-linux-gnu/rustup-init`, "rustup-init", "rustup_sha256"),
                "chmod +x rustup-init",
                './rustup-init -y --no-modify-path --profile minimal --default-toolchain "${RUST_VERSION}" --default-host "${ARCH}-unknown-linux-gnu"',
                "rm rustup-init",
              ].join("\n"),
            ),
          ]),
      compile(
        [
          "mkdir -p /workspace",
          "cd /workspace",
          gitCheckoutScript("https://github.com/ai-dynamo/nixl.git", "nixl", "NIXL_VERSION", "NIXL_COMMIT"),
          "cd nixl",
          "# meson setup downloads the wrap subprojects (abseil-cpp, asio, taskflow): this step needs the network or a filled subprojects/packagecache",
          `meson setup build/ \\\n    ${mesonFlags.join(" \\\n    ")}`,
          'ninja -C build -j "${NPROC:-$(nproc)}"',
          `meson install -C build --destdir ${staged}`,
          publishStaged(staged),
          `printf '%s\\n' "\${NIXL_PREFIX}/${libdir}" "\${NIXL_PREFIX}/${libdir}/plugins" > /etc/ld.so.conf.d/nixl.conf`,
          "ldconfig",
          ...plugins.map((p) => `test -f "\${NIXL_PREFIX}/${libdir}/plugins/${p}"`),
        ].join("\n"),
      ),
      ...(rustVersion === false
        ? []
        : [
            run("cd /workspace/nixl/src/bindings/rust\ncargo build --release --locked", {
              mounts: [cacheMount("/usr/local/cargo/registry", "locked", "cargo-registry"), cacheMount("/usr/local/cargo/git", "locked", "cargo-git")],
            }),
          ]),
      run(
        [
          "cd /workspace/nixl",
          `mkdir -p ${staged}${wheelDir}`,
          "./contrib/build-wheel.sh \\",
          '    --python-version "${PYTHON_VERSION}" \\',
          '    --platform "manylinux_2_39_${ARCH}" \\',
          `    --ucx-plugins-dir "${pathIn(o.ucx, "lib/ucx")}" \\`,
          `    --nixl-plugins-dir "\${NIXL_PREFIX}/${libdir}/plugins" \\`,
          `    --output-dir ${staged}${wheelDir}`,
          // The nixl-cu<N> + meta-wheel split arrived in 0.7.1 (nixl-official-image.md §8).
          ...(features.metaWheel ? [`cp build/src/bindings/python/nixl-meta/nixl-*.whl ${staged}${wheelDir}/`] : []),
          `ls ${staged}${wheelDir}/nixl-*.whl`,
        ].join("\n"),
        { mounts: [cacheMount("/workspace/.cache/uv")] },
      ),
      ...[
            compile(
              [
                "cd /workspace/nixl/benchmark/nixlbench",
                'meson setup build/ -Dnixl_path="${NIXL_PREFIX}" --prefix=/usr/local/nixlbench --buildtype="${NIXL_BUILD_TYPE}"',
                'ninja -C build -j "${NPROC:-$(nproc)}"',
                `meson install -C build --destdir ${staged}`,
                publishStaged(staged),
                "test -x /usr/local/nixlbench/bin/nixlbench",
              ].join("\n"),
            ),
          ],
    ],
    versions: { nixl: "${NIXL_VERSION}", rust: rustVersion === false ? "none" : "${RUST_VERSION}" },
  });
}
