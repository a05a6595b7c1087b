/**
 * runtime-base: the lean flavour of the final image's base. A CUDA runtime image (no compilers,
 * headers or static libraries), with what the image's artifacts need at run time:
 * - the distribution packages each artifact declares (`runtimePackages`, HPCCM's runtime() idea);
 * - rdma-core's run-time packages from DOCA's signed apt repository, the builders' one rdma-core
 *   origin (the same repository, release and pinned key as the doca stage), checked at build time;
 * - the unversioned `libcudart.so`, which libfabric's CUDA HMEM dlopens by that name
 *   (https://github.com/ofiwg/libfabric/blob/v2.3.0/src/hmem_cuda.c, `dlopen("libcudart.so", RTLD_NOW)`)
 *   and which a CUDA runtime image does not ship (it is the development link of CUDA's -dev package).
 * The runtime tag's CUDA must be the CUDA the builders compile with (rule runtime-cuda-match).
 * Runtime tags of the NGC/CUDA images this library pairs: docs/aligned.md, "The runtime flavour".
 */
import {
  aptCache,
  buildComponent,
  comment,
  componentImage,
  fail,
  lineOf,
  oneSourceAssertion,
  option,
  run,
  SOURCE_MIRROR,
  TARGETARCH,
  type AnyStage,
  type ComponentOptions,
  type ComponentSpec,
  type ComponentStage,
  type ImageBase,
  type OptionsOf,
  type RuleData,
} from "../src/index.ts";
import { cudaVersionOfTag } from "./base.ts";
import { docaRepositoryLines, docaSignerFingerprintArg, lockedDocaFingerprint } from "./networking/doca.ts";
import { RDMA_CORE_ONE_SOURCE } from "./shared.ts";

/** Source of rule runtime-cuda-match: NVIDIA's own pairing of a devel build base with the runtime image of the same CUDA. */
export const SOURCE_RUNTIME_CUDA_MATCH =
  "https://github.com/ai-dynamo/dynamo/blob/a92bc53bdfec32831ccb02f2aedd1118177ac143/container/build.sh (25.06-cuda12.9-devel with 12.9.1-runtime) and https://github.com/ai-dynamo/dynamo/blob/00a1e6ff018330267277b3a40bf7d438dff149f7/container/Dockerfile.trtllm (25.10-cuda13.0-devel with 25.10-cuda13.0-runtime)";

/**
 * Rule runtime-cuda-match: the runtime image's CUDA (read from its tag: an nvidia/cuda tag leads with
 * it, 12.9.1-runtime-ubuntu24.04; a cuda-dl-base tag names it after `-cuda`, 25.10-cuda13.0-runtime-ubuntu24.04,
 * as `cudaVersionOfTag` reads it) is on the MAJOR.MINOR line
 * of the CUDA the builders compiled against; libraries built with CUDA 12.9 loaded over a CUDA 13
 * runtime (or the reverse) find another libcudart major, or an older minor without the symbols.
 *
 * @example
 * RUNTIME_CUDA_MATCH.clauses[0].line // "{self}"
 */
export const RUNTIME_CUDA_MATCH = {
  id: "runtime-cuda-match",
  summary: "the runtime image's CUDA is the CUDA the builders compile with",
  source: SOURCE_RUNTIME_CUDA_MATCH,
  needs: "build",
  kind: "cuda",
  clauses: [
    {
      line: "{self}",
      lineAfter: "-cuda",
      problem: "the runtime image tag {self} (RUNTIME_TAG) has CUDA {bound}, but stage {producer} builds with CUDA {version} (BASE_TAG); use a runtime tag of CUDA {version}, or a BASE_TAG of CUDA {bound}",
    },
  ],
} as const satisfies RuleData;

/** The runtime image NVIDIA pairs with cuda-dl-base 25.06-cuda12.9-devel-ubuntu24.04 (SOURCE_RUNTIME_CUDA_MATCH). */
export const RUNTIME_TAG_DEFAULT = "12.9.1-runtime-ubuntu24.04";

/**
 * rdma-core's run-time packages, named by the packages whose names DOCA's repository and Ubuntu
 * share (upstream rdma-core v58.0 debian/control, https://github.com/linux-rdma/rdma-core/blob/v58.0/debian/control):
 * ibverbs-providers holds libefa and libmlx5 and depends on libibverbs1; ibverbs-utils gives
 * ibv_devinfo; rdmacm-utils brings librdmacm under the name its repository gives it (Ubuntu 24.04's is
 * librdmacm1t64, seen on a GPU host: docs/aligned.md), which UCX's rdmacm transport loads.
 */
export const RDMA_RUNTIME_PACKAGES: readonly string[] = ["ibverbs-providers", "ibverbs-utils", "rdmacm-utils"];

/**
 * What NIXL's artifacts load at run time from the distribution, until stages/nixl.ts declares them
 * as their `runtimePackages`: the POSIX plugin's libaio and liburing (libaio-dev and liburing-dev are
 * base build packages; Ubuntu 24.04 names libaio's library package libaio1t64) and nixlbench's gflags.
 */
export const NIXL_RUNTIME_PACKAGES: readonly string[] = ["libaio1t64", "libgflags2.2", "liburing2"];

/** What the lean base itself needs: the DOCA key download and its check, and the wheel's interpreter. */
export const RUNTIME_BASE_TOOLS: readonly string[] = ["ca-certificates", "gnupg", "python3", "wget"];

/** The runtime-base component, declared once. */
export const RUNTIME_BASE_SPEC = {
  name: "runtime-base",
  options: {
    image: option.image("repository", { doc: "runtime image repository. Default nvcr.io/nvidia/cuda", example: "nvcr.io/nvidia/cuda", default: "nvcr.io/nvidia/cuda" }),
    tag: option.image("tag", { doc: `runtime image tag, optionally pinned by digest (<tag>@sha256:<digest>); its CUDA must be the builders' (rule runtime-cuda-match). Default ${RUNTIME_TAG_DEFAULT}`, default: RUNTIME_TAG_DEFAULT }),
    build: option.custom<AnyStage, true>({
      doc: "the stage whose CUDA the builders compile with (the base stage): the runtime tag's CUDA must be its CUDA (rule runtime-cuda-match)",
      required: true,
      check: (v) => (typeof v === "object" && v !== null && "provides" in v && Object.values((v as AnyStage).provides).some((a) => a.kind === "cuda") ? undefined : "the value is not a stage that provides cuda (give the base stage)"),
    }),
    doca: option.custom<AnyStage, true>({
      doc: "the doca stage: rdma-core comes from its repository, release and pinned key, the builders' one origin",
      required: true,
      check: (v) => (typeof v === "object" && v !== null && "provides" in v && Object.values((v as AnyStage).provides).some((a) => a.kind === "rdma-core") ? undefined : "the value is not a stage that provides rdma-core (give the doca stage)"),
    }),
    packages: option.strings({ doc: "the distribution packages of the artifacts the final image holds (runtimePackagesOf(artifacts))" }),
    overrides: option.overrides(),
  },
  version: { option: "tag", arg: "RUNTIME_TAG", doc: "runtime image tag", pattern: { regex: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[0-9a-f]{64})?$/, expected: "an image tag, optionally @sha256:<64 hex digits>" } },
  image: {
    parts: [
      { option: "image", arg: "RUNTIME_IMAGE", doc: "runtime image repository" },
      { option: "tag", arg: "RUNTIME_TAG", doc: "runtime image tag, optionally pinned by digest (<tag>@sha256:<digest>)" },
    ],
  },
  artifacts: {
    cuda: { kind: "cuda", delivery: "in-image", prefix: "/usr/local/cuda" },
    rdmaCore: { kind: "rdma-core", delivery: "in-image", prefix: "/usr", distribution: "doca" },
  },
  rules: [RUNTIME_CUDA_MATCH],
} as const satisfies ComponentSpec;

/** Options of {@link cudaRuntimeBase}. */
export type RuntimeBaseOptions = OptionsOf<typeof RUNTIME_BASE_SPEC.options>;

/**
 * Shell that makes the unversioned libcudart.so next to the libcudart.so.<major> the loader cache
 * has, unless the cache already has one: what CUDA's -dev package adds for this file, without its
 * headers and static libraries.
 *
 * @example
 * libcudartLinkScript()
 */
export function libcudartLinkScript(): string {
  return [
    "ldconfig",
    // captured, not piped into an awk that exits at its match: ldconfig would die of SIGPIPE and pipefail stop the step
    'cache="$(ldconfig -p)"',
    "if ! awk '$1 == \"libcudart.so\" {f = 1} END {exit !f}' <<< \"$cache\"; then",
    "  so=\"$(awk '$1 ~ /^libcudart\\.so\\.[0-9]+$/ {print $NF; exit}' <<< \"$cache\")\"",
    '  if [ -z "$so" ]; then echo "stagewright: the runtime image has no libcudart.so.<major>: use a CUDA runtime image (nvcr.io/nvidia/cuda:<version>-runtime-<os>)" >&2; exit 1; fi',
    '  ln -s "$(basename "$so")" "$(dirname "$so")/libcudart.so"',
    "  ldconfig",
    '  echo "stagewright: libcudart.so -> $so (libfabric dlopens the unversioned name)"',
    "fi",
  ].join("\n");
}

/**
 * The lean runtime base: `FROM ${RUNTIME_IMAGE}:${RUNTIME_TAG}` with the artifacts' run-time
 * packages, DOCA's rdma-core and libcudart.so. The final stage is built over it; the devel
 * flavour (the final stage over doca) stays for users who compile at run time.
 *
 * @example
 * const lean = cudaRuntimeBase({ build: base, doca: dc, packages: runtimePackagesOf(artifacts) })
 */
export function cudaRuntimeBase<const O extends object>(options: ComponentOptions<typeof RUNTIME_BASE_SPEC, O>): ComponentStage<typeof RUNTIME_BASE_SPEC, ImageBase, O> {
  return buildComponent(RUNTIME_BASE_SPEC, (o) => componentImage(RUNTIME_BASE_SPEC, o), options as O, (c) => {
    const o = c.options;
    const RUNTIME_TAG = c.imageArgs["tag"]!;
    const dc = o["doca"] as AnyStage;
    const DOCA_BUILD = dc.args.find((a) => a.name === "DOCA_BUILD");
    const rdma = Object.values(dc.provides).find((a) => a.kind === "rdma-core");
    if (DOCA_BUILD === undefined || rdma === undefined) fail("invalid-value", `stage runtime-base: stage ${dc.name} declares no DOCA_BUILD or no rdma-core; give the doca stage as option doca`, { stage: "runtime-base", option: "doca" });
    const DOCA_SIGNER_FINGERPRINT = dc.args.find((a) => a.name === "DOCA_SIGNER_FINGERPRINT") ?? docaSignerFingerprintArg(lockedDocaFingerprint());
    const packages = (o["packages"] as readonly string[] | undefined) ?? [];
    // nvidia/cuda tags lead with the CUDA version (12.9.1-runtime-ubuntu24.04); cuda-dl-base tags name it (25.10-cuda13.0-runtime-ubuntu24.04).
    const cudaOf = (tag: string) => cudaVersionOfTag(tag) ?? lineOf(tag) ?? "unknown";
    return {
      description: "CUDA runtime image (the lean flavour): the artifacts' run-time packages, rdma-core from DOCA's signed repository, libcudart.so",
      args: [TARGETARCH, DOCA_BUILD, DOCA_SIGNER_FINGERPRINT, SOURCE_MIRROR],
      details: {
        cuda: { version: cudaOf(RUNTIME_TAG.default), delivery: { type: "in-image" }, versionArg: RUNTIME_TAG, versionOf: cudaOf },
        rdmaCore: { version: rdma.version, delivery: { type: "in-image" } },
      },
      steps: [
        comment("What the artifacts load at run time (their runtimePackages), and what this stage runs"),
        run(
          [
            "rm -f /etc/apt/apt.conf.d/docker-clean",
            "apt-get update",
            `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\\n${[...new Set([...RUNTIME_BASE_TOOLS, ...packages])].sort().map((p) => `    ${p}`).join(" \\\n")}`,
          ].join("\n"),
          { mounts: aptCache, packages: [...new Set([...RUNTIME_BASE_TOOLS, ...packages])].sort() },
        ),
        comment("rdma-core's run-time packages from DOCA's signed repository (the doca stage's release and key): the rdma-core the builders compiled against"),
        run(
          [
            ...docaRepositoryLines(DOCA_SIGNER_FINGERPRINT.name),
            `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${RDMA_RUNTIME_PACKAGES.join(" ")}`,
          ].join("\n"),
          { mounts: aptCache, packages: RDMA_RUNTIME_PACKAGES },
        ),
        comment("One rdma-core origin, and the unversioned libcudart.so that libfabric dlopens"),
        run([
          // NVIDIA's CUDA images set CUDA_VERSION: the log says which CUDA the tag really holds.
          'echo "stagewright: runtime image tag ${RUNTIME_TAG}, CUDA ${CUDA_VERSION:-unknown}"',
          oneSourceAssertion(RDMA_CORE_ONE_SOURCE),
          libcudartLinkScript(),
        ].join("\n")),
      ],
      versions: { "runtime-image": (c.from as ImageBase).image },
    };
  });
}
