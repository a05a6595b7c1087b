/**
 * doca: the DOCA host repository, GPUNetIO packages, and rdma-core reinstalled from the DOCA repo
 * (a plain upgrade leaves a libibverbs-dev without InfiniBand support).
 * Facts: shared/reference/nixl-official-image.md §2 steps 3-4 (NIXL 0.7.1 contrib/Dockerfile).
 */
import { artifact, checkOptions, comment, defineStage, run, aptCache, stringArg, type AnyStage, type KnownOptions } from "../../src/index.ts";
import { aptInstall } from "../build-steps.ts";
import { ARCH, sha256Arg } from "../shared.ts";
import { downloadScript, SOURCE_MIRROR } from "../../src/index.ts";

/** Options of {@link doca}. */
export interface DocaOptions {
  /** DOCA host package build, e.g. `3.1.0-091000-25.07` (the 0.7.1 pin). */
  readonly build?: string;
}

/** rdma-core packages reinstalled from the DOCA repository (§2 step 4). */
export const RDMA_PACKAGES: readonly string[] = ["libibverbs-dev", "rdma-core", "ibverbs-utils", "libibumad-dev", "libnuma-dev", "librdmacm-dev", "ibverbs-providers"];

/**
 * The DOCA stage.
 *
 * @example
 * const d = doca(base, {})
 */
export function doca<const F extends AnyStage, const O extends DocaOptions>(from: F, options: O & KnownOptions<O, DocaOptions, "doca">) {
  checkOptions("doca", options, ["build"]);
  const build = options.build ?? "3.1.0-091000-25.07";
  const DOCA_BUILD = stringArg("DOCA_BUILD", build, /^\d+\.\d+\.\d+-\d+-\d+\.\d+$/, "a DOCA host build such as 3.1.0-091000-25.07", "DOCA host package build");
  const DOCA_SHA256 = sha256Arg("DOCA_SHA256", DOCA_BUILD, (b) => `doca-host-${b.split("-")[0]}`, "DOCA host .deb");
  return defineStage({
    name: "doca",
    description: "DOCA host repository, GPUNetIO, rdma-core from the DOCA repository",
    from,
    args: [ARCH, DOCA_BUILD, DOCA_SHA256, SOURCE_MIRROR],
    provides: {
      doca: artifact({ kind: "doca", producer: "doca", version: build, prefix: "/opt/mellanox/doca", delivery: { type: "in-image" } }),
      rdmaCore: artifact({ kind: "rdma-core", producer: "doca", version: `doca-${build}`, prefix: "/usr", delivery: { type: "in-image" }, facts: { distribution: "doca" } }),
    },
    steps: [
      run(
        [
          'case "${ARCH}" in aarch64) deb_arch=arm64 ;; *) deb_arch=amd64 ;; esac',
          // ubuntu2404 from /etc/lsb-release, read rather than sourced (a sourced file is code)
          'os="$(awk -F= \'$1 == "DISTRIB_ID" {id = tolower($2)} $1 == "DISTRIB_RELEASE" {rel = $2} END {gsub(/\\./, "", rel); print id rel}\' /etc/lsb-release)"',
          'doca_version="${DOCA_BUILD%%-*}"',
          downloadScript("https://www.mellanox.com/downloads/DOCA/DOCA_v${doca_version}/host/doca-host_${DOCA_BUILD}-${os}_${deb_arch}.deb", "/tmp/doca-host.deb", "DOCA_SHA256"),
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
  });
}
