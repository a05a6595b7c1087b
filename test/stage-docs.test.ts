/**
 * docs/stages.md states each stage's component spec ("Declared as": options, version ARG and form,
 * prefix ARG, FROM image, artifacts, data rules), computed from the spec: a spec that changes
 * without its page fails here. The version forms table of the page names every form.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { ComponentSpec } from "../src/index.ts";
import * as stages from "../stages/index.ts";
import { declaredLine, formText } from "./support/stage-docs.ts";

const page = readFileSync("docs/stages.md", "utf8");
/** The section of the page a heading starts, up to the next `## `. */
const section = (heading: string) => {
  const start = page.indexOf(`\n## ${heading}\n`);
  expect(start, `docs/stages.md has a section "## ${heading}"`).toBeGreaterThan(-1);
  const end = page.indexOf("\n## ", start + 1);
  return page.slice(start, end === -1 ? undefined : end);
};

const SECTIONS: readonly (readonly [string, readonly (readonly [string, ComponentSpec])[]])[] = [
  ["uv", [["UV_SPEC", stages.UV_SPEC]]],
  ["base", [["BASE_SPEC", stages.BASE_SPEC], ["VENV_SPEC", stages.VENV_SPEC]]],
  ["doca", [["DOCA_SPEC", stages.DOCA_SPEC]]],
  ["efa-drivers", [["EFA_SPEC", stages.EFA_SPEC]]],
  ["gdrcopy", [["GDRCOPY_SPEC", stages.GDRCOPY_SPEC]]],
  ["libfabric", [["LIBFABRIC_SPEC", stages.LIBFABRIC_SPEC]]],
  ["ucx", [["UCX_SPEC", stages.UCX_SPEC]]],
  ["etcd-cpp-api", [["ETCD_SPEC", stages.ETCD_SPEC]]],
  ["aws-sdk-cpp", [["AWS_SDK_SPEC", stages.AWS_SDK_SPEC]]],
  ["gusli", [["GUSLI_SPEC", stages.GUSLI_SPEC]]],
  ["nixl", [["NIXL_SPEC", stages.NIXL_SPEC]]],
  ["nixl-wheel", [["NIXL_WHEEL_SPEC", stages.NIXL_WHEEL_SPEC]]],
  ["host base", [["HOST_BASE_SPEC", stages.HOST_BASE_SPEC]]],
  ["abseil and grpc", [["ABSEIL_SPEC", stages.ABSEIL_SPEC], ["GRPC_SPEC", stages.GRPC_SPEC]]],
  ["nccl", [["NCCL_SPEC", stages.NCCL_SPEC]]],
  ["aws-ofi-nccl", [["AWS_OFI_NCCL_SPEC", stages.AWS_OFI_NCCL_SPEC]]],
  ["preinstalled", [["preinstalledSpec(name, kind, prefix)", stages.preinstalledSpec("<name>", "<kind>", "<prefix>")]]],
  ["runtime", [["RUNTIME_SPEC", stages.RUNTIME_SPEC]]],
  ["runtime-base", [["RUNTIME_BASE_SPEC", stages.RUNTIME_BASE_SPEC]]],
];

describe.each(SECTIONS)("docs/stages.md ## %s", (heading, specs) => {
  test.each(specs.map(([c, s]) => [c, s] as const))("states %s as its spec declares it", (constant, spec) => {
    expect(section(heading)).toContain(declaredLine(constant, spec));
  });
});

test("every *_SPEC of the stage library has its section", () => {
  const documented = SECTIONS.flatMap(([, specs]) => specs.map(([c]) => c));
  const all = Object.keys(stages).filter((k) => k.endsWith("_SPEC"));
  expect(all.filter((k) => !documented.includes(k))).toEqual([]);
});

test("the version forms table shows each form's shapes", () => {
  const forms = SECTIONS.flatMap(([, specs]) => specs.flatMap(([, s]) => (s.version?.form === undefined ? [] : [[s.version.arg, s.version.form] as const])));
  expect(forms.length).toBeGreaterThan(5);
  for (const [arg, form] of forms) {
    const row = page.split("\n").find((l) => l.startsWith(`  | \`${arg}\` |`));
    expect(row, arg).toBeDefined();
    for (const sh of form.shapes) expect(row, arg).toContain(`\`${sh.shape}\``);
  }
  expect(formText(stages.NIXL_TAG_FORM)).toBe("`<N>.<N>.<N>` below 1.0.0, `v<N>.<N>.<N>[-rc<N>]` from 1.0.0");
});
