/**
 * efa-drivers: the AWS EFA installer's user-space pieces, in a container.
 * Facts: the installer's options and its container flags (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html;
 * -y -g -d --skip-kmod --skip-limit-conf --no-verify in AWS's own image,
 * https://github.com/aws-samples/awsome-distributed-training/blob/7217859f67bc693c52ff175ccc6082c41dbd7a1b/micro-benchmarks/nccl-tests/nccl-tests.Dockerfile#L83);
 * without efa-config (--skip-limit-conf) /opt/amazon/efa/lib is registered by the image itself, as AWS's
 * images do with LD_LIBRARY_PATH and ldconfig (same repository, 2.ami_and_containers/containers/pytorch/0.nvcr-pytorch-aws.dockerfile).
 *
 * The installer has no flag that skips libfabric alone, so the stage offers three explicit designs:
 * - "provide": the installer's libfabric in /opt/amazon/efa is THE libfabric of the image (it is
 *   registered with the loader, since --skip-limit-conf also skips the efa-config package that
 *   would do it);
 * - "hide": the installer runs in full, then its libfabric and its aws-ofi-nccl are deleted and kept
 *   off every loader path, for images that build their own;
 * - "minimal": `--minimal` installs rdma-core only (the NIXL CI's approach).
 *
 * Its rdma-core must be the image's only one: the installer skips a bundled package when an equal or
 * newer version is installed, so over DOCA's rdma-core it would leave a mix (aws-parallelcluster-cookbook
 * PR 2154). Built FROM doca it is refused (rule 4), and the build checks one origin at one version.
 */
import {
  aptCache,
  comment,
  defineComponent,
  env,
  fetchScript,
  joined,
  oneSourceAssertion,
  option,
  run,
  signatureScript,
  stringArg,
  SOURCE_MIRROR,
  type ComponentSpec,
  type OptionsOf,
  type RuleData,
} from "../src/index.ts";
import { RDMA_CORE_ONE_SOURCE, sourcePin } from "./shared.ts";

/** How the installer's libfabric relates to the image. */
export type EfaLibfabric = "provide" | "hide" | "minimal";

/** Installer flags a recipe may add; the container flags are always passed. */
export type EfaExtraFlag = "--debug-packages" | "--enable-gdr" | "--mpi=openmpi4" | "--mpi=openmpi5" | "--check-signatures" | "--enable-ngc";
/** The runtime list of {@link EfaExtraFlag}. */
// Tuples, so that tsc writes the sentence for a flag outside them as the runtime check does.
export const EFA_EXTRA_FLAGS = ["--debug-packages", "--enable-gdr", "--mpi=openmpi4", "--mpi=openmpi5", "--check-signatures", "--enable-ngc"] as const satisfies readonly EfaExtraFlag[];
/** Flags every container install needs: no kernel module, no limits package, no device check. */
export const EFA_CONTAINER_FLAGS = ["-y", "--skip-kmod", "--skip-limit-conf", "--no-verify"] as const;

/** Source of rule efa-flag-version. */
export const SOURCE_EFA_FLAGS = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html (installer options)";

/**
 * Version gates of the installer flags a recipe chose (installer options in {@link SOURCE_EFA_FLAGS}:
 * --check-signatures >= 1.48.0, --enable-ngc >= 1.49.0).
 *
 * @example
 * EFA_FLAG_VERSION.clauses.map((c) => c.atLeast) // ["1.48.0", "1.49.0"]
 */
export const EFA_FLAG_VERSION = {
  id: "efa-flag-version",
  summary: "--check-signatures needs installer >= 1.48.0 and --enable-ngc >= 1.49.0",
  source: SOURCE_EFA_FLAGS,
  clauses: [
    { option: { flags: "--check-signatures" }, atLeast: "1.48.0", problem: "EFA installer {self} has no --check-signatures flag (first in {bound})" },
    { option: { flags: "--enable-ngc" }, atLeast: "1.49.0", problem: "EFA installer {self} has no --enable-ngc flag (first in {bound})" },
  ],
} as const satisfies RuleData;

/** The EFA installer component, declared once. Its libfabric and aws-ofi-nccl exist only with libfabric "provide". */
export const EFA_SPEC = {
  name: "efa-drivers",
  options: {
    version: option.version({ doc: 'installer version, e.g. "1.43.3"', required: true }),
    libfabric: option.oneOf(["provide", "hide", "minimal"], { doc: "how the installer's libfabric relates to the image", required: true }),
    flags: option.listOf(EFA_EXTRA_FLAGS, { doc: "installer flags besides the container flags", hint: `the container flags ${joined(EFA_CONTAINER_FLAGS, " ")} are always passed` as const }),
    overrides: option.overrides(),
  },
  version: { option: "version", arg: "EFA_VERSION", doc: "AWS EFA installer version", form: { expected: "an EFA installer version, without a v", example: "1.43.3", shapes: [{ shape: "<N>.<N>.<N>" }], source: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html" } },
  artifacts: {
    rdmaCore: { kind: "rdma-core", delivery: "in-image", prefix: "/usr", version: "own", versionArg: false, distribution: "efa-installer" },
    libfabric: { kind: "libfabric", delivery: "in-image", prefix: "/opt/amazon/efa", version: "own", distribution: "efa-installer", when: { libfabric: "provide" } },
    awsOfiNccl: { kind: "aws-ofi-nccl", delivery: "in-image", prefix: "/opt/amazon/ofi-nccl", version: "own", versionArg: false, distribution: "efa-installer", when: { libfabric: "provide" } },
  },
  // No `removes: ["rdma-core"]`: the installer skips every bundled package whose installed version compares equal
  // or newer (DOCA 3.1's 2507mlnx58 > 58.amzn0), so an rdma-core already in the image stays and the result is mixed.
  // Rule 4 therefore refuses efa-drivers FROM a stage that holds rdma-core (doca): one image, one rdma-core origin.
  rules: [EFA_FLAG_VERSION],
} as const satisfies ComponentSpec;

/** Options of {@link efaDrivers}. */
export type EfaOptions = OptionsOf<typeof EFA_SPEC.options>;

/**
 * The EFA installer stage. With `libfabric: "provide"` its artifacts include the installer's
 * libfabric at /opt/amazon/efa (and its aws-ofi-nccl); otherwise only rdma-core.
 *
 * @example
 * const efa = efaDrivers(dc, { version: "1.43.3", libfabric: "minimal" })
 */
export const efaDrivers = defineComponent(EFA_SPEC, (c) => {
  const flags = (c.options["flags"] as readonly string[] | undefined) ?? [];
  const mode = c.options["libfabric"] as EfaLibfabric;
  // No sha256 of the tarball is published; AWS signs it, and documents the signing key's fingerprint.
  const EFA_SIGNER_FINGERPRINT = stringArg("EFA_SIGNER_FINGERPRINT", sourcePin("efa-installer-key").fingerprint ?? "", /^[0-9A-F]{40}$/, "40 upper-case hex digits", "OpenPGP fingerprint of the key that signs the EFA installer (AWS EC2 user guide)");
  const installerFlags = [...EFA_CONTAINER_FLAGS, ...(mode === "minimal" ? ["--minimal"] : []), ...flags].join(" ");
  const facts = { distribution: "efa-installer", installerVersion: c.version, libfabricMode: mode };
  const install = run(
    [
      "cd /tmp",
      fetchScript("https://efa-installer.amazonaws.com/aws-efa-installer-${EFA_VERSION}.tar.gz", "aws-efa-installer.tar.gz"),
      fetchScript("https://efa-installer.amazonaws.com/aws-efa-installer-${EFA_VERSION}.tar.gz.sig", "aws-efa-installer.tar.gz.sig"),
      fetchScript("https://efa-installer.amazonaws.com/aws-efa-installer.key", "aws-efa-installer.key"),
      signatureScript("aws-efa-installer.tar.gz", "aws-efa-installer.tar.gz.sig", "aws-efa-installer.key", "EFA_SIGNER_FINGERPRINT"),
      "tar -xzf aws-efa-installer.tar.gz",
      "cd aws-efa-installer",
      "rm -f /etc/apt/apt.conf.d/docker-clean",
      "apt-get update",
      `./efa_installer.sh ${installerFlags}`,
      "cd /",
      "rm -rf /tmp/aws-efa-installer /tmp/aws-efa-installer.tar.gz /tmp/aws-efa-installer.tar.gz.sig /tmp/aws-efa-installer.key",
      // The installer replaces the distribution's rdma-core; libfabric --enable-efa and UCX --with-efa need its headers.
      'if [ ! -e /usr/include/infiniband/efadv.h ]; then echo "stagewright: no infiniband/efadv.h after the EFA installer: the EFA providers of libfabric and UCX cannot build; install libibverbs-dev" >&2; exit 1; fi',
      // The installer keeps any rdma-core package installed at an equal or newer version: check that none was left.
      oneSourceAssertion(RDMA_CORE_ONE_SOURCE),
    ].join("\n"),
    { mounts: aptCache },
  );
  const inImage = { type: "in-image" } as const;
  const provide = mode === "provide";
  return {
    description: `AWS EFA installer user-space pieces (${provide ? "its libfabric is the image's libfabric" : mode === "hide" ? "its libfabric removed" : "rdma-core only"})`,
    args: [EFA_SIGNER_FINGERPRINT, SOURCE_MIRROR],
    versions: { "efa-installer": "${EFA_VERSION}", "rdma-core": "efa-installer-${EFA_VERSION}" },
    details: {
      rdmaCore: { delivery: inImage, facts },
      ...(provide
        ? {
            libfabric: {
              delivery: inImage, layout: { lib: ["lib"], include: ["include"], bin: ["bin"], pkgconfig: ["lib/pkgconfig"] },
              runtimeFiles: ["lib/libfabric.so.1", "bin/fi_info"], ldconfig: true, facts, sonames: ["libfabric.so.1"],
            },
            awsOfiNccl: {
              delivery: inImage, layout: { lib: ["lib"] }, runtimeFiles: ["lib/libnccl-net.so"], ldconfig: true,
              // AWS's packaging configures --with-libfabric=/opt/amazon/efa (https://github.com/aws/aws-ofi-nccl/blob/v1.21.1/contrib/debian-template/rules#L28).
              facts: { ...facts, libfabricBuiltAgainst: "/opt/amazon/efa (AWS's packaging)" },
              links: [{ file: "lib/libnccl-net.so", soname: "libfabric.so.1", kind: "libfabric" }],
            },
          }
        : {}),
    },
    steps: provide
      ? [
          install,
          comment("--skip-limit-conf skips efa-config, which registers /opt/amazon/efa/lib with the loader: do it here (000_ sorts first)"),
          run("printf '%s\\n' /opt/amazon/efa/lib > /etc/ld.so.conf.d/000_efa.conf\nldconfig\ntest -e /opt/amazon/efa/lib/libfabric.so.1"),
          env(["PATH", "/opt/amazon/efa/bin:${PATH}"]),
        ]
      : [
          install,
          ...(mode === "hide"
            ? [
                comment("Keep the installer's libfabric and its aws-ofi-nccl off every loader path: this image builds its own"),
                run(
                  [
                    "rm -rf /opt/amazon/efa/lib/libfabric.so* /opt/amazon/efa/lib/pkgconfig/libfabric.pc /opt/amazon/ofi-nccl /opt/amazon/aws-ofi-nccl",
                    "rm -f /etc/ld.so.conf.d/efa.conf /etc/ld.so.conf.d/000_efa.conf /etc/ld.so.conf.d/100_ofinccl.conf",
                    "ldconfig",
                    "# captured first: grep -q in a pipe can SIGPIPE the producer, and pipefail would turn a hit into a miss",
                    'cache="$(ldconfig -p)"',
                    'if grep -q "/opt/amazon/efa/lib/libfabric" <<< "$cache"; then echo "the installer libfabric is still visible to the loader" >&2; exit 1; fi',
                  ].join("\n"),
                ),
              ]
            : [run('if [ -e /opt/amazon/efa/lib/libfabric.so.1 ]; then echo "--minimal installed a libfabric" >&2; exit 1; fi')]),
        ],
  };
});
