#!/usr/bin/env node
// The stagewright command. Installed from the package, it runs the compiled JavaScript in dist/ (built by
// prepack), the same module instances a consumer's `import "stagewright"` loads; TypeScript (tsx) is loaded
// only when a recipe file is a .ts file. In a checkout (tsconfig.json beside package.json: development), it
// runs the sources through tsx, so an edit needs no build.
import { existsSync, readFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const compiled = new URL("dist/bin/cli.js", root);
const fromSource = existsSync(new URL("tsconfig.json", root)) || !existsSync(compiled);
let registered = false;
async function loadTypeScript() {
  if (registered) return;
  registered = true;
  const { register } = await import("tsx/esm/api");
  register();
}
if (fromSource) await loadTypeScript();
const { main } = await import(fromSource ? new URL("bin/cli.ts", root).href : compiled.href);
const { version } = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
process.exitCode = await main(process.argv.slice(2), { version, loadTypeScript });
