/**
 * Build-time assertions: shell that fails the image build when the dynamic loader would pick the
 * wrong copy of a library. Generated from artifacts, so a check can only name files and sonames
 * that a stage really produces.
 */
import { pathIn, type AnyArtifact, type ArtifactLink } from "./artifact.ts";

/**
 * Fail unless `file` of `consumer` resolves `link.soname` to the provider's library directory.
 * A missing or unreadable `file` fails with the same message (resolved to nothing), not silently.
 *
 * @example
 * linkAssertion(nixlArtifact, { file: "lib/x/plugins/libplugin_LIBFABRIC.so", soname: "libfabric.so.1", kind: "libfabric" }, fabric)
 */
export function linkAssertion(consumer: AnyArtifact, link: ArtifactLink, provider: AnyArtifact): string {
  const file = pathIn(consumer, link.file);
  const libDir = pathIn(provider, provider.layout.lib[0] ?? "lib");
  return [
    // ldd exits non-zero for a missing file; that is a failure with its own message, not a swallowed one.
    `if ! deps="$(ldd "${file}" 2>&1)"; then echo "stagewright: cannot inspect ${file}: $deps" >&2; exit 1; fi`,
    `got="$(awk '$1 == "${link.soname}" {print $3}' <<< "$deps")"`,
    `want="${libDir}/${link.soname}"`,
    `if [ -z "$got" ] || [ "$(readlink -f "$got")" != "$(readlink -f "$want")" ]; then`,
    `  echo "stagewright: ${file} resolves ${link.soname} to '\${got:-nothing}', not $want (${provider.kind} of stage ${provider.producer})" >&2`,
    "  exit 1",
    "fi",
  ].join("\n");
}

/**
 * Fail when the loader can see more than one distinct copy of `soname` (ld cache or
 * LD_LIBRARY_PATH), or none. Safe under `set -euo pipefail`: an LD_LIBRARY_PATH whose last
 * directory lacks the soname is not a failure (test/build/ builds this for real).
 *
 * @example
 * uniqueSonameAssertion("libfabric.so.1")
 */
export function uniqueSonameAssertion(soname: string): string {
  return [
    `copies="$({ ldconfig -p | awk '$1 == "${soname}" {print $NF}'; IFS=: read -ra dirs <<< "\${LD_LIBRARY_PATH:-}"; for d in "\${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/${soname}" ]; then echo "$d/${soname}"; fi; done; } | xargs -r -n1 readlink -f | sort -u)"`,
    `if [ "$(printf '%s\\n' "$copies" | grep -c .)" -ne 1 ]; then`,
    `  echo "stagewright: the loader must see exactly one ${soname}, it sees:" >&2`,
    `  printf '%s\\n' "$copies" | sed 's/^/  /' >&2`,
    "  exit 1",
    "fi",
  ].join("\n");
}
