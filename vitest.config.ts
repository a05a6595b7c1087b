import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Type tests (expectTypeOf, @ts-expect-error) run through tsc so a missing compile error fails the run.
    typecheck: { enabled: true, checker: "tsc", include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
