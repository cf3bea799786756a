/**
 * Inputs from other languages (through the component package) as the provider server hands them over:
 * secrets and values with dependencies arrive as Outputs, which ModelService's plain args cannot take.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { plainModelServiceInputs } from "../../../provider/host/inputs.js";
import { ModelServiceConfigError } from "../../../components/settings/configError.js";

/** An Output the way the provider server makes one from a deserialized input (provider/server.js). */
function engineOutput(value: unknown, options: { secret?: boolean; known?: boolean } = {}): pulumi.Output<unknown> {
  const OutputClass = pulumi.Output as unknown as new (
    resources: Set<pulumi.Resource>,
    promise: Promise<unknown>,
    isKnown: Promise<boolean>,
    isSecret: Promise<boolean>,
    allResources: Promise<Set<pulumi.Resource>>,
  ) => pulumi.Output<unknown>;
  return new OutputClass(new Set(), Promise.resolve(value), Promise.resolve(options.known ?? true), Promise.resolve(options.secret ?? false), Promise.resolve(new Set()));
}

const KEY = "a".repeat(64);

describe("plainModelServiceInputs", () => {
  it("passes plain inputs through unchanged", async () => {
    const inputs = { replicas: 2, rateLimit: { requestsPerSecond: 5 }, labels: { team: "x" }, smokeTestInstances: [[1, 2]] };
    expect(await plainModelServiceInputs(inputs)).toEqual(inputs);
  });

  it("resolves secret API keys and TLS material to the values ModelService keeps secret itself", async () => {
    const tls = { certificate: "CERT", privateKey: "KEY" };
    expect(await plainModelServiceInputs({ apiKeys: engineOutput([KEY], { secret: true }), tls: engineOutput(tls, { secret: true }) })).toEqual({ apiKeys: [KEY], tls });
  });

  it("resolves Outputs nested in objects and lists, and plain values that depend on other resources", async () => {
    const resolved = await plainModelServiceInputs({ modelVersion: engineOutput("2.0.0"), rateLimit: { requestsPerSecond: engineOutput(7) }, apiKeys: [engineOutput(KEY, { secret: true })] });
    expect(resolved).toEqual({ modelVersion: "2.0.0", rateLimit: { requestsPerSecond: 7 }, apiKeys: [KEY] });
  });

  it("hands a registry password on as a secret", async () => {
    const resolved = await plainModelServiceInputs({ registry: engineOutput({ server: "registry.example:5000", username: "ci", password: "hunter2" }, { secret: true }) });
    const registry = resolved.registry as { server: string; password: pulumi.Output<string> };
    expect(registry.server).toBe("registry.example:5000");
    expect(pulumi.Output.isInstance(registry.password)).toBe(true);
    expect(await pulumi.isSecret(registry.password)).toBe(true);
  });

  it("refuses a secret where ModelService would store it in plain text, and values not known yet, naming each field", async () => {
    const rejected = await plainModelServiceInputs({
      environment: engineOutput({ TOKEN: "t" }, { secret: true }),
      hostPort: engineOutput(undefined, { known: false }),
      replicas: 1,
    }).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(ModelServiceConfigError);
    expect((rejected as ModelServiceConfigError).fields).toEqual(["environment", "hostPort"]);
    expect(String(rejected)).toContain('environment: got "(secret)"; expected a plain value: only apiKeys, tls, registry are kept secret');
    expect(String(rejected)).not.toContain("TOKEN");
  });
});
