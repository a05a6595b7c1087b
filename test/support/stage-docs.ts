/**
 * The "Declared as" line docs/stages.md gives each stage, computed from its component spec, so the
 * page states what the spec declares (test/stage-docs.test.ts compares them).
 */
import type { ComponentSpec, VersionForm } from "../../src/index.ts";

const code = (s: string) => `\`${s}\``;
const list = (xs: readonly string[]) => (xs.length === 0 ? "none" : xs.map(code).join(", "));

/** A version form in words: its shapes, each with the releases it applies to. */
export function formText(form: VersionForm): string {
  return form.shapes
    .map((s, i) => {
      const lo = i === 0 ? undefined : form.shapes[i - 1]!.below;
      const range = [lo === undefined ? "" : `from ${lo}`, s.below === undefined ? "" : `below ${s.below}`].filter((x) => x !== "").join(" ");
      return `${code(s.shape)}${range === "" ? "" : ` ${range}`}`;
    })
    .join(", ");
}

/**
 * The line for one spec: the spec constant, its options, its version ARG with its form (or the
 * pattern of a version that is not a release), its prefix ARG, its FROM image, artifacts and rules.
 */
export function declaredLine(constant: string, spec: ComponentSpec): string {
  const v = spec.version;
  const version = v === undefined ? "no version ARG" : `version ARG ${code(v.arg)} from option ${code(v.option)}, ${v.form !== undefined ? `form ${formText(v.form)}` : v.pattern !== undefined ? `pattern (${v.pattern.expected})` : "no form"}`;
  const parts = [
    `options ${list(Object.keys(spec.options))}`,
    version,
    spec.prefix === undefined ? "no prefix ARG" : `prefix ARG ${code(spec.prefix.arg)} (default ${code(spec.prefix.default)})`,
    ...(spec.image === undefined ? [] : [`FROM ${code(spec.image.parts.map((p) => `\${${p.arg}}`).join(":"))} from options ${list(spec.image.parts.map((p) => p.option))}`]),
    `artifacts ${list(Object.keys(spec.artifacts ?? {}))}`,
    ...(spec.removes === undefined || spec.removes.length === 0 ? [] : [`removes ${list(spec.removes)}`]),
    `rules as data ${list((spec.rules ?? []).map((r) => r.id))}`,
  ];
  return `**Declared as.** ${code(constant)}: ${parts.join("; ")}.`;
}
