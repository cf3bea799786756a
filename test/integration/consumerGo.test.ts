/**
 * A Go stack: the component package added from this repository's checkout (`pulumi package add
 * <checkout>/provider`, after `npm ci && npm run build` there), which generates a Go SDK in sdks/model-service
 * and points go.mod at it; main.go uses that SDK. Go modules come from the Go module proxy. Its API key is
 * secret config that main.go passes as a secret Output (`ApiKeys []pulumi.StringInput`), and an environment value
 * is another resource's output; no key is in plain text anywhere.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { REPOSITORY_ROOT } from "../support/componentSource.js";
import { describeConsumer } from "./support/consumerScenario.js";
import { docker } from "./support/docker.js";

const PLUGIN_DIR = join(REPOSITORY_ROOT, "provider");
const API_KEY = randomBytes(32).toString("hex");

describeConsumer({
  title: "a Go stack through the generated Go SDK",
  layout: "go",
  stackName: "pk-go",
  model: { fixture: "fahrenheit", dir: "model" },
  async prepare(_projectDir, _packed, stack) {
    await stack.pulumi(["package", "add", PLUGIN_DIR], 600_000);
  },
  async configure(stack) {
    await stack.pulumi(["config", "set", "--secret", "apiKey", API_KEY, "--stack", stack.stackName]);
  },
  checks: {
    "generates the Go SDK and points go.mod and Pulumi.yaml at it": (projectDir) => {
      expect(readFileSync(join(projectDir, "go.mod"), "utf8")).toContain("replace example.com/pulumi-model-service/sdk/go => ./sdks/model-service");
      expect(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")).toContain(`packages:\n  model-service: ${PLUGIN_DIR}\n`);
      const sdk = readFileSync(join(projectDir, "sdks", "model-service", "modelservice", "modelService.go"), "utf8");
      expect(sdk).toContain("func NewModelService(ctx *pulumi.Context");
      expect(sdk).toContain("PredictUrl pulumi.StringOutput");
      expect(sdk).toContain("ApiKeys []pulumi.StringInput");
      expect(sdk).toContain("Environment map[string]pulumi.StringInput");
    },
  },
  afterDeploy: {
    "gives the api another resource's output as an environment value": async () => {
      const containers = await docker(["ps", "--format", "{{.Names}}", "--filter", "label=model-service.stack=pk-go", "--filter", "label=model-service.component=api"]);
      const name = containers.trim().split("\n")[0];
      expect(JSON.parse(await docker(["inspect", "--format", "{{json .Config.Env}}", name]))).toContain("FEATURE_STORE=feature-store.go.internal:6379");
    },
  },
  secrets: () => [{ name: "the API key from secret config", plaintext: API_KEY }],
  expected: {
    predictUrl: "http://127.0.0.1:19204/predict",
    apiKey: API_KEY,
    replicas: 1,
    modelName: "celsius-to-fahrenheit",
    modelVersion: "1.0.0",
    instances: [[100], [-40], [0], [5]],
    predictions: [212, -40, 32, 41],
  },
});
