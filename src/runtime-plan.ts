/**
 * What a final ("runtime") stage derives from the artifacts it holds, whatever the domain: the
 * runtime needs (copy only the runtime paths), the loader directories in one order, the
 * ld.so.conf.d step, and the build-time linkage assertions (one copy per soname, every declared
 * link resolved from its provider). The NIXL runtime (stages/runtime.ts) and the smoke recipe's
 * runtime (recipes/smoke.ts) are both built from these pieces, so what the real builds prove is
 * the code the aligned image uses.
 */
import { pathIn, type AnyArtifact, type Artifact } from "./artifact.ts";
import { linkAssertion, resolvedAssertion, uniqueSonameAssertion } from "./assertions.ts";
import { run, type Instruction } from "./instructions.ts";
import { derivedText, type Script } from "./script.ts";
import { runtimeNeed, type AnyStage, type Need } from "./stage.ts";
import { fail } from "./validate.ts";

/** The ld.so.conf.d file a runtime stage writes; 00- sorts it before the distribution's files. */
export const LD_CONF = "/etc/ld.so.conf.d/00-stagewright.conf";

/** The need types of a tuple of artifacts, literal types kept. */
export type RuntimeNeeds<A extends readonly AnyArtifact[]> = A[number] extends infer X
  ? X extends Artifact<infer K, infer P, infer By, infer V, infer D> ? Need<K, P, By, D, Artifact<K, P, By, V, D>> : never
  : never;

/**
 * Runtime needs for artifacts: each copies only the artifact's runtime paths.
 *
 * @example
 * needs: runtimeNeeds([fabric.provides.libfabric, nixlBuild.provides.nixl])
 */
export function runtimeNeeds<const A extends readonly AnyArtifact[]>(artifacts: A): readonly RuntimeNeeds<A>[] {
  return artifacts.map((a) => runtimeNeed(a)) as unknown as readonly RuntimeNeeds<A>[];
}

/** The loader-relevant directories of copied artifacts, in artifact order, each once. */
export interface LoaderDirs {
  /** Library directories (for LD_LIBRARY_PATH). */
  readonly lib: readonly string[];
  /** Library and plugin directories (for ld.so.conf.d). */
  readonly conf: readonly string[];
  /** bin directories (for PATH). */
  readonly bin: readonly string[];
}

/**
 * The directories of the artifacts a runtime stage copies in (in-image artifacts are registered by
 * the stage that installed them).
 *
 * @example
 * loaderDirs([fabric.provides.libfabric]).lib // ["${LIBFABRIC_INSTALL_PATH}/lib"]
 */
export function loaderDirs(artifacts: readonly AnyArtifact[]): LoaderDirs {
  const copied = artifacts.filter((a) => a.delivery.type === "staged");
  const registered = copied.filter((a) => a.ldconfig);
  const uniq = (xs: string[]) => [...new Set(xs)];
  return {
    lib: uniq(registered.flatMap((a) => a.layout.lib.map((d) => pathIn(a, d)))),
    conf: uniq(registered.flatMap((a) => [...a.layout.lib, ...a.layout.plugins].map((d) => pathIn(a, d)))),
    bin: uniq(copied.flatMap((a) => a.layout.bin.map((d) => pathIn(a, d)))),
  };
}

/**
 * The RUN step that writes the directories to {@link LD_CONF} and refreshes the loader cache.
 *
 * @example
 * ldConfStep(loaderDirs(artifacts).conf)
 */
export function ldConfStep(dirs: readonly string[], opts: Parameters<typeof run>[1] = {}): Instruction {
  return run(ldConfScript(dirs), opts);
}

/**
 * The script of {@link ldConfStep}, for a stage that runs it in the same RUN as its assertions.
 *
 * @example
 * run(lines([ldConfScript(loaderDirs(artifacts).conf), derivedText(assertions.join("\n"))]))
 */
export function ldConfScript(dirs: readonly string[]): Script {
  return derivedText(`printf '%s\\n' ${dirs.map((d) => `"${d}"`).join(" ")} > ${LD_CONF}\nldconfig`);
}

/**
 * Artifacts a stage's base chain holds in its image (installed by package managers).
 *
 * @example
 * inheritedArtifacts(efa).map((a) => a.kind) // ["rdma-core"]
 */
export function inheritedArtifacts(from: AnyStage): AnyArtifact[] {
  return from.contains.filter((c): c is AnyArtifact => "delivery" in c && (c as AnyArtifact).delivery.type === "in-image");
}

/**
 * The build-time linkage assertions for everything an image holds: exactly one copy of each soname
 * an artifact declares, every declared link resolved from its provider's library directory, and
 * every runtime file's shared objects found (resolvedAssertion).
 * A link to a kind the image does not hold is an error naming the fix.
 *
 * @example
 * linkageAssertions([...inheritedArtifacts(from), ...artifacts], "runtime").join("\n")
 */
export function linkageAssertions(inImage: readonly AnyArtifact[], stage: string, options: LinkageOptions = {}): string[] {
  const byKind = new Map(inImage.map((a) => [a.kind, a] as const));
  const sonames = [...new Set(inImage.flatMap((a) => a.sonames))];
  const links = inImage.flatMap((a) =>
    a.links.map((l) => {
      const provider = byKind.get(l.kind);
      if (provider === undefined) {
        fail("missing-producer", `${stage}: ${a.kind} loads ${l.soname} from ${l.kind}, but the final image holds no ${l.kind}; add the ${l.kind} artifact to the ${stage} stage`, { stage });
      }
      return linkAssertion(a, l, provider);
    }),
  );
  const resolved = options.resolved === false ? "" : resolvedAssertion(inImage, options.hostProvided ?? []);
  return [...sonames.map((s) => uniqueSonameAssertion(s)), ...links, ...(resolved === "" ? [] : [resolved])];
}

/** Options of {@link linkageAssertions}. */
export interface LinkageOptions {
  /** Sonames the host provides at run time (a GPU driver's), which no build can resolve. */
  readonly hostProvided?: readonly string[];
  /** Whether every runtime file's shared objects must resolve (resolvedAssertion); default true. */
  readonly resolved?: boolean;
}

/**
 * The distribution packages a runtime image needs for the artifacts it holds (each artifact's
 * `runtimePackages`), sorted, each once: what a runtime flavour of the base installs.
 *
 * @example
 * runtimePackagesOf([ucxBuild.provides.ucx, ofi.provides.awsOfiNccl]) // ["libhwloc15", "libnuma1"]
 */
export function runtimePackagesOf(artifacts: readonly AnyArtifact[]): string[] {
  return [...new Set(artifacts.flatMap((a) => a.runtimePackages))].sort();
}
