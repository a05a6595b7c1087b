/**
 * The public API is documented: every export of `stagewright` and `stagewright/stages` carries a
 * doc comment, and every exported function has an @example. Read with the TypeScript compiler API.
 */
import { createRequire } from "node:module";
import ts from "typescript";

const require = createRequire(import.meta.url);
import { describe, expect, test } from "vitest";

function exportsOf(entry: string) {
  const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowImportingTsExtensions: true, noEmit: true, strict: true });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(entry)!;
  const moduleSymbol = checker.getSymbolAtLocation(file)!;
  return checker.getExportsOfModule(moduleSymbol).map((s) => {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    const decl = target.declarations?.[0];
    const docs = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
    const tags = target.getJsDocTags(checker).map((t) => t.name);
    const isFunction = decl !== undefined && (ts.isFunctionDeclaration(decl) || (ts.isVariableDeclaration(decl) && decl.initializer !== undefined && (ts.isArrowFunction(decl.initializer) || ts.isCallExpression(decl.initializer))));
    return { name: s.getName(), docs, tags, isFunction: isFunction && decl !== undefined && ts.isFunctionDeclaration(decl), file: decl?.getSourceFile().fileName ?? "" };
  });
}

describe.each([["stagewright", "src/index.ts"], ["stagewright/stages", "stages/index.ts"]])("%s", (_name, entry) => {
  const exported = exportsOf(entry);
  test("exports something", () => {
    expect(exported.length).toBeGreaterThan(20);
  });
  test("every export has a doc comment", () => {
    expect(exported.filter((e) => e.docs === "").map((e) => `${e.name} (${e.file.replace(process.cwd() + "/", "")})`)).toEqual([]);
  });
  test("every exported function has an @example", () => {
    expect(exported.filter((e) => e.isFunction && !e.tags.includes("example")).map((e) => `${e.name} (${e.file.replace(process.cwd() + "/", "")})`)).toEqual([]);
  });
});

test("the worked example in docs/concepts.md type-checks against the current API", () => {
  const { readFileSync, writeFileSync, mkdtempSync, rmSync } = require("node:fs") as typeof import("node:fs");
  const doc = readFileSync("docs/concepts.md", "utf8");
  const block = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes("export const NVSHMEM_SPEC"));
  expect(block).toBeDefined();
  const dir = mkdtempSync("test/.docs-example-");
  const file = `${dir}/example.ts`;
  writeFileSync(file, block!.replace('from "stagewright";', 'from "../../src/index.ts";').replace('from "stagewright/stages";', 'from "../../stages/index.ts";'));
  try {
    const config = ts.parseJsonConfigFileContent(ts.readConfigFile("tsconfig.json", ts.sys.readFile).config, ts.sys, process.cwd());
    const program = ts.createProgram([file, "src/types/dockerfile-generator.d.ts"], config.options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
