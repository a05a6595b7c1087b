/**
 * runtime: the final stage. It copies only the runtime paths its artifacts declare (HPCCM's
 * runtime() idea), registers their library directories in one ld.so.conf.d file and in
 * LD_LIBRARY_PATH in one generated order, sets the artifacts' ENV (NIXL_PLUGIN_DIR among them),
 * installs the NIXL wheel into the venv, and fails the build when the loader would pick the wrong
 * library: every declared link is checked with ldd, and every unique soname must have one copy.
 * Facts: NIXL's LIBFABRIC plugin carries no rpath to libfabric, so the loader order decides
 * (https://github.com/ai-dynamo/nixl/blob/0.7.1/src/plugins/libfabric/meson.build);
 * the build-versus-runtime libfabric mismatch (https://github.com/ai-dynamo/dynamo/pull/13005); libfabric dlopens
 * the unversioned libcudart.so (https://github.com/ofiwg/libfabric/blob/v2.3.0/src/hmem_cuda.c).
 */
import {
  aptCache,
  cacheMount,
  checkOptionValues,
  comment,
  defineStage,
  env,
  inheritedArtifacts,
  ldConfStep,
  linkageAssertions,
  loaderDirs,
  runtimeNeeds,
  run,
  type AnyArtifact,
  derivedText,
  lines,
  option,
  sh,
  type AnyStage,
  type OptionsArg,
  type OptionsOf,
} from "../src/index.ts";

/** The final stage's options, declared once. */
export const RUNTIME_OPTIONS = {
  env: option.env({ doc: "extra ENV for the final image, in order (for example a named UCX_TLS profile)" }),
  removeBaseNccl: option.boolean({ doc: "remove the base image's NCCL packages when the image carries its own NCCL", default: true }),
};

/** Options of {@link runtime}. */
export type RuntimeOptions = OptionsOf<typeof RUNTIME_OPTIONS>;

/**
 * The final stage over `from` (the system stage: base, DOCA, EFA), holding `artifacts`.
 *
 * @example
 * const final = runtime(efa, [fabric.provides.libfabric, ucxBuild.provides.ucx, nixlBuild.provides.nixl, nixlBuild.provides.nixlWheel])
 */
export function runtime<const F extends AnyStage, const A extends readonly AnyArtifact[], const O extends object = {}>(
  from: F,
  artifacts: A,
  options: OptionsArg<typeof RUNTIME_OPTIONS, "runtime", O> = {} as OptionsArg<typeof RUNTIME_OPTIONS, "runtime", O>,
) {
  const o = checkOptionValues("runtime", options, RUNTIME_OPTIONS) as RuntimeOptions;
  const dirs = loaderDirs(artifacts);
  const assertions = linkageAssertions([...inheritedArtifacts(from), ...artifacts], "runtime");
  const wheel = artifacts.find((a) => a.kind === "nixl-wheel");
  const hasNccl = artifacts.some((a) => a.kind === "nccl");
  const artifactEnv = artifacts.flatMap((a) => a.env);
  return defineStage({
    name: "runtime",
    description: "final image: only the declared runtime artifacts, one loader order, build-time linkage assertions",
    from,
    needs: runtimeNeeds(artifacts),
    steps: [
      ...(hasNccl && o.removeBaseNccl !== false
        ? [
            comment("The image carries its own NCCL: remove the base image's NCCL packages so exactly one libnccl.so.2 exists"),
            run("if dpkg -s libnccl2 > /dev/null 2>&1; then DEBIAN_FRONTEND=noninteractive apt-get purge -y libnccl2 libnccl-dev; fi", { mounts: aptCache }),
          ]
        : []),
      comment("One loader order for every library directory, derived from the artifacts (00- sorts first)"),
      ldConfStep(dirs.conf),
      env(
        ["LD_LIBRARY_PATH", `${dirs.lib.join(":")}\${LD_LIBRARY_PATH:+:\${LD_LIBRARY_PATH}}`],
        ...(dirs.bin.length > 0 ? [["PATH", `${dirs.bin.join(":")}:\${PATH}`] as const] : []),
        ...artifactEnv,
        ...(o.env ?? []),
      ),
      ...(wheel === undefined
        ? []
        : [
            run(sh`uv pip install ${wheel}/*.whl\npython -c "import nixl"`, {
              mounts: [cacheMount("/workspace/.cache/uv")],
            }),
          ]),
      comment("Fail the build when the loader would pick the wrong library (two copies, or a consumer resolving another prefix)"),
      run(
        lines([
          derivedText(assertions.join("\n")),
          "# libfabric dlopens the unversioned libcudart.so; the CUDA stubs must never be on the loader path",
          // dlopen("libcudart.so") searches LD_LIBRARY_PATH, then the ld cache: one of them must have it.
          'found=""; IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"; for d in "${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/libcudart.so" ]; then found="$d/libcudart.so"; fi; done',
          'if [ -z "$found" ] && ! ldconfig -p | awk \'$1 == "libcudart.so" {f = 1} END {exit !f}\'; then echo "stagewright: libfabric dlopens the unversioned libcudart.so, which neither LD_LIBRARY_PATH nor the ld cache provides" >&2; exit 1; fi',
          "# captured, not piped into grep -q: an early exit would SIGPIPE ldconfig and pipefail would hide the hit",
          'cache="$(ldconfig -p)"',
          'if grep -q "/stubs/" <<< "$cache"; then echo "stagewright: CUDA stub libraries are in the loader cache" >&2; exit 1; fi',
        ]),
      ),
    ],
  });
}

