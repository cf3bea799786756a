/**
 * A Pulumi YAML stack: model-service installed from the packed tarball with npm, its component package added
 * with `pulumi package add ./node_modules/model-service/provider`, and ModelService used by type token. The
 * plugin runs in the Node.js language host and builds the same resources as the TypeScript component. Its API
 * key comes from secret stack config, as the README tells YAML users, and stays out of the state in plain text.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { describeConsumer } from "./support/consumerScenario.js";
import { installTarball } from "./support/consumerStack.js";

const PLUGIN_DIR = "./node_modules/model-service/provider";
const API_KEY = randomBytes(32).toString("hex");

describeConsumer({
  title: "a YAML stack through the component package",
  layout: "yaml",
  stackName: "pk-yaml",
  model: { fixture: "temperature-sign", dir: "model" },
  async prepare(projectDir, packed, stack) {
    await installTarball(projectDir, packed.tarball);
    await stack.pulumi(["package", "add", PLUGIN_DIR], 600_000).catch((error: unknown) => {
      // The YAML host is machine-wide: a checkout whose scripts/setup predates our Link patch builds it back.
      const hint = /method Link not implemented/.test(String(error))
        ? "\nThe YAML language host on PATH lacks Link (scripts/toolchain/language-yaml/main.go): run scripts/setup in this checkout."
        : "";
      throw new Error(`${String(error)}${hint}`);
    });
  },
  async configure(stack) {
    await stack.pulumi(["config", "set", "--secret", "--path", "apiKeys[0]", API_KEY, "--stack", stack.stackName]);
  },
  checks: {
    "records the component package in Pulumi.yaml, keeping the program": (projectDir, packed) => {
      const project = readFileSync(join(projectDir, "Pulumi.yaml"), "utf8");
      expect(project).toMatch(/\npackages:\n {2}model-service: (\.\/)?node_modules\/model-service\/provider\n/);
      expect(project).toContain("type: model-service:ModelService");
      // For YAML the "SDK" is a package declaration naming the package and its version.
      expect(readFileSync(join(projectDir, "sdks", "model-service", `model-service-${packed.version}.yaml`), "utf8")).toContain(`name: model-service\nversion: ${packed.version}`);
    },
  },
  expected: {
    predictUrl: "http://127.0.0.1:19203/predict",
    apiKey: API_KEY,
    replicas: 1,
    modelName: "temperature-sign",
    modelVersion: "0.9.0",
    instances: [[-12.5], [0], [21]],
    predictions: ["freezing", "thawing", "thawing"],
  },
});
