import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The first CDK Template in a process takes ~2 s and integration tests start real emulators:
    // generous limits, never timing assertions.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
