/**
 * Shell building blocks the component stages share: the apt pattern with cache mounts. (Compiling,
 * staging and publishing are the core's build templates: src/build-templates.ts.)
 */
import { aptCache, run, type Instruction } from "../src/index.ts";

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
    { mounts: aptCache, packages: sorted },
  );
}
