/**
 * Architecture knowledge of the stage library, as data: which components build for linux/arm64 from
 * which version, and which flags differ there. One declaration drives both twins: the type that
 * refuses `platforms: [..., "linux/arm64"]` for a composition holding a component version without
 * arm64 support, and the run-time check (values from data) with the same sentence.
 * docs/bake.md ("Platforms") lists the facts with their sources.
 */
import { compareVersions, fail, type AnyArtifact, type AnyStage, type Artifact, type Platform, type VersionLt } from "../src/index.ts";

/**
 * Both platforms, in the order the build script and the bake file list them (linux/amd64 the default).
 *
 * @example
 * recipe("x", stages, { platforms: platformsFor(stages, BOTH_PLATFORMS) })
 */
export const BOTH_PLATFORMS = ["linux/amd64", "linux/arm64"] as const;

/**
 * The first version of a component that builds for linux/arm64, by artifact kind, with its public
 * source. Kinds not listed have no known lower bound in the versions this library builds.
 *
 * @example
 * ARM64_SINCE.gdrcopy.since // "v2.2"
 */
export const ARM64_SINCE = {
  gdrcopy: {
    component: "GDRCopy",
    since: "v2.2",
    source: "https://github.com/NVIDIA/gdrcopy/blob/v2.2/README.md (supported architectures: x86_64, ppc64le, arm64; arm64 support merged in PR #163, first tagged in v2.2)",
  },
} as const;

/**
 * UCX configure flags that differ on aarch64: `--enable-optimizations` makes UCX 1.19's configure read
 * the build machine's /proc/cpuinfo and add `-mcpu`/`-march` for the CPUs it knows (ThunderX1/X2,
 * Kunpeng 920), so a library built on one arm64 machine may not run on another; these turn that off
 * and keep the other optimizations. On x86_64 they change nothing (DETECT_UARCH finds no CPU
 * implementer there, so neither check runs), so the ucx stage passes them on every platform.
 *
 * @example
 * UCX_AARCH64_FLAGS.flags // ["--without-mcpu", "--without-march"]
 */
export const UCX_AARCH64_FLAGS = {
  flags: ["--without-mcpu", "--without-march"],
  source: "https://github.com/openucx/ucx/blob/v1.19.0/config/m4/compiler.m4 (DETECT_UARCH and COMPILER_CPU_OPTIMIZATION: with_mcpu/with_march default to enable_optimizations)",
} as const;

type Arm64Table = typeof ARM64_SINCE;
type ArtifactsOf<S> = S extends readonly (infer St)[] ? (St extends { readonly provides: infer Prov } ? Prov[keyof Prov] : never) : never;

/**
 * The sentence for an artifact whose component version does not build for linux/arm64; never when fine.
 *
 * @example
 * type E = Arm64Problem<Artifact<"gdrcopy", "/usr/local", "gdrcopy", "v2.1">> // "stage gdrcopy: GDRCopy v2.1 does not build for linux/arm64 ..."
 */
export type Arm64Problem<A> = A extends Artifact<infer K, string, infer By, infer V>
  ? K extends keyof Arm64Table
    ? VersionLt<V, Arm64Table[K]["since"]> extends true
      ? `stage ${By}: ${Arm64Table[K]["component"]} ${V} does not build for linux/arm64 (arm64 since ${Arm64Table[K]["since"]}); use ${Arm64Table[K]["component"]} ${Arm64Table[K]["since"]} or later, or build for linux/amd64 only`
      : never
    : never
  : never;

/**
 * The problems of building stages `S` for platforms `P` (never when there are none).
 *
 * @example
 * type E = PlatformProblem<typeof stages, ["linux/amd64", "linux/arm64"]>
 */
export type PlatformProblem<S, P extends readonly Platform[]> = "linux/arm64" extends P[number] ? Arm64Problem<ArtifactsOf<S>> : never;

/**
 * The run-time twin of {@link PlatformProblem}: one sentence per artifact whose version does not
 * build for one of the platforms.
 *
 * @example
 * platformProblems(alignedStagesList, ["linux/arm64"]) // []
 */
export function platformProblems(stages: readonly AnyStage[], platforms: readonly Platform[]): string[] {
  if (!platforms.includes("linux/arm64")) return [];
  const out: string[] = [];
  for (const s of stages) {
    for (const a of Object.values(s.provides) as AnyArtifact[]) {
      const row = (ARM64_SINCE as Readonly<Record<string, { component: string; since: string }>>)[a.kind];
      if (row !== undefined && compareVersions(a.version, row.since) === -1) {
        out.push(`stage ${a.producer}: ${row.component} ${a.version} does not build for linux/arm64 (arm64 since ${row.since}); use ${row.component} ${row.since} or later, or build for linux/amd64 only`);
      }
    }
  }
  return out;
}

/**
 * The platforms a recipe of these stages builds for, checked at compile time (the sentence as the
 * expected type) and at run time (StagewrightError): pass the result as the recipe's `platforms`.
 *
 * @example
 * recipe("nixl-aligned", stages, { platforms: platformsFor(stages, ["linux/amd64", "linux/arm64"]) })
 */
export function platformsFor<const S extends readonly AnyStage[], const P extends readonly Platform[]>(
  stages: S,
  platforms: P & ([PlatformProblem<S, P>] extends [never] ? unknown : { readonly error: PlatformProblem<S, P> }),
): P {
  const problems = platformProblems(stages, platforms);
  if (problems.length > 0) fail("invalid-value", problems[0]!);
  return platforms;
}
