/**
 * `stagewright versions`: the versions each component is known at (the source lock), what pins each
 * (commit, sha256, signature) and where that was read, the official NIXL build per release tag, and
 * the pairings the rules refuse. Everything is read from the lock and the version table; nothing is
 * restated here.
 */
import type { CliCommand, CliIo } from "../src/cli.ts";
import type { SourcePin } from "../src/index.ts";
import { StagewrightError, closest } from "../src/index.ts";
import { OFI_LIBFABRIC_MIN } from "./nccl.ts";
import { generatedForRule, libfabricGb200Rule, LIBFABRIC_GB200_MIN, mesonOptionRule, NIXL_RULES, ucxLineFor } from "./nixl-rules.ts";
import { NIXL_MESON_OPTIONS, NIXL_RELEASES, nixlHasMesonOption, type NixlMesonOption } from "./nixl-versions.ts";
import { stageLock } from "./shared.ts";

/** A lock entry's component: its id without the version suffix (`ucx-1.22.0` → `ucx`). */
function componentOf(p: SourcePin): string {
  const v = p.version.replace(/^v/, "");
  return p.id.endsWith(`-${v}`) ? p.id.slice(0, -v.length - 1) : p.id;
}

function pinOf(p: SourcePin): string {
  const parts = [
    ...(p.commit !== null ? [`commit ${p.commit.slice(0, 12)}`] : []),
    ...(p.sha256 !== null ? [`sha256 ${p.sha256.slice(0, 16)}…`] : []),
    ...(p.fingerprint !== null ? [`key ${p.fingerprint}`] : []),
  ];
  return parts.length === 0 ? "**not pinned** (stagewright check lists it)" : parts.join(", ");
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();

/**
 * The components of the source lock with their known versions, by component.
 *
 * @example
 * knownVersions().get("ucx")?.map((p) => p.version) // ["v1.19.0", "v1.20.1", ...]
 */
export function knownVersions(): Map<string, SourcePin[]> {
  const out = new Map<string, SourcePin[]>();
  for (const p of stageLock().values()) out.set(componentOf(p), [...(out.get(componentOf(p)) ?? []), p]);
  return out;
}

/**
 * The report as Markdown: one component, or all of them.
 *
 * @example
 * versionsMarkdown("libfabric")
 */
export function versionsMarkdown(component?: string): string {
  const all = knownVersions();
  if (component !== undefined && !all.has(component)) {
    const guess = closest(component, [...all.keys()]);
    throw new StagewrightError("unknown-option", `no component ${component} in the source lock${guess === undefined ? "" : ` (did you mean ${guess}?)`}; known: ${[...all.keys()].join(", ")}`);
  }
  const lines: string[] = ["# Known versions", ""];
  for (const [name, pins] of all) {
    if (component !== undefined && name !== component) continue;
    lines.push(`## ${name}`, "", "| version | pinned by | source |", "| --- | --- | --- |");
    for (const p of pins) lines.push(`| ${p.version} | ${pinOf(p)} | ${cell(p.source)} |`);
    lines.push("");
  }
  if (component === undefined || component === "nixl") {
    lines.push(
      "## The official NIXL build per release tag",
      "",
      "| NIXL | base image | UCX_REF (pinned) | libfabric | DOCA | build type | gRPC | wheel |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...NIXL_RELEASES.map((r) => `| ${r.tag} | ${r.base} | ${r.ucxRef}${r.ucxRef === r.ucx ? "" : ` (${r.ucx})`} | ${r.libfabric} | ${r.doca} | ${r.buildType} | ${r.grpc} | ${r.wheel} |`),
      "",
      "## Pairings the rules refuse",
      "",
      "| NIXL | UCX must be on | libfabric must be | meson options it lacks |",
      "| --- | --- | --- | --- |",
      ...NIXL_RELEASES.map((r) => {
        const lacks = (Object.keys(NIXL_MESON_OPTIONS) as NixlMesonOption[]).filter((o) => nixlHasMesonOption(r.tag, o) === false);
        const fabric = r.tag.startsWith("0.6.") || r.tag.startsWith("0.7.") ? ">= v2.3.0rc2 (EFA installer >= 1.43.2)" : ">= v1.21.0";
        return `| ${r.tag} | ${ucxLineFor(r.tag)?.line ?? "?"}.x | ${fabric}; on aarch64 (GB200) >= ${LIBFABRIC_GB200_MIN} | ${lacks.join(", ") || "none"} |`;
      }),
      "",
      "| rule | refuses | source |",
      "| --- | --- | --- |",
      ...[...NIXL_RULES, mesonOptionRule([]), libfabricGb200Rule(undefined), generatedForRule("0.7.1"), OFI_LIBFABRIC_MIN].map((r) => `| ${r.id} | ${cell(r.summary)} | ${cell(r.source)} |`),
      "",
    );
  }
  return `${lines.join("\n").replace(/\n+$/, "")}\n`;
}

/** The `versions` command of the stagewright CLI. */
export const versionsCommand: CliCommand = {
  name: "versions",
  summary: "the versions each component is known at, their pins and sources, refused pairings",
  help: `usage: stagewright versions [<component>]

  Prints, as Markdown, every version of every component in the source lock (stages/sources.lock.yaml)
  with what pins it and where that was read, the official NIXL build per release tag, and the
  pairings the version rules refuse. With <component> (e.g. nixl, ucx, libfabric), only that one.`,
  run(args: readonly string[], io: CliIo): number {
    const unknown = args.find((a) => a.startsWith("-"));
    if (unknown !== undefined) throw new StagewrightError("unknown-option", `versions has no option ${unknown}; see stagewright versions --help`, { option: unknown });
    if (args.length > 1) throw new StagewrightError("unknown-option", "give at most one component; see stagewright versions --help");
    io.out(versionsMarkdown(args[0]));
    return 0;
  },
};
