/**
 * Pins what dockerfile-generator 5.0.3 renders wrongly, with its actual output, and what it renders
 * right (the lines src/dockerfile-text.ts takes from it). When upstream fixes a defect, the pinned
 * expectation fails and the adapter can shrink.
 */
import { createRequire } from "node:module";
import { validate } from "dockerfile-utils";
import { describe, expect, test } from "vitest";
import { argLine, fromLine, labelLines, workdirLine } from "../src/dockerfile-text.ts";

const require = createRequire(import.meta.url);
const gen = require("dockerfile-generator/lib/dockerGenerator.js") as { generateDockerFileFromArray(items: Record<string, unknown>[]): string };
const one = (item: Record<string, unknown>) => gen.generateDockerFileFromArray([item]);

describe("defects the adapter works around", () => {
  test("a RUN string becomes exec form (Docker would look for a program named by the whole line)", () => {
    expect(one({ run: "apt-get update && apt-get install -y gcc" })).toBe('RUN [ "apt-get update && apt-get install -y gcc" ]\n');
  });
  test("no escaping inside exec arrays", () => {
    expect(one({ run: ["sh", "-c", 'echo "hi"'] })).toBe('RUN [ "sh", "-c", "echo "hi"" ]\n');
  });
  test("ENV values are not quoted, so a space splits the value", () => {
    const out = one({ env: { A: "x y" } });
    expect(out).toBe("ENV A=x y\n");
    expect(validate(`FROM scratch\n${out}`).map((d) => d.message)).toContain('Syntax error - can\'t find = in "y". Must be of the form: name=value');
  });
  test("LABEL values are not quoted either", () => {
    expect(one({ labels: { "org.opencontainers.image.title": "a b" } })).toBe("LABEL org.opencontainers.image.title=a b\n");
  });
  test("an unknown key silently becomes a comment", () => {
    expect(one({ runn: "typo here" })).toBe("# typo here\n");
  });
  test("COPY has no flags beyond --from (no --link, --chmod)", () => {
    expect(one({ copy: { from: "build", "/src": "/dst", link: "true" } })).toBe("COPY --from=build /src /dst\nCOPY --from=build link true\n");
  });
});

describe("what the adapter takes from dockerfile-generator", () => {
  test("FROM with an alias", () => {
    expect(fromLine("debian:bookworm", "base")).toBe("FROM debian:bookworm AS base");
  });
  test("ARG, with the value quoted by the adapter", () => {
    expect(argLine("UCX_VERSION", "v1.19.0")).toBe('ARG UCX_VERSION="v1.19.0"');
    expect(argLine("UCX_VERSION")).toBe("ARG UCX_VERSION");
  });
  test("WORKDIR", () => {
    expect(workdirLine("/workspace")).toBe("WORKDIR /workspace");
  });
  test("LABEL, with the value quoted by the adapter", () => {
    expect(labelLines([["org.opencontainers.image.title", "a b"]])).toBe('LABEL org.opencontainers.image.title="a b"');
  });
});
