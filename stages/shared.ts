/**
 * ARGs and conventions shared by several stages. An ARG that more than one stage reads is defined
 * once here, so every stage carries the same default (composition rule 3).
 */
import { derived, readLock, targetUnameArch, stringArg, type Arg, type OneSourceSpec, type SourcePin, pin } from "../src/index.ts";

/**
 * The target CPU architecture as `uname -m` prints it (x86_64, aarch64), computed in the Dockerfile
 * from BuildKit's TARGETARCH, so one Dockerfile builds for linux/amd64 and linux/arm64: the plugin
 * directory's triplet (`lib/${ARCH}-linux-gnu`), the Rust host and the wheel platform follow the
 * platform being built. There is no build arg to get wrong (the official image's ARCH=x86_64 default
 * silently breaks arm builds); the base stage still fails fast if the steps run on another machine.
 *
 * @example
 * docker buildx build --platform linux/arm64 ...   # ARCH=aarch64 in every stage
 */
export const ARCH: Arg<"ARCH", "x86_64"> = targetUnameArch("ARCH");

/**
 * The Python of the virtual environment and of the NIXL wheel.
 *
 * @example
 * PYTHON_VERSION.default // "3.12"
 */
export const PYTHON_VERSION: Arg<"PYTHON_VERSION", "3.12"> = stringArg("PYTHON_VERSION", "3.12", /^3\.\d{1,2}$/, "a Python version such as 3.12", "Python version of the virtual environment and the NIXL wheel");

/**
 * Where every stage stages its install (DESTDIR) so that consumers copy exactly what it installed.
 *
 * @example
 * stagedDir("libfabric") // "/opt/stagewright/stage/libfabric"
 */
export function stagedDir(stage: string): string {
  return `/opt/stagewright/stage/${stage}`;
}

let lock: ReadonlyMap<string, SourcePin> | undefined;

/**
 * The source lock of the stage library (stages/sources.lock.yaml), read on first use so that a
 * broken lock is reported as a StagewrightError by whoever asked, not at import time.
 *
 * @example
 * stageLock().get("libfabric-2.3.0")?.sha256
 */
export function stageLock(): ReadonlyMap<string, SourcePin> {
  lock ??= readLock(new URL("./sources.lock.yaml", import.meta.url));
  return lock;
}

/**
 * The lock entry for an id (throws a clear error when the lock lacks it).
 *
 * @example
 * sourcePin("libfabric-2.3.0").sha256
 */
export function sourcePin(id: string): SourcePin {
  return pin(stageLock(), id);
}

/**
 * The sha256 of a pinned source, or "" when none is published (the build then warns loudly and
 * `stagewright check` lists it).
 *
 * @example
 * sha256Of("nccl-2.23.4-1")
 */
export function sha256Of(id: string): string {
  return stageLock().get(id)?.sha256 ?? "";
}

/**
 * The pinned commit of a git source, or "" when none is known.
 *
 * @example
 * commitOf("ucx-1.19.0")
 */
export function commitOf(id: string): string {
  return stageLock().get(id)?.commit ?? "";
}

/**
 * The sha256 ARG of a download, pinned by the lock entry of its version ARG's value; it follows the
 * version when values from data change it. Empty when the lock has no published checksum (the
 * build then warns loudly, and `stagewright check` lists it).
 *
 * @example
 * const LIBFABRIC_SHA256 = sha256Arg("LIBFABRIC_SHA256", LIBFABRIC_VERSION, (v) => `libfabric-${v.replace(/^v/, "")}`, "libfabric release tarball")
 */
export function sha256Arg<const N extends string>(name: N, version: Arg, lockId: (version: string) => string, what: string): Arg<N, string> {
  const a = stringArg(name, sha256Of(lockId(version.default)), /^([0-9a-f]{64})?$/, "64 lower-case hex digits (or empty)", `sha256 of the ${what} download`);
  return derived(a, version.name, (v) => sha256Of(lockId(v)));
}

/**
 * The git commit ARG of a source, pinned by the lock entry of its ref ARG's value; it follows the
 * ref when values from data change it.
 *
 * @example
 * const UCX_COMMIT = commitArg("UCX_COMMIT", UCX_VERSION, (v) => `ucx-${v.replace(/^v/, "")}`)
 */
export function commitArg<const N extends string>(name: N, ref: Arg, lockId: (ref: string) => string): Arg<N, string> {
  const a = stringArg(name, commitOf(lockId(ref.default)), /^([0-9a-f]{40})?$/, "a 40-digit commit hash (or empty)", `git commit that ${ref.name} must resolve to`);
  return derived(a, ref.name, (v) => commitOf(lockId(v)));
}

/** Parallel build jobs: `${NPROC:-$(nproc)}` in scripts; empty means all cores. */
export const NPROC: Arg<"NPROC", ""> = stringArg("NPROC", "", /^(\d{1,4})?$/, "a number of jobs (or empty for all cores)", "parallel build jobs; empty = nproc");

/**
 * The rdma-core set that must come from one origin at one version: every package built from the
 * rdma-core source, and any package named like one (an EFA or Mellanox build of libibverbs or
 * libefa built from another source fails too). A mix is what the EFA installer leaves over an
 * rdma-core it compares older than what is installed (aws-parallelcluster-cookbook PR 2154).
 *
 * @example
 * oneSourceAssertion(RDMA_CORE_ONE_SOURCE)
 */
export const RDMA_CORE_ONE_SOURCE: OneSourceSpec = {
  source: "rdma-core",
  names: "^(rdma-core|rdmacm-utils|ibverbs-|ibacm|infiniband-diags|libibverbs|libefa|librdmacm|libibumad|libibmad|libibnetdisc|libmlx[45]|python3-pyverbs)",
  what: "rdma-core (libibverbs, libefa and the other providers, librdmacm, libibumad)",
  fix: "install every rdma-core package from one repository: build the image FROM one stage that provides rdma-core (doca or efa-drivers, never both)",
};
