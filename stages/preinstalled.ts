/**
 * preinstalled: a component the base image already holds (GDRCopy in the CUDA image the official
 * NIXL image expects, HPC-X's UCX in NGC PyTorch images), declared as an in-image artifact so
 * consumers take it like any other, and verified: the stage fails the build if the file is missing.
 */
import { artifact, checkOptions, defineStage, pathIn, run, type AnyStage, type ArtifactLayout, type KnownOptions } from "../src/index.ts";

/** Options of {@link preinstalled}. */
export interface PreinstalledOptions<N extends string = string, K extends string = string, P extends string = string> {
  /** Stage name, e.g. "hpcx-ucx". */
  readonly name: N;
  /** Artifact kind, e.g. "ucx". */
  readonly kind: K;
  /** Where the base image holds it. */
  readonly prefix: P;
  /** What is known of its version (e.g. "from nvcr.io/nvidia/pytorch:25.06-py3"). */
  readonly version: string;
  /** A file, relative to the prefix, that must exist (checked at build time). */
  readonly file: string;
  readonly layout?: Partial<ArtifactLayout>;
  readonly sonames?: readonly string[];
}

/**
 * Declare a component the base image holds.
 *
 * @example
 * const hpcxUcx = preinstalled(base, { name: "hpcx-ucx", kind: "ucx", prefix: "/opt/hpcx/ucx", version: "HPC-X (base image)", file: "lib/libucp.so.0" })
 */
export function preinstalled<const F extends AnyStage, const O extends PreinstalledOptions>(from: F, options: O & KnownOptions<O, PreinstalledOptions, "preinstalled">) {
  checkOptions("preinstalled", options, ["name", "kind", "prefix", "version", "file", "layout", "sonames"]);
  const o = options as O;
  const a = artifact({
    kind: o.kind as O["kind"],
    producer: o.name as O["name"],
    version: o.version,
    prefix: o.prefix as O["prefix"],
    delivery: { type: "in-image" },
    layout: o.layout ?? { lib: ["lib"] },
    runtimeFiles: [o.file],
    sonames: o.sonames ?? [],
    facts: { distribution: "base-image" },
  });
  return defineStage({
    name: o.name as O["name"],
    description: `${o.kind} that the base image already holds at ${o.prefix} (verified, not built)`,
    from,
    provides: { [o.kind]: a } as { readonly [k in O["kind"]]: typeof a },
    steps: [run(`test -e "${pathIn(a, o.file)}" || { echo "stagewright: the base image has no ${pathIn(a, o.file)}; build ${o.kind} instead" >&2; exit 1; }`)],
  });
}
