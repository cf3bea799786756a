import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ModelServiceConfigError } from "../../../components/settings/configError.js";
import { loadModelServiceArgs, modelServiceArgsFromConfig } from "../../../components/settings/stackConfig.js";
import { specFor } from "../support/specs.js";
import { installMocks, valueOf } from "../support/pulumiMocks.js";

installMocks();

describe("modelServiceArgsFromConfig", () => {
  it("turns numeric strings into numbers and keeps strings", () => {
    expect(
      modelServiceArgsFromConfig(
        { replicas: "3", apiCpus: "1.5", hostPort: "18081", hostAddress: "0.0.0.0", modelVersion: "2", logMaxSize: "20m" },
        "model-service",
      ),
    ).toEqual({ replicas: 3, apiCpus: 1.5, hostPort: 18081, hostAddress: "0.0.0.0", modelVersion: "2", logMaxSize: "20m" });
  });

  it("accepts numbers that already are numbers, and numbers for string fields", () => {
    expect(modelServiceArgsFromConfig({ replicas: 4, modelVersion: 3 }, "ms")).toEqual({ replicas: 4, modelVersion: "3" });
  });

  it("parses structured values given as JSON text, converting their numeric members", () => {
    expect(
      modelServiceArgsFromConfig(
        {
          rateLimit: '{"requestsPerSecond":"10","burst":20}',
          environment: '{"LOG_LEVEL":"info","WORKER_CACHE":64}',
          labels: { team: "ml" },
          smokeTestInstances: "[[1,2],[3,4]]",
          registry: '{"server":"registry.example.com","username":"ci","password":"pw"}',
        },
        "ms",
      ),
    ).toEqual({
      rateLimit: { requestsPerSecond: 10, burst: 20 },
      environment: { LOG_LEVEL: "info", WORKER_CACHE: "64" },
      labels: { team: "ml" },
      smokeTestInstances: [
        [1, 2],
        [3, 4],
      ],
      registry: { server: "registry.example.com", username: "ci", password: "pw" },
    });
  });

  it("gives args that validate to the same spec as typed args", () => {
    const fromConfig = modelServiceArgsFromConfig({ replicas: "1", gunicornTimeoutSeconds: "60", maxBodyBytes: "2048" }, "ms");
    expect(specFor(fromConfig)).toEqual(specFor({ replicas: 1, gunicornTimeoutSeconds: 60, maxBodyBytes: 2048 }));
  });

  it("names every unknown or unconvertible key with its namespace", () => {
    let error: unknown;
    try {
      modelServiceArgsFromConfig(
        { replica: "2", replicas: "two", rateLimit: "{not json", smokeTestInstances: '{"a":1}', environment: "[1]" },
        "model-service",
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ModelServiceConfigError);
    const problems = (error as ModelServiceConfigError).problems;
    expect(problems.map((p) => [p.field, p.value, p.allowed])).toEqual([
      ["model-service:environment", "[1]", "a JSON object"],
      ["model-service:rateLimit", "{not json", "a JSON object"],
      [
        "model-service:replica",
        "2",
        expect.stringMatching(/^one of the ModelService settings: modelDir, .*replicas, .*smokeTestTimeoutSeconds, .*apiKeys, tls, runtime, swarm, candidate$/),
      ],
      ["model-service:replicas", "two", "a number"],
      ["model-service:smokeTestInstances", '{"a":1}', "a JSON list"],
    ]);
    expect((error as Error).message.split("\n")[0]).toBe('Invalid stack config "model-service":');
  });

  it("rejects a non-numeric rate", () => {
    expect(() => modelServiceArgsFromConfig({ rateLimit: '{"requestsPerSecond":"fast"}' }, "ms")).toThrow(
      /ms:rateLimit: got .*; expected an object whose requestsPerSecond is a number/,
    );
  });
});

describe("loadModelServiceArgs", () => {
  it("reads only its namespace from the stack config and keeps the registry password secret", async () => {
    pulumi.runtime.setAllConfig({
      "model-service:replicas": "5",
      "model-service:registry": '{"server":"registry.example.com","username":"ci","password":"pw"}',
      "other:replicas": "9",
    });
    const args = loadModelServiceArgs("model-service");
    expect(args.replicas).toBe(5);
    expect(args.registry?.server).toBe("registry.example.com");
    const password = args.registry?.password as pulumi.Output<string>;
    expect(pulumi.Output.isInstance(password)).toBe(true);
    expect(await valueOf(password)).toBe("pw");
    expect(await pulumi.isSecret(password)).toBe(true);
  });

  it("keeps values set with --secret secret item by item, also under environment, and leaves API keys and TLS to ModelService", async () => {
    const key = "k".repeat(64);
    pulumi.runtime.setAllConfig(
      {
        "model-service:environment": '{"DATABASE_URL":"postgres://u:pw@db/x","MODE":"fast"}',
        "model-service:labels": '{"team":"ml"}',
        "model-service:apiKeys": `["${key}"]`,
        "model-service:tls": '{"certificate":"CERT","privateKey":"KEY"}',
        "model-service:replicas": "2",
      },
      ["model-service:environment"],
    );
    const args = loadModelServiceArgs("model-service");
    const environment = args.environment ?? {};
    for (const name of ["DATABASE_URL", "MODE"]) {
      expect(pulumi.Output.isInstance(environment[name]), name).toBe(true);
      expect(await pulumi.isSecret(environment[name] as pulumi.Output<string>), name).toBe(true);
    }
    expect(await valueOf(environment.DATABASE_URL as pulumi.Output<string>)).toBe("postgres://u:pw@db/x");
    // Not set with --secret and not a secret field: plain.
    expect(args.labels).toEqual({ team: "ml" });
    expect(args.replicas).toBe(2);
    // Kept secret by ModelService itself (digests, a secret stdin): the same plain inputs as ever.
    expect(args.apiKeys).toEqual([key]);
    expect(args.tls).toEqual({ certificate: "CERT", privateKey: "KEY" });
  });

  it("refuses a plain setting set with --secret, naming the key (it would be stored in plain text)", () => {
    pulumi.runtime.setAllConfig({ "model-service:replicas": "2", "model-service:hostAddress": "10.0.0.1" }, ["model-service:hostAddress"]);
    expect(() => loadModelServiceArgs("model-service")).toThrow(
      'model-service:hostAddress: got "(secret)"; expected a value not set with --secret: hostAddress is a plain setting',
    );
  });

  it("returns no args when the namespace has no config", () => {
    pulumi.runtime.setAllConfig({ "other:replicas": "9" });
    expect(loadModelServiceArgs("model-service")).toEqual({});
  });
});
