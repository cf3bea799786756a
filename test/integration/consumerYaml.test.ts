/**
 * A Pulumi YAML stack: model-service installed from the packed tarball with npm, its component package added
 * with `pulumi package add ./node_modules/model-service/provider`, and ModelService used by type token. The
 * plugin runs in the Node.js language host and builds the same resources as the TypeScript component. One API
 * key comes from secret stack config, as the README tells YAML users, another is a command's generated secret
 * output, and an environment value is another resource's output: all reach ModelService as Inputs, and no key is
 * in plain text anywhere.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { describeConsumer } from "./support/consumerScenario.js";
import { installTarball, predict } from "./support/consumerStack.js";
import { docker } from "./support/docker.js";

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
  afterDeploy: {
    "answers with the generated key too, and gives the api the other resource's output as an environment value": async (stack) => {
      const outputs = await stack.outputs();
      const { stdout } = await stack.pulumi(["stack", "output", "generatedApiKey", "--show-secrets", "--stack", stack.stackName]);
      expect((await predict(String(outputs.predictUrl), [[3]], stdout.trim())).status).toBe(200);
      const [api] = outputs.apiContainerNames as string[];
      expect(JSON.parse(await docker(["inspect", "--format", "{{json .Config.Env}}", api]))).toContain("FEATURE_STORE=feature-store.yaml.internal:6379");
    },
  },
  secrets: async (stack) => {
    const { stdout } = await stack.pulumi(["stack", "output", "generatedApiKey", "--show-secrets", "--stack", stack.stackName]);
    return [
      { name: "the API key from secret config", plaintext: API_KEY },
      { name: "the generated API key", plaintext: stdout.trim() },
    ];
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
