/**
 * Args fields that take a `pulumi.Input`: a value known now is checked at construction as ever; an Output is
 * accepted, keeps its secrecy, and is checked when its value is known, with the same error naming the field; a
 * value still unknown (a preview) passes as unknown. Plain fields refuse an Output, naming the field and why.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ModelServiceConfigError } from "../../../components/settings/configError.js";
import { apiKeyDigest } from "../../../components/settings/apiKeys.js";
import { apiEnvironment } from "../../../components/containers/apiEnvironment.js";
import { dockerEnvs } from "../../../components/runtimes/docker/envs.js";
import { modelServiceLabels } from "../../../components/containers/labels.js";
import { proxyTlsFilesStdin } from "../../../components/commands/tlsFiles.js";
import { smokeTestEnvironment, smokeTestSecretEnvironment } from "../../../components/commands/smokeTest.js";
import { resolveModelServiceSpec } from "../../../components/settings/validation.js";
import { specFor, testContext } from "../support/specs.js";
import type { ModelServiceSpec } from "../../../components/settings/spec.js";
import { makeTestCertificate } from "../support/tlsFixtures.js";

const KEY = "k".repeat(64);
const OTHER_KEY = "o".repeat(64);

/** An Output as the engine makes one: known or not, secret or not. */
function engineOutput<T>(value: T, options: { secret?: boolean; known?: boolean } = {}): pulumi.Output<T> {
  const OutputClass = pulumi.Output as unknown as new (
    resources: Set<pulumi.Resource>,
    promise: Promise<unknown>,
    isKnown: Promise<boolean>,
    isSecret: Promise<boolean>,
    allResources: Promise<Set<pulumi.Resource>>,
  ) => pulumi.Output<T>;
  return new OutputClass(new Set(), Promise.resolve(value), Promise.resolve(options.known ?? true), Promise.resolve(options.secret ?? false), Promise.resolve(new Set()));
}

interface OutputInternals {
  promise(): Promise<unknown>;
  readonly isKnown: Promise<boolean>;
  readonly isSecret: Promise<boolean>;
}

/**
 * What an Input settles to: its value and secrecy, or the error of its check. Every promise of the Output is
 * awaited, as the engine does when a resource takes it (a failed check rejects them all).
 */
async function settle(value: pulumi.Input<unknown> | undefined): Promise<{ value?: unknown; secret?: boolean; error?: unknown }> {
  if (!pulumi.Output.isInstance(value)) {
    return { value: await value, secret: false };
  }
  const output = value as unknown as OutputInternals;
  const [settled, , secret] = await Promise.allSettled([output.promise(), output.isKnown, output.isSecret]);
  return settled.status === "rejected" ? { error: settled.reason } : { value: settled.value, secret: secret.status === "fulfilled" && secret.value };
}

/** Settles every Output a spec holds that no resource takes in these tests, so none rejects unobserved. */
async function settleLeaves(spec: ModelServiceSpec): Promise<void> {
  await Promise.all(
    [
      ...(spec.apiKeys?.keys ?? []),
      ...(spec.apiKeys?.digests ?? []),
      ...Object.values(spec.environment),
      ...Object.values(spec.labels),
      spec.tls?.certificate,
      spec.tls?.privateKey,
      spec.smokeTest.instances,
      spec.registry?.username,
    ].map(settle),
  );
}

/** The check's error: a ModelServiceConfigError naming exactly `fields`. */
async function expectRejected(value: pulumi.Input<unknown> | undefined, fields: string[]): Promise<string> {
  const { error } = await settle(value);
  expect(error).toBeInstanceOf(ModelServiceConfigError);
  expect((error as ModelServiceConfigError).fields).toEqual(fields);
  expect(String(error)).toContain('ModelService arguments for "iris"');
  return String(error);
}

describe("Input fields given Outputs", () => {
  it("keeps plain values plain: the same inputs as before Inputs existed", () => {
    const spec = specFor({ environment: { MODE: "fast" }, labels: { team: "ml" }, apiKeys: [KEY] });
    expect(dockerEnvs(apiEnvironment(spec))).toContain("MODE=fast");
    expect(dockerEnvs(apiEnvironment(spec)).every((entry) => typeof entry === "string")).toBe(true);
    expect(spec.apiKeys?.digests).toEqual([apiKeyDigest(spec.apiKeys?.salt ?? "", KEY)]);
  });

  it("takes environment and label values from another resource, a secret staying secret", async () => {
    const databaseUrl = engineOutput("postgres://db:5432/features", { secret: true });
    const spec = specFor({ environment: { DATABASE_URL: databaseUrl, MODE: engineOutput("fast") }, labels: { owner: engineOutput("team-a") } });
    const envs = dockerEnvs(apiEnvironment(spec));
    const databaseEntry = envs.find((entry) => pulumi.Output.isInstance(entry) || String(entry).startsWith("DATABASE_URL="));
    expect(await settle(databaseEntry)).toEqual({ value: "DATABASE_URL=postgres://db:5432/features", secret: true });
    const labels = modelServiceLabels({ project: "p", stack: "s", service: "iris", component: "api", extra: spec.labels });
    expect(await settle(labels.find((label) => label.label === "owner")?.value)).toEqual({ value: "team-a", secret: false });
    await settleLeaves(spec);
  });

  it("takes API keys from another resource: digests in the api environment (not secret), the key a secret for the smoke test only", async () => {
    const spec = specFor({ apiKeys: [engineOutput(KEY, { secret: true }), OTHER_KEY] });
    const salt = spec.apiKeys?.salt ?? "";
    const digests = await settle(apiEnvironment(spec).API_KEY_DIGESTS);
    expect(digests).toEqual({ value: `${apiKeyDigest(salt, KEY)},${apiKeyDigest(salt, OTHER_KEY)}`, secret: false });
    expect(await settle(smokeTestSecretEnvironment(spec).API_KEY)).toEqual({ value: KEY, secret: true });
    await settleLeaves(spec);
  });

  it("takes TLS material from secret config and smoke-test rows from an output", async () => {
    const material = makeTestCertificate();
    const spec = specFor({
      tls: { certificate: engineOutput(material.certificate, { secret: true }), privateKey: engineOutput(material.privateKey, { secret: true }) },
      smokeTestInstances: engineOutput([[1, 2, 3, 4]]),
    });
    const stdin = await settle(proxyTlsFilesStdin(spec.tls ?? { certificate: "", privateKey: "" }));
    expect(stdin.secret).toBe(true);
    expect(String(stdin.value).split("\n")[0]).toBe(Buffer.from(material.certificate).toString("base64"));
    expect(await settle(smokeTestEnvironment(spec).PREDICT_BODY)).toEqual({ value: '{"instances":[[1,2,3,4]]}', secret: false });
    await settleLeaves(spec);
  });

  it("accepts values not known yet (a preview) and leaves what depends on them unknown", async () => {
    const unknown = () => engineOutput<string>(undefined as unknown as string, { known: false });
    const spec = specFor({ apiKeys: [unknown()], environment: { DATABASE_URL: unknown() }, tls: { certificate: unknown(), privateKey: unknown() } });
    const digests = apiEnvironment(spec).API_KEY_DIGESTS as unknown as OutputInternals;
    expect(await digests.isKnown).toBe(false);
    expect(await (proxyTlsFilesStdin(spec.tls ?? { certificate: "", privateKey: "" }) as unknown as OutputInternals).isKnown).toBe(false);
    await settleLeaves(spec);
  });
});

describe("Input values known only at apply time are checked then, with the same message naming the field", () => {
  it("API keys: too short, or repeating another", async () => {
    const spec = specFor({ apiKeys: [engineOutput("short", { secret: true }), KEY, engineOutput(KEY)] });
    const message = await expectRejected(apiEnvironment(spec).API_KEY_DIGESTS, ["apiKeys[0]", "apiKeys[2]"]);
    expect(message).toContain("apiKeys[0]: got \"(secret)\"; expected 32 to 256 characters");
    expect(message).toContain("it repeats apiKeys[1]");
    expect(message).not.toContain("short");
    await settleLeaves(spec);
    // The same key known at construction gives the same message, then.
    expect(() => specFor({ apiKeys: ["short"] })).toThrow('apiKeys[0]: got "(secret)"; expected 32 to 256 characters');
  });

  it("TLS: an expired certificate, a key that is not PEM", async () => {
    const expired = makeTestCertificate(1);
    const later = new Date(Date.now() + 3 * 86_400_000);
    const spec = resolveModelServiceSpec(
      { tls: { certificate: engineOutput(expired.certificate), privateKey: engineOutput("not a key", { secret: true }) } },
      testContext({ now: later }),
    );
    const message = await expectRejected(spec.tls?.certificate, ["tls.certificate", "tls.privateKey"]);
    expect(message).toContain("a certificate that has not expired");
    expect(message).not.toContain("not a key");
    await settleLeaves(spec);
  });

  it("environment and label values that are not strings, smoke-test rows that do not fit, an empty registry user", async () => {
    const spec = specFor({
      environment: { COUNT: engineOutput(3 as unknown as string) },
      labels: { owner: engineOutput(null as unknown as string) },
      smokeTestInstances: engineOutput([]),
      registry: { server: "registry.example:5000", username: engineOutput(""), password: engineOutput("pw", { secret: true }) },
    });
    await expectRejected(apiEnvironment(spec).COUNT, ["environment.COUNT"]);
    await expectRejected(spec.labels.owner, ["labels.owner"]);
    await expectRejected(smokeTestEnvironment(spec).PREDICT_BODY, ["smokeTestInstances"]);
    await expectRejected(spec.registry?.username, ["registry.username"]);
    await settleLeaves(spec);
  });
});

describe("plain fields given an Output", () => {
  it("are refused at construction, naming each field and why it takes a plain value", () => {
    expect(() => specFor({ replicas: engineOutput(3) as unknown as number, hostPort: engineOutput(8080) as unknown as number })).toThrow(
      /replicas: got "\(an output's value\)"; expected a value known when the program runs, not a pulumi.Input: it decides which resources or containers exist[\s\S]*hostPort:/,
    );
  });
});
