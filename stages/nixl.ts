/**
 * nixl: NIXL from its git tag (pinned commit), built with meson against the libfabric and UCX
 * artifacts (paths derived from them, never restated), installed into NIXL_PREFIX; Rust bindings,
 * the Python wheel and nixlbench.
 * Facts: the Rust, meson, ld.so.conf and wheel steps of https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile;
 * the layout and plugin names of https://github.com/ai-dynamo/nixl/blob/0.7.1/meson.build and src/plugins/<name>/meson.build
 * at the tag; 0.7.x defaults to a debug build (`buildtype=debug` in that meson.build; release is chosen explicitly here).
 */
import {
  at,
  cacheMount,
  compileStep,
  defineComponent,
  downloadScript,
  fetchedSource,
  enumArg,
  env,
  fail,
  git,
  meson,
  mesonWrapsFromMirror,
  scriptOf,
  MESON_WRAP_SHA256S,
  option,
  run,
  sh,
  versionArg,
  SOURCE_MIRROR,
  type AnyArtifact,
  type AnyStage,
  type Artifact,
  type ComponentOptions,
  type ComponentSpec,
  type ComponentStage,
  type OptionProblem,
  type OptionsOf,
  type Overrides,
  type VersionForm,
  versionFormRegex,
} from "../src/index.ts";
import { NIXL_RULES, generatedForRule, libfabricGb200Rule, mesonOptionRule, nixlFeatures, type NixlGb200Problem, type NixlMesonProblem } from "./nixl-rules.ts";
import { NIXL_MESON_OPTIONS, NIXL_TAG_FORM, type NixlMesonOption } from "./nixl-versions.ts";
import { ARCH, NPROC, PYTHON_VERSION, commitArg, sourcePin, stagedDir } from "./shared.ts";

/** NIXL build types; 0.7.x defaults to debug when none is given. */
export type NixlBuildType = "release" | "debug";

/** Rust toolchains by their release number, as the Rust repository tags them (rustup takes the same). */
const RUST_FORM = { expected: "a Rust release, without a v", example: "1.86.0", shapes: [{ shape: "<N>.<N>.<N>" }], source: "https://github.com/rust-lang/rust/tags" } as const satisfies VersionForm;

const rustOption = option.custom<string | false, false, "1.86.0">({
  doc: 'Rust toolchain for the Rust bindings. Default "1.86.0"; false skips the bindings',
  default: "1.86.0",
  check: (v) => (v === false || (typeof v === "string" && versionFormRegex(RUST_FORM).test(v)) ? undefined : `${JSON.stringify(v)} is not a Rust version such as 1.86.0, or false`),
});

/** A meson option value as it may appear on the command line (no quoting needed). */
const MESON_VALUE = /^[A-Za-z0-9_.,;:/+=-]*$/;
/** The meson options the `meson` option may name: every NIXL option but the two the artifacts give. */
type GivenMesonOption = Exclude<NixlMesonOption, "ucx_path" | "libfabric_path">;
const mesonOption = option.custom<{ readonly [K in GivenMesonOption]?: string | boolean }>({
  doc: "more meson options, by name (-D<name>=<value>); each must exist in the NIXL version (rule nixl-meson-option); ucx_path and libfabric_path come from the artifacts",
  check: (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return `${JSON.stringify(v)} is not an object of meson option names to values`;
    for (const [name, value] of Object.entries(v)) {
      if (!(name in NIXL_MESON_OPTIONS) || name === "ucx_path" || name === "libfabric_path") {
        return `meson option ${name} is not one NIXL has (known: ${Object.keys(NIXL_MESON_OPTIONS).filter((k) => k !== "ucx_path" && k !== "libfabric_path").join(", ")}); ucx_path and libfabric_path come from the artifacts`;
      }
      if (typeof value !== "boolean" && (typeof value !== "string" || !MESON_VALUE.test(value))) return `meson option ${name}=${String(value)} must be a boolean or a plain string (letters, digits, _ . , ; : / + = -)`;
    }
    return undefined;
  },
});

/**
 * Shell, run in the NIXL source tree before meson, that stops when meson would build the nixl meta
 * wheel with `uv build` (uv on PATH: NIXL 0.7.1 and later) with build isolation off and the Python
 * environment lacks the setuptools the meta package's pyproject requires (read from the source:
 * any at 0.7.1, >=80.9.0 from 0.9.0). Without it ninja fails late, at `build_nixl_meta` (rule
 * nixl-meta-setuptools says the same at generation).
 *
 * @example
 * metaSetuptoolsCheck()
 */
export function metaSetuptoolsCheck(): string {
  return [
    "# NIXL's meson builds the nixl meta wheel with uv whenever uv is on PATH; with build isolation off uv runs this Python's setuptools",
    String.raw`req="$(sed -n 's/^requires = \["setuptools\([^"]*\)"\]$/\1/p' src/bindings/python/nixl-meta/pyproject.toml.in)"`,
    'case "${UV_NO_BUILD_ISOLATION:-}" in 1 | true | yes | on) isolated=no ;; *) isolated=yes ;; esac',
    'if command -v uv > /dev/null && [ "$isolated" = no ]; then',
    `  if ! have="$(python3 -c 'import setuptools; print(setuptools.__version__)' 2> /dev/null)"; then have=""; fi`,
    `  if [ -z "$have" ] || ! python3 -c 'import sys; v = lambda s: tuple(int(x) for x in s.split(".")[:3] if x.isdigit()); sys.exit(0 if v(sys.argv[1]) >= v(sys.argv[2]) else 1)' "$have" "\${req#>=}"; then`,
    '    echo "stagewright: NIXL builds its nixl meta wheel with uv (uv is on PATH, build isolation off), which needs setuptools${req} in the Python environment of $(command -v python3), and it has ${have:-none}: make the venv with setuptools (option setuptools: true of cudaDlBase or pythonVenv, the default), or install it, or take uv off PATH" >&2',
    "    exit 1",
    "  fi",
    "fi",
  ].join("\n");
}

/** Where a NIXL wheel is staged (the nixl-wheel artifact's prefix). */
export const NIXL_WHEEL_DIR = "/opt/stagewright/wheels";

/** The NIXL component, declared once: options, ARGs, artifacts and its version rules as data. */
export const NIXL_SPEC = {
  name: "nixl",
  options: {
    version: option.version({ doc: 'release tag, e.g. "0.7.1" (no v prefix up to 0.10.1)', required: true }),
    prefix: option.path({ doc: 'install prefix (NIXL_PREFIX). Default "/usr/local/nixl"' }),
    buildType: option.oneOf(["release", "debug"], { doc: 'meson build type. Default "release"', default: "release" }),
    libfabric: option.artifact("libfabric", { doc: "the libfabric to build the LIBFABRIC plugin against (-Dlibfabric_path from the artifact)" }),
    ucx: option.artifact("ucx", { doc: "the UCX to build the UCX plugin against (-Ducx_path from the artifact)", required: true }),
    etcd: option.artifact("etcd-cpp-api", { doc: "etcd-cpp-apiv3, for NIXL's etcd metadata exchange and nixlbench's etcd runtime (both optional at build time)" }),
    tests: option.boolean({ doc: "build NIXL's tests and examples (without them NIXL installs nothing into bin). Default true", default: true }),
    nixlbench: option.boolean({ doc: "build nixlbench (needs gflags and OpenMP). Default true", default: true }),
    wheel: option.boolean({ doc: "build the Python wheel here, the official image's way (contrib/build-wheel.sh: uv, auditwheel). Default true; false leaves it to nixlWheel (meson-python, no uv) or to nobody", default: true }),
    awsSdk: option.artifact("aws-sdk-cpp", { doc: "the AWS SDK for C++ (OBJ plugin)" }),
    gusli: option.artifact("gusli", { doc: "gusli (GUSLI plugin, NIXL 0.7.0 and later)" }),
    rust: rustOption,
    meson: mesonOption,
    arch: option.oneOf(["x86_64", "aarch64"], { doc: "the architecture the image is for, when a recipe is for one (GB200: aarch64); rule nixl-libfabric-gb200 reads it, else the ARCH value" }),
    overrides: option.overrides(),
  },
  version: { option: "version", arg: "NIXL_VERSION", doc: "NIXL release tag (no v prefix up to 0.10.1)", form: NIXL_TAG_FORM },
  prefix: { option: "prefix", arg: "NIXL_PREFIX", doc: "NIXL install prefix", default: "/usr/local/nixl" },
  artifacts: {
    nixl: { kind: "nixl", delivery: "staged", version: "own" },
    nixlWheel: { kind: "nixl-wheel", delivery: "staged", prefix: NIXL_WHEEL_DIR, version: "own", when: { wheel: true } },
    nixlbench: { kind: "nixlbench", delivery: "staged", prefix: "/usr/local/nixlbench", version: "own", when: { nixlbench: true } },
  },
  rules: NIXL_RULES,
} as const satisfies ComponentSpec;

/** Options of {@link nixl}. */
export type NixlOptions = OptionsOf<typeof NIXL_SPEC.options>;

/**
 * Plugin file names NIXL builds for the given dependencies (0.7.1: `libplugin_<NAME>.so`, src/plugins/<name>/meson.build at the tag).
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


/** rustup-init 1.28.1 per architecture (lock ids rustup-init-1.28.1-<arch>). */
const RUSTUP_INIT_VERSION = "1.28.1";

/** The NIXL stage as the spec declares it; {@link nixl} adds the compile-time twins the spec data cannot express. */
const nixlComponent = defineComponent(NIXL_SPEC, (c) => {
  const o = c.options;
  const version = c.version;
  const libfabric = o["libfabric"] as AnyArtifact | undefined;
  const ucx = o["ucx"] as AnyArtifact;
  const buildType = o["buildType"] as NixlBuildType;
  const rustVersion = o["rust"] as string | false;
  const NIXL_VERSION = c.versionArg!;
  const NIXL_COMMIT = commitArg("NIXL_COMMIT", NIXL_VERSION, (v) => `nixl-${v}`);
  const NIXL_BUILD_TYPE = enumArg("NIXL_BUILD_TYPE", ["release", "debug"], buildType, "meson build type (0.7.x defaults to debug when none is given)");
  const RUST_VERSION = versionArg("RUST_VERSION", rustVersion === false ? "1.86.0" : rustVersion, "Rust toolchain for NIXL's Rust bindings", RUST_FORM);
  const staged = stagedDir("nixl");
  const src = fetchedSource(git({ repo: "https://github.com/ai-dynamo/nixl.git", dir: "nixl", ref: NIXL_VERSION, commit: NIXL_COMMIT, under: "/workspace" }));
  const wheelDir = NIXL_WHEEL_DIR;
  const tests = o["tests"] === true;
  const wheel = o["wheel"] === true;
  const bench = o["nixlbench"] === true;
  if (o["gusli"] !== undefined && !nixlFeatures(version).gusli) {
    fail("version-rule", `nixl: NIXL ${version} has no GUSLI plugin (first in 0.7.0); drop the gusli option or use NIXL 0.7.0 or later`, { stage: "nixl", option: "gusli" });
  }
  const features = nixlFeatures(version);
  const mesonGiven = Object.entries((o["meson"] as Record<string, string | boolean> | undefined) ?? {}) as [NixlMesonOption, string | boolean][];
  const plugins = nixlPlugins({ libfabric: libfabric !== undefined, awsSdk: o["awsSdk"] !== undefined, gusli: o["gusli"] !== undefined, version });
  const libdir = "lib/${ARCH}-linux-gnu";
  const mesonFlags = [
    '--prefix="${NIXL_PREFIX}"',
    '--buildtype="${NIXL_BUILD_TYPE}"',
    // As meson-python builds the wheel: with meson's default b_ndebug=false a release build adds -D_GLIBCXX_ASSERTIONS, and
    // the wheel's libnixl then lacks a libstdc++ symbol the prefix's plugins need (undefined symbol on a real GPU host).
    "-Db_ndebug=if-release",
    ...(libfabric !== undefined ? [sh`-Dlibfabric_path="${libfabric}"`] : []),
    sh`-Ducx_path="${ucx}"`,
    ...(tests ? [] : ["-Dbuild_tests=false", "-Dbuild_examples=false"]),
    ...mesonGiven.map(([name, value]) => `-D${name}=${String(value)}`),
  ];
  const rustup = ["x86_64", "aarch64"].map((arch) => `${arch}) rustup_sha256=${sourcePin(`rustup-init-${RUSTUP_INIT_VERSION}-${arch}`).sha256 ?? ""} ;;`);
  return {
    description: `NIXL built with meson (${buildType}) against the libfabric and UCX artifacts; Rust bindings, wheel, nixlbench`,
    args: [
      NIXL_VERSION, NIXL_COMMIT, c.prefixArg!, NIXL_BUILD_TYPE, ARCH, ...(wheel && features.wheel === "build-wheel" ? [PYTHON_VERSION] : []), SOURCE_MIRROR, MESON_WRAP_SHA256S, NPROC,
      ...(rustVersion === false ? [] : [RUST_VERSION]),
    ],
    // nixl-meson-option and nixl-libfabric-gb200 also run as types (NixlMesonProblem, NixlGb200Problem in nixl()):
    // one reads an option object, the other ARCH and the libfabric an EFA installer ships, which the clause data does not express.
    guards: [generatedForRule(version), mesonOptionRule(mesonGiven.map(([name]) => name)), libfabricGb200Rule(o["arch"] as string | undefined)],
    details: {
      nixl: {
        args: [ARCH],
        layout: { lib: [libdir], include: ["include"], bin: ["bin"], plugins: [`${libdir}/plugins`] },
        runtimeFiles: [`${libdir}/libnixl.so`, ...plugins.map((p) => `${libdir}/plugins/${p}`)],
        // Without tests and examples NIXL installs nothing into bin (nixlbench is its own artifact): a runtime copy of it would fail.
        runtimePaths: tests ? ["lib", "bin"] : ["lib"], delivery: { type: "staged", dir: staged }, ldconfig: true,
        env: [["NIXL_PREFIX", "${NIXL_PREFIX}"], ["NIXL_PLUGIN_DIR", `\${NIXL_PREFIX}/${libdir}/plugins`]],
        links: [
          { file: `${libdir}/plugins/libplugin_UCX.so`, soname: "libucp.so.0", kind: "ucx" },
          ...(libfabric !== undefined ? [{ file: `${libdir}/plugins/libplugin_LIBFABRIC.so`, soname: "libfabric.so.1", kind: "libfabric" }] : []),
        ],
        facts: { buildType, libfabricLinked: libfabric === undefined ? "none" : `${libfabric.producer}:${libfabric.prefix}` },
      },
      ...(wheel
        ? {
            nixlWheel: {
              runtimePaths: ["."], delivery: { type: "staged", dir: staged },
              facts: { builtBy: features.wheel === "build-wheel" ? "contrib/build-wheel.sh" : "uv build --wheel (pyproject.toml, meson-python)" },
            },
          }
        : {}),
      ...(bench ? { nixlbench: { layout: { bin: ["bin"] }, runtimeFiles: ["bin/nixlbench"], runtimePaths: ["bin"], delivery: { type: "staged" as const, dir: staged } } } : {}),
    },
    // The clone runs before the dependencies are copied in; Rust (its toolchain and the bindings' check) comes last:
    // a bump of a dependency re-runs neither the clone nor rustup, a Rust bump only the Rust steps.
    stepsBeforeNeeds: 1,
    steps: [
      src.fetch,
      compileStep({
        source: src.source,
        before: [
          ...(features.metaWheel ? [metaSetuptoolsCheck()] : []),
          "# The wrap subprojects (abseil-cpp, asio, taskflow): from SOURCE_MIRROR into subprojects/packagecache when one is given, else meson downloads them",
          scriptOf(mesonWrapsFromMirror(MESON_WRAP_SHA256S.name), [MESON_WRAP_SHA256S, SOURCE_MIRROR]),
        ],
        build: meson({ flags: mesonFlags }),
        staged,
        after: [
          `printf '%s\\n' "\${NIXL_PREFIX}/${libdir}" "\${NIXL_PREFIX}/${libdir}/plugins" > /etc/ld.so.conf.d/nixl.conf`,
          "ldconfig",
          ...plugins.map((p) => `test -f "\${NIXL_PREFIX}/${libdir}/plugins/${p}"`),
        ],
      }),
      // Spread without re-indenting: the template literals below are the RUN text.
      ...(!wheel ? [] : [
      run(
        sh`cd /workspace/nixl
mkdir -p ${staged}${wheelDir}
${features.wheel === "build-wheel"
    ? sh`./contrib/build-wheel.sh \\
    --python-version "\${PYTHON_VERSION}" \\
    --platform "manylinux_2_39_\${ARCH}" \\
    --ucx-plugins-dir "${at(ucx, "lib/ucx")}" \\
    --nixl-plugins-dir "\${NIXL_PREFIX}/${libdir}/plugins" \\
    --output-dir ${staged}${wheelDir}`
    // v1.3.1, v1.4.0: no build-wheel.sh step; the package is built from pyproject.toml by its backend
    // (meson-python) against the installed NIXL, named for the CUDA major as upstream does.
    : `cuda_major="\${CUDA_VERSION%%.*}"
./contrib/tomlutil.py --wheel-name "nixl-cu\${cuda_major}" pyproject.toml
uv build --wheel --no-build-isolation --out-dir ${staged}${wheelDir} .`}${
          // The nixl-cu<N> + meta-wheel split arrived in 0.7.1 (meta_wheel in docs/facts/nixl-tags.yaml).
          features.metaWheel ? `\ncp build/src/bindings/python/nixl-meta/nixl-*.whl ${staged}${wheelDir}/` : ""
        }
ls ${staged}${wheelDir}/nixl-*.whl`,
        { mounts: [cacheMount("/workspace/.cache/uv")] },
      ),
      ]),
      ...(!bench ? [] : [
      compileStep({
        source: { kind: "git", dir: "/workspace/nixl/benchmark/nixlbench", lines: ["cd /workspace/nixl/benchmark/nixlbench"] },
        build: {
          lines: ['meson setup build/ -Dnixl_path="${NIXL_PREFIX}" --prefix=/usr/local/nixlbench --buildtype="${NIXL_BUILD_TYPE}"', 'ninja -C build -j "${NPROC:-$(nproc)}"'],
          install: (dest) => `meson install -C build --destdir ${dest}`,
        },
        staged,
        after: ["test -x /usr/local/nixlbench/bin/nixlbench"],
      }),
      ]),
      ...(rustVersion === false
        ? []
        : [
            env(["RUSTUP_HOME", "/usr/local/rustup"], ["CARGO_HOME", "/usr/local/cargo"], ["PATH", "/usr/local/cargo/bin:${PATH}"]),
            run(
              [
                `case "\${ARCH}" in\n  ${rustup.join("\n  ")}\n  *) echo "stagewright: no pinned rustup-init for ARCH=\${ARCH}" >&2; exit 1 ;;\nesac`,
                "cd /tmp",
                downloadScript(`https://static.rust-lang.org/rustup/archive/${RUSTUP_INIT_VERSION}/\${ARCH}-unknown-linux-gnu/rustup-init`, "rustup-init", "rustup_sha256"),
                "chmod +x rustup-init",
                './rustup-init -y --no-modify-path --profile minimal --default-toolchain "${RUST_VERSION}" --default-host "${ARCH}-unknown-linux-gnu"',
                "rm rustup-init",
              ].join("\n"),
            ),
          ]),
      ...(rustVersion === false
        ? []
        : [
            run("cd /workspace/nixl/src/bindings/rust\ncargo build --release --locked", {
              mounts: [cacheMount("/usr/local/cargo/registry", "locked", "cargo-registry"), cacheMount("/usr/local/cargo/git", "locked", "cargo-git")],
            }),
          ]),
    ],
    versions: { nixl: "${NIXL_VERSION}", rust: rustVersion === false ? "none" : "${RUST_VERSION}" },
  };
});

type MesonCheck<V extends string, O> = O extends { readonly meson: infer M }
  ? [Exclude<keyof M, GivenMesonOption>] extends [never] ? MesonVersionCheck<V, O, M>
    : OptionProblem<"meson", `nixl: meson option ${Exclude<keyof M, GivenMesonOption> & string} is not one NIXL has; ucx_path and libfabric_path come from the artifacts`>
  : never;
type MesonVersionCheck<V extends string, O, M> = [NixlMesonProblem<V, keyof M & NixlMesonOption>] extends [never] ? never
    : [Overrides<O, "nixl-meson-option">] extends [never] ? OptionProblem<"meson", NixlMesonProblem<V, keyof M & NixlMesonOption>> : never;

type Gb200Check<O> = O extends { readonly arch: infer A extends string; readonly libfabric: Artifact<"libfabric", string, infer By, infer LV> }
  ? [NixlGb200Problem<A, By, LV>] extends [never] ? never
    : [Overrides<O, "nixl-libfabric-gb200">] extends [never] ? OptionProblem<"libfabric", NixlGb200Problem<A, By, LV>> : never
  : never;

/**
 * The NIXL stage. Its artifacts: `nixl` (libraries, plugins, binaries), `nixlWheel` and `nixlbench`.
 * Besides the spec's rules, tsc checks the meson options against the version and, for arch
 * "aarch64", the libfabric against v2.5.1.
 *
 * @example
 * const n = nixl(sys, { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: ucxBuild.provides.ucx, etcd: etcd.provides.etcd })
 */
export const nixl = nixlComponent as unknown as <const F extends AnyStage, const O extends object = {}>(
  from: F,
  options: ComponentOptions<typeof NIXL_SPEC, O, F, MesonCheck<O extends { readonly version: infer V extends string } ? V : string, O> | Gb200Check<O>>,
) => ComponentStage<typeof NIXL_SPEC, F, O>;
