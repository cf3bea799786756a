/**
 * A TypeScript stack composing ModelService with other resources, as the product card promises: its API key is
 * a command's generated secret output, an environment value and a label value are another container's name, and
 * the TLS certificate and key come from `requireSecret` config. A preview with those values still unknown
 * succeeds and shows them unknown; a key that turns out invalid only when it is generated fails `pulumi up`,
 * naming the field; the deployed service answers with the key and 401 without, and no secret is in plain text
 * anywhere (state, stack export, engine output, docker inspect, logs).
 */
import { expect } from "vitest";
import { docker } from "./support/docker.js";
import { describeConsumer } from "./support/consumerScenario.js";
import { installTarball, runCommand } from "./support/consumerStack.js";
import { pemSecrets } from "./support/secretSearch.js";
import { makeTestCertificate } from "../unit/support/tlsFixtures.js";

// The proxy serves a self-signed certificate this test made, on loopback: predictions do not verify it.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";

const STACK = "pk-compose";
const material = makeTestCertificate(7, "127.0.0.1");

describeConsumer({
  title: "a TypeScript stack composing it with other resources",
  layout: "typescript-compose",
  stackName: STACK,
  model: { fixture: "kelvin", dir: "models/kelvin" },
  async prepare(projectDir, packed) {
    await installTarball(projectDir, packed.tarball);
  },
  async configure(stack) {
    // PEM text starts with dashes: after `--`, where stack.pulumi would append its own flag, so run the CLI directly.
    for (const [key, pem] of [["tlsCertificate", material.certificate], ["tlsPrivateKey", material.privateKey]]) {
      await runCommand("pulumi", ["config", "set", "--secret", "--non-interactive", "--stack", STACK, key, "--", pem], { cwd: stack.projectDir, env: stack.env });
    }
  },
  beforeDeploy: {
    "previews with the generated key and the feature store's name not known yet, showing them unknown": async (stack) => {
      const { stdout } = await stack.pulumi(["preview", "--diff", "--stack", STACK], 600_000);
      expect(stdout).toContain("model-service:index:ModelService");
      expect(stdout).toMatch(/output<string>|\[unknown\]/);
    },
    "fails pulumi up naming apiKeys[0] when the generated key is invalid, known only at apply time": async (stack) => {
      await stack.pulumi(["config", "set", "keyCommand", "echo short-generated-key", "--stack", STACK]);
      const failure = await stack.up().then(
        () => new Error("pulumi up succeeded with a 19-character key"),
        (error: unknown) => error as Error,
      );
      expect(failure.message).toContain('Invalid ModelService arguments for "kelvin"');
      expect(failure.message).toMatch(/apiKeys\[0\]: got "\(secret\)"; expected 32 to 256 characters/);
      const diagnostic = failure.message.slice(failure.message.indexOf("Invalid ModelService arguments"));
      expect(diagnostic.split("\n").slice(0, 3).join("\n")).not.toContain("short-generated-key");
      await stack.pulumi(["config", "rm", "keyCommand", "--stack", STACK]);
    },
  },
  checks: {},
  secrets: async (stack) => {
    const { stdout } = await stack.pulumi(["stack", "output", "generatedApiKey", "--show-secrets", "--stack", STACK]);
    return [{ name: "the generated API key", plaintext: stdout.trim() }, ...pemSecrets("the TLS private key", material.privateKey)];
  },
  expected: {
    predictUrl: "https://127.0.0.1:19205/predict",
    apiKey: { output: "generatedApiKey" },
    replicas: 1,
    modelName: "celsius-to-kelvin",
    modelVersion: "1.0.0",
    instances: [[0], [100], [-273.15]],
    predictions: [273.15, 373.15, 0],
  },
  afterDeploy: {
    "gives the api the feature store's name as an environment value and a label": async (stack) => {
      const outputs = await stack.outputs();
      const [api] = outputs.apiContainerNames as string[];
      const env = await docker(["inspect", "--format", "{{json .Config.Env}}", api]);
      expect(JSON.parse(env)).toContain(`FEATURE_STORE_HOST=${String(outputs.featureStoreName)}`);
      const label = await docker(["inspect", "--format", '{{index .Config.Labels "com.example.feature-store"}}', api]);
      expect(label.trim()).toBe(String(outputs.featureStoreName));
    },
  },
});
