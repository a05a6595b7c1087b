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
  buildComponent,
  fail,
  cacheMount,
  comment,
  env,
  inheritedArtifacts,
  ldConfScript,
  copy,
  linkageAssertions,
  loaderDirs,
  runtimeNeeds,
  run,
  type AnyArtifact,
  derivedText,
  lines,
  option,
  pathIn,
  sh,
  uniqueSonameAssertion,
  type AnyStage,
  type ComponentOptions,
  type ComponentSpec,
  type ComponentStage,
  type OptionsOf,
  type RuntimeNeeds,
  type Artifact,
  type OptionProblem,
  type Overrides,
  versionFormRegex,
} from "../src/index.ts";
import { UV_VENV_ENV, VENV } from "./base.ts";
import { PYTHON_VERSION } from "./shared.ts";
import { nixlBindingsImport, torchCudaRule, torchNcclCheck, torchVersionArg, torchWheelInstall, TORCH_FORM, type TorchChoice, type TorchCudaProblem } from "./torch.ts";

/**
 * Driver libraries the NVIDIA container runtime mounts from the host at `docker run` (its utility
 * and compute libraries), so no build sees them and the runtime's resolution check skips them.
 * Source: https://github.com/NVIDIA/libnvidia-container/blob/1d44a93615b327c1bdcaae42b82eb52b031dcb32/src/nvc_info.c
 * (utility_libs, compute_libs).
 *
 * @example
 * HOST_DRIVER_SONAMES.includes("libcuda.so.1") // true
 */
export const HOST_DRIVER_SONAMES: readonly string[] = [
  "libnvidia-ml.so.1", "libnvidia-cfg.so.1", "libcuda.so.1", "libnvidia-opencl.so.1", "libnvidia-ptxjitcompiler.so.1", "libnvidia-fatbinaryloader.so.1", "libnvidia-compiler.so.1",
];

/** The final stage, declared once: its options; its needs are the runtime needs of the artifacts it is given. */
export const RUNTIME_SPEC = {
  name: "runtime",
  options: {
    env: option.env({ doc: "extra ENV for the final image, in order (for example a named UCX_TLS profile)" }),
    removeBaseNccl: option.boolean({ doc: "remove the base image's NCCL packages when the image carries its own NCCL", default: true }),
    installWheel: option.oneOf(["uv", "unzip"], {
      doc: 'how the NIXL wheel is installed: "uv" (uv pip install into the venv) or "unzip" (unpacked into the platlib of the python3 on PATH, for machines without uv, pip or network). Default "uv"',
      default: "uv",
    }),
    removeSystemCopies: option.boolean({
      doc: "purge the distribution packages that put a second copy of an artifact's unique soname (libfabric.so.1, libucp.so.0) in the loader cache, as a host or base image ships them (dpkg -S finds the owner; dependents are left, --force-depends), before the loader setup. Default false: the linkage assertions then catch such a copy and fail",
      default: false,
    }),
    omitEnv: option.strings({
      doc: "names of artifact ENV the final image leaves unset: NIXL_PLUGIN_DIR where a wheel with its own plugins is installed (it points the wheel's libnixl at the prefix's plugins, another build; NIXL 0.6.1 and later find the plugins next to libnixl.so without it)",
    }),
    checkWheelPlugins: option.boolean({
      doc: "after installing the NIXL wheel, an agent of the python3 on PATH must list every plugin the nixl artifact ships (UCX, LIBFABRIC, ...); loading the plugins needs the GPU driver's libcuda, so only where the build runs on a GPU host. Default false",
      default: false,
    }),
    checkResolution: option.boolean({
      doc: "ldd of every runtime file of every artifact in the image must find all its shared objects (the driver libraries the NVIDIA container runtime mounts at docker run are skipped), naming the file, the artifact and the fix. Default true; false keeps a build script as it was proven without this check",
      default: true,
    }),
    torch: option.custom<TorchChoice, false, "none">({
      doc: 'torch for the NIXL wheel, whose package depends on torch and imports it: a pinned version such as "2.8.0" (TORCH_VERSION, from PyTorch\'s index for the image\'s CUDA, https://download.pytorch.org/whl/cu<MAJ><MIN>; rule torch-cuda refuses one without a build for it), "none" (the wheel without dependencies plus numpy: import nixl then needs the consumer\'s torch) or "provided" (the Python environment has torch). Default "none"',
      default: "none",
      check: (v) => (v === "none" || v === "provided" || (typeof v === "string" && versionFormRegex(TORCH_FORM).test(v)) ? undefined : `${JSON.stringify(v)} is not a torch version such as 2.8.0, "none" or "provided"`),
    }),
    overrides: option.overrides(),
    uv: option.custom<AnyStage>({
      doc: "the stage to copy uv from (the uv stage): the runtime then makes its own venv, holding only the NIXL wheel and what it pulls in, right before installing the wheel, so PYTHON_VERSION is read late. Omitted: the wheel goes into the venv `from` holds",
      check: (v) => (typeof v === "object" && v !== null && "steps" in v && "name" in v ? undefined : `a ${typeof v} is not a stage (give the uv stage: uvStage())`),
    }),
  },
} as const satisfies ComponentSpec;

/** The final stage's options (the spec's). */
export const RUNTIME_OPTIONS = RUNTIME_SPEC.options;

/**
 * Shell that removes the base image's NCCL next to a built one: the dpkg packages dpkg has (NVIDIA's
 * CUDA images install libnccl2, and libnccl-dev in devel, and hold them: docs/sources.md row 5d), then any libnccl.so* the loader still finds
 * outside the built NCCL's lib directory, and its headers in /usr/include (where libnccl-dev puts them).
 * A base whose NCCL is not a dpkg package no longer leaves a second libnccl.so.2.
 *
 * @example
 * removeBaseNcclScript(ncclBuild.provides.nccl)
 */
export function removeBaseNcclScript(nccl: AnyArtifact): string {
  const lib = pathIn(nccl, nccl.layout.lib[0] ?? "lib");
  const include = pathIn(nccl, nccl.layout.include[0] ?? "include");
  return [
    // Only the installed ones (a runtime image has no libnccl-dev, and apt refuses a name its lists may not hold);
    // NVIDIA's images apt-mark hold libnccl2, which apt-get -y refuses to remove without --allow-change-held-packages.
    'pkgs=(); for p in libnccl2 libnccl-dev; do if dpkg -s "$p" > /dev/null 2>&1; then pkgs+=("$p"); fi; done',
    'if [ "${#pkgs[@]}" -gt 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get purge -y --allow-change-held-packages "${pkgs[@]}"; fi',
    `keep="$(readlink -f "${lib}")"`,
    "ldconfig",
    'IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"',
    "while read -r f; do dirs+=(\"$(dirname \"$f\")\"); done < <(ldconfig -p | awk '$1 ~ /^libnccl\\.so/ {print $NF}')",
    'for d in "${dirs[@]}"; do',
    '  if [ -n "$d" ] && [ -d "$d" ] && [ "$(readlink -f "$d")" != "$keep" ] && compgen -G "$d/libnccl.so*" > /dev/null; then echo "stagewright: removing the base image NCCL from $d (not a dpkg package)"; rm -f "$d"/libnccl.so* "$d"/libnccl_static.a; fi',
    "done",
    `for h in /usr/include/nccl.h /usr/include/nccl_net.h ; do if [ -e "$h" ] && [ "$(readlink -f "$(dirname "$h")")" != "$(readlink -f "${include}")" ]; then rm -f "$h"; fi; done`,
    "ldconfig",
  ].join("\n");
}

/**
 * Shell that stops when an agent of the installed NIXL wheel does not list every one of `plugins`
 * (each file name `libplugin_<NAME>.so`), printing what it got: `ldd` resolves every file even when
 * the wheel's process loads another build's plugins and their symbols do not resolve.
 *
 * @example
 * wheelPluginsCheck(["libplugin_UCX.so", "libplugin_LIBFABRIC.so"])
 */
export function wheelPluginsCheck(plugins: readonly string[]): string {
  const names = plugins.map((p) => /^libplugin_(.+)\.so$/.exec(p)?.[1] ?? p);
  return [
    `got="$(python3 -c 'from nixl._api import nixl_agent, nixl_agent_config; print(" ".join(sorted(nixl_agent("stagewright-check", nixl_agent_config(backends=[])).get_plugin_list())))')"`,
    `for want in ${names.join(" ")}; do`,
    '  case " $got " in *" $want "*) ;; *) echo "stagewright: the installed NIXL wheel does not load plugin $want (it loads: $got); run with NIXL_LOG_LEVEL=INFO to see why" >&2; exit 1 ;; esac',
    "done",
    'echo "stagewright: the NIXL wheel loads its plugins: $got"',
  ].join("\n");
}

/**
 * Shell that purges the dpkg packages owning cached copies of the artifacts' unique sonames outside
 * the artifacts' own library directories (a distribution libfabric next to the built one).
 *
 * @example
 * removeSystemCopiesScript([fabric.provides.libfabric])
 */
export function removeSystemCopiesScript(artifacts: readonly AnyArtifact[]): string {
  const out: string[] = ["ldconfig", "purge=()"];
  for (const a of artifacts) {
    for (const soname of a.sonames) {
      const own = pathIn(a, a.layout.lib[0] ?? "lib");
      out.push(
        "while read -r copy; do",
        `  if [ "$(readlink -f "$(dirname "$copy")")" = "$(readlink -f "${own}")" ]; then continue; fi`,
        `  if ! owner="$(dpkg -S "$copy" 2>/dev/null)" && ! owner="$(dpkg -S "$(readlink -f "$copy")" 2>/dev/null)"; then echo "stagewright: $copy (a second ${soname}) belongs to no package; remove it" >&2; exit 1; fi`,
        `  echo "stagewright: $copy is a second ${soname}, from package \${owner%%:*}" >&2`,
        '  purge+=("${owner%%:*}")',
        `done < <(ldconfig -p | awk '$1 == "${soname}" {print $NF}')`,
      );
    }
  }
  out.push(
    'if [ "${#purge[@]}" -gt 0 ]; then',
    "  mapfile -t purge < <(printf '%s\\n' \"${purge[@]}\" | sort -u)",
    '  DEBIAN_FRONTEND=noninteractive dpkg --purge --force-depends "${purge[@]}"',
    "  ldconfig",
    "fi",
  );
  return out.join("\n");
}

/** Options of {@link runtime}. */
export type RuntimeOptions = OptionsOf<typeof RUNTIME_OPTIONS>;

/** The CUDA version literal of the `cuda` artifact a stage's image holds (string when none or not literal). */
type HeldCuda<F> = F extends { readonly contains: readonly (infer C)[] } ? (Extract<C, Artifact<"cuda", string, string, string>> extends Artifact<"cuda", string, string, infer V> ? V : string) : string;
/** Compile-time twin of rule torch-cuda on the runtime's options: a pinned torch literal against the held CUDA literal. */
type TorchCheck<O, F> = O extends { readonly torch: infer V extends string }
  ? [TorchCudaProblem<V, HeldCuda<F>>] extends [never] ? never
    : [Overrides<O, "torch-cuda">] extends [never] ? OptionProblem<"torch", TorchCudaProblem<V, HeldCuda<F>>> : never
  : never;

/**
 * The final stage over `from` (the system stage: base, DOCA, EFA), holding `artifacts`.
 *
 * @example
 * const final = runtime(efa, [fabric.provides.libfabric, ucxBuild.provides.ucx, nixlBuild.provides.nixl, nixlBuild.provides.nixlWheel])
 */
export function runtime<const F extends AnyStage, const A extends readonly AnyArtifact[], const O extends object = {}>(
  from: F,
  artifacts: A,
  options: ComponentOptions<typeof RUNTIME_SPEC, O, never, TorchCheck<O, F>> = {} as ComponentOptions<typeof RUNTIME_SPEC, O, never, TorchCheck<O, F>>,
): ComponentStage<typeof RUNTIME_SPEC, F, O, RuntimeNeeds<A>> {
  return buildComponent<typeof RUNTIME_SPEC, F, O, RuntimeNeeds<A>>(RUNTIME_SPEC, from, options as O, (c) => {
    const o = c.options as RuntimeOptions;
    const dirs = loaderDirs(artifacts);
    const assertions = linkageAssertions([...inheritedArtifacts(from), ...artifacts], "runtime", { hostProvided: HOST_DRIVER_SONAMES, resolved: o.checkResolution !== false });
    const wheel = artifacts.find((a) => a.kind === "nixl-wheel");
    const ncclArtifact = artifacts.find((a) => a.kind === "nccl");
    const omit = new Set(o.omitEnv ?? []);
    const artifactEnv = artifacts.flatMap((a) => a.env).filter(([k]) => !omit.has(k));
    const nixlPlugins = artifacts.filter((a) => a.kind === "nixl").flatMap((a) => a.runtimeFiles.flatMap((f) => /\/(libplugin_[^/]+\.so)$/.exec(f)?.[1] ?? []));
    const uv = o.uv as AnyStage | undefined;
    const torch = (o.torch ?? "none") as TorchChoice;
    const pinned = wheel !== undefined && torch !== "none" && torch !== "provided";
    if (wheel !== undefined && o.installWheel === "unzip" && pinned) {
      fail("invalid-value", `runtime, option torch: "${torch}" cannot be installed with installWheel "unzip", which installs no dependencies; use torch "provided" (the python3 on PATH has torch) or "none"`, { stage: "runtime", option: "torch" });
    }
    if (wheel !== undefined && o.checkWheelPlugins === true && torch === "none") {
      fail("invalid-value", 'runtime, option checkWheelPlugins: the plugin check imports nixl._api, which imports torch, and option torch is "none"; choose a pinned torch or "provided"', { stage: "runtime", option: "checkWheelPlugins" });
    }
    const TORCH_VERSION = pinned ? torchVersionArg(torch) : undefined;
    // Before the copies: it depends on the base image only, so no bump of an artifact re-runs it.
    const purge = ncclArtifact !== undefined && o.removeBaseNccl !== false
      ? [
          comment("The image carries its own NCCL: remove the base image's, as a dpkg package or as plain files, so exactly one libnccl.so.2 and one nccl.h exist"),
          run(removeBaseNcclScript(ncclArtifact), { mounts: aptCache }),
        ]
      : [];
    // Also before the copies: uv changes with the uv image only, so no component bump re-applies it.
    const uvSteps = uv === undefined ? [] : [copy(["/uv", "/uvx"], "/bin/", { from: uv.name }), env(...UV_VENV_ENV)];
    return {
      description: "final image: only the declared runtime artifacts, one loader order, build-time linkage assertions",
      args: [...(uv === undefined ? [] : [PYTHON_VERSION]), ...(TORCH_VERSION === undefined ? [] : [TORCH_VERSION])],
      guards: pinned ? [torchCudaRule()] : [],
      details: {},
      needs: runtimeNeeds(artifacts),
      stepsBeforeNeeds: purge.length + uvSteps.length,
      steps: [
        ...purge,
        ...uvSteps,
        // After the copies, before any loader setup: the cache then holds only the distribution's copies.
        ...(o.removeSystemCopies === true
          ? [comment("Exactly one copy of each unique soname: purge the distribution packages that ship another one"), run(removeSystemCopiesScript(artifacts), { mounts: aptCache })]
          : []),
        env(
          ["LD_LIBRARY_PATH", `${dirs.lib.join(":")}\${LD_LIBRARY_PATH:+:\${LD_LIBRARY_PATH}}`],
          ...(dirs.bin.length > 0 ? [["PATH", `${dirs.bin.join(":")}:\${PATH}`] as const] : []),
          ...artifactEnv,
          ...(o.env ?? []),
        ),
        ...(wheel === undefined
          ? []
          : [
              o.installWheel === "unzip"
                ? run(sh`site="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')"
for whl in ${wheel}/*.whl; do python3 -m zipfile -e "$whl" "$site"; done
cd /
${torch === "none" ? nixlBindingsImport("python3") : 'python3 -c "import nixl"'}`)
                : run(lines([...(uv === undefined ? [] : [`uv venv --python "\${PYTHON_VERSION}" ${VENV}`]), ...torchWheelInstall(sh`${wheel}/*.whl`, torch)]), {
                    mounts: [cacheMount("/workspace/.cache/uv")],
                  }),
            ]),
        comment("One loader order for every library directory, derived from the artifacts (00- sorts first); then fail the build when the loader would pick the wrong library (two copies, or a consumer resolving another prefix)"),
        run(
          lines([
            ldConfScript(dirs.conf),
            derivedText(assertions.join("\n")),
            ...(ncclArtifact === undefined && artifacts.some((a) => a.kind === "aws-ofi-nccl")
              ? [
                  "# No NCCL is built: the plugin is loaded by the base image's NCCL. Exactly one libnccl.so.2, and its version in the log",
                  derivedText(uniqueSonameAssertion("libnccl.so.2")),
                  'nccl="$(readlink -f "$copies")"',
                  'echo "stagewright: the image\'s NCCL is the base image\'s, version ${nccl##*/libnccl.so.} ($nccl)"',
                ]
              : []),
            // Wherever a torch process can run (pinned, or the environment's own torch): the loader-cache check above cannot see the NCCL torch maps.
            ...(wheel !== undefined && torch !== "none" ? [torchNcclCheck()] : []),
            "# libfabric dlopens the unversioned libcudart.so; the CUDA stubs must never be on the loader path",
            // dlopen("libcudart.so") searches LD_LIBRARY_PATH, then the ld cache: one of them must have it.
            'found=""; IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"; for d in "${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/libcudart.so" ]; then found="$d/libcudart.so"; fi; done',
            'if [ -z "$found" ] && ! ldconfig -p | awk \'$1 == "libcudart.so" {f = 1} END {exit !f}\'; then echo "stagewright: libfabric dlopens the unversioned libcudart.so, which neither LD_LIBRARY_PATH nor the ld cache provides" >&2; exit 1; fi',
            "# captured, not piped into grep -q: an early exit would SIGPIPE ldconfig and pipefail would hide the hit",
            'cache="$(ldconfig -p)"',
            'if grep -q "/stubs/" <<< "$cache"; then echo "stagewright: CUDA stub libraries are in the loader cache" >&2; exit 1; fi',
          ]),
        ),
        // After the linkage assertions: a second copy is reported as such first.
        ...(wheel !== undefined && o.checkWheelPlugins === true && nixlPlugins.length > 0 ? [run(wheelPluginsCheck(nixlPlugins))] : []),
      ],
    };
  });
}
