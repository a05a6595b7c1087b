/**
 * Every cited fact points at a file in the repository or a public URL (issue 9 item 10): no code,
 * test, doc or data file names research notes that live outside it, a `§` section is a section of
 * a doc in the repository, and an upstream file named by its file name comes with its URL.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

const SELF = "test/citations.test.ts";
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { encoding: "utf8" })
  .split("\n")
  .filter((f) => /\.(ts|mts|mjs|md|ya?ml|sh|hcl|json)$/.test(f) && f !== SELF && !f.startsWith("node_modules/"));
const inRepo = new Set(files.map((f) => f.split("/").pop()!));
const lines = files.flatMap((f) => readFileSync(f, "utf8").split("\n").map((text, i) => ({ at: `${f}:${i + 1}`, text })));

/** Research files of the workplace that the project read but does not hold (their facts carry over with public sources). */
const OUTSIDE = /shared\/reference|aws-efa-stack|nixl-official-image|prior-art/;
const URL = /\bhttps?:\/\/\S+/g;
const MD = /([A-Za-z0-9_-]+\.md)\b/g;

test("the files it reads are many (the listing works)", () => {
  expect(files.length).toBeGreaterThan(100);
  expect(inRepo.has("sources.md")).toBe(true);
});

test("no file cites research notes outside the repository", () => {
  expect(lines.filter((l) => OUTSIDE.test(l.text.replace(URL, " "))).map((l) => `${l.at}: ${l.text.trim()}`)).toEqual([]);
});

test("a file name ending in .md is a file of the repository, or comes with its upstream URL", () => {
  const bad = lines.flatMap((l) => {
    const urls = l.text.match(URL) ?? [];
    return [...l.text.replace(URL, " ").matchAll(MD)]
      .map((m) => m[1]!)
      .filter((name) => !inRepo.has(name) && !urls.some((u) => u.includes(name)))
      .map((name) => `${l.at}: ${name}`);
  });
  expect(bad).toEqual([]);
});

test("a § section is one of a doc named on the same line: a doc of the repository, a URL's, an RFC", () => {
  const named = (t: string) => [...t.matchAll(MD)].some((m) => inRepo.has(m[1]!)) || /\bhttps?:\/\//.test(t) || /\bRFC \d+ §/.test(t);
  const bad = lines.filter((l) => l.text.includes("§") && !named(l.text));
  expect(bad.map((l) => `${l.at}: ${l.text.trim()}`)).toEqual([]);
});
