/**
 * The policy pack shipped in policy/ on the real Pulumi engine: `pulumi preview --policy-pack policy` of the
 * reference stack (Automation API, a throw-away backend), non-compliant and compliant, with and without a
 * policy-pack config. Preview only: nothing is deployed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "./support/pulumi.js";
import { makeTestCertificate } from "../unit/support/tlsFixtures.js";
import { ensureBuilt } from "../support/build.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const policyPack = join(repoRoot, "policy");
const namespace = "model-service";
const API_KEY = "p0licy-".repeat(6);

/** Everything a preview printed, whether it passed or failed. */
async function previewOutput(scratch: ScratchStack, policyPackConfigs: string[] = []): Promise<{ passed: boolean; output: string }> {
  let output = "";
  const onOutput = (text: string) => (output += text);
  try {
    await scratch.stack.preview({ onOutput, policyPacks: [policyPack], policyPackConfigs });
    return { passed: true, output };
  } catch (error) {
    return { passed: false, output: `${output}\n${String(error)}` };
  }
}

describe("the policy pack in pulumi preview --policy-pack", () => {
  beforeAll(() => requireProviderPlugins(repoRoot));

  const name = `e2e-policy-${process.pid}`;
  const configDir = mkdtempSync(join(tmpdir(), "ms-policy-config-"));
  let scratch: ScratchStack;

  beforeAll(async () => {
    ensureBuilt();
    scratch = await createScratchStack(repoRoot, name);
  }, 180_000);

  afterAll(async () => {
    await scratch?.dispose();
    rmSync(join(repoRoot, `Pulumi.${name}.yaml`), { force: true });
    rmSync(configDir, { recursive: true, force: true });
  }, 300_000);

  it("fails a stack without keys or TLS, published on every address, with one message per rule", async () => {
    await scratch.stack.setAllConfig({
      [`${namespace}:replicas`]: { value: "1" },
      [`${namespace}:hostAddress`]: { value: "0.0.0.0" },
      [`${namespace}:hostPort`]: { value: "18510" },
    });
    const { passed, output } = await previewOutput(scratch);
    expect(passed, output).toBe(false);
    expect(output).toMatch(/\[mandatory\]\s+model-service-api-keys-required[\s\S]*ModelService "model": apiKeys is not set/);
    expect(output).toMatch(/\[mandatory\]\s+model-service-tls-required[\s\S]*ModelService "model": tls is not set/);
    expect(output).toMatch(/\[mandatory\]\s+model-service-no-public-plaintext[\s\S]*ModelService "model": published on 0\.0\.0\.0 without TLS/);
    expect(output).toMatch(/\[advisory\]\s+model-service-min-replicas[\s\S]*ModelService "model": replicas is 1, fewer than the 2/);
    expect(output).not.toMatch(/model-service-resource-limits|model-service-swarm-image-digest/);
  }, 300_000);

  it("passes a stack with keys, TLS and two replicas on loopback", async () => {
    const tls = makeTestCertificate();
    await scratch.stack.setAllConfig({
      [`${namespace}:replicas`]: { value: "2" },
      [`${namespace}:hostAddress`]: { value: "127.0.0.1" },
      [`${namespace}:apiKeys`]: { value: JSON.stringify([API_KEY]), secret: true },
      [`${namespace}:tls`]: { value: JSON.stringify({ certificate: tls.certificate, privateKey: tls.privateKey }), secret: true },
    });
    const { passed, output } = await previewOutput(scratch);
    expect(passed, output).toBe(true);
    expect(output).not.toMatch(/model-service-[a-z-]+\s+\(model-service:index:ModelService/);
    expect(output).not.toContain(API_KEY);
  }, 300_000);

  it("takes each rule's level and settings from a policy-pack config", async () => {
    const config = join(configDir, "strict.json");
    writeFileSync(config, JSON.stringify({ "model-service-min-replicas": { enforcementLevel: "mandatory", minimum: 3 } }));
    const { passed, output } = await previewOutput(scratch, [config]);
    expect(passed, output).toBe(false);
    expect(output).toMatch(/\[mandatory\]\s+model-service-min-replicas[\s\S]*ModelService "model": replicas is 2, fewer than the 3 this policy requires/);
  }, 300_000);
});
