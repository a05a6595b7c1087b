/**
 * Regenerate every committed generated file: `npm run generate`.
 * - generated/<recipe>/: the Dockerfile and companions of each built-in recipe;
 * test/generated.test.ts fails when any of them is out of date.
 */
import { generatedFiles } from "./generated-files.ts";
import { mkdirSync, writeFileSync, chmodSync } from "node:fs";
import { dirname } from "node:path";

for (const [path, text] of Object.entries(generatedFiles())) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  if (path.endsWith(".sh")) chmodSync(path, 0o755);
  process.stdout.write(`wrote ${path}\n`);
}
