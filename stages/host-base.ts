/**
 * hostBase: the base of a recipe built on a GPU host itself with its host script (`render
 * --format script`, `--system-packages verify` on a host without network): a CUDA devel image in
 * the Dockerfile form, the machine as it is in the script form. Its package step declares what the
 * library stages need from the distribution (the script verifies them with dpkg), and a fail-fast
 * step checks what may come from elsewhere (a venv's meson, CUDA's nvcc, Debian .debs unpacked for
 * the Python build backend), including the meson-python version NIXL's pyproject needs.
 */
import { buildComponent, comment, env, image, option, run, stringArg, type ComponentOptions, type ComponentSpec, type ComponentStage, type ImageBase, type OptionsOf } from "../src/index.ts";
import { aptInstall } from "./build-steps.ts";
import { mesonPythonCheck } from "./nixl-wheel.ts";
import { ARCH } from "./shared.ts";

/** Distribution packages the library stages build with (autotools for UCX and libfabric from git, rdma-core headers, hwloc, numa). */
export const HOST_PACKAGES: readonly string[] = ["autoconf", "automake", "libtool", "make", "gcc", "g++", "git", "file", "libibverbs-dev", "libhwloc-dev", "libnuma-dev"];

/** Tools the steps call that a host may carry outside dpkg (a venv's meson and ninja, CUDA's nvcc, an unpacked patchelf); downloads from a file:// mirror need no wget. */
export const HOST_TOOLS: readonly string[] = ["cc", "c++", "make", "autoreconf", "libtoolize", "pkg-config", "meson", "ninja", "git", "nvcc", "python3", "ldconfig", "patchelf"];

const IMAGE = /^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The host base component, declared once. */
export const HOST_BASE_SPEC = {
  name: "base",
  options: {
    image: option.string({ doc: "the image of the Dockerfile form (a host script builds on the machine itself). Default nvidia/cuda:13.0.0-devel-ubuntu24.04", pattern: IMAGE, expected: "an image reference with a tag", default: "nvidia/cuda:13.0.0-devel-ubuntu24.04" }),
    cuda: option.version({ doc: 'the CUDA version (MAJOR.MINOR) of the host or image; nvcc is checked against it. Default "13.0"', default: "13.0" }),
    pythonModules: option.strings({ doc: "Python modules the wheel build needs (checked, not installed). Default build, mesonpy, pybind11, setuptools" }),
  },
  version: { option: "cuda", arg: "HOST_CUDA_VERSION", doc: "the CUDA version (MAJOR.MINOR) nvcc must report" },
  artifacts: { cuda: { kind: "cuda", delivery: "in-image", prefix: "/usr/local/cuda", version: "own" } },
} as const satisfies ComponentSpec;

/** Options of {@link hostBase}. */
export type HostBaseOptions = OptionsOf<typeof HOST_BASE_SPEC.options>;

/**
 * The host base stage.
 *
 * @example
 * const base = hostBase({ cuda: "13.0" })
 */
export function hostBase<const O extends object = {}>(options: ComponentOptions<typeof HOST_BASE_SPEC, O>): ComponentStage<typeof HOST_BASE_SPEC, ImageBase, O> {
  return buildComponent(HOST_BASE_SPEC, (o) => image("${HOST_IMAGE}", [hostImageArg(o)]), options as O, (c) => {
    const modules = (c.options["pythonModules"] as readonly string[] | undefined) ?? ["build", "mesonpy", "pybind11", "setuptools"];
    return {
      description: "the GPU host itself: distribution packages verified, toolchain, CUDA and the Python build backend checked",
      args: [ARCH],
      details: { cuda: { delivery: { type: "in-image" }, facts: { image: String(c.options["image"]) } } },
      steps: [
        run(`if [ "$(uname -m)" != "\${ARCH}" ]; then echo "ARCH=\${ARCH} but this build runs on $(uname -m): pass ARCH=$(uname -m)" >&2; exit 1; fi`),
        aptInstall(HOST_PACKAGES),
        // NIXL's meson builds its nixl meta wheel with `uv build` whenever uv is on PATH (a GPU host may carry uv);
        // with build isolation uv resolves setuptools from the index, which a host without network cannot reach.
        // Found on a real GPU-host run.
        env(["UV_NO_BUILD_ISOLATION", "1"]),
        comment("Tools that may come from outside dpkg: fail fast, naming every missing one"),
        run(
          [
            "missing=()",
            `for tool in ${HOST_TOOLS.join(" ")}; do if ! command -v "$tool" > /dev/null; then missing+=("$tool"); fi; done`,
            `for module in ${modules.join(" ")}; do if ! python3 -c "import $module" 2> /dev/null; then missing+=("python3 module $module"); fi; done`,
            'if [ "${#missing[@]}" -gt 0 ]; then echo "stagewright: missing on this machine: ${missing[*]}" >&2; exit 1; fi',
            'cuda="$(nvcc --version | sed -n \'s/.*release \\([0-9]*\\.[0-9]*\\).*/\\1/p\')"',
            'if [ "$cuda" != "${HOST_CUDA_VERSION}" ]; then echo "stagewright: nvcc is CUDA $cuda, but the recipe is for CUDA ${HOST_CUDA_VERSION}: render it with that CUDA version, or use that toolkit" >&2; exit 1; fi',
            // meson-python too old for NIXL's pyproject: found on a real GPU-host run (Debian bookworm's 0.12).
            ...(modules.includes("mesonpy") ? [mesonPythonCheck()] : []),
            "nvcc --version | tail -n 2",
            "python3 --version",
          ].join("\n"),
        ),
      ],
      versions: { cuda: "${HOST_CUDA_VERSION}", "base-image": "${HOST_IMAGE}" },
    };
  });
}

function hostImageArg(o: { readonly [k: string]: unknown }) {
  return stringArg("HOST_IMAGE", String(o["image"]), IMAGE, "an image reference with a tag", "image of the Dockerfile form (a host script builds on the machine itself)");
}
