import type { AnyArtifact } from "./artifact.ts";
import { pathIn } from "./artifact.ts";
import type { Script } from "./script.ts";

/** A `RUN --mount=...` mount. Only the kinds stagewright emits. */
export type Mount =
  | { readonly type: "cache"; readonly target: string; readonly sharing?: "locked" | "shared" | "private"; readonly id?: string }
  | { readonly type: "secret"; readonly id: string; readonly target?: string; readonly env?: string; readonly required?: boolean }
  | { readonly type: "bind"; readonly target: string; readonly source?: string; readonly from?: string; readonly rw?: boolean };

/**
 * The typed, readonly instruction IR of one stage. FROM and ARG lines are not part of it: the
 * renderer derives them from the stage's base and ARGs, so a stage cannot forget to declare an ARG.
 */
export type Instruction =
  | { readonly op: "ENV"; readonly vars: readonly (readonly [string, string])[] }
  | {
      readonly op: "RUN";
      readonly script: string;
      readonly mounts: readonly Mount[];
      readonly network?: "none" | "host" | "default";
      /** For a script built with `sh`: the ARG names it reads, and the text written literally (lint reads it). */
      readonly typed?: { readonly argNames: readonly string[]; readonly literals: readonly string[] };
      /** The system packages this step installs: a host script can verify them instead (no network). */
      readonly packages?: readonly string[];
    }
  | {
      readonly op: "COPY";
      readonly from?: string;
      readonly sources: readonly string[];
      readonly dest: string;
      readonly link: boolean;
      readonly chmod?: string;
    }
  | { readonly op: "ADD"; readonly source: string; readonly dest: string; readonly checksum?: string; readonly link: boolean }
  | { readonly op: "WORKDIR"; readonly path: string }
  | { readonly op: "LABEL"; readonly labels: readonly (readonly [string, string])[] }
  | { readonly op: "SHELL"; readonly argv: readonly string[] }
  | { readonly op: "COMMENT"; readonly text: string };

/**
 * A RUN step. `script` is a shell script (one or more lines) run by the stage's SHELL; the
 * renderer writes multi-line scripts as a heredoc and starts them with `set -euo pipefail`.
 * A script built with `sh` keeps its typed references (the ARGs it reads, its literal text).
 *
 * @example
 * run("make -j\"$(nproc)\" install", { mounts: [cacheMount("/root/.ccache")] })
 */
export function run(
  script: string | Script,
  opts: { mounts?: readonly Mount[]; network?: "none" | "host" | "default"; packages?: readonly string[] } = {},
): Instruction {
  const text = typeof script === "string" ? script : script.text;
  return Object.freeze({
    op: "RUN" as const,
    script: dedent(text),
    mounts: opts.mounts ?? [],
    ...(opts.network !== undefined ? { network: opts.network } : {}),
    ...(typeof script === "string" ? {} : { typed: Object.freeze({ argNames: script.args.map((a) => a.name), literals: script.literals }) }),
    ...(opts.packages !== undefined ? { packages: Object.freeze([...opts.packages]) } : {}),
  });
}

/**
 * An ENV instruction. Values may reference ARGs and ENV as `${NAME}` or `${NAME:+...}`.
 *
 * @example
 * env(["NIXL_PREFIX", "${NIXL_PREFIX}"])
 */
export function env(...vars: (readonly [string, string])[]): Instruction {
  return Object.freeze({ op: "ENV" as const, vars });
}

/**
 * `COPY [--from=stage] src... dest`, with `--link` by default (the copy does not depend on the
 * destination's layers, so it survives base rebuilds in cache).
 *
 * @example
 * copy(["/opt/stagewright/ucx/"], "/", { from: "ucx" })
 */
export function copy(
  sources: readonly string[],
  dest: string,
  opts: { from?: string; link?: boolean; chmod?: string } = {},
): Instruction {
  return Object.freeze({
    op: "COPY" as const,
    sources,
    dest,
    link: opts.link ?? true,
    ...(opts.from !== undefined ? { from: opts.from } : {}),
    ...(opts.chmod !== undefined ? { chmod: opts.chmod } : {}),
  });
}

/**
 * `ADD --checksum=sha256:... url dest`: a download BuildKit verifies before the layer is used.
 *
 * @example
 * add("https://example.org/x.tar.gz", "/tmp/x.tar.gz", "sha256:0123...")
 */
export function add(source: string, dest: string, checksum?: string): Instruction {
  return Object.freeze({ op: "ADD" as const, source, dest, link: true, ...(checksum !== undefined ? { checksum } : {}) });
}

/**
 * `WORKDIR path` (absolute).
 *
 * @example
 * workdir("/workspace")
 */
export function workdir(path: string): Instruction {
  return Object.freeze({ op: "WORKDIR" as const, path });
}

/**
 * `LABEL k="v" ...`.
 *
 * @example
 * label(["org.opencontainers.image.title", "nixl"])
 */
export function label(...labels: (readonly [string, string])[]): Instruction {
  return Object.freeze({ op: "LABEL" as const, labels });
}

/**
 * `SHELL ["/bin/bash", ...]` in exec form.
 *
 * @example
 * shell(["/bin/bash", "-o", "pipefail", "-c"])
 */
export function shell(argv: readonly string[]): Instruction {
  return Object.freeze({ op: "SHELL" as const, argv });
}

/**
 * A `# comment` line that explains why the next step exists.
 *
 * @example
 * comment("HPC-X ships its own UCX; remove it so exactly one UCX exists")
 */
export function comment(text: string): Instruction {
  return Object.freeze({ op: "COMMENT" as const, text });
}

/**
 * A cache mount for package managers and compilers.
 *
 * @example
 * cacheMount("/var/cache/apt", "locked")
 */
export function cacheMount(target: string, sharing: "locked" | "shared" | "private" = "locked", id?: string): Mount {
  return Object.freeze({ type: "cache" as const, target, sharing, ...(id !== undefined ? { id } : {}) });
}

/**
 * The apt cache mounts (downloaded .debs and package lists stay out of the layers).
 *
 * @example
 * run("apt-get update && apt-get install -y --no-install-recommends git", { mounts: aptCache })
 */
export const aptCache: readonly Mount[] = Object.freeze([cacheMount("/var/cache/apt"), cacheMount("/var/lib/apt")]);

/**
 * COPY the artifact's staged files from its producer into this stage, at their real prefix.
 * For "in-image" artifacts there is nothing to copy (they come through the FROM chain).
 *
 * @example
 * copyArtifact(fabric.provides.libfabric) // COPY --link --from=libfabric /opt/stagewright/libfabric/ /
 */
export function copyArtifact(a: AnyArtifact): Instruction[] {
  if (a.delivery.type !== "staged") return [];
  return [copy([`${a.delivery.dir}/`], "/", { from: a.producer })];
}

/**
 * COPY only the artifact's runtime paths from its producer (HPCCM's runtime() idea).
 *
 * @example
 * copyRuntime(nixlArtifact)
 */
export function copyRuntime(a: AnyArtifact): Instruction[] {
  if (a.delivery.type !== "staged") return [];
  const staged = a.delivery.dir;
  return a.runtimePaths.map((rel) => {
    const target = pathIn(a, rel);
    const isGlob = /[*?[]/.test(rel);
    const dest = isGlob ? `${pathIn(a, rel.split("/").slice(0, -1).join("/"))}/` : `${target}/`;
    return copy([`${staged}${target}${isGlob ? "" : "/"}`], dest, { from: a.producer });
  });
}

/**
 * Remove the common leading indentation of a template literal and trim blank edges.
 *
 * @example
 * dedent("\n    make\n    make install\n") // "make\nmake install"
 */
export function dedent(text: string): string {
  const lines = text.replace(/^\n+|\s+$/g, "").split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut).replace(/\s+$/, "")).join("\n");
}
