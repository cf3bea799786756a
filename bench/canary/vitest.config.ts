import { defineConfig } from "vitest/config";

// The shadow-traffic bench: `npm run bench:canary`. One file, run once.
export default defineConfig({
  test: {
    include: ["bench/canary/*.bench.test.ts"],
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 900_000,
  },
});
