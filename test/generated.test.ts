/**
 * Every committed generated file (generated/<recipe>/*, test/golden/**) equals what the recipes
 * produce now. When this fails: run `npm run generate` and review the diff.
 */
import { readFileSync, existsSync, statSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { generatedFiles, GENERATED_DIRS, filesUnder } from "../scripts/generated-files.ts";

describe("committed generated files are up to date (regenerate with npm run generate)", () => {
  const files = generatedFiles();
  test("there is something to compare", () => {
    expect(Object.keys(files).length).toBeGreaterThan(10);
  });
  test.each(Object.keys(files))("%s", (path) => {
    expect(existsSync(path), `${path} is missing: run npm run generate`).toBe(true);
    expect(readFileSync(path, "utf8")).toBe(files[path]);
    if (path.endsWith(".sh")) expect(statSync(path).mode & 0o111).not.toBe(0);
  });
  test("no stale file: every file under generated/ and test/golden/ is one the recipes produce now", () => {
    const stale = GENERATED_DIRS.flatMap(filesUnder).filter((f) => !(f in files));
    expect(stale, "stale generated files: npm run generate removes them").toEqual([]);
  });
});
