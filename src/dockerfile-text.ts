/**
 * Instruction text. dockerfile-generator renders FROM, ARG, WORKDIR and LABEL (with values this
 * module has already quoted) correctly, so those lines come from it. Everything it gets wrong or
 * cannot express is rendered here: shell-form RUN, heredocs, ENV quoting, and every flag
 * (--mount, --from, --link, --chmod, --checksum). test/generator-defects.test.ts pins each defect
 * with the library's actual output, so this adapter can shrink when upstream fixes one.
 */
import { createRequire } from "node:module";
import type { Instruction, Mount } from "./instructions.ts";
import { fail } from "./validate.ts";

const require = createRequire(import.meta.url);
const generator = require("dockerfile-generator/lib/dockerGenerator.js") as {
  generateDockerFileFromArray(items: readonly Record<string, unknown>[]): string;
};

function viaGenerator(item: Record<string, unknown>): string {
  return generator.generateDockerFileFromArray([item]).replace(/\n$/, "");
}

/** `FROM image AS alias` (dockerfile-generator). */
export function fromLine(image: string, alias: string, platform?: string): string {
  const line = viaGenerator({ from: { baseImage: image, alias } });
  return platform === undefined ? line : line.replace(/^FROM /, `FROM --platform=${platform} `);
}

/** `ARG NAME` or `ARG NAME="default"` (dockerfile-generator, value quoted here). */
export function argLine(name: string, def?: string): string {
  return viaGenerator({ args: [def === undefined ? name : `${name}=${quoteValue(def, `ARG ${name}`)}`] });
}

/** `WORKDIR /path` (dockerfile-generator). */
export function workdirLine(path: string): string {
  if (!path.startsWith("/") && !path.startsWith("$")) fail("render", `WORKDIR ${path} is relative: use an absolute path`);
  return viaGenerator({ working_dir: path });
}

/** `LABEL k="v"` lines (dockerfile-generator, values quoted here). */
export function labelLines(labels: readonly (readonly [string, string])[]): string {
  const obj: Record<string, string> = {};
  for (const [k, v] of labels) {
    if (!/^[A-Za-z0-9._-]+$/.test(k)) fail("render", `LABEL key ${JSON.stringify(k)} holds characters a label key must not hold`);
    obj[k] = quoteValue(v, `LABEL ${k}`);
  }
  return viaGenerator({ labels: obj });
}

/**
 * Quote a value for ENV, ARG or LABEL: double quotes, with `"` and `\` escaped. `$` is kept only
 * as a variable reference (`$NAME`, `${NAME}`, `${NAME:+word}`, `${NAME:-word}`); any other `$`
 * is an error, so no value can smuggle an expansion or break out of the quotes.
 *
 * @example
 * quoteValue("/usr/local/lib${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}", "ENV LD_LIBRARY_PATH")
 */
export function quoteValue(value: string, where: string): string {
  if (/[\n\r\0]/.test(value)) fail("render", `${where}: the value holds a line break or NUL: values must be one line`);
  if (/`/.test(value)) fail("render", `${where}: the value holds a backtick: remove it`);
  // ${A}, ${A:-word}, ${A:+word} (word may hold ${B}), ${A/pattern/replacement} (plain words), $A.
  const stripped = value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::[-+][^{}$]*(?:\$\{[A-Za-z_][A-Za-z0-9_]*\}[^{}$]*)*|\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*/g, "");
  if (stripped.includes("$")) {
    fail("render", `${where}: the value ${JSON.stringify(value)} holds a $ that is not a variable reference: remove it`);
  }
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function mountFlag(m: Mount): string {
  const parts: string[] = [`type=${m.type}`];
  switch (m.type) {
    case "cache":
      parts.push(`target=${m.target}`);
      if (m.id !== undefined) parts.push(`id=${m.id}`);
      if (m.sharing !== undefined) parts.push(`sharing=${m.sharing}`);
      break;
    case "secret":
      parts.push(`id=${m.id}`);
      if (m.target !== undefined) parts.push(`target=${m.target}`);
      if (m.env !== undefined) parts.push(`env=${m.env}`);
      if (m.required !== undefined) parts.push(`required=${m.required}`);
      break;
    case "bind":
      parts.push(`target=${m.target}`);
      if (m.source !== undefined) parts.push(`source=${m.source}`);
      if (m.from !== undefined) parts.push(`from=${m.from}`);
      if (m.rw === true) parts.push("rw");
      break;
  }
  for (const p of parts) {
    if (/[\s,"'$]/.test(p.slice(p.indexOf("=") + 1))) fail("render", `RUN --mount value ${JSON.stringify(p)} holds a space, comma, quote or $`);
  }
  return `--mount=${parts.join(",")}`;
}

function heredocDelimiter(script: string): string {
  const lines = new Set(script.split("\n").map((l) => l.trim()));
  let d = "EOF";
  for (let i = 1; lines.has(d); i++) d = `EOF_${i}`;
  return d;
}

/**
 * The text of one IR instruction (not FROM/ARG, which the recipe renderer derives).
 *
 * @example
 * instructionText(run("echo hi")) // "RUN echo hi"
 */
export function instructionText(ins: Instruction): string {
  switch (ins.op) {
    case "COMMENT":
      return ins.text.split("\n").map((l) => `# ${l}`.trimEnd()).join("\n");
    case "WORKDIR":
      return workdirLine(ins.path);
    case "LABEL":
      return labelLines(ins.labels);
    case "SHELL":
      return `SHELL ${JSON.stringify(ins.argv).replace(/","/g, '", "')}`;
    case "ENV":
      return ins.vars
        .map(([k, v]) => {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) fail("render", `ENV name ${JSON.stringify(k)} is not a valid variable name`);
          return `ENV ${k}=${quoteValue(v, `ENV ${k}`)}`;
        })
        .join("\n");
    case "COPY": {
      const flags = [ins.link ? "--link" : "", ins.from !== undefined ? `--from=${ins.from}` : "", ins.chmod !== undefined ? `--chmod=${ins.chmod}` : ""];
      for (const p of [...ins.sources, ins.dest]) {
        if (/[\s"'\\]/.test(p)) fail("render", `COPY path ${JSON.stringify(p)} holds a space, quote or backslash`);
      }
      return ["COPY", ...flags.filter(Boolean), ...ins.sources, ins.dest].join(" ");
    }
    case "ADD": {
      if (ins.checksum !== undefined && !/^sha256:[0-9a-f]{64}$/.test(ins.checksum)) {
        fail("render", `ADD ${ins.source}: checksum ${JSON.stringify(ins.checksum)} is not sha256:<64 hex digits>`);
      }
      const flags = [ins.checksum !== undefined ? `--checksum=${ins.checksum}` : "", ins.link ? "--link" : ""];
      return ["ADD", ...flags.filter(Boolean), ins.source, ins.dest].join(" ");
    }
    case "RUN": {
      const flags = [...ins.mounts.map(mountFlag), ...(ins.network !== undefined ? [`--network=${ins.network}`] : [])];
      const head = ["RUN", ...flags].join(" ");
      if (!ins.script.includes("\n")) return `${head} ${ins.script}`;
      const d = heredocDelimiter(ins.script);
      // A blank line after the terminator keeps hadolint's heredoc parser in step (hadolint#960).
      return `${head} <<'${d}'\nset -euo pipefail\n${ins.script}\n${d}\n`;
    }
  }
}
