// A consumer's own recipe: a subset of the stage library plus one stage of its own.
// Type-check: npx tsc --noEmit. Render: npx stagewright render my-recipe.ts -o Dockerfile
// (or npx tsx my-recipe.ts -o Dockerfile). test/getting-started.test.ts runs both.
import { defineStage, env, recipe, run, runRecipeMain } from "stagewright";
import { cudaDlBase, libfabric, runtime, uvStage } from "stagewright/stages";

const uv = uvStage();
const base = cudaDlBase(uv, {});
const fabric = libfabric(base, { version: "v2.3.0" });
const final = runtime(base, [fabric.provides.libfabric]);

// The stage of our own: FROM the runtime image, one setting and a smoke check of the loader.
const app = defineStage({
  name: "app",
  description: "our service image: the runtime plus its own settings",
  from: final,
  steps: [env(["FI_LOG_LEVEL", "warn"]), run("fi_info --version")],
});

/** The recipe, as `stagewright render my-recipe.ts` loads it. */
export default () => recipe("my-image", [uv, base, fabric, final, app]);

runRecipeMain(import.meta.url, () => recipe("my-image", [uv, base, fabric, final, app]));
