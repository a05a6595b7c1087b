/**
 * The test run that mutation testing uses (stryker.config.mjs). A mutant is switched on inside the
 * test process, so only tests that call the library in-process can see it: tests that run the
 * library in a child process (the packed package, a consumer project, BuildKit builds) never load
 * the active mutant, and the type tests are tsc's job (Stryker's typescript checker runs tsc over
 * the whole project, test/types included, for every mutant). Both are left out here; they still
 * run in `npm test`.
 */
import { chmodSync } from "node:fs";
import { basename, dirname } from "node:path";
import { defineConfig } from "vitest/config";

// Stryker's sandbox directory is private (0700), and test/edges.test.ts runs the bin as nobody
// when it runs as root: let that user reach the sandbox's files, as it reaches a checkout's.
if (basename(dirname(process.cwd())) === ".stryker-tmp") chmodSync(process.cwd(), 0o755);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [
      "test/build/**",
      "test/package.test.ts",
      "test/getting-started.test.ts",
      "test/first-contact.test.ts",
      "test/tsc-messages.test.ts",
      "test/api-docs.test.ts",
    ],
    typecheck: { enabled: false },
    // One module instance for every test file: a mutant is switched on at run time, so nothing
    // needs a fresh import, and loading the library again for each of a mutant's test files was
    // most of the time of a run.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
