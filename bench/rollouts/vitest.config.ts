import { defineConfig } from "vitest/config";

// The rollout bench: `npm run bench:rollouts`. One file, run once, with the time a scenario of `up`s needs.
export default defineConfig({
  test: {
    include: ["bench/rollouts/*.bench.test.ts"],
    fileParallelism: false,
    testTimeout: 3_600_000,
    hookTimeout: 900_000,
  },
});
