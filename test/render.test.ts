/**
 * Rendering: deterministic bytes, ARG placement (shared ARGs once before FROM, re-declared where
 * read; others right before first use), fail-fast RUN bodies, quoting, and refusals.
 */
import { describe, expect, test } from "vitest";
import {
  StagewrightError,
  aptCache,
  artifact,
  buildNeed,
  copy,
  defineStage,
  env,
  image,
  instructionText,
  pathArg,
  quoteValue,
  recipe,
  renderDockerfile,
  run,
  versionArg,
} from "../src/index.ts";
import { checkDockerfile, stagesOf } from "./support/checkers.ts";

const PREFIX = pathArg("LIB_PREFIX", "/opt/lib", "library prefix");
const VERSION = versionArg("LIB_VERSION", "1.2.3", "library version");
const base = defineStage({ name: "base", description: "base", from: image("debian:bookworm"), steps: [run("true")] });
const lib = defineStage({
  name: "lib",
  description: "producer",
  from: base,
  args: [VERSION, PREFIX],
  provides: {
    lib: artifact({ kind: "lib", producer: "lib", version: "1.2.3", prefix: "/opt/lib", prefixArg: PREFIX, layout: { lib: ["lib"] }, delivery: { type: "staged", dir: "/opt/s/lib" } }),
  },
  steps: [run("echo building"), run('mkdir -p "/opt/s/lib${LIB_PREFIX}/lib"\necho "${LIB_VERSION}" > "/opt/s/lib${LIB_PREFIX}/lib/v"')],
});
const app = defineStage({
  name: "app",
  description: "consumer",
  from: base,
  args: [PREFIX],
  needs: [buildNeed(lib.provides.lib)],
  steps: [env(["LD_LIBRARY_PATH", "${LIB_PREFIX}/lib${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"]), run("ls /")],
});
const r = recipe("demo", [base, lib, app], { description: "a demo" });

describe("determinism", () => {
  test("the same recipe renders byte-identical text, twice and from a rebuilt recipe", () => {
    const a = r.render();
    expect(r.render()).toBe(a);
    expect(recipe("demo", [base, lib, app], { description: "a demo" }).render()).toBe(a);
  });
});

describe("ARG placement", () => {
  const text = r.render();
  const stages = stagesOf(text);
  test("an ARG read by two stages is declared once before FROM with its default", () => {
    const preamble = text.slice(0, text.indexOf("\nFROM "));
    expect(preamble).toContain('ARG LIB_PREFIX="/opt/lib"');
    expect(preamble).not.toContain("LIB_VERSION");
  });
  test("each stage that reads it re-declares it without a default", () => {
    expect(stages.find((s) => s.name === "lib")!.args).toContain("LIB_PREFIX");
    expect(stages.find((s) => s.name === "app")!.args).toContain("LIB_PREFIX");
    expect(text.match(/^ARG LIB_PREFIX$/gm)).toHaveLength(2);
  });
  test("a stage-only ARG is declared with its default right before its first use, after unrelated steps", () => {
    const libStage = text.slice(text.indexOf("FROM base AS lib"));
    expect(libStage.indexOf("RUN echo building")).toBeLessThan(libStage.indexOf('ARG LIB_VERSION="1.2.3"'));
  });
  test("a stage that reads an ARG it does not declare is refused", () => {
    const sneaky = defineStage({ name: "sneaky", description: "s", from: base, steps: [run('echo "${LIB_VERSION}"')] });
    expect(() => recipe("x", [base, lib, sneaky]).render()).toThrow("stage sneaky reads ARG LIB_VERSION but does not declare it; add it to the stage's args");
  });
  test("an ARG no step reads is refused", () => {
    const idle = defineStage({ name: "idle", description: "i", from: base, args: [VERSION], steps: [run("true")] });
    expect(() => recipe("x", [base, idle]).render()).toThrow("stage idle declares ARG LIB_VERSION but no step reads it; remove the ARG or use it");
  });
});

describe("instructions", () => {
  test("the file starts with the syntax directive and root stages set a fail-fast SHELL", () => {
    const text = r.render();
    expect(text.startsWith("# syntax=docker/dockerfile:1\n")).toBe(true);
    expect(text).toContain('FROM debian:bookworm AS base\nSHELL ["/bin/bash", "-euo", "pipefail", "-c"]');
  });
  test("multi-line RUN bodies are heredocs that start with set -euo pipefail", () => {
    expect(instructionText(run("a\nb", { mounts: aptCache }))).toBe(
      "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked <<'EOF'\nset -euo pipefail\na\nb\nEOF\n",
    );
  });
  test("a body containing the delimiter gets another one", () => {
    expect(instructionText(run("cat <<EOF\nx\nEOF"))).toContain("<<'EOF_1'");
  });
  test("COPY --link --from", () => {
    expect(instructionText(copy(["/a/"], "/", { from: "lib" }))).toBe("COPY --link --from=lib /a/ /");
  });
  test("the final stage carries OCI labels", () => {
    expect(r.render()).toContain('LABEL org.opencontainers.image.title="demo"');
  });
  test("the output passes dockerfile-utils, a shell parser and shellcheck", () => {
    expect(checkDockerfile(r.render())).toEqual({ problems: [], skipped: [] });
  });
});

describe("quoting: no value reaches the Dockerfile unescaped", () => {
  test("quotes and backslashes are escaped", () => {
    expect(quoteValue('a "b" \\c', "ENV X")).toBe('"a \\"b\\" \\\\c"');
  });
  test("variable references stay references", () => {
    expect(quoteValue("/x${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}", "ENV X")).toBe('"/x${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"');
  });
  test.each([
    ["$(rm -rf /)", "holds a $ that is not a variable reference"],
    ["a`id`", "holds a backtick"],
    ["a\nb", "holds a line break"],
  ])("%j is refused", (value, why) => {
    expect(() => quoteValue(value, "ENV X")).toThrow(why);
    expect(() => quoteValue(value, "ENV X")).toThrow(StagewrightError);
  });
  test("a bad ENV name", () => {
    expect(() => instructionText(env(["1X", "v"]))).toThrow('ENV name "1X" is not a valid variable name');
  });
});

test("renderDockerfile runs the composition checks first", () => {
  expect(() => renderDockerfile({ name: "x", description: "x", stages: [app] })).toThrow(
    "app needs lib from stage lib, which is not in the recipe before app; add stage lib before app",
  );
});
