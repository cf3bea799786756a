/**
 * A CommonJS TypeScript stack as `pulumi new typescript` lays it out: `main: index.ts`, run by Pulumi's own
 * TypeScript support (ts-node, type-checked), no build step, model-service installed from the packed tarball.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { describeConsumer } from "./support/consumerScenario.js";
import { installTarball, runCommand } from "./support/consumerStack.js";

describeConsumer({
  title: "a CommonJS TypeScript stack (pulumi new typescript)",
  layout: "typescript-commonjs",
  stackName: "pk-cjs",
  model: { fixture: "basket-size", dir: "model" },
  async prepare(projectDir, packed) {
    await installTarball(projectDir, packed.tarball);
  },
  checks: {
    "resolves require('model-service') to the CommonJS build, which finds the package's build contexts": async (projectDir) => {
      const installed = join(projectDir, "node_modules", "model-service");
      const script = [
        'const resolved = require.resolve("model-service");',
        'const { apiContextDir } = require(require("path").join(require("path").dirname(resolved), "images", "packagePaths.js"));',
        "console.log(JSON.stringify({ resolved, api: apiContextDir(), service: typeof require('model-service').ModelService }));",
      ].join("\n");
      const { stdout } = await runCommand("node", ["-e", script], { cwd: projectDir });
      expect(JSON.parse(stdout)).toEqual({
        resolved: join(installed, "dist", "cjs", "components", "index.js"),
        api: join(installed, "api"),
        service: "function",
      });
      expect(JSON.parse(readFileSync(join(projectDir, "package.json"), "utf8")).main).toBe("index.ts");
    },
  },
  expected: {
    predictUrl: "http://127.0.0.1:19201/predict",
    replicas: 1,
    modelName: "basket-size",
    modelVersion: "1.2.0",
    instances: [[1, 2], [4, 8]],
    predictions: ["small", "large"],
  },
});
