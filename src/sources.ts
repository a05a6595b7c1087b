/**
 * Pinned sources: a lock (YAML) maps an id to a URL and its sha256 or git commit, and shell
 * snippets download or clone them with verification. One build ARG, SOURCE_MIRROR, redirects every
 * download to an internal mirror (`<mirror>/<host>/<path>`) for air-gapped clusters.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { stringArg, type Arg } from "./arg.ts";
import { fail } from "./validate.ts";

/** One pinned source. */
export interface SourcePin {
  readonly id: string;
  readonly version: string;
  readonly url: string;
  readonly sha256: string | null;
  readonly commit: string | null;
  /** Where the pin was read (a public file), for docs and reviews. */
  readonly source: string;
  /** For a signing key: its full 40-hex-digit OpenPGP fingerprint. */
  readonly fingerprint: string | null;
}

const LOCK_KEYS = ["id", "version", "url", "sha256", "sha256_of", "commit", "fingerprint", "source"] as const;

/**
 * Parse a source lock. Unknown keys, wrong types, malformed hashes and duplicate ids are errors.
 *
 * @example
 * const lock = parseLock("sources:\n  - id: x\n    version: '1'\n    url: https://e.org/x\n    sha256: null\n    commit: null\n    source: s\n", "lock.yaml")
 */
export function parseLock(text: string, file: string): ReadonlyMap<string, SourcePin> {
  const doc: unknown = parse(text);
  const list = typeof doc === "object" && doc !== null && "sources" in doc ? (doc as { sources: unknown }).sources : undefined;
  if (!Array.isArray(list)) fail("lock", `${file}: expected a top-level "sources:" list`, { file });
  const out = new Map<string, SourcePin>();
  list.forEach((raw: unknown, i: number) => {
    const at = `${file}: sources[${i}]`;
    if (typeof raw !== "object" || raw === null) fail("lock", `${at}: expected a mapping`, { file });
    const entry = raw as Record<string, unknown>;
    for (const k of Object.keys(entry)) {
      if (!(LOCK_KEYS as readonly string[]).includes(k)) fail("lock", `${at}: unknown key ${k}; known keys: ${LOCK_KEYS.join(", ")}`, { file });
    }
    const str = (k: string, nullable: boolean): string | null => {
      const v = entry[k];
      if (v === null && nullable) return null;
      if (typeof v !== "string") fail("lock", `${at}: ${k} must be a string${nullable ? " or null" : ""}`, { file });
      return v;
    };
    const pin: SourcePin = {
      id: str("id", false)!,
      version: str("version", false)!,
      url: str("url", false)!,
      sha256: str("sha256", true),
      commit: str("commit", true),
      source: str("source", false)!,
      fingerprint: entry["fingerprint"] === undefined ? null : str("fingerprint", true),
    };
    if (pin.fingerprint !== null && !/^[0-9A-F]{40}$/.test(pin.fingerprint)) fail("lock", `${at} (${pin.id}): fingerprint must be 40 upper-case hex digits`, { file });
    if (pin.sha256 !== null && !/^[0-9a-f]{64}$/.test(pin.sha256)) fail("lock", `${at} (${pin.id}): sha256 must be 64 lower-case hex digits`, { file });
    if (pin.commit !== null && !/^[0-9a-f]{40}$/.test(pin.commit)) fail("lock", `${at} (${pin.id}): commit must be 40 lower-case hex digits`, { file });
    if (!/^(https|docker):\/\/[A-Za-z0-9.-]+\/\S+$/.test(pin.url)) fail("lock", `${at} (${pin.id}): url must be an https:// URL (or docker:// for an image)`, { file });
    if (out.has(pin.id)) fail("lock", `${at}: duplicate id ${pin.id}`, { file });
    out.set(pin.id, Object.freeze(pin));
  });
  return out;
}

/**
 * Read and parse a lock file.
 *
 * @example
 * const lock = readLock(new URL("./sources.lock.yaml", import.meta.url))
 */
export function readLock(path: URL | string): ReadonlyMap<string, SourcePin> {
  return parseLock(readFileSync(path, "utf8"), String(path));
}

/**
 * The lock entry for an id, or an error naming the lock and the fix.
 *
 * @example
 * pin(lock, "libfabric-2.3.0").sha256
 */
export function pin(lock: ReadonlyMap<string, SourcePin>, id: string): SourcePin {
  const p = lock.get(id);
  if (p === undefined) fail("lock", `no source pin ${id} in the source lock; add it (stagewright lock fills url and sha256)`);
  return p;
}

/**
 * The ARG that redirects every download to a mirror laid out as `<mirror>/<host>/<path>` (the
 * path URL-decoded, as `stagewright mirror` writes it). Empty means the public URLs. A `file://`
 * mirror is a local directory (a host without network, given a mirror directory).
 *
 * @example
 * image builds: docker buildx build --build-arg SOURCE_MIRROR=https://mirror.internal/sources .
 */
export const SOURCE_MIRROR: Arg<"SOURCE_MIRROR", ""> = stringArg(
  "SOURCE_MIRROR",
  "",
  /^(|https?:\/\/[A-Za-z0-9.:_-]+(\/[A-Za-z0-9._~-]+)*|file:\/\/(\/[A-Za-z0-9._~+-]+)+)$/,
  "empty, an http(s) URL or a file:///absolute/path, without spaces, quotes or $",
  "mirror for every source download, laid out as <mirror>/<host>/<path>; empty = the public URLs",
);

/**
 * Shell lines that download `url` (which may reference ARGs) to `out` through the mirror, and
 * verify it with the sha256 held by `shaArg` (an ARG, so a `--build-arg` version bump must bring
 * its checksum).
 *
 * @example
 * downloadScript("https://e.org/x-${X_VERSION}.tar.gz", "x.tar.gz", "X_SHA256")
 */
export function downloadScript(url: string, out: string, shaArg: string): string {
  return [
    fetchScript(url, out),
    `if [ -z "\${${shaArg}}" ]; then echo "stagewright: ${out} has no pinned sha256 (${shaArg} is empty); it is NOT verified" >&2; sha256sum ${out} >&2; else echo "\${${shaArg}}  ${out}" | sha256sum -c -; fi`,
  ].join("\n");
}

/**
 * Shell lines that download `url` to `out` through the mirror, without verifying it: the caller
 * verifies (a signature, see efa-drivers). Prefer {@link downloadScript}.
 *
 * @example
 * fetchScript("https://e.org/x.tar.gz.sig", "x.tar.gz.sig")
 */
export function fetchScript(url: string, out: string): string {
  return [`url="${url}"`, FETCH_URL_TO(out)].join("\n");
}

/** Lines that fetch "$url" (through the mirror) to `out`: wget, or a copy from a file:// mirror. */
function FETCH_URL_TO(out: string): string {
  return [
    `if [ -n "\${SOURCE_MIRROR}" ]; then url="\${SOURCE_MIRROR%/}/\${url#https://}"; fi`,
    // A file:// mirror holds the URL-decoded path (what curl and meson would open).
    `case "$url" in`,
    `  file://*) path="\${url#file://}"; cp "$(printf '%b' "\${path//%/\\\\x}")" ${out} ;;`,
    `  *) wget --tries=3 --waitretry=5 --timeout=30 --read-timeout=60 --no-verbose -O ${out} "$url" ;;`,
    `esac`,
  ].join("\n");
}

/**
 * The ARG of `file=sha256` pairs that replaces a meson wrap's pinned hash for a file the mirror had
 * to substitute (`stagewright mirror` prints the value and writes it to its build-args file).
 * Empty: every wrap file is checked against its wrap.
 *
 * @example
 * mesonWrapsFromMirror(MESON_WRAP_SHA256S.name)
 */
export const MESON_WRAP_SHA256S: Arg<"MESON_WRAP_SHA256S", ""> = stringArg(
  "MESON_WRAP_SHA256S",
  "",
  /^([A-Za-z0-9._+-]+=[0-9a-f]{64}( [A-Za-z0-9._+-]+=[0-9a-f]{64})*)?$/,
  "space-separated file=sha256 pairs (or empty)",
  "sha256 of meson wrap files the mirror substituted (file=sha256 ...); empty = the wraps' own hashes",
);

/**
 * Shell lines, run in a meson project's source directory before `meson setup`, that take every
 * `[wrap-file]` subproject's source and patch archives from SOURCE_MIRROR into
 * subprojects/packagecache, where meson finds them instead of downloading and still checks them
 * against the wrap's hashes. `hashesArg` names an ARG of `file=sha256` pairs that replace a wrap's
 * hash for a file the mirror had to substitute (each replacement is printed). Without a mirror the
 * lines do nothing and meson downloads as usual.
 *
 * @example
 * mesonWrapsFromMirror("MESON_WRAP_SHA256S")
 */
export function mesonWrapsFromMirror(hashesArg: string): string {
  const key = (k: string) => `awk -F ' *= *' -v k="\${kind}_${k}" '$1 == k {print $2}' "$wrap"`;
  return [
    `if [ -n "\${SOURCE_MIRROR}" ]; then`,
    `  mkdir -p subprojects/packagecache`,
    `  for wrap in subprojects/*.wrap; do`,
    `    if ! grep -qx '\\[wrap-file\\]' "$wrap"; then continue; fi`,
    `    for kind in source patch; do`,
    `      url="$(${key("url")})"`,
    `      file="$(${key("filename")})"`,
    `      hash="$(${key("hash")})"`,
    `      if [ -z "$url" ] || [ -z "$file" ]; then continue; fi`,
    `      for pair in \${${hashesArg}}; do`,
    `        if [ "\${pair%%=*}" = "$file" ]; then`,
    `          hash="\${pair#*=}"`,
    `          sed -i "s/^\${kind}_hash *=.*/\${kind}_hash = $hash/" "$wrap"`,
    `          echo "stagewright: $wrap: $file is checked against the sha256 passed in ${hashesArg} (a file the mirror substituted), not the wrap's own" >&2`,
    `        fi`,
    `      done`,
    ...FETCH_URL_TO(`"subprojects/packagecache/$file"`).split("\n").map((l) => `      ${l}`),
    `      echo "$hash  subprojects/packagecache/$file" | sha256sum -c -`,
    `    done`,
    `  done`,
    `fi`,
  ].join("\n");
}

/**
 * Shell lines that verify `file` against the detached signature `sig`, made by the key in
 * `keyFile` whose full fingerprint must equal the value of `fingerprintArg`: the key is downloaded
 * from the vendor, but trusted only because its fingerprint is pinned.
 *
 * @example
 * signatureScript("x.tar.gz", "x.tar.gz.sig", "vendor.key", "VENDOR_KEY_FINGERPRINT")
 */
export function signatureScript(file: string, sig: string, keyFile: string, fingerprintArg: string): string {
  return [
    'GNUPGHOME="$(mktemp -d)"',
    "export GNUPGHOME",
    `gpg --batch --quiet --import ${keyFile}`,
    `fpr="$(gpg --batch --with-colons --fingerprint | awk -F: '$1 == "fpr" {print $10; exit}')"`,
    `if [ "$fpr" != "\${${fingerprintArg}}" ]; then echo "stagewright: ${keyFile} has fingerprint $fpr, expected \${${fingerprintArg}}" >&2; exit 1; fi`,
    `gpg --batch --verify ${sig} ${file}`,
    'rm -rf "$GNUPGHOME"',
    "unset GNUPGHOME",
  ].join("\n");
}

/**
 * Shell lines that clone `repo` into `dir` and check out the commit held by `commitArg`, verifying
 * that the human-readable ref (tag) held by `refArg` points at it. An empty commit ARG checks out
 * the ref instead and warns loudly that the source is not pinned (`stagewright check` lists it).
 *
 * @example
 * gitCheckoutScript("https://github.com/openucx/ucx.git", "ucx", "UCX_VERSION", "UCX_COMMIT")
 */
export function gitCheckoutScript(repo: string, dir: string, refArg: string, commitArg: string, opts: { submodules?: boolean } = {}): string {
  const lines = [
    `repo="${repo}"`,
    "filter=(--filter=blob:none)",
    // A mirror's repositories hold one commit (stagewright mirror); a filtered clone of a shallow repository loops (git 2.39).
    `if [ -n "\${SOURCE_MIRROR}" ]; then repo="\${SOURCE_MIRROR%/}/\${repo#https://}"; filter=(); fi`,
    `git clone --quiet "\${filter[@]}" "$repo" ${dir}`,
    `if [ -n "\${${commitArg}}" ]; then`,
    `  git -C ${dir} checkout --quiet --detach "\${${commitArg}}"`,
    `  if [ "$(git -C ${dir} rev-parse "\${${refArg}}^{commit}")" != "\${${commitArg}}" ]; then echo "stagewright: ${refArg}=\${${refArg}} is not commit \${${commitArg}}; pass the matching ${commitArg}" >&2; exit 1; fi`,
    `else`,
    `  git -C ${dir} checkout --quiet --detach "\${${refArg}}"`,
    `  echo "stagewright: ${dir} is NOT pinned to a commit (${commitArg} is empty); built from \${${refArg}} = $(git -C ${dir} rev-parse HEAD)" >&2`,
    `fi`,
  ];
  if (opts.submodules === true) lines.push(`git -C ${dir} submodule update --quiet --init --recursive --depth 1`);
  return lines.join("\n");
}
