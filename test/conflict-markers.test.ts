/**
 * No file in the repository carries a merge's conflict markers: a resolution that kept both sides
 * once reached main inside a comment and a doc, where neither tsc nor a renderer notices them.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

const SELF = "test/conflict-markers.test.ts";
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { encoding: "utf8" })
  .split("\n")
  .filter((f) => f !== "" && f !== SELF && !f.startsWith("node_modules/") && !/\.(tar|gz|png|zip|whl|deb)$/.test(f));
const MARKER = /^(<{7}|>{7})( |$)/;

test("the listing reads the repository", () => {
  expect(files).toContain("README.md");
});

test("no file holds a conflict marker", () => {
  const hits = files.flatMap((f) =>
    readFileSync(f, "utf8")
      .split("\n")
      .flatMap((text, i) => (MARKER.test(text) ? [`${f}:${i + 1}: ${text.slice(0, 60)}`] : [])),
  );
  expect(hits).toEqual([]);
});

test("the marker pattern finds what git writes and nothing else", () => {
  expect(["<<<<<<< HEAD", ">>>>>>> 759e611 (Issue 12)", "<<<<<<<"].every((l) => MARKER.test(l))).toBe(true);
  expect(["=======", "<<<<<<<< x", "a <<<<<<< b", "# >>>>>>>x"].some((l) => MARKER.test(l))).toBe(false);
});
