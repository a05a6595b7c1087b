/**
 * preinstalled: a component the base image already holds (GDRCopy in the CUDA image the official
 * NIXL image expects, HPC-X's UCX in NGC PyTorch images), declared as an in-image artifact so
 * consumers take it like any other, and verified: the stage fails the build if the file is missing.
 *
 * Its stage name, artifact kind and prefix are options (one stage per preinstalled component), so
 * it declares its options as kinds and derives its type from the option literals.
 */
import { artifact, checkOptionValues, defineStage, option, pathIn, run, type AnyStage, type Artifact, type ArtifactLayout, type OptionsArg, type OptionsOf, type StageOf } from "../src/index.ts";

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** The options of a preinstalled component, declared once. */
export const PREINSTALLED_OPTIONS = {
  name: option.string({ doc: 'stage name, e.g. "hpcx-ucx"', pattern: NAME, expected: "a stage name (lower case, digits, -)", required: true }),
  kind: option.string({ doc: 'artifact kind, e.g. "ucx"', pattern: NAME, expected: "an artifact kind (lower case, digits, -)", required: true }),
  prefix: option.path({ doc: "where the base image holds it", required: true }),
  version: option.string({ doc: 'what is known of its version (e.g. "from nvcr.io/nvidia/pytorch:25.06-py3")', required: true }),
  file: option.string({ doc: "a file, relative to the prefix, that must exist (checked at build time)", pattern: /^[^/\s$"'`\\][^\s$"'`\\]*$/, expected: "a relative path without spaces, quotes or $", required: true }),
  layout: option.layout({ doc: 'its directories relative to the prefix. Default { lib: ["lib"] }' }),
  sonames: option.strings({ doc: "shared objects it must be the only provider of in an image" }),
};

/** Options of {@link preinstalled}. */
export type PreinstalledOptions = OptionsOf<typeof PREINSTALLED_OPTIONS>;

type Str<O, K extends string> = O extends { readonly [k in K]: infer V extends string } ? V : string;

/**
 * Declare a component the base image holds.
 *
 * @example
 * const hpcxUcx = preinstalled(base, { name: "hpcx-ucx", kind: "ucx", prefix: "/opt/hpcx/ucx", version: "HPC-X (base image)", file: "lib/libucp.so.0" })
 */
export function preinstalled<const F extends AnyStage, const O extends object>(
  from: F,
  options: OptionsArg<typeof PREINSTALLED_OPTIONS, "preinstalled", O>,
): StageOf<Str<O, "name">, F, { readonly [k in Str<O, "kind">]: Artifact<Str<O, "kind">, Str<O, "prefix">, Str<O, "name">, string> }, never, never, never> {
  const o = checkOptionValues("preinstalled", options, PREINSTALLED_OPTIONS) as unknown as PreinstalledOptions;
  const a = artifact({
    kind: o.kind,
    producer: o.name,
    version: o.version,
    prefix: o.prefix,
    delivery: { type: "in-image" },
    layout: (o.layout as Partial<ArtifactLayout> | undefined) ?? { lib: ["lib"] },
    runtimeFiles: [o.file],
    sonames: o.sonames ?? [],
    facts: { distribution: "base-image" },
  });
  const stage = defineStage({
    name: o.name,
    description: `${o.kind} that the base image already holds at ${o.prefix} (verified, not built)`,
    from,
    provides: { [o.kind]: a },
    steps: [run(`test -e "${pathIn(a, o.file)}" || { echo "stagewright: the base image has no ${pathIn(a, o.file)}; build ${o.kind} instead" >&2; exit 1; }`)],
  });
  // The stage was built from the option values its type reads (name, kind, prefix).
  return stage as unknown as ReturnType<typeof preinstalled<F, O>>;
}
