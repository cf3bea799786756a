/**
 * An ES module TypeScript stack: `"type": "module"`, `module: nodenext`, `main: index.ts` run by Pulumi's ESM
 * mode (ts-node 10's loader), model-service installed from the packed tarball and imported with `import`.
 */
import { join } from "node:path";
import { expect } from "vitest";
import { describeConsumer } from "./support/consumerScenario.js";
import { installTarball, runCommand } from "./support/consumerStack.js";

describeConsumer({
  title: "an ES module TypeScript stack",
  layout: "typescript-esm",
  stackName: "pk-esm",
  model: { fixture: "dominant-colour", dir: "models/colour" },
  async prepare(projectDir, packed) {
    await installTarball(projectDir, packed.tarball);
  },
  checks: {
    "resolves import 'model-service' to the ES module build": async (projectDir) => {
      const { stdout } = await runCommand("node", ["--input-type=module", "-e", 'console.log(import.meta.resolve("model-service"))'], { cwd: projectDir });
      expect(stdout.trim()).toBe(`file://${join(projectDir, "node_modules", "model-service", "dist", "components", "index.js")}`);
    },
  },
  expected: {
    predictUrl: "http://127.0.0.1:19202/predict",
    replicas: 2,
    modelName: "dominant-colour",
    modelVersion: "3.0.1-esm",
    instances: [[200, 10, 10], [0, 90, 10], [1, 2, 3]],
    predictions: ["red", "green", "blue"],
  },
});
