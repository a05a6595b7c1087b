/**
 * A bare `// @ts-expect-error` accepts any error, so a type test that expects one sentence passes
 * when tsc reports another. Every directive in the tests therefore states the sentence it expects:
 * this test compiles the files that hold directives once more (one Program for all of them), with
 * the directives turned into plain comments, and asserts that each directive's line gets at least
 * one diagnostic, and that every diagnostic there holds, on its FIRST line, one of the sentences
 * the directive states (several are separated by " || "). A directive without a sentence fails.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { beforeAll, expect, test } from "vitest";

const DIRECTIVE = /^\s*\/\/ @ts-expect-error(?<text>.*)$/;
/** The shortest text accepted as a sentence: a few words, not a label such as "rule 4". */
const MIN_SENTENCE = 25;

interface Directive {
  readonly file: string;
  /** 0-based line of the directive; it covers the next line. */
  readonly line: number;
  readonly sentences: readonly string[];
}

function filesWithDirectives(): string[] {
  const types = readdirSync("test/types").filter((f) => f.endsWith(".test-d.ts")).map((f) => join("test/types", f));
  const tests = readdirSync("test").filter((f) => f.endsWith(".test.ts") && f !== "expect-error-sentences.test.ts").map((f) => join("test", f));
  return [...types, ...tests].filter((f) => readFileSync(f, "utf8").includes("// @ts-expect-error")).map((f) => resolve(f));
}

const directives: Directive[] = [];
/** Per file and line, the first line of each diagnostic tsc reports there once the directives are gone. */
const reported = new Map<string, string[]>();
const key = (file: string, line: number) => `${file}:${line}`;

beforeAll(() => {
  const files = filesWithDirectives();
  const stripped = new Map<string, string>();
  for (const file of files) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((text, line) => {
      const m = DIRECTIVE.exec(text);
      if (m === null) return;
      const sentences = m.groups!["text"]!.trim().split(" || ").map((s) => s.trim()).filter((s) => s.length > 0);
      directives.push({ file, line, sentences });
      // Same length, same lines: positions of everything else stay where they were.
      lines[line] = text.replace("@ts-expect-error", "@ts-EXPECT-error");
    });
    stripped.set(file, lines.join("\n"));
  }
  const config = ts.parseJsonConfigFileContent(ts.readConfigFile("tsconfig.json", ts.sys.readFile).config, ts.sys, process.cwd());
  const host = ts.createCompilerHost(config.options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError, create) => {
    const text = stripped.get(resolve(name));
    return text !== undefined ? ts.createSourceFile(name, text, version) : read(name, version, onError, create);
  };
  const program = ts.createProgram([...files, "src/types/dockerfile-generator.d.ts"], config.options, host);
  for (const file of files) {
    const source = program.getSourceFile(file)!;
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      if (d.start === undefined) continue;
      const line = source.getLineAndCharacterOfPosition(d.start).line;
      const first = ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0]!.replace(/\\"/g, '"');
      reported.set(key(file, line), [...(reported.get(key(file, line)) ?? []), first]);
    }
  }
}, 180_000);

test("the tests hold directives to check", () => {
  expect(directives.length).toBeGreaterThan(30);
});

test("every @ts-expect-error states its sentence, and tsc reports exactly that sentence on the line it covers", () => {
  const problems: string[] = [];
  for (const d of directives) {
    const where = `${d.file.replace(`${process.cwd()}/`, "")}:${d.line + 1}`;
    const short = d.sentences.filter((s) => s.length < MIN_SENTENCE);
    if (d.sentences.length === 0 || short.length > 0) {
      problems.push(`${where}: the directive states no sentence (write the sentence tsc prints after @ts-expect-error)`);
      continue;
    }
    const firstLines = reported.get(key(d.file, d.line + 1)) ?? [];
    if (firstLines.length === 0) problems.push(`${where}: no error on the next line`);
    for (const first of firstLines) {
      if (!d.sentences.some((s) => first.includes(s))) problems.push(`${where}: tsc reports "${first.slice(0, 400)}", which holds none of the stated sentences`);
    }
    for (const s of d.sentences) {
      if (!firstLines.some((first) => first.includes(s))) problems.push(`${where}: the stated sentence "${s}" is not reported`);
    }
  }
  expect(problems).toEqual([]);
});
