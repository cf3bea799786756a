/**
 * API keys, TLS material and client limits: validation, what reaches the containers, and that no secret is
 * repeated in an error message or rendered into a plain input.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { apiKeyDigest, apiKeySalt } from "../../components/settings/apiKeys.js";
import { ModelServiceConfigError } from "../../components/settings/configError.js";
import type { ModelServiceArgs } from "../../components/settings/args.js";
import { proxyContainerSettings } from "../../components/runtimes/docker/proxyContainer.js";
import { PROXY_TLS_FILES_SCRIPT, proxyTlsFilesStdin } from "../../components/commands/tlsFiles.js";
import { apiEnvironment } from "../../components/containers/apiEnvironment.js";
import { serviceUrl } from "../../components/containers/addresses.js";
import { nginxConfigOptions } from "../../components/containers/proxyNginxConfig.js";
import { smokeTestEnvironment, smokeTestSecretEnvironment } from "../../components/commands/smokeTest.js";
import { modelServiceArgsFromConfig } from "../../components/settings/stackConfig.js";
import { tlsMaterialProblems } from "../../components/settings/tlsMaterial.js";
import { specFor } from "./support/specs.js";
import { makeTestCertificate } from "./support/tlsFixtures.js";

const KEY_A = "a".repeat(16) + "0123456789abcdef0123";
const KEY_B = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5Cg==";
const cert = makeTestCertificate();
const otherCert = makeTestCertificate();

function rejection(args: ModelServiceArgs): ModelServiceConfigError {
  try {
    specFor(args);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelServiceConfigError);
    return error as ModelServiceConfigError;
  }
  throw new Error("expected a rejection");
}

function isSecret(output: pulumi.Output<string>): Promise<boolean> {
  return pulumi.isSecret(output);
}

describe("API keys", () => {
  it("gives the api only a per-service salt and HMAC digests, never the keys", () => {
    const spec = specFor({ apiKeys: [KEY_A, KEY_B] });
    const salt = apiKeySalt("model-service-unit", "unit", "iris");
    expect(spec.apiKeys?.digests).toEqual([apiKeyDigest(salt, KEY_A), apiKeyDigest(salt, KEY_B)]);
    const env = apiEnvironment(spec);
    expect(env.API_KEY_SALT).toBe(salt);
    expect(env.API_KEY_DIGESTS).toBe(spec.apiKeys?.digests.join(","));
    expect(Object.values(env).join("\n")).not.toContain(KEY_A);
    expect(Object.values(env).join("\n")).not.toContain(KEY_B);
    expect(Object.keys(apiEnvironment(specFor())).some((name) => name.startsWith("API_KEY"))).toBe(false);
  });

  it("salts per service: the same key gives other digests in another stack or service", () => {
    expect(apiKeySalt("p", "dev", "model")).not.toBe(apiKeySalt("p", "prod", "model"));
    expect(apiKeySalt("p", "dev", "model")).not.toBe(apiKeySalt("p", "dev", "other"));
    expect(apiKeySalt("p", "dev", "model")).toBe(apiKeySalt("p", "dev", "model"));
    expect(apiKeyDigest("0123456789abcdef0123456789abcdef", "k".repeat(40))).toBe(
      "ccdc5baf7fc683a96844a41445a413f13ee7e8a9c7fa919940c9c3623632239e", // the vector api/tests/test_api_keys.py checks
    );
  });

  it("is deterministic, so an unchanged key list previews no change", () => {
    expect(apiEnvironment(specFor({ apiKeys: [KEY_A] }))).toEqual(apiEnvironment(specFor({ apiKeys: [KEY_A] })));
  });

  it.each([
    ["apiKeys", []],
    ["apiKeys", "just-one-key-as-a-string-not-a-list"],
    ["apiKeys", Array.from({ length: 17 }, (_, index) => `${KEY_A}${index}`)],
    ["apiKeys[0]", ["short"]],
    ["apiKeys[0]", [`${KEY_A} with spaces`]],
    ["apiKeys[1]", [KEY_A, 42]],
    ["apiKeys[1]", [KEY_A, KEY_A]],
    ["apiKeys[0]", ["x".repeat(257)]],
  ])("rejects %s without repeating the keys", (field, apiKeys) => {
    const error = rejection({ apiKeys: apiKeys as string[] });
    expect(error.fields).toContain(field);
    expect(error.message).toContain("(secret)");
    expect(error.message).not.toContain(KEY_A);
    expect(error.message).not.toContain("short");
  });

  it("hands the smoke test the first key as a Pulumi secret, and nothing without keys", async () => {
    const secrets = smokeTestSecretEnvironment(specFor({ apiKeys: [KEY_A, KEY_B] }));
    expect(Object.keys(secrets)).toEqual(["API_KEY"]);
    expect(await isSecret(secrets.API_KEY as pulumi.Output<string>)).toBe(true);
    expect(JSON.stringify(smokeTestEnvironment(specFor({ apiKeys: [KEY_A] })))).not.toContain(KEY_A);
    expect(smokeTestSecretEnvironment(specFor())).toEqual({});
  });

  it("reads keys from stack config as a JSON list and hides an unreadable value", () => {
    expect(modelServiceArgsFromConfig({ apiKeys: JSON.stringify([KEY_A]) }, "ms").apiKeys).toEqual([KEY_A]);
    expect(() => modelServiceArgsFromConfig({ apiKeys: KEY_A }, "ms")).toThrow(/ms:apiKeys: got "\(secret\)"; expected a JSON list/);
    expect(() => modelServiceArgsFromConfig({ apiKeys: KEY_A }, "ms")).not.toThrow(new RegExp(KEY_A));
  });
});

describe("TLS", () => {
  it("accepts a certificate with its key and serves https on the published port", () => {
    const spec = specFor({ tls: cert, hostPort: 19443 });
    expect(spec.tls).toEqual(cert);
    expect(serviceUrl(spec)).toBe("https://127.0.0.1:19443");
    expect(nginxConfigOptions(spec).tls).toBe(true);
    expect(nginxConfigOptions(specFor()).tls).toBe(false);
  });

  it("mounts the TLS volume and checks health over https inside the container", () => {
    const settings = proxyContainerSettings(specFor({ tls: cert }), "conf", "svc-tls");
    expect(settings.volumes).toEqual([{ volumeName: "svc-tls", containerPath: "/etc/nginx/tls", readOnly: true }]);
    expect(settings.healthcheck.tests).toEqual(expect.arrayContaining(["--insecure", "https://127.0.0.1:8080/nginx-health"]));
    expect(JSON.stringify(settings)).not.toContain("PRIVATE KEY");
    expect(proxyContainerSettings(specFor(), "conf").volumes).toBeUndefined();
  });

  it("hands certificate and key to the volume writer only as a Pulumi secret on standard input", async () => {
    const stdin = proxyTlsFilesStdin(cert);
    expect(await isSecret(stdin)).toBe(true);
    const text = await new Promise<string>((resolve) => stdin.apply((value) => resolve(value)));
    const [certificateLine, keyLine] = text.split("\n");
    expect(Buffer.from(certificateLine ?? "", "base64").toString("utf8")).toBe(cert.certificate);
    expect(Buffer.from(keyLine ?? "", "base64").toString("utf8")).toBe(cert.privateKey);
    // The script never puts the material in an environment or on a command line: it reads it from stdin.
    expect(PROXY_TLS_FILES_SCRIPT).toContain("read -r private_key");
    expect(PROXY_TLS_FILES_SCRIPT).not.toMatch(/--env|-e /);
  });

  it("rejects a key that does not match, an expired certificate and non-PEM text, never repeating the key", () => {
    expect(tlsMaterialProblems(cert.certificate, otherCert.privateKey, new Date()).map((p) => p.field)).toEqual(["tls.privateKey"]);
    const inTenDays = new Date(Date.now() + 10 * 86_400_000);
    expect(tlsMaterialProblems(cert.certificate, cert.privateKey, inTenDays)[0]?.allowed).toMatch(/has not expired/);
    const error = rejection({ tls: { certificate: "not a pem", privateKey: "-----BEGIN PRIVATE KEY-----\nsecretstuff\n-----END PRIVATE KEY-----" } });
    expect(error.fields).toEqual(["tls.certificate", "tls.privateKey"]);
    expect(error.message).not.toContain("secretstuff");
    expect(rejection({ tls: { ...cert, chain: "x" } as never }).fields).toEqual(["tls.chain"]);
    expect(rejection({ tls: "yes" as never }).fields).toEqual(["tls"]);
  });
});

describe("client timeouts and connection limit", () => {
  it("default to 10 s header/body/send, 65 s keep-alive and 100 connections per client", () => {
    const options = nginxConfigOptions(specFor());
    expect(options.clientTimeouts).toEqual({ headerSeconds: 10, bodySeconds: 10, sendSeconds: 10, keepaliveSeconds: 65 });
    expect(options.maxConnectionsPerClient).toBe(1000);
  });

  it("take partial overrides from args and stack config", () => {
    const args = modelServiceArgsFromConfig({ clientTimeouts: '{"headerSeconds":"4"}', maxConnectionsPerClient: "0" }, "ms");
    const spec = specFor(args);
    expect(spec.clientTimeouts).toEqual({ headerSeconds: 4, bodySeconds: 10, sendSeconds: 10, keepaliveSeconds: 65 });
    expect(spec.maxConnectionsPerClient).toBe(0);
  });

  it.each([
    ["clientTimeouts.headerSeconds", { clientTimeouts: { headerSeconds: 0 } }],
    ["clientTimeouts.keepaliveSeconds", { clientTimeouts: { keepaliveSeconds: 3601 } }],
    ["clientTimeouts.idle", { clientTimeouts: { idle: 3 } as never }],
    ["clientTimeouts", { clientTimeouts: 5 as never }],
    ["maxConnectionsPerClient", { maxConnectionsPerClient: -1 }],
    ["maxConnectionsPerClient", { maxConnectionsPerClient: 1.5 }],
  ])("rejects %s", (field, args) => {
    expect(rejection(args as ModelServiceArgs).fields).toEqual([field]);
  });
});
