/**
 * Regenerate every committed generated file: `npm run generate`.
 * - generated/<recipe>/: the Dockerfile and companions of each built-in recipe;
 * test/generated.test.ts fails when any of them is out of date.
 */
import { GENERATED_DIRS, filesUnder, generatedFiles } from "./generated-files.ts";
import { mkdirSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { dirname } from "node:path";

for (const [path, text] of Object.entries(generatedFiles())) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  if (path.endsWith(".sh")) chmodSync(path, 0o755);
  process.stdout.write(`wrote ${path}\n`);
}
// A file in a generated directory that no recipe produces any more is stale: remove it.
const files = generatedFiles();
for (const stale of GENERATED_DIRS.flatMap(filesUnder).filter((f) => !(f in files))) {
  rmSync(stale);
  process.stdout.write(`removed stale ${stale}\n`);
}
