/**
 * Inputs from other languages (through the component package) as the provider server hands them over:
 * secrets and values with dependencies arrive as Outputs, at the top of a field or nested in it. Input fields get
 * them as they are (also unknown ones), plain fields get values or are refused, naming the field.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { modelServiceInputs } from "../../../provider/host/inputs.js";
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

/** The value and secrecy of an Output handed on, or the plain value. */
async function look(value: unknown): Promise<{ value: unknown; secret: boolean }> {
  if (!pulumi.Output.isInstance(value)) {
    return { value, secret: false };
  }
  const output = value as unknown as { promise(): Promise<unknown> };
  return { value: await output.promise(), secret: await pulumi.isSecret(value) };
}

describe("modelServiceInputs", () => {
  it("passes plain inputs through unchanged", async () => {
    const inputs = { replicas: 2, rateLimit: { requestsPerSecond: 5 }, labels: { team: "x" }, smokeTestInstances: [[1, 2]] };
    expect(await modelServiceInputs(inputs)).toEqual(inputs);
  });

  it("hands a secret list of API keys and secret TLS material on item by item, each still a secret", async () => {
    const tls = { certificate: "CERT", privateKey: "KEY" };
    const resolved = await modelServiceInputs({ apiKeys: engineOutput([KEY], { secret: true }), tls: engineOutput(tls, { secret: true }) });
    const keys = resolved.apiKeys as unknown[];
    expect(keys).toHaveLength(1);
    expect(await look(keys[0])).toEqual({ value: KEY, secret: true });
    const handed = resolved.tls as Record<string, unknown>;
    expect(await look(handed.certificate)).toEqual({ value: "CERT", secret: true });
    expect(await look(handed.privateKey)).toEqual({ value: "KEY", secret: true });
  });

  it("resolves Outputs of plain fields, and keeps Outputs of Input fields as they are", async () => {
    const key = engineOutput(KEY, { secret: true });
    const databaseUrl = engineOutput("postgres://db:5432/x");
    const resolved = await modelServiceInputs({
      modelVersion: engineOutput("2.0.0"),
      rateLimit: { requestsPerSecond: engineOutput(7) },
      apiKeys: [key],
      environment: { DATABASE_URL: databaseUrl, MODE: "fast" },
    });
    expect(resolved).toEqual({ modelVersion: "2.0.0", rateLimit: { requestsPerSecond: 7 }, apiKeys: [key], environment: { DATABASE_URL: databaseUrl, MODE: "fast" } });
  });

  it("accepts values not known yet in Input fields and members (a preview)", async () => {
    const unknown = () => engineOutput(undefined, { known: false });
    const inputs = { apiKeys: [unknown()], environment: { DATABASE_URL: unknown() }, labels: { owner: unknown() }, smokeTestInstances: unknown(), tls: { certificate: unknown(), privateKey: unknown() }, registry: { server: "r.example:5000", username: unknown(), password: unknown() } };
    expect(await modelServiceInputs(inputs)).toEqual(inputs);
  });

  it("hands a registry password on as a secret, and the server as a plain value", async () => {
    const resolved = await modelServiceInputs({ registry: { server: engineOutput("registry.example:5000"), username: "ci", password: engineOutput("hunter2", { secret: true }) } });
    const registry = resolved.registry as { server: string; password: pulumi.Output<string> };
    expect(registry.server).toBe("registry.example:5000");
    expect(await look(registry.password)).toEqual({ value: "hunter2", secret: true });
  });

  it("refuses a secret in a plain field, and a value not known yet where the shape or the proxy's config depends on it, naming each field", async () => {
    const rejected = await modelServiceInputs({
      modelName: engineOutput("iris", { secret: true }),
      hostPort: engineOutput(undefined, { known: false }),
      environment: engineOutput(undefined, { known: false }),
      registry: { server: engineOutput("r.example", { secret: true }) },
      replicas: 1,
    }).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(ModelServiceConfigError);
    expect((rejected as ModelServiceConfigError).fields).toEqual(["modelName", "hostPort", "environment", "registry.server"]);
    expect(String(rejected)).toContain('modelName: got "(secret)"; expected a plain value: only environment, labels, registry.username, registry.password, smokeTestInstances, apiKeys, tls.certificate, tls.privateKey take a secret');
    expect(String(rejected)).toContain("environment: got \"(not known yet)\"; expected a map known when the program runs");
    expect(String(rejected)).not.toContain("iris");
  });
});
