/**
 * stagewright core: typed build ARGs, artifacts, stages, recipes, checks and the renderer.
 * The stage library lives in `stagewright/stages`.
 */
export * from "./errors.ts";
export * from "./messages.ts";
export * from "./validate.ts";
export * from "./arg.ts";
export * from "./image-ref.ts";
export * from "./artifact.ts";
export * from "./instructions.ts";
export * from "./stage.ts";
export * from "./options.ts";
export * from "./script.ts";
export * from "./rule-data.ts";
export * from "./component.ts";
export * from "./build-templates.ts";
export type { CheckStages, IsValidRecipe, RecipeProblems, StageProblems, ProvidedBy, Refuse, SentenceOf } from "./rules.ts";
export * from "./check.ts";
export * from "./recipe-graph.ts";
export { instructionText, quoteValue } from "./dockerfile-text.ts";
export { renderDockerfile, renderStageAlone, globalArgs, STRICT_SHELL, type RenderSpec } from "./render.ts";
export * from "./recipe.ts";
export * from "./version-rules.ts";
export * from "./version-form.ts";
export type { VersionLt, ParseVersion } from "./semver-types.ts";
export { stageArgs } from "./args-of.ts";
export * from "./sources.ts";
export * from "./apt-repository.ts";
export * from "./assertions.ts";
export * from "./companions.ts";
export * from "./bake.ts";
export * from "./values.ts";
export * from "./compare.ts";
export * from "./graph.ts";
export * from "./graph-format.ts";
export * from "./manifest.ts";
export * from "./lint.ts";
export * from "./lock.ts";
export * from "./runtime-plan.ts";
export { runRecipeMain, renderWarnings } from "./main.ts";
export { ensureDir, fileError, writeFileAtomic } from "./files.ts";
export * from "./mirror.ts";
export { renderHostScript, hostScriptName, hostScriptOf } from "./host-script.ts";
