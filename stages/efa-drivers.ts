/**
 * efa-drivers: the AWS EFA installer's user-space pieces, in a container.
 * Facts: shared/reference/aws-efa-stack.md §1 (flags, what lands where), §7 P4 and P9.
 *
 * The installer has no flag that skips libfabric alone, so the stage offers three explicit designs:
 * - "provide": the installer's libfabric in /opt/amazon/efa is THE libfabric of the image (it is
 *   registered with the loader, since --skip-limit-conf also skips the efa-config package that
 *   would do it);
 * - "hide": the installer runs in full, then its libfabric and its aws-ofi-nccl are deleted and kept
 *   off every loader path, for images that build their own;
 * - "minimal": `--minimal` installs rdma-core only (the NIXL CI's approach).
 */
import {
  artifact,
  checkOptions,
  comment,
  defineStage,
  fetchScript,
  signatureScript,
  stringArg,
  env,
  run,
  aptCache,
  versionArg,
  SOURCE_MIRROR,
  versionSatisfies,
  fail,
  type AnyStage,
  type KnownOptions,
  type OptionLiteralChecks,
  type Overrides,
  type VersionLt,
  type VersionRule,
  type RuleOverride,
} from "../src/index.ts";
import { sourcePin } from "./shared.ts";

/** How the installer's libfabric relates to the image. */
export type EfaLibfabric = "provide" | "hide" | "minimal";

/** Installer flags a recipe may add; the container flags are always passed. */
export type EfaExtraFlag = "--debug-packages" | "--enable-gdr" | "--mpi=openmpi4" | "--mpi=openmpi5" | "--check-signatures" | "--enable-ngc";
/** The runtime list of {@link EfaExtraFlag}. */
export const EFA_EXTRA_FLAGS: readonly EfaExtraFlag[] = ["--debug-packages", "--enable-gdr", "--mpi=openmpi4", "--mpi=openmpi5", "--check-signatures", "--enable-ngc"];
/** Flags every container install needs: no kernel module, no limits package, no device check. */
export const EFA_CONTAINER_FLAGS: readonly string[] = ["-y", "--skip-kmod", "--skip-limit-conf", "--no-verify"];

/** Options of {@link efaDrivers}. */
export interface EfaOptions<V extends string = string> {
  /** Installer version, e.g. "1.43.3". */
  readonly version: V;
  readonly libfabric: EfaLibfabric;
  readonly flags?: readonly EfaExtraFlag[];
  readonly overrides?: readonly RuleOverride[];
}

/**
 * Version gates of the installer flags a recipe chose (shared/reference/aws-efa-stack.md §1:
 * --check-signatures ≥ 1.48.0, --enable-ngc ≥ 1.49.0).
 *
 * @example
 * efaRules(["--enable-ngc"])
 */
export function efaRules(flags: readonly string[]): readonly VersionRule[] {
  return [
  {
    id: "efa-flag-version",
    summary: "--check-signatures needs installer >= 1.48.0 and --enable-ngc >= 1.49.0",
    source: SOURCE_EFA_FLAGS,
    check: (ctx) => {
      const v = ctx.arg("EFA_VERSION");
      if (v === undefined) return undefined;
      if (flags.includes("--check-signatures") && !versionSatisfies(v, ">=1.48.0")) return `EFA installer ${v} has no --check-signatures flag (first in 1.48.0)`;
      if (flags.includes("--enable-ngc") && !versionSatisfies(v, ">=1.49.0")) return `EFA installer ${v} has no --enable-ngc flag (first in 1.49.0)`;
      return undefined;
    },
  },
  ];
}

/** The parts both designs share: ARGs, the install step, the rules. */
function efaCommon<F extends AnyStage>(from: F, options: EfaOptions) {
  checkOptions("efa-drivers", options, ["version", "libfabric", "flags", "overrides"]);
  const flags = options.flags ?? [];
  for (const f of flags) {
    if (!EFA_EXTRA_FLAGS.includes(f)) {
      fail("unknown-option", `efa-drivers: ${String(f)} is not an EFA installer flag stagewright passes; known: ${EFA_EXTRA_FLAGS.join(", ")} (the container flags ${EFA_CONTAINER_FLAGS.join(" ")} are always passed)`, { stage: "efa-drivers", option: "flags" });
    }
  }
  if (!["provide", "hide", "minimal"].includes(options.libfabric)) {
    fail("invalid-value", `efa-drivers, option libfabric: ${JSON.stringify(options.libfabric)} is not one of "provide", "hide", "minimal"`, { stage: "efa-drivers", option: "libfabric" });
  }
  const EFA_VERSION = versionArg("EFA_VERSION", options.version, "AWS EFA installer version");
  // No sha256 of the tarball is published; AWS signs it, and documents the signing key's fingerprint.
  const EFA_SIGNER_FINGERPRINT = stringArg("EFA_SIGNER_FINGERPRINT", sourcePin("efa-installer-key").fingerprint ?? "", /^[0-9A-F]{40}$/, "40 upper-case hex digits", "OpenPGP fingerprint of the key that signs the EFA installer (AWS EC2 user guide)");
  const mode = options.libfabric;
  const installerFlags = [...EFA_CONTAINER_FLAGS, ...(mode === "minimal" ? ["--minimal"] : []), ...flags].join(" ");
  const facts = { distribution: "efa-installer", installerVersion: options.version, libfabricMode: mode };
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
    ].join("\n"),
    { mounts: aptCache },
  );
  return {
    EFA_VERSION,
    facts,
    install,
    spec: {
      name: "efa-drivers" as const,
      description: `AWS EFA installer user-space pieces (${mode === "provide" ? "its libfabric is the image's libfabric" : mode === "hide" ? "its libfabric removed" : "rdma-core only"})`,
      from,
      args: [EFA_VERSION, EFA_SIGNER_FINGERPRINT, SOURCE_MIRROR],
      removes: ["rdma-core"] as const,
      rules: efaRules(flags),
      overrides: options.overrides ?? [],
      versions: { "efa-installer": "${EFA_VERSION}" },
    },
  };
}

/** The installer's libfabric is THE libfabric of the image (design "provide"). */
function efaProvide<F extends AnyStage, V extends string>(from: F, options: EfaOptions<V>) {
  const c = efaCommon(from, options);
  const inImage = { type: "in-image" } as const;
  return defineStage({
    ...c.spec,
    provides: {
      rdmaCore: artifact({ kind: "rdma-core", producer: "efa-drivers", version: `efa-installer-${options.version}`, prefix: "/usr", delivery: inImage, facts: c.facts }),
      libfabric: artifact({
        kind: "libfabric", producer: "efa-drivers", version: `efa-installer-${options.version}`, prefix: "/opt/amazon/efa", delivery: inImage,
        layout: { lib: ["lib"], include: ["include"], bin: ["bin"], pkgconfig: ["lib/pkgconfig"] },
        runtimeFiles: ["lib/libfabric.so.1", "bin/fi_info"], ldconfig: true, facts: c.facts, versionArg: c.EFA_VERSION, sonames: ["libfabric.so.1"],
      }),
      awsOfiNccl: artifact({
        kind: "aws-ofi-nccl", producer: "efa-drivers", version: `efa-installer-${options.version}`, prefix: "/opt/amazon/ofi-nccl", delivery: inImage,
        layout: { lib: ["lib"] }, runtimeFiles: ["lib/libnccl-net.so"], ldconfig: true,
        // AWS's packaging configures --with-libfabric=/opt/amazon/efa (aws-efa-stack.md §3).
        facts: { ...c.facts, libfabricBuiltAgainst: "/opt/amazon/efa (AWS's packaging)" },
        links: [{ file: "lib/libnccl-net.so", soname: "libfabric.so.1", kind: "libfabric" }],
      }),
    },
    steps: [
      c.install,
      comment("--skip-limit-conf skips efa-config, which registers /opt/amazon/efa/lib with the loader: do it here (000_ sorts first)"),
      run("printf '%s\\n' /opt/amazon/efa/lib > /etc/ld.so.conf.d/000_efa.conf\nldconfig\ntest -e /opt/amazon/efa/lib/libfabric.so.1"),
      env(["PATH", "/opt/amazon/efa/bin:${PATH}"]),
    ],
  });
}

/** The installer's libfabric is removed ("hide") or never installed ("minimal"). */
function efaWithout<F extends AnyStage, V extends string>(from: F, options: EfaOptions<V>) {
  const c = efaCommon(from, options);
  return defineStage({
    ...c.spec,
    provides: {
      rdmaCore: artifact({ kind: "rdma-core", producer: "efa-drivers", version: `efa-installer-${options.version}`, prefix: "/usr", delivery: { type: "in-image" }, facts: c.facts }),
    },
    steps: [
      c.install,
      ...(options.libfabric === "hide"
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
  });
}

/** Source of rule efa-flag-version. */
export const SOURCE_EFA_FLAGS = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html (installer options)";

/**
 * Compile-time twin of rule efa-flag-version for a literal installer version: the full sentence, or never.
 *
 * @example
 * type E = EfaFlagProblem<"1.43.3", "--enable-ngc"> // "stage efa-drivers: EFA installer 1.43.3 has no --enable-ngc flag ..."
 */
export type EfaFlagProblem<V extends string, Flag extends string> = Flag extends "--check-signatures" | "--enable-ngc"
  ? VersionLt<V, Flag extends "--check-signatures" ? "1.48.0" : "1.49.0"> extends true
    ? `stage efa-drivers: EFA installer ${V} has no ${Flag} flag (first in ${Flag extends "--check-signatures" ? "1.48.0" : "1.49.0"}) (rule efa-flag-version; source: ${typeof SOURCE_EFA_FLAGS}); to build anyway, add an explicit override { rule: "efa-flag-version", reason: "..." }`
    : never
  : never;

type FlagCheck<O> = O extends { readonly version: infer V extends string; readonly flags: readonly (infer F extends string)[] }
  ? [EfaFlagProblem<V, F>] extends [never] ? unknown
    : [Overrides<O, "efa-flag-version">] extends [never] ? { readonly flags: { readonly error: EfaFlagProblem<V, F> } } : unknown
  : unknown;

type EfaArgs<O> = O & KnownOptions<O, EfaOptions, "efa-drivers"> & OptionLiteralChecks<O> & FlagCheck<O>;

/**
 * The EFA installer stage. With `libfabric: "provide"` its artifacts include the installer's
 * libfabric at /opt/amazon/efa (and its aws-ofi-nccl); otherwise only rdma-core.
 *
 * @example
 * const efa = efaDrivers(dc, { version: "1.43.3", libfabric: "minimal" })
 */
export function efaDrivers<const F extends AnyStage, const O extends EfaOptions & { readonly libfabric: "provide" }>(from: F, options: EfaArgs<O>): ReturnType<typeof efaProvide<F, O["version"]>>;
export function efaDrivers<const F extends AnyStage, const O extends EfaOptions & { readonly libfabric: "hide" | "minimal" }>(from: F, options: EfaArgs<O>): ReturnType<typeof efaWithout<F, O["version"]>>;
export function efaDrivers(from: AnyStage, options: EfaOptions): ReturnType<typeof efaProvide> | ReturnType<typeof efaWithout> {
  return options.libfabric === "provide" ? efaProvide(from, options) : efaWithout(from, options);
}
