/**
 * doca: NVIDIA's DOCA apt repository for the DOCA release, its GPUNetIO packages, and rdma-core
 * reinstalled from that repository (a plain upgrade leaves a libibverbs-dev without InfiniBand
 * support, the official 0.7.1 image's comment says). The image's one rdma-core origin.
 *
 * Difference from the official 0.7.1 step (https://github.com/ai-dynamo/nixl/blob/0.7.1/contrib/Dockerfile):
 * it does not download the DOCA host .deb (a local repository package with no published checksum),
 * it adds DOCA's signed online repository instead, trusted through the repository key pinned by its
 * full fingerprint (DOCA_SIGNER_FINGERPRINT), so apt verifies every package it installs. The
 * repository layout and key URL are HPCCM's doca_ofed building block
 * (https://github.com/NVIDIA/hpc-container-maker/blob/v26.1.0/hpccm/building_blocks/doca_ofed.py).
 */
import {
  comment,
  defineComponent,
  oneSourceAssertion,
  option,
  pinnedAptRepositoryScript,
  run,
  stringArg,
  SOURCE_MIRROR,
  TARGETARCH,
  aptCache,
  type ComponentSpec,
  type OptionsOf,
} from "../../src/index.ts";
import { aptInstall } from "../build-steps.ts";
import { RDMA_CORE_ONE_SOURCE, stageLock } from "../shared.ts";

const DOCA_BUILD_PATTERN = { regex: /^\d+\.\d+\.\d+-\d+-\d+\.\d+$/, expected: "a DOCA host build such as 3.1.0-091000-25.07" } as const;
const FINGERPRINT = /^[0-9A-F]{40}$/;

/** Where DOCA publishes the key that signs its apt repositories (HPCCM's doca_ofed uses the same URL). */
export const DOCA_KEY_URL = "https://linux.mellanox.com/public/repo/doca/GPG-KEY-Mellanox.pub";

/** What the build says when no fingerprint is pinned: no public source states it in full (docs/sources.md row 7b). */
const FINGERPRINT_HINT = "no public source read for this library states the full fingerprint of GPG-KEY-Mellanox.pub; docs/sources.md (row 7b) gives the command that reads it on a trusted machine";

/** The DOCA component, declared once. */
export const DOCA_SPEC = {
  name: "doca",
  options: {
    build: option.string({ doc: "DOCA host package build, e.g. 3.1.0-091000-25.07 (the 0.7.1 pin); its release (3.1.0) names the apt repository", pattern: DOCA_BUILD_PATTERN.regex, expected: DOCA_BUILD_PATTERN.expected, default: "3.1.0-091000-25.07" }),
    keyFingerprint: option.string({
      doc: "full OpenPGP fingerprint of the DOCA repository key (GPG-KEY-Mellanox.pub). Default: the source lock's, which has none, so the build needs --build-arg DOCA_SIGNER_FINGERPRINT",
      pattern: FINGERPRINT,
      expected: "40 upper-case hex digits (the full fingerprint, not a key ID)",
    }),
  },
  version: { option: "build", arg: "DOCA_BUILD", doc: "DOCA host package build", pattern: DOCA_BUILD_PATTERN },
  artifacts: {
    doca: { kind: "doca", delivery: "in-image", prefix: "/opt/mellanox/doca", version: "own", versionArg: false },
    rdmaCore: { kind: "rdma-core", delivery: "in-image", prefix: "/usr", version: "own", versionArg: false, distribution: "doca" },
  },
} as const satisfies ComponentSpec;

/** Options of {@link doca}. */
export type DocaOptions = OptionsOf<typeof DOCA_SPEC.options>;

/** rdma-core packages reinstalled from the DOCA repository (the official 0.7.1 image's list). */
export const RDMA_PACKAGES: readonly string[] = ["libibverbs-dev", "rdma-core", "ibverbs-utils", "libibumad-dev", "libnuma-dev", "librdmacm-dev", "ibverbs-providers"];

/**
 * The ARG holding the full fingerprint of the DOCA repository key: `pinned` (an option's value or the
 * source lock's), empty when neither has one, which stops the step that reads it.
 *
 * @example
 * docaSignerFingerprintArg("")
 */
export function docaSignerFingerprintArg(pinned: string) {
  return stringArg(
    "DOCA_SIGNER_FINGERPRINT",
    pinned,
    /^([0-9A-F]{40})?$/,
    "40 upper-case hex digits (empty stops the build)",
    "full OpenPGP fingerprint of the key that signs the DOCA apt repository (required: none is pinned, docs/sources.md)",
  );
}

/**
 * The fingerprint the source lock pins for the DOCA repository key (none yet: docs/sources.md row 7b).
 *
 * @example
 * docaSignerFingerprintArg(lockedDocaFingerprint())
 */
export function lockedDocaFingerprint(): string {
  return stageLock().get("doca-repo-key")?.fingerprint ?? "";
}

/**
 * Shell lines that add DOCA's signed apt repository for the release of `${DOCA_BUILD}` (the OS read
 * from /etc/lsb-release, the architecture from TARGETARCH) and update apt's lists: the doca stage's
 * and the lean runtime base's, so both install from the one repository with the one pinned key.
 *
 * @example
 * docaRepositoryLines("DOCA_SIGNER_FINGERPRINT")
 */
export function docaRepositoryLines(fingerprintArg: string): string[] {
  return [
    // ubuntu24.04 from /etc/lsb-release, read rather than sourced (a sourced file is code)
    'os="$(awk -F= \'$1 == "DISTRIB_ID" {id = tolower($2)} $1 == "DISTRIB_RELEASE" {rel = $2} END {print id rel}\' /etc/lsb-release)"',
    'case "${TARGETARCH}" in amd64) doca_arch=x86_64 ;; arm64) doca_arch=arm64-sbsa ;; *) echo "stagewright: DOCA has no repository for TARGETARCH=${TARGETARCH}" >&2; exit 1 ;; esac',
    'doca_version="${DOCA_BUILD%%-*}"',
    pinnedAptRepositoryScript({
      name: "doca",
      keyUrl: DOCA_KEY_URL,
      fingerprintArg,
      whenEmpty: FINGERPRINT_HINT,
      url: "https://linux.mellanox.com/public/repo/doca/${doca_version}/${os}/${doca_arch}/",
      suite: "./",
    }),
    "rm -f /etc/apt/apt.conf.d/docker-clean",
    "apt-get update",
  ];
}

/**
 * The DOCA stage.
 *
 * @example
 * const d = doca(base, {})
 */
export const doca = defineComponent(DOCA_SPEC, (c) => {
  const DOCA_BUILD = c.versionArg!;
  const DOCA_SIGNER_FINGERPRINT = docaSignerFingerprintArg((c.options["keyFingerprint"] as string | undefined) ?? lockedDocaFingerprint());
  return {
    description: "DOCA apt repository (signed, key pinned by fingerprint), GPUNetIO, rdma-core from the DOCA repository: the image's one rdma-core",
    args: [TARGETARCH, DOCA_BUILD, DOCA_SIGNER_FINGERPRINT, SOURCE_MIRROR],
    details: { doca: { delivery: { type: "in-image" } }, rdmaCore: { delivery: { type: "in-image" } } },
    steps: [
      comment("DOCA's signed apt repository for this release; apt verifies every package through the pinned key"),
      run(
        [
          ...docaRepositoryLines(DOCA_SIGNER_FINGERPRINT.name),
          "DEBIAN_FRONTEND=noninteractive apt-get upgrade -y",
          "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends doca-sdk-gpunetio libdoca-sdk-gpunetio-dev libdoca-sdk-verbs-dev",
        ].join("\n"),
        { mounts: aptCache },
      ),
      comment("Reinstall rdma-core from the DOCA repository: libfabric --enable-efa and UCX --with-efa need its headers"),
      aptInstall(RDMA_PACKAGES, { reinstall: true }),
      comment("One rdma-core origin: every rdma-core package from DOCA's repository at one version, and the EFA header the EFA providers build against"),
      run(
        [
          oneSourceAssertion(RDMA_CORE_ONE_SOURCE),
          'if [ ! -e /usr/include/infiniband/efadv.h ]; then echo "stagewright: no infiniband/efadv.h from the DOCA repository: the EFA providers of libfabric and UCX cannot build; install libibverbs-dev from it" >&2; exit 1; fi',
        ].join("\n"),
      ),
    ],
    versions: { doca: "${DOCA_BUILD}", "rdma-core": "doca-${DOCA_BUILD}" },
  };
});
