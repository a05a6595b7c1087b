/**
 * stagewright as another build repository uses it: `npm run build` emits JavaScript and declarations,
 * a plain Node process imports `stagewright` and `stagewright/stages` through the package's exports,
 * and a consumer's TypeScript sees the same compile-time rules through the shipped .d.ts files.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, test } from "vitest";
import { tempDir } from "./support/tmp.ts";

let consumer: string;

beforeAll(() => {
  execFileSync("npm", ["run", "-s", "build"], { stdio: "pipe" });
  consumer = tempDir("stagewright-consumer-");
  mkdirSync(join(consumer, "node_modules"));
  symlinkSync(resolve("."), join(consumer, "node_modules", "stagewright"), "dir");
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
}, 120_000);

describe("the published package", () => {
  test("plain node imports both entry points and renders a recipe", () => {
    const script = `
      import { recipe } from "stagewright";
      import { cudaDlBase, libfabric, uvStage } from "stagewright/stages";
      const uv = uvStage();
      const base = cudaDlBase(uv, {});
      const fabric = libfabric(base, { version: "v2.3.0" });
      process.stdout.write(recipe("consumer", [uv, base, fabric]).render());
    `;
    writeFileSync(join(consumer, "main.mjs"), script);
    const out = execFileSync(process.execPath, ["main.mjs"], { cwd: consumer, encoding: "utf8" });
    expect(out.startsWith("# syntax=docker/dockerfile:1\n")).toBe(true);
    expect(out).toContain('ARG LIBFABRIC_VERSION="v2.3.0"');
  });

  test("a consumer's tsc applies the rules through the shipped declarations", () => {
    const file = join(consumer, "recipe.ts");
    writeFileSync(
      file,
      `import { recipe } from "stagewright";
import { cudaDlBase, efaDrivers, etcdCppApi, libfabric, nixl, ucx, uvStage } from "stagewright/stages";
const uv = uvStage();
const base = cudaDlBase(uv, {});
const etcd = etcdCppApi(base, {});
const u = ucx(base, { version: "v1.19.0" });
const efa = efaDrivers(base, { version: "1.43.3", libfabric: "provide" });
const fabric = libfabric(base, { version: "v2.3.0" });
const n = nixl(base, { version: "0.7.1", libfabric: fabric.provides.libfabric, ucx: u.provides.ucx, etcd: etcd.provides.etcd });
export const ok = recipe("ok", [uv, base, etcd, u, fabric, n]);
export const bad = recipe("bad", [uv, base, etcd, u, efa, fabric, n]);
`,
    );
    const program = ts.createProgram([file], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    });
    const messages = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(
      "nixl needs libfabric at /usr/local but stage efa-drivers installs it at /opt/amazon/efa; build nixl against the libfabric artifact of stage efa-drivers, or install libfabric at /usr/local",
    );
  });
});
