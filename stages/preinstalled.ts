/**
 * preinstalled: a component the base image already holds (GDRCopy in the CUDA image the official
 * NIXL image expects, HPC-X's UCX in NGC PyTorch images), declared as an in-image artifact so
 * consumers take it like any other, and verified: the stage fails the build if the file is missing.
 *
 * Its stage name, artifact kind and prefix are options (one stage per preinstalled component), so
 * its component spec is made from those three values ({@link preinstalledSpec}); the option check,
 * the typed artifact and the stage come from that spec as for every other component.
 */
import { buildComponent, checkOptionValues, option, run, type AnyStage, type ArtifactLayout, type ComponentOptions, type ComponentStage, type OptionsOf } from "../src/index.ts";

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
 * The component spec of one preinstalled component: its name, artifact kind and prefix are the
 * option values (one spec, and one stage, per component the base image holds).
 *
 * @example
 * const spec: PreinstalledSpec<{ name: "hpcx-ucx"; kind: "ucx"; prefix: "/opt/hpcx/ucx" }> = preinstalledSpec("hpcx-ucx", "ucx", "/opt/hpcx/ucx")
 */
export interface PreinstalledSpec<O> {
  readonly name: Str<O, "name">;
  readonly options: typeof PREINSTALLED_OPTIONS;
  readonly artifacts: { readonly [k in Str<O, "kind">]: { readonly kind: Str<O, "kind">; readonly delivery: "in-image"; readonly prefix: Str<O, "prefix"> } };
}

/**
 * The spec {@link preinstalled} builds its stage from.
 *
 * @example
 * preinstalledSpec("hpcx-ucx", "ucx", "/opt/hpcx/ucx").artifacts.ucx.prefix // "/opt/hpcx/ucx"
 */
export function preinstalledSpec<const N extends string, const K extends string, const P extends string>(name: N, kind: K, prefix: P): PreinstalledSpec<{ name: N; kind: K; prefix: P }> {
  const artifacts = { [kind]: { kind, delivery: "in-image" as const, prefix } } as { readonly [k in K]: { readonly kind: K; readonly delivery: "in-image"; readonly prefix: P } };
  return { name, options: PREINSTALLED_OPTIONS, artifacts };
}

/**
 * Declare a component the base image holds.
 *
 * @example
 * const hpcxUcx = preinstalled(base, { name: "hpcx-ucx", kind: "ucx", prefix: "/opt/hpcx/ucx", version: "HPC-X (base image)", file: "lib/libucp.so.0" })
 */
export function preinstalled<const F extends AnyStage, const O extends object>(
  from: F,
  options: ComponentOptions<PreinstalledSpec<O>, O>,
): ComponentStage<PreinstalledSpec<O>, F, O> {
  // The spec is made of three option values: check them before it exists, under the stage name its
  // type reads (the name option), or the component's generic name while that name is not valid.
  const name = (options as { readonly name?: unknown }).name;
  const o = checkOptionValues(typeof name === "string" && NAME.test(name) ? name : "preinstalled", options, PREINSTALLED_OPTIONS) as unknown as PreinstalledOptions;
  const spec = preinstalledSpec(o.name, o.kind, o.prefix) as PreinstalledSpec<O>;
  return buildComponent(spec, from, options as O, () => {
    // The prefix is fixed (no ARG), so the path is the prefix's own text, as pathIn writes it.
    const file = `${o.prefix === "/" ? "" : o.prefix}/${o.file}`;
    return {
      description: `${o.kind} that the base image already holds at ${o.prefix} (verified, not built)`,
      details: {
        [o.kind]: {
          version: o.version,
          delivery: { type: "in-image" },
          layout: (o.layout as Partial<ArtifactLayout> | undefined) ?? { lib: ["lib"] },
          runtimeFiles: [o.file],
          sonames: o.sonames ?? [],
          facts: { distribution: "base-image" },
        },
      },
      steps: [run(`test -e "${file}" || { echo "stagewright: the base image has no ${file}; build ${o.kind} instead" >&2; exit 1; }`)],
    };
  });
}
