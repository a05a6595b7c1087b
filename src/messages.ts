/**
 * The sentences of every composition rule. The type-level rules in rules.ts spell the very same
 * templates, so a `tsc` error and a runtime error for the same mistake read identically; the type tests
 * and the runtime tests compare both with the same literals (test/fixtures/expected-messages.ts), and
 * test/tsc-messages.test.ts reads what tsc itself prints.
 */

/**
 * Rule 1: a consumer was built for an artifact at one prefix, the recipe's producer installs it at another.
 *
 * @example
 * prefixMismatch("nixl", "libfabric", "/usr/local", "efa-drivers", "/opt/amazon/efa")
 */
export function prefixMismatch(consumer: string, kind: string, want: string, producer: string, have: string): string {
  return `${consumer} needs ${kind} at ${want} but stage ${producer} installs it at ${have}; build ${consumer} against the ${kind} artifact of stage ${producer}, or install ${kind} at ${want}`;
}

/**
 * Rule 2: nothing earlier in the recipe provides what a stage needs.
 *
 * @example
 * missingProducer("nixl", "ucx")
 */
export function missingProducer(consumer: string, kind: string): string {
  return `${consumer} needs ${kind} but no earlier stage provides it; add a stage that provides ${kind} before ${consumer}`;
}

/**
 * Rule 2, for a need taken from a concrete stage's artifact: that stage must come earlier in the recipe.
 *
 * @example
 * producerNotInRecipe("nixl", "libfabric", "libfabric")
 */
export function producerNotInRecipe(consumer: string, kind: string, producer: string): string {
  return `${consumer} needs ${kind} from stage ${producer}, which is not in the recipe before ${consumer}; add stage ${producer} before ${consumer}`;
}

/**
 * Rule 2, for a requirement stated by kind alone: two earlier stages provide that kind, so which one
 * the stage builds against is ambiguous.
 *
 * @example
 * ambiguousProducer("nixl", "libfabric", "efa-drivers", "libfabric")
 */
export function ambiguousProducer(consumer: string, kind: string, first: string, second: string): string {
  return `${consumer} needs ${kind} but stages ${first} and ${second} both provide it; take the ${kind} artifact of one of them instead of stating the kind`;
}

/**
 * Rule 3: one ARG name with two defaults. One image has one value per ARG.
 *
 * @example
 * argConflict("LIBFABRIC_INSTALL_PATH", "/usr/local", "libfabric", "/opt/amazon/efa", "nixl")
 */
export function argConflict(name: string, firstDefault: string, firstStage: string, otherDefault: string, otherStage: string): string {
  return `ARG ${name} defaults to ${firstDefault} in stage ${firstStage} but to ${otherDefault} in stage ${otherStage}; one image has one value per ARG: give both stages the same default`;
}

/**
 * Rule 4: one image would hold two artifacts of the same kind (two libfabrics).
 *
 * @example
 * duplicateArtifact("runtime", "libfabric", "/opt/amazon/efa", "efa-drivers", "/usr/local", "libfabric")
 */
export function duplicateArtifact(stage: string, kind: string, firstPrefix: string, firstProducer: string, otherPrefix: string, otherProducer: string): string {
  return `stage ${stage} would hold two ${kind}: ${firstPrefix} from stage ${firstProducer} and ${otherPrefix} from stage ${otherProducer}; keep one, or remove the other explicitly (removes: ["${kind}"])`;
}

/**
 * Rule 5: an option name the stage does not have (a typo is an error, never ignored).
 *
 * @example
 * unknownOption("libfabric", "prefx")
 */
export function unknownOption(stage: string, option: string): string {
  return `unknown option ${option} for stage ${stage}; remove it or use one of the options the stage declares`;
}

/**
 * Rule 6: stage names are Docker build-stage aliases and must be unique.
 *
 * @example
 * duplicateStage("nixl")
 */
export function duplicateStage(name: string): string {
  return `two stages are named ${name}; stage names must be unique: rename one`;
}

/**
 * Rule 7: an image holds what a stage built, next to another artifact of a kind that stage was built
 * against (the NIXL built against /usr/local, in an image whose libfabric is /opt/amazon/efa's).
 * `wantProducer` is null for a requirement stated by kind and prefix alone.
 *
 * @example
 * builtAgainstMismatch("runtime", "nixl", "libfabric", "/usr/local", "libfabric", "/opt/amazon/efa", "efa-drivers")
 */
export function builtAgainstMismatch(image: string, producer: string, kind: string, wantPrefix: string, wantProducer: string | null, havePrefix: string, haveProducer: string): string {
  const want = wantProducer === null ? `${kind} at ${wantPrefix}` : `${kind} at ${wantPrefix} from stage ${wantProducer}`;
  return `stage ${image} holds what stage ${producer} built against ${want}, next to ${kind} at ${havePrefix} from stage ${haveProducer}; an image must hold exactly the ${kind} its stages were built against: build ${producer} against the ${kind} artifact of stage ${haveProducer}, or build ${image} FROM a stage without that ${kind}`;
}

/**
 * Rule 8: a stage needs an artifact that lives only in its producer's image (installed by a package
 * manager), but is not built FROM that producer, so nothing brings the files in.
 *
 * @example
 * inImageNotInBase("nixl", "libfabric", "efa-drivers")
 */
export function inImageNotInBase(consumer: string, kind: string, producer: string): string {
  return `${consumer} needs ${kind} from stage ${producer}, which is part of that stage's image and cannot be copied, but ${consumer} is not built FROM ${producer}; build ${consumer} FROM stage ${producer} (or a stage built FROM it), or use a staged ${kind} artifact`;
}
