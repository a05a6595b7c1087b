/**
 * doca: the DOCA host repository, GPUNetIO packages, and rdma-core reinstalled from the DOCA repo
 * (a plain upgrade leaves a libibverbs-dev without InfiniBand support).
 * Facts: the DOCA and rdma-core steps of https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile.
 */
import { aptCache, comment, defineComponent, downloadScript, option, run, SOURCE_MIRROR, TARGETARCH, type ComponentSpec, type OptionsOf } from "../../src/index.ts";
import { aptInstall } from "../build-steps.ts";
import { sha256Arg } from "../shared.ts";

const DOCA_BUILD_PATTERN = { regex: /^\d+\.\d+\.\d+-\d+-\d+\.\d+$/, expected: "a DOCA host build such as 3.1.0-091000-25.07" } as const;

/** The DOCA component, declared once. */
export const DOCA_SPEC = {
  name: "doca",
  options: {
    build: option.string({ doc: "DOCA host package build, e.g. 3.1.0-091000-25.07 (the 0.7.1 pin)", pattern: DOCA_BUILD_PATTERN.regex, expected: DOCA_BUILD_PATTERN.expected, default: "3.1.0-091000-25.07" }),
  },
  version: { option: "build", arg: "DOCA_BUILD", doc: "DOCA host package build", pattern: DOCA_BUILD_PATTERN },
  artifacts: {
    doca: { kind: "doca", delivery: "in-image", prefix: "/opt/mellanox/doca", version: "own", versionArg: false },
    rdmaCore: { kind: "rdma-core", delivery: "in-image", prefix: "/usr", version: "own", versionArg: false, distribution: "doca" },
  },
} as const satisfies ComponentSpec;

/** Options of {@link doca}. */
export type DocaOptions = OptionsOf<typeof DOCA_SPEC.options>;

/** rdma-core packages reinstalled from the DOCA repository (the 0.7.1 Dockerfile's reinstall step). */
export const RDMA_PACKAGES: readonly string[] = ["libibverbs-dev", "rdma-core", "ibverbs-utils", "libibumad-dev", "libnuma-dev", "librdmacm-dev", "ibverbs-providers"];

/**
 * The DOCA stage.
 *
 * @example
 * const d = doca(base, {})
 */
export const doca = defineComponent(DOCA_SPEC, (c) => {
  const DOCA_BUILD = c.versionArg!;
  const DOCA_SHA256 = sha256Arg("DOCA_SHA256", DOCA_BUILD, (b) => `doca-host-${b.split("-")[0]}`, "DOCA host .deb");
  return {
    description: "DOCA host repository, GPUNetIO, rdma-core from the DOCA repository",
    args: [TARGETARCH, DOCA_BUILD, DOCA_SHA256, SOURCE_MIRROR],
    details: { doca: { delivery: { type: "in-image" } }, rdmaCore: { delivery: { type: "in-image" } } },
    steps: [
      run(
        [
          // ubuntu2404 from /etc/lsb-release, read rather than sourced (a sourced file is code)
          'os="$(awk -F= \'$1 == "DISTRIB_ID" {id = tolower($2)} $1 == "DISTRIB_RELEASE" {rel = $2} END {gsub(/\\./, "", rel); print id rel}\' /etc/lsb-release)"',
          'doca_version="${DOCA_BUILD%%-*}"',
          downloadScript("https://www.mellanox.com/downloads/DOCA/DOCA_v${doca_version}/host/doca-host_${DOCA_BUILD}-${os}_${TARGETARCH}.deb", "/tmp/doca-host.deb", "DOCA_SHA256"),
          "dpkg -i /tmp/doca-host.deb",
          "rm -f /tmp/doca-host.deb /etc/apt/apt.conf.d/docker-clean",
          "apt-get update",
          "DEBIAN_FRONTEND=noninteractive apt-get upgrade -y",
          "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends doca-sdk-gpunetio libdoca-sdk-gpunetio-dev libdoca-sdk-verbs-dev",
        ].join("\n"),
        { mounts: aptCache },
      ),
      comment("Reinstall rdma-core from the DOCA repository: libfabric --enable-efa and UCX --with-efa need its headers"),
      aptInstall(RDMA_PACKAGES, { reinstall: true }),
    ],
    versions: { doca: "${DOCA_BUILD}" },
  };
});
