/**
 * The package as a consumer installs it, for tests and benchmarks: the repository's sources are
 * copied to a private folder, `npm pack` runs there (prepack builds dist/), and the tarball is
 * unpacked into a fresh project's node_modules/stagewright with the package's dependencies linked
 * from this checkout (nothing is downloaded). Private to the caller, so concurrent callers never
 * race on one dist/.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** A consumer project with the packed stagewright installed. */
export interface PackedConsumer {
  /** The project folder (package.json with "type": "module"). */
  readonly dir: string;
  /** node_modules/stagewright: the unpacked tarball. */
  readonly pkg: string;
  /** The files of the tarball, relative to the package root. */
  readonly files: readonly string[];
}

const PACKED_FROM = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "README.md", "src", "stages", "recipes", "bin"];

/** Pack this checkout inside `work` (an empty folder) and install the tarball into `work`/consumer. */
export function packConsumer(work: string): PackedConsumer {
  const src = join(work, "src-copy");
  mkdirSync(src);
  for (const p of PACKED_FROM) cpSync(join(REPO, p), join(src, p), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(src, "node_modules"), "dir");
  const tgz = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: src, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim().split("\n").at(-1)!;
  const dir = join(work, "consumer");
  const pkg = join(dir, "node_modules", "stagewright");
  mkdirSync(pkg, { recursive: true });
  execFileSync("tar", ["-xzf", join(work, tgz), "-C", pkg, "--strip-components=1"]);
  const files = execFileSync("tar", ["-tzf", join(work, tgz)], { encoding: "utf8" }).trim().split("\n").map((f) => f.replace(/^package\//, ""));
  const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  mkdirSync(join(dir, "node_modules", "@types"));
  for (const dep of [...Object.keys(manifest.dependencies), "typescript", "@types/node"]) symlinkSync(join(REPO, "node_modules", dep), join(dir, "node_modules", dep), "dir");
  mkdirSync(join(dir, "node_modules", ".bin"));
  // As npm links a bin: a relative symlink into the package.
  symlinkSync(join("..", "stagewright", "bin", "stagewright.mjs"), join(dir, "node_modules", ".bin", "stagewright"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
  return { dir, pkg, files };
}
