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
 * Shell that fails when a runtime file of an artifact needs a shared object the image does not
 * have (`ldd` prints `not found`), naming the file, its artifact and the fix: the distribution
 * package that provides it belongs in the artifact's `runtimePackages`. `hostProvided` sonames are
 * skipped: the host mounts them at run time (a GPU driver's libcuda.so.1), so no build sees them.
 * Empty when no artifact has runtime files.
 *
 * @example
 * resolvedAssertion([fabric.provides.libfabric, ucxBuild.provides.ucx], ["libcuda.so.1"])
 */
export function resolvedAssertion(artifacts: readonly AnyArtifact[], hostProvided: readonly string[] = []): string {
  const checks = artifacts.flatMap((a) => a.runtimeFiles.map((f) => `stagewright_resolved "${pathIn(a, f)}" "${a.kind}" "${a.producer}"`));
  if (checks.length === 0) return "";
  return [
    "stagewright_resolved() {",
    '  if ! deps="$(ldd "$1" 2>&1)"; then echo "stagewright: cannot inspect $1: $deps" >&2; exit 1; fi',
    `  missing="$(awk -v skip="${hostProvided.join(" ")}" 'BEGIN {n = split(skip, s, " "); for (i = 1; i <= n; i++) host[s[i]] = 1} $2 == "=>" && $3 == "not" && !($1 in host) {printf "%s ", $1}' <<< "$deps")"`,
    '  if [ -n "$missing" ]; then echo "stagewright: $1 ($2 of stage $3) needs ${missing% }, which the image does not have: add the distribution package that provides it to the runtimePackages of the $2 artifact" >&2; exit 1; fi',
    "}",
    ...checks,
  ].join("\n");
}

/** Options of {@link uniqueSonameAssertion}. */
export interface UniqueSonameOptions {
  /**
   * Directories searched recursively for further copies (`<soname>` or `<soname>.*`), such as Python
   * site-packages: a wheel (torch's nvidia-nccl) brings its own copy that neither the ld cache nor
   * LD_LIBRARY_PATH shows, and a process that imports it loads that copy. Shell globs are expanded;
   * a directory that does not exist is skipped.
   */
  readonly alsoUnder?: readonly string[];
}

/**
 * Fail when the image holds more than one distinct copy of `soname` that a process can load (ld
 * cache, LD_LIBRARY_PATH, and the `alsoUnder` directories), or none. Safe under `set -euo pipefail`:
 * an LD_LIBRARY_PATH whose last directory lacks the soname is not a failure (test/build/ builds this
 * for real).
 *
 * @example
 * uniqueSonameAssertion("libnccl.so.2", { alsoUnder: ["/workspace/.venv/lib"] })
 */
export function uniqueSonameAssertion(soname: string, options: UniqueSonameOptions = {}): string {
  const under = options.alsoUnder ?? [];
  const inDirs = under.length === 0
    ? ""
    : ` for d in ${under.join(" ")}; do if [ -d "$d" ]; then find "$d" \\( -name '${soname}' -o -name '${soname}.*' \\) \\( -type f -o -type l \\); fi; done;`;
  const what = under.length === 0 ? `the loader must see exactly one ${soname}, it sees:` : `the image must hold exactly one ${soname} (loader, and files under ${under.join(" ")}), it holds:`;
  return [
    `copies="$({ ldconfig -p | awk '$1 == "${soname}" {print $NF}'; IFS=: read -ra dirs <<< "\${LD_LIBRARY_PATH:-}"; for d in "\${dirs[@]}"; do if [ -n "$d" ] && [ -e "$d/${soname}" ]; then echo "$d/${soname}"; fi; done;${inDirs} } | xargs -r -n1 readlink -f | sort -u)"`,
    `if [ "$(printf '%s\\n' "$copies" | grep -c .)" -ne 1 ]; then`,
    `  echo "stagewright: ${what}" >&2`,
    `  printf '%s\\n' "$copies" | sed 's/^/  /' >&2`,
    "  exit 1",
    "fi",
  ].join("\n");
}

/** What {@link oneSourceAssertion} checks: the packages that must all come from one source build. */
export interface OneSourceSpec {
  /** The source package they are built from (dpkg's `source:Package`), e.g. `rdma-core`. */
  readonly source: string;
  /** An awk ERE over binary package names that must come from that source too (a same-named package from elsewhere fails). */
  readonly names: string;
  /** What the message calls the set, e.g. "rdma-core (libibverbs, libefa, providers)". */
  readonly what: string;
  /** The fix, said to the user when the set is mixed. */
  readonly fix: string;
}

/**
 * Fail unless every installed dpkg package built from `source`, and every package whose name
 * matches `names`, comes from that one source at one version: one origin, one version. A mix (the
 * EFA installer skipping packages an apt repository installed newer, aws-parallelcluster-cookbook
 * PR 2154) fails with the table of what is installed. None installed fails too.
 *
 * @example
 * oneSourceAssertion({ source: "rdma-core", names: "^(libibverbs|libefa|ibverbs-)", what: "rdma-core", fix: "install it from one repository" })
 */
export function oneSourceAssertion(spec: OneSourceSpec): string {
  const fields = "${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${source:Package}\\t${source:Version}\\n";
  return [
    `pkgs="$(dpkg-query -W -f='${fields}' | awk -F'\\t' '$1 ~ /^.i/ && ($4 == "${spec.source}" || $2 ~ /${spec.names}/) {print $2 "\\t" $3 "\\t" $4 "\\t" $5}' | sort)"`,
    `if [ -z "$pkgs" ]; then echo "stagewright: no ${spec.what} package is installed; ${spec.fix}" >&2; exit 1; fi`,
    `origins="$(awk -F'\\t' '{print $3 " " $4}' <<< "$pkgs" | sort -u)"`,
    `if [ "$(grep -c . <<< "$origins")" -ne 1 ]; then`,
    `  echo "stagewright: ${spec.what} must come from one source at one version, the image has:" >&2`,
    `  awk -F'\\t' '{print "  " $1 " " $2 " (source " $3 " " $4 ")"}' <<< "$pkgs" >&2`,
    `  echo "  fix: ${spec.fix}" >&2`,
    "  exit 1",
    "fi",
    `echo "stagewright: ${spec.what}: $(grep -c . <<< "$pkgs") packages, all from source $origins"`,
  ].join("\n");
}
