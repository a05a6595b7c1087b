/**
 * An apt repository trusted through a key pinned by its full fingerprint. apt verifies the
 * repository's signed Release file with that key, and every package against the checksums the
 * Release lists, so one pinned fingerprint verifies every package the repository delivers.
 */
import { fetchScript } from "./sources.ts";

/** What {@link pinnedAptRepositoryScript} adds. */
export interface PinnedAptRepository {
  /** A short name: the keyring is `/usr/share/keyrings/<name>.gpg`, the list `/etc/apt/sources.list.d/<name>.list`. */
  readonly name: string;
  /** Where the vendor publishes the key (downloaded through `SOURCE_MIRROR`, trusted only by its fingerprint). */
  readonly keyUrl: string;
  /** The ARG that holds the key's full fingerprint (40 upper-case hex digits). */
  readonly fingerprintArg: string;
  /** What to tell the user when that ARG is empty: where the fingerprint comes from. */
  readonly whenEmpty: string;
  /** The repository URL (may reference shell variables set by earlier lines). */
  readonly url: string;
  /** The suite and components after the URL, e.g. `./` for a flat repository or `noble main`. */
  readonly suite: string;
}

/**
 * Shell lines that add an apt repository whose key is pinned by its full fingerprint: the key file
 * must hold exactly one primary key, whose fingerprint equals the ARG's value (an empty ARG fails
 * with `whenEmpty`); the keyring written holds that key alone and the source names it in
 * `signed-by`, so no other key can vouch for this repository.
 *
 * @example
 * pinnedAptRepositoryScript({ name: "vendor", keyUrl: "https://e.org/key.pub", fingerprintArg: "VENDOR_SIGNER_FINGERPRINT", whenEmpty: "see docs/sources.md", url: "https://e.org/repo/", suite: "./" })
 */
export function pinnedAptRepositoryScript(r: PinnedAptRepository): string {
  const fpr = `\${${r.fingerprintArg}}`;
  const key = `/tmp/${r.name}.key`;
  const keyring = `/usr/share/keyrings/${r.name}.gpg`;
  return [
    `if [ -z "${fpr}" ]; then echo "stagewright: ${r.fingerprintArg} is empty, so the ${r.name} apt repository cannot be trusted: pass --build-arg ${r.fingerprintArg}=<40 upper-case hex digits> (${r.whenEmpty})" >&2; exit 1; fi`,
    fetchScript(r.keyUrl, key),
    'GNUPGHOME="$(mktemp -d)"',
    "export GNUPGHOME",
    `gpg --batch --quiet --import ${key}`,
    // Primary keys only: a subkey's fpr line follows its sub line, not a pub line.
    `fprs="$(gpg --batch --with-colons --fingerprint | awk -F: '$1 == "pub" {p = 1; next} p && $1 == "fpr" {print $10; p = 0}')"`,
    `if [ "$fprs" != "${fpr}" ]; then echo "stagewright: ${key} holds the key(s) $fprs, expected exactly ${fpr}" >&2; exit 1; fi`,
    "mkdir -p /usr/share/keyrings",
    `gpg --batch --export "${fpr}" > ${keyring}`,
    `rm -rf "$GNUPGHOME" ${key}`,
    "unset GNUPGHOME",
    `echo "deb [signed-by=${keyring}] ${r.url} ${r.suite}" > /etc/apt/sources.list.d/${r.name}.list`,
  ].join("\n");
}
