/**
 * nixl-wheel: the NIXL Python wheel on its own stage, built with meson-python (`python3 -m build
 * --wheel --no-isolation`), for machines without uv, auditwheel or network (contrib/build-wheel.sh
 * needs all three: https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/build-wheel.sh). meson-python
 * builds the whole meson project again and bundles its own libnixl; UCX and libfabric load from their
 * prefixes. The nixl meta package (`import nixl`), which NIXL's meson builds only when uv is found
 * (https://github.com/ai-dynamo/nixl/blob/0.7.1/src/bindings/python/nixl-meta/meson.build), is built
 * from the same files with setuptools. Written for NIXL 0.7.x's pyproject.toml (`name = 'nixl-cu12'`,
 * renamed for the CUDA major as build-wheel.sh does).
 */
import {
  MESON_WRAP_SHA256S,
  SOURCE_MIRROR,
  compileStep,
  custom,
  defineComponent,
  git,
  mesonWrapsFromMirror,
  option,
  scriptOf,
  sh,
  type AnyArtifact,
  type ComponentSpec,
  type OptionsOf,
} from "../src/index.ts";
import { NIXL_SPEC, NIXL_WHEEL_DIR } from "./nixl.ts";
import { NIXL_PAIRING_RULES } from "./nixl-rules.ts";
import { NPROC, commitArg, stagedDir } from "./shared.ts";

/**
 * The lowest meson-python that builds NIXL's wheel: 0.11.x and 0.12.x refuse any
 * `[tool.meson-python.args]` table that lacks one of dist/setup/compile/install (an inverted check
 * that reports `Unknown configuration key "tool.meson-python.args.dist"`; NIXL 0.7.1 gives only
 * `setup`, https://github.com/ai-dynamo/nixl/blob/0.7.1/pyproject.toml); 0.13.0 fixed it ("allows to
 * specify an incomplete set of options in the tool.meson-python.args table",
 * https://github.com/mesonbuild/meson-python/blob/0.13.0/CHANGELOG.rst).
 */
export const MESON_PYTHON_MIN = "0.13.0";

/**
 * A shell line that stops, with the fix, when the python3 on PATH has no meson-python or one older
 * than {@link MESON_PYTHON_MIN}.
 *
 * @example
 * mesonPythonCheck() // 'if ! python3 -c ...; then echo "stagewright: meson-python ..." >&2; exit 1; fi'
 */
export function mesonPythonCheck(): string {
  const min = MESON_PYTHON_MIN.split(".").join(", ");
  return (
    `if ! python3 -c 'import sys, mesonpy; sys.exit(0 if tuple(int(x) for x in mesonpy.__version__.split(".")[:3]) >= (${min}) else 1)' 2> /dev/null; then ` +
    `echo "stagewright: NIXL's pyproject needs meson-python >= ${MESON_PYTHON_MIN} (older ones refuse it: Unknown configuration key tool.meson-python.args.dist); python3 has $(python3 -c 'import mesonpy; print(mesonpy.__version__)' 2>&1 | tail -n 1): install meson-python >= ${MESON_PYTHON_MIN} (Debian trixie's python3-mesonpy with python3-pyproject-metadata unpack onto PYTHONPATH)" >&2; exit 1; fi`
  );
}

/** The nixl-wheel component, declared once: NIXL's version ARG and rules, its own wheel artifact. */
export const NIXL_WHEEL_SPEC = {
  name: "nixl-wheel",
  options: {
    version: option.version({ doc: 'NIXL release tag; the nixl stage\'s (one NIXL_VERSION), e.g. "0.7.1"', required: true }),
    libfabric: option.artifact("libfabric", { doc: "the libfabric to build the LIBFABRIC plugin against" }),
    ucx: option.artifact("ucx", { doc: "the UCX to build the UCX plugin against", required: true }),
    overrides: option.overrides(),
  },
  version: NIXL_SPEC.version,
  artifacts: { nixlWheel: { kind: "nixl-wheel", delivery: "staged", prefix: NIXL_WHEEL_DIR, version: "own" } },
  rules: NIXL_PAIRING_RULES,
} as const satisfies ComponentSpec;

/** Options of {@link nixlWheel}. */
export type NixlWheelOptions = OptionsOf<typeof NIXL_WHEEL_SPEC.options>;

/**
 * The nixl-wheel stage; it builds side by side with the nixl stage (give that one `wheel: false`).
 *
 * @example
 * const w = nixlWheel(base, { version: "0.7.1", ucx: ucxBuild.provides.ucx, libfabric: fabric.provides.libfabric })
 */
export const nixlWheel = defineComponent(NIXL_WHEEL_SPEC, (c) => {
  const NIXL_COMMIT = commitArg("NIXL_COMMIT", c.versionArg!, (v) => `nixl-${v}`);
  const staged = stagedDir("nixl-wheel");
  const out = `${staged}${NIXL_WHEEL_DIR}`;
  const libfabric = c.options["libfabric"] as AnyArtifact | undefined;
  const ucx = c.options["ucx"] as AnyArtifact;
  const setupArgs = [...(libfabric !== undefined ? [sh`-Dlibfabric_path="${libfabric}"`] : []), sh`-Ducx_path="${ucx}"`, "-Dbuild_tests=false", "-Dbuild_examples=false"];
  return {
    description: "the NIXL Python wheel, built with meson-python (no uv, no auditwheel)",
    args: [NIXL_COMMIT, SOURCE_MIRROR, MESON_WRAP_SHA256S, NPROC],
    details: { nixlWheel: { runtimePaths: ["."], delivery: { type: "staged", dir: staged }, facts: { builtBy: "python3 -m build --wheel --no-isolation (meson-python)" } } },
    steps: [
      compileStep({
        source: git({ repo: "https://github.com/ai-dynamo/nixl.git", dir: "nixl-wheel", ref: c.versionArg!, commit: NIXL_COMMIT, under: "/workspace" }),
        before: [mesonPythonCheck(), scriptOf(mesonWrapsFromMirror(MESON_WRAP_SHA256S.name), [MESON_WRAP_SHA256S, SOURCE_MIRROR])],
        build: custom([
          "# The package is nixl_cu<major>; name the wheel after it as contrib/build-wheel.sh does (without its tomlkit helper)",
          `cuda_major="$(nvcc --version | sed -n 's/.*release \\([0-9]*\\)\\..*/\\1/p')"`,
          `sed -i "s/^name = 'nixl-cu[0-9]*'/name = 'nixl-cu\${cuda_major}'/" pyproject.toml`,
          `mkdir -p ${out}`,
          "# --skip-dependency-check: pyproject also lists test-only requirements (pytest, types-PyYAML) that building does not use",
          sh`python3 -m build --wheel --no-isolation --skip-dependency-check --outdir ${out} \\
    ${setupArgs.map((f) => sh`-Csetup-args=${f}`).flatMap((f, i) => (i === 0 ? [f] : [" \\\n    ", f]))} \\
    -Ccompile-args=-j"\${NPROC:-$(nproc)}"`,
          "# The nixl meta package (import nixl), which meson builds only with uv: the same files, built with setuptools",
          'meta="$(mktemp -d)"',
          'cp -r src/bindings/python/nixl-meta/nixl src/bindings/python/nixl-meta/README.md LICENSE "$meta/"',
          'rm -f "$meta/nixl/meson.build"',
          `sed -e "s/@VERSION@/\${NIXL_VERSION}/g" -e "s/@WHEEL_DEP@/nixl-cu\${cuda_major}/g" src/bindings/python/nixl-meta/pyproject.toml.in > "$meta/pyproject.toml"`,
          `python3 -m build --wheel --no-isolation --skip-dependency-check --outdir ${out} "$meta"`,
          'rm -rf "$meta"',
          `ls ${out}/nixl_cu*.whl ${out}/nixl-*.whl`,
        ]),
        staged,
        publish: false,
      }),
    ],
    versions: { "nixl-wheel": "${NIXL_VERSION}" },
  };
});
