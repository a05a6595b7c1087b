/**
 * torch for the NIXL wheel, as an explicit choice of the final stage (its `torch` option). NIXL's
 * Python package declares `dependencies = ["torch", "numpy"]` and its `_api.py` imports torch at the
 * top, so installing the wheel with its dependencies pulled an unpinned torch from the default index:
 * several GB, a CUDA build not matched to the base, and its own NCCL and CUDA runtime under
 * site-packages. Here torch is a pinned version from PyTorch's index for the base's CUDA, or "none"
 * (the wheel without dependencies, plus numpy: `import nixl` then needs the consumer's torch), or
 * "provided" (the Python environment already has it: an NGC PyTorch base, a GPU host's venv).
 * Facts: docs/sources.md, Issue 11, rows 3a-3e (PyTorch's release compatibility matrix,
 * https://github.com/pytorch/pytorch/blob/main/RELEASE.md#release-compatibility-matrix).
 */
import { resolvedVersion, sh, versionArg, type Arg, type Script, type VersionForm, type VersionRule } from "../src/index.ts";

/** How torch reaches the final image: a pinned version (`"2.8.0"`), `"none"` or `"provided"`. */
export type TorchChoice = "none" | "provided" | `${number}.${number}.${number}`;

/**
 * The CUDA builds PyTorch publishes per release line (stable and experimental CUDA of the release
 * compatibility matrix), each an index `https://download.pytorch.org/whl/cu<MAJ><MIN>`, with the
 * NCCL the line's wheels bring where the matrix states it.
 *
 * @example
 * TORCH_CUDA_BUILDS["2.8"].cuda // ["12.6", "12.8", "12.9"]
 */
export const TORCH_CUDA_BUILDS = {
  "2.8": { cuda: ["12.6", "12.8", "12.9"], nccl: {} },
  "2.9": { cuda: ["12.6", "12.8", "13.0"], nccl: {} },
  "2.10": { cuda: ["12.6", "12.8", "13.0"], nccl: { "12.6": "2.27.5", "12.8": "2.27.5", "13.0": "2.28.9" } },
  "2.11": { cuda: ["12.6", "12.8", "13.0"], nccl: { "12.6": "2.28.9", "12.8": "2.28.9", "13.0": "2.28.9" } },
  "2.12": { cuda: ["12.6", "13.0", "13.2"], nccl: { "12.6": "2.29.3", "13.0": "2.29.7", "13.2": "2.29.7" } },
  "2.13": { cuda: ["12.6", "13.0", "13.2"], nccl: { "12.6": "2.29.3", "13.0": "2.29.7", "13.2": "2.29.7" } },
  "2.14": { cuda: ["12.6", "13.0", "13.2"], nccl: { "12.6": "2.29.3", "13.0": "2.30.7", "13.2": "2.30.7" } },
} as const;

/** Source of {@link TORCH_CUDA_BUILDS} and rule torch-cuda. */
export const SOURCE_TORCH_CUDA = "https://github.com/pytorch/pytorch/blob/main/RELEASE.md#release-compatibility-matrix";

/** How PyTorch writes its release versions (the `torch==` pin; the index adds `+cu<MAJ><MIN>`). */
export const TORCH_FORM = {
  expected: "a PyTorch release version, without a v",
  example: "2.8.0",
  shapes: [{ shape: "<N>.<N>.<N>" }],
  source: "https://github.com/pytorch/pytorch/tags",
} as const satisfies VersionForm;

/**
 * PyTorch's wheel index for a CUDA version.
 *
 * @example
 * torchIndexUrl("12.9") // "https://download.pytorch.org/whl/cu129"
 */
export function torchIndexUrl(cuda: string): string {
  return `https://download.pytorch.org/whl/cu${cuda.split(".").slice(0, 2).join("")}`;
}

/** The release line of a torch version ("2.8.0" -> "2.8"). */
function lineOf(torch: string): string {
  return torch.split(".").slice(0, 2).join(".");
}

/**
 * The problem sentence of rule torch-cuda: a pinned torch that PyTorch builds for no CUDA of the
 * base's MAJOR.MINOR, or undefined when it has such a build or the line is not in the table.
 *
 * @example
 * torchCudaProblem("2.9.0", "12.9")
 */
export function torchCudaProblem(torch: string, cuda: string): string | undefined {
  const row = (TORCH_CUDA_BUILDS as Readonly<Record<string, { readonly cuda: readonly string[] }>>)[lineOf(torch)];
  if (row === undefined || row.cuda.includes(cuda)) return undefined;
  const lines = Object.entries(TORCH_CUDA_BUILDS).filter(([, r]) => (r.cuda as readonly string[]).includes(cuda)).map(([l]) => l);
  const use = lines.length === 0 ? `no torch line in the table has a CUDA ${cuda} build: use a base whose CUDA PyTorch builds for, or torch: "none"` : `use torch ${lines.join(", ")} (a ${lines.length === 1 ? "line" : "line of these"} with a CUDA ${cuda} build), or torch: "none"`;
  return `torch ${torch} has no build for the base's CUDA ${cuda} (PyTorch builds ${lineOf(torch)} for CUDA ${row.cuda.join(", ")}); ${use}`;
}

/**
 * The TORCH_VERSION ARG of a pinned torch (its form checked wherever a value is given).
 *
 * @example
 * torchVersionArg("2.8.0").default // "2.8.0"
 */
export function torchVersionArg(version: string): Arg {
  return versionArg("TORCH_VERSION", version as "0.0.0", "torch for the NIXL wheel, from PyTorch's index for the base's CUDA (runtime option torch)", TORCH_FORM);
}

/**
 * Rule torch-cuda: a pinned torch (TORCH_VERSION, which values from data may change) must have a
 * build for the CUDA of the image (the `cuda` artifact it holds, which follows BASE_TAG). Its
 * compile-time twin is {@link TorchCudaProblem}, where the CUDA is a literal.
 *
 * @example
 * torchCudaRule().id // "torch-cuda"
 */
export function torchCudaRule(): VersionRule {
  return {
    id: "torch-cuda",
    summary: "a pinned torch must have a build for the CUDA of the base image",
    source: SOURCE_TORCH_CUDA,
    check: (ctx) => {
      const torch = ctx.arg("TORCH_VERSION");
      const cuda = ctx.artifact("cuda");
      if (torch === undefined || cuda === undefined) return undefined;
      const cv = resolvedVersion(cuda, ctx.arg).split(".").slice(0, 2).join(".");
      return /^\d+\.\d+$/.test(cv) ? torchCudaProblem(torch, cv) : undefined;
    },
  };
}

type Builds = typeof TORCH_CUDA_BUILDS;
type LineOf<V extends string> = V extends `${infer A}.${infer B}.${string}` ? `${A}.${B}` : never;
type MajMin<C extends string> = C extends `${infer A}.${infer B}.${string}` ? `${A}.${B}` : C;
type LinesFor<C extends string> = { [L in keyof Builds]: C extends Builds[L]["cuda"][number] ? L : never }[keyof Builds];
type Last<U> = (U extends unknown ? (x: () => U) => void : never) extends (x: infer I) => void ? (I extends () => infer R ? R : never) : never;
type Ordered<C extends string> = OrderedLines<C, ["2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14"], "">;
type OrderedLines<C extends string, Ls, Acc extends string> = Ls extends [infer L extends keyof Builds, ...infer Rest]
  ? OrderedLines<C, Rest, C extends Builds[L]["cuda"][number] ? (Acc extends "" ? L : `${Acc}, ${L}`) : Acc>
  : Acc;
type JoinList<T, Acc extends string = ""> = T extends readonly [infer H extends string, ...infer R] ? JoinList<R, Acc extends "" ? H : `${Acc}, ${H}`> : Acc;

/**
 * Compile-time twin of rule torch-cuda for a literal torch version and a literal CUDA version of
 * the image: the full sentence (as the runtime check reports it), or never.
 *
 * @example
 * type E = TorchCudaProblem<"2.9.0", "12.9"> // "stage runtime: torch 2.9.0 has no build for the base's CUDA 12.9 ..."
 */
export type TorchCudaProblem<V extends string, CV extends string> = string extends V | CV ? never
  : LineOf<V> extends infer L extends keyof Builds
    ? MajMin<CV> extends Builds[L]["cuda"][number] ? never
      : `stage runtime: torch ${V} has no build for the base's CUDA ${MajMin<CV>} (PyTorch builds ${L} for CUDA ${JoinList<Builds[L]["cuda"]>}); ${[LinesFor<MajMin<CV>>] extends [never] ? `no torch line in the table has a CUDA ${MajMin<CV>} build: use a base whose CUDA PyTorch builds for, or torch: "none"` : `use torch ${Ordered<MajMin<CV>>} (a ${[Exclude<LinesFor<MajMin<CV>>, Last<LinesFor<MajMin<CV>>>>] extends [never] ? "line" : "line of these"} with a CUDA ${MajMin<CV>} build), or torch: "none"`} (rule torch-cuda; source: ${typeof SOURCE_TORCH_CUDA}); to build anyway, add an explicit override { rule: "torch-cuda", reason: "..." }`
    : never;

/**
 * Shell that imports the NIXL wheel's compiled bindings without torch (`nixl_cu<N>._bindings`: the
 * package's `__init__` reads no torch, `nixl._api` does), for an image whose torch is the consumer's.
 *
 * @example
 * nixlBindingsImport("python")
 */
export function nixlBindingsImport(python: string): string {
  return `${python} -c 'import importlib, importlib.util, sys; pkg = next((p for p in ("nixl_cu13", "nixl_cu12") if importlib.util.find_spec(p)), None); sys.exit("stagewright: no nixl_cu* package is installed") if pkg is None else importlib.import_module(pkg + "._bindings")'`;
}

/**
 * Shell that installs the NIXL wheels (`wheels`, a glob) into the venv with uv, torch as chosen:
 * a pinned torch from PyTorch's index for the image's CUDA (CUDA_VERSION, which NVIDIA's images
 * set), then the wheels, whose `torch` dependency it satisfies; "none": the wheels without
 * dependencies plus numpy; "provided": the same, after checking the environment has torch. Ends
 * with the import the choice allows.
 *
 * @example
 * torchWheelInstall(sh`${wheel}/*.whl`, "2.8.0")
 */
export function torchWheelInstall(wheels: Script, torch: TorchChoice): (Script | string)[] {
  if (torch === "none") {
    return [
      "# torch: none (runtime option torch): the wheel without its torch dependency; import nixl then needs the consumer's torch",
      sh`uv pip install --no-deps ${wheels} numpy`,
      nixlBindingsImport("python"),
    ];
  }
  if (torch === "provided") {
    return [
      `python -c 'import torch' || { echo "stagewright: runtime option torch is \\"provided\\" but the Python environment of $(command -v python) has no torch: install it there first, or choose a pinned torch" >&2; exit 1; }`,
      sh`uv pip install --no-deps ${wheels} numpy`,
      'python -c "import nixl"',
    ];
  }
  return [
    "# torch pinned (runtime option torch) from PyTorch's index for the image's CUDA; the wheel's torch dependency is then satisfied",
    'cuda="$(cut -d. -f1,2 <<< "${CUDA_VERSION:?the base image sets no CUDA_VERSION, so the PyTorch index for its CUDA is not known}")"',
    'uv pip install --index-url "https://download.pytorch.org/whl/cu${cuda//./}" "torch==${TORCH_VERSION}"',
    sh`uv pip install ${wheels}`,
    `python -c 'import sys, torch; got = ".".join((torch.version.cuda or "none").split(".")[:2]); sys.exit(None if got == sys.argv[1] else f"stagewright: torch {torch.__version__} is built for CUDA {got}, the image has CUDA {sys.argv[1]}: pin a torch with a build for it")' "$cuda"`,
    'python -c "import nixl"',
  ];
}

/**
 * Shell, run in the final image with its loader setup done, for a pinned torch: it lists the NCCL
 * and CUDA runtime copies torch's wheels bring under site-packages (loaded through the DT_RPATH of
 * libtorch_cuda.so, `$ORIGIN/../../nvidia/nccl/lib`, which the loader searches before LD_LIBRARY_PATH
 * and the loader cache: measured with torch 2.11.0+cu130, docs/build-truth.md; so the loader-wide
 * one-copy check does not count them, and they are not a second copy to the image's other processes)
 * and requires that a torch process maps exactly one libnccl, at the version torch's own NCCL package
 * has: an NCCL loaded before torch (LD_PRELOAD, a module imported first) or a torch build whose
 * search path LD_LIBRARY_PATH overrides (DT_RUNPATH) would give torch another one.
 *
 * @example
 * torchNcclCheck()
 */
export function torchNcclCheck(): string {
  return [
    "# torch brings its own NCCL and CUDA runtime under site-packages (loaded through its RPATH, before LD_LIBRARY_PATH): list them, and require one NCCL in a torch process, at torch's own version",
    "site=\"$(python -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])')\"",
    "find \"$site\" \\( -name 'libnccl.so*' -o -name 'libcudart.so*' \\) \\( -type f -o -type l \\) -printf 'stagewright: site-packages copy %p\\n' | sort",
    `python -c '
import importlib.metadata as md, sys, torch
loaded = sorted({line.split()[-1] for line in open("/proc/self/maps") if "libnccl.so" in line.split()[-1]})
got = ".".join(str(x) for x in torch.cuda.nccl.version())
own = [(d.metadata["Name"], d.version) for d in md.distributions() if (d.metadata["Name"] or "").lower().startswith("nvidia-nccl-cu")]
paths = " ".join(loaded) or "nothing"
print(f"stagewright: torch {torch.__version__} (CUDA {torch.version.cuda}) maps NCCL {got} from {paths}; its own NCCL package: {own}")
if len(loaded) != 1:
    sys.exit(f"stagewright: a torch process maps {len(loaded)} libnccl files ({loaded}); it must map exactly one")
if own and not own[0][1].startswith(got):
    sys.exit(f"stagewright: a torch process loads NCCL {got} from {loaded[0]}, but torch ships NCCL {own[0][1]} ({own[0][0]}): another libnccl.so.2 was loaded first (LD_PRELOAD, or a torch whose RUNPATH LD_LIBRARY_PATH overrides); remove it, or build the image NCCL at {own[0][1]}")
'`,
  ].join("\n");
}
