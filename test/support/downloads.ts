/**
 * Every download a Dockerfile's RUN steps make, each with how it is verified (or why it is not).
 * Read from the rendered text, not from the generator's IR, so a download written any way is seen:
 * a fetcher command the audit does not know is reported as unverified rather than skipped.
 *
 * What counts as verified, by kind:
 * - a file fetched with wget/curl: `sha256sum -c` against a non-empty pin (an ARG default or a literal
 *   in every branch that sets the shell variable), or `gpg --batch --verify` of it by a pinned key;
 * - a signature file: used by that `gpg --batch --verify`;
 * - a key file: imported and compared with a fingerprint ARG that is non-empty, or that the step
 *   refuses to run without (a build that stops downloads nothing unverified);
 * - a git clone: checked out at a commit ARG with a non-empty default;
 * - an apt repository: `signed-by=` a keyring exported from such a pinned key (apt then verifies the
 *   Release signature and every package's checksum);
 * - ADD: `--checksum=`.
 * Installs from a package index (apt from the base's distribution, uv/pip from PyPI, cargo with
 * --locked) are not downloads in this sense: they are listed by docs/security.md.
 */
import { dockerfileArgDefaults } from "./bake.ts";
import { runBodies } from "./checkers.ts";

/** One download and its verdict. */
export interface Download {
  readonly stage: string;
  /** `wget <out>`, `git <dir>`, `apt <list file>`, `ADD <dest>`, `unknown <line>`. */
  readonly what: string;
  readonly verified: boolean;
  /** How it is verified, or why it is not. */
  readonly how: string;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function pinOf(body: string, name: string, defaults: Record<string, string>): string | undefined {
  if (name in defaults) return defaults[name] === "" ? undefined : defaults[name];
  const sets = [...body.matchAll(new RegExp(`(?:^|[\\s;)])${esc(name)}=([^\\s;]*)`, "g"))].map((m) => m[1]!);
  return sets.length > 0 && sets.every((v) => /^[0-9a-f]{64}$/.test(v)) ? sets.join(",") : undefined;
}

/** A fingerprint ARG counts when it has a default, or the body stops when it is empty before any download. */
function fingerprintPinned(body: string, arg: string, defaults: Record<string, string>): string | undefined {
  if ((defaults[arg] ?? "") !== "") return `fingerprint ${arg}=${defaults[arg]}`;
  const refuse = body.search(new RegExp(`if \\[ -z "\\$\\{${esc(arg)}\\}" \\]; then [^\\n]*exit 1; fi`));
  const firstFetch = body.search(/\b(wget|curl)\b/);
  return refuse !== -1 && (firstFetch === -1 || refuse < firstFetch) ? `fingerprint ${arg} (no default: the step stops unless it is passed)` : undefined;
}

/** The fingerprint ARG a key file is compared with, when it is imported and compared. */
function keyCheck(body: string, key: string): string | undefined {
  if (!new RegExp(`gpg --batch --quiet --import ${esc(key)}\\n`).test(body)) return undefined;
  return /!= "\$\{([A-Z0-9_]+_FINGERPRINT)\}"/.exec(body)?.[1];
}

/**
 * Every download of a Dockerfile with its verdict.
 *
 * @example
 * downloadsOf(alignedRecipe().render()).filter((d) => !d.verified) // []
 */
export function downloadsOf(dockerfile: string): Download[] {
  const defaults = dockerfileArgDefaults(dockerfile);
  const out: Download[] = [];
  for (const { stage, body } of runBodies(dockerfile)) {
    const add = (what: string, how: string | undefined, why: string) => out.push({ stage, what, verified: how !== undefined, how: how ?? why });
    for (const m of body.matchAll(/\bwget\b[^\n]*?-O (\S+)/g)) {
      const file = m[1]!;
      const sha = new RegExp(`echo "\\$\\{([A-Za-z0-9_]+)\\}  ${esc(file)}" \\| sha256sum -c -`).exec(body);
      const sig = new RegExp(`gpg --batch --verify (\\S+) ${esc(file)}\\n`).exec(body);
      const sigFor = new RegExp(`gpg --batch --verify ${esc(file)} (\\S+)\\n`).exec(body);
      const fprArg = keyCheck(body, file);
      // A meson wrap's file: its hash is the wrap's (at the pinned checkout), or one passed in an ARG of file=sha256 pairs.
      const wrapSha = new RegExp(`echo "\\$hash  ${esc(file.replace(/^"|"$/g, ""))}" \\| sha256sum -c -`).test(body) && /hash="\$\(awk [^\n]*_hash[^\n]*"\$wrap"\)"/.test(body);
      if (wrapSha) {
        add(`wget ${file}`, "sha256 of its meson wrap (or the one passed for a substitute)", "");
      } else if (sha !== null) {
        const p = pinOf(body, sha[1]!, defaults);
        add(`wget ${file}`, p === undefined ? undefined : `sha256 ${sha[1]}=${p}`, `sha256 ${sha[1]} is empty: NOT verified`);
      } else if (sig !== null) {
        const arg = /!= "\$\{([A-Z0-9_]+_FINGERPRINT)\}"/.exec(body)?.[1];
        const pinned = arg === undefined ? undefined : fingerprintPinned(body, arg, defaults);
        add(`wget ${file}`, pinned === undefined ? undefined : `signature ${sig[1]} by the key with ${pinned}`, "signature checked by a key whose fingerprint is not pinned");
      } else if (sigFor !== null) {
        add(`wget ${file}`, `the signature gpg --batch --verify checks ${sigFor[1]} with`, "");
      } else if (fprArg !== undefined) {
        const pinned = fingerprintPinned(body, fprArg, defaults);
        add(`wget ${file}`, pinned === undefined ? undefined : `a key trusted by ${pinned}`, `key compared with ${fprArg}, which is empty and not required`);
      } else add(`wget ${file}`, undefined, "no checksum, signature or pinned fingerprint");
    }
    for (const m of body.matchAll(/\bgit clone\b[^\n]* (\S+)\n/g)) {
      const dir = m[1]!;
      const c = new RegExp(`git -C ${esc(dir)} checkout --quiet --detach "\\$\\{([A-Z0-9_]+_COMMIT)\\}"`).exec(body);
      const pinned = c === null ? undefined : (defaults[c[1]!] ?? "");
      add(`git ${dir}`, pinned !== undefined && pinned !== "" ? `commit ${c![1]}=${pinned}` : undefined, "not pinned to a commit");
    }
    for (const m of body.matchAll(/"deb \[signed-by=(\S+)\] [^"]*" > (\S+)/g)) {
      const exported = new RegExp(`gpg --batch --export "\\$\\{([A-Z0-9_]+_FINGERPRINT)\\}" > ${esc(m[1]!)}\\n`).exec(body);
      const pinned = exported === null ? undefined : fingerprintPinned(body, exported[1]!, defaults);
      add(`apt ${m[2]}`, pinned === undefined ? undefined : `Release signed by the key with ${pinned}`, "signed-by a keyring not exported from a pinned key");
    }
    for (const line of body.split("\n")) {
      if (/\bcurl\b/.test(line) || /\bdeb (https?:|\[)/.test(line.replace(/"deb \[signed-by=\S+\] [^"]*"/, "")) || /\bgit (fetch|pull)\b/.test(line)) add(`unknown ${line.trim()}`, undefined, "a fetch the audit does not recognise");
    }
  }
  for (const m of dockerfile.matchAll(/^ADD (.*)$/gm)) {
    out.push({ stage: "", what: `ADD ${m[1]}`, verified: /--checksum=sha256:[0-9a-f]{64}/.test(m[1]!), how: /--checksum=/.test(m[1]!) ? "checksum" : "ADD without --checksum" });
  }
  return out;
}
