/**
 * Shell building blocks the component stages share: install into the staged DESTDIR and make the
 * install live in the builder too, and the apt pattern with cache mounts.
 */
import { aptCache, cacheMount, run, type Instruction } from "../src/index.ts";

/**
 * Lines that copy a staged install (`<staged>/...`) into / so the builder stage can use it too,
 * then refresh the loader cache.
 *
 * @example
 * publishStaged("/opt/stagewright/stage/ucx")
 */
export function publishStaged(staged: string): string {
  return [`cp -a ${staged}/. /`, "ldconfig"].join("\n");
}

/**
 * An apt-get install step with cache mounts (lists and .debs stay out of the layers), no
 * recommended packages, and the Ubuntu image's docker-clean hook removed so the cache works.
 *
 * @example
 * aptInstall(["hwloc", "libhwloc-dev"])
 */
export function aptInstall(packages: readonly string[], opts: { reinstall?: boolean; before?: string } = {}): Instruction {
  const sorted = [...new Set(packages)].sort();
  const list = sorted.map((p) => `    ${p}`).join(" \\\n");
  return run(
    [
      "rm -f /etc/apt/apt.conf.d/docker-clean",
      ...(opts.before !== undefined ? [opts.before] : []),
      "apt-get update",
      `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends${opts.reinstall === true ? " --reinstall" : ""} \\\n${list}`,
    ].join("\n"),
    { mounts: aptCache },
  );
}

/** `make -j` with the NPROC ARG. */
export const MAKE_J = 'make -j"${NPROC:-$(nproc)}"';

/** The compiler cache, shared by every stage that compiles (ccache handles concurrent use). */
export const CCACHE_MOUNT = cacheMount("/root/.ccache", "shared", "ccache");

/**
 * A RUN step that compiles C/C++: ccache (from the base stage's packages) sits first on PATH, so
 * autotools, make, CMake and meson builds reuse object files across image rebuilds, kept in a
 * cache mount outside the layers.
 *
 * @example
 * compile("./configure --prefix=/usr/local\nmake -j\"$(nproc)\"")
 */
export function compile(script: string): Instruction {
  return run(`export CCACHE_DIR=/root/.ccache PATH="/usr/lib/ccache:\${PATH}"\n${script}`, { mounts: [CCACHE_MOUNT] });
}
