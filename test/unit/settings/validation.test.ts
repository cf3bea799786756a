import { describe, expect, it } from "vitest";
import { ModelServiceConfigError } from "../../../components/settings/configError.js";
import type { ModelServiceArgs } from "../../../components/settings/args.js";
import { defaultGunicornWorkers } from "../../../components/settings/fields.js";
import { resolveModelServiceSpec } from "../../../components/settings/validation.js";
import { fakeInspector, JOBLIB_MODEL_DIR, specFor, testContext } from "../support/specs.js";

/** The error `args` produce, failing the test when they do not throw. */
function rejectionOf(args: ModelServiceArgs, context = testContext()): ModelServiceConfigError {
  try {
    resolveModelServiceSpec(args, context);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelServiceConfigError);
    return error as ModelServiceConfigError;
  }
  throw new Error(`expected ${JSON.stringify(args)} to be rejected`);
}

describe("resolveModelServiceSpec defaults", () => {
  it("fills in every default for empty args", () => {
    expect(specFor({})).toEqual({
      serviceName: "iris",
      stack: "unit",
      project: "model-service-unit",
      model: { kind: "builtin" },
      modelName: "iris",
      modelVersion: "1.0.0",
      replicas: 2,
      gunicorn: { workers: 1, threads: 2, timeoutSeconds: 30 },
      maxBodyBytes: 1_048_576,
      maxBatchSize: 1000,
      batching: { maxRows: 64, maxWaitMicroseconds: 500 },
      startupTimeoutSeconds: 120,
      api: { memoryMb: 512, cpus: 1 },
      proxy: { memoryMb: 128, cpus: 1 },
      hostAddress: "127.0.0.1",
      hostPort: 8080,
      rateLimit: undefined,
      environment: {},
      labels: {},
      baseImage: "debian:bookworm-slim",
      registry: undefined,
      restartPolicy: "unless-stopped",
      logging: { maxSize: "10m", maxFiles: 3 },
      smokeTest: { instances: [[5.1, 3.5, 1.4, 0.2]], timeoutSeconds: 60 },
      clientTimeouts: { headerSeconds: 10, bodySeconds: 10, sendSeconds: 10, keepaliveSeconds: 65 },
      maxConnectionsPerClient: 1000,
      runtime: { kind: "docker" },
    });
  });

  it("treats undefined args like empty args", () => {
    expect(resolveModelServiceSpec(undefined, testContext())).toEqual(specFor({}));
  });

  it("keeps every given value", () => {
    const spec = specFor({
      modelName: "iris-v2",
      modelVersion: "2.0.1-build.7",
      replicas: 5,
      gunicornWorkers: 3,
      gunicornThreads: 8,
      gunicornTimeoutSeconds: 90,
      maxBodyBytes: 2048,
      maxBatchSize: 50,
      startupTimeoutSeconds: 300,
      apiMemoryMb: 1024,
      apiCpus: 1.5,
      proxyMemoryMb: 256,
      proxyCpus: 0.25,
      hostAddress: "0.0.0.0",
      hostPort: 18081,
      rateLimit: { requestsPerSecond: 20, burst: 5 },
      environment: { LOG_LEVEL: "debug", A_FIRST: "1" },
      labels: { team: "ml", "com.example/owner": "alice" },
      baseImage: "registry.example.com/debian:bookworm-slim",
      registry: { server: "registry.example.com:5000/ml", username: "ci", password: "s3cret" },
      restartPolicy: "always",
      logMaxSize: "50m",
      logMaxFiles: 5,
      smokeTestInstances: [[1, 2, 3, 4]],
      smokeTestTimeoutSeconds: 30,
    });
    expect(spec).toMatchObject({
      modelName: "iris-v2",
      modelVersion: "2.0.1-build.7",
      replicas: 5,
      gunicorn: { workers: 3, threads: 8, timeoutSeconds: 90 },
      maxBodyBytes: 2048,
      maxBatchSize: 50,
      startupTimeoutSeconds: 300,
      api: { memoryMb: 1024, cpus: 1.5 },
      proxy: { memoryMb: 256, cpus: 0.25 },
      hostAddress: "0.0.0.0",
      hostPort: 18081,
      rateLimit: { requestsPerSecond: 20, burst: 5 },
      baseImage: "registry.example.com/debian:bookworm-slim",
      registry: { server: "registry.example.com:5000/ml", username: "ci", password: "s3cret" },
      restartPolicy: "always",
      logging: { maxSize: "50m", maxFiles: 5 },
      smokeTest: { instances: [[1, 2, 3, 4]], timeoutSeconds: 30 },
    });
  });

  it("sorts the environment and labels by key", () => {
    const spec = specFor({ environment: { ZED: "z", ALPHA: "a" }, labels: { zone: "z", app: "a" } });
    expect(Object.keys(spec.environment)).toEqual(["ALPHA", "ZED"]);
    expect(Object.keys(spec.labels)).toEqual(["app", "zone"]);
  });

  it("defaults the burst to the rate", () => {
    expect(specFor({ rateLimit: { requestsPerSecond: 7 } }).rateLimit).toEqual({ requestsPerSecond: 7, burst: 7 });
  });
});

describe("gunicorn workers follow the replica's CPU limit", () => {
  it("defaults to one worker per CPU of apiCpus, rounded up", () => {
    expect([0.25, 0.5, 1, 1.5, 2, 4].map(defaultGunicornWorkers)).toEqual([1, 1, 1, 2, 2, 4]);
    expect(specFor({ apiCpus: 2 }).gunicorn.workers).toBe(2);
    expect(specFor({ apiCpus: 0.5 }).gunicorn.workers).toBe(1);
  });

  it("an explicit gunicornWorkers wins", () => {
    expect(specFor({ apiCpus: 0.5, gunicornWorkers: 3 }).gunicorn.workers).toBe(3);
  });
});

describe("resolveModelServiceSpec model directory", () => {
  it("resolves a relative modelDir against the working directory", () => {
    const inspector = fakeInspector();
    const spec = specFor({ modelDir: "models/churn", smokeTestInstances: [[1]] }, { inspectModelDirectory: inspector });
    expect(spec.model).toEqual({ kind: "directory", dir: "/srv/project/models/churn" });
    expect(inspector.asked).toEqual(["/srv/project/models/churn"]);
  });

  it("names the model after its directory when model.json has no name", () => {
    const spec = specFor({ modelDir: "/models/churn", smokeTestInstances: [[1]] });
    expect(spec.modelName).toBe("churn");
    expect(spec.modelVersion).toBe("1");
  });

  it("takes name and version from model.json", () => {
    const inspector = fakeInspector({ ...JOBLIB_MODEL_DIR, metadata: { name: "fraud", version: "7" } });
    const spec = specFor({ modelDir: "/models/x", smokeTestInstances: [[1]] }, { inspectModelDirectory: inspector });
    expect([spec.modelName, spec.modelVersion]).toEqual(["fraud", "7"]);
  });

  it("prefers modelName and modelVersion over model.json", () => {
    const inspector = fakeInspector({ ...JOBLIB_MODEL_DIR, metadata: { name: "fraud", version: "7" } });
    const spec = specFor(
      { modelDir: "/models/x", modelName: "fraud-eu", modelVersion: "8", smokeTestInstances: [[1]] },
      { inspectModelDirectory: inspector },
    );
    expect([spec.modelName, spec.modelVersion]).toEqual(["fraud-eu", "8"]);
  });

  it("accepts a predictor.py model", () => {
    const inspector = fakeInspector({ isDirectory: true, hasPredictor: true, hasJoblib: false, metadata: {} });
    expect(specFor({ modelDir: "/m/rules", smokeTestInstances: [[1]] }, { inspectModelDirectory: inspector }).model.kind).toBe("directory");
  });

  it("smoke-tests a user model with the example rows of its model.json", () => {
    const inspector = fakeInspector({ ...JOBLIB_MODEL_DIR, metadata: { example: [[1, 2], [3, 4]], featureCount: 2 } });
    expect(specFor({ modelDir: "/m" }, { inspectModelDirectory: inspector }).smokeTest.instances).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("smoke-tests a user model without example with one zero row as wide as its feature names", () => {
    const inspector = fakeInspector({ ...JOBLIB_MODEL_DIR, metadata: { featureCount: 3 } });
    expect(specFor({ modelDir: "/m" }, { inspectModelDirectory: inspector }).smokeTest.instances).toEqual([[0, 0, 0]]);
  });

  it("prefers smokeTestInstances over model.json", () => {
    const inspector = fakeInspector({ ...JOBLIB_MODEL_DIR, metadata: { example: [[1, 2]], featureCount: 2 } });
    expect(specFor({ modelDir: "/m", smokeTestInstances: [[9, 9]] }, { inspectModelDirectory: inspector }).smokeTest.instances).toEqual([[9, 9]]);
  });

  it("does not inspect anything for the built-in model", () => {
    const inspector = fakeInspector();
    specFor({}, { inspectModelDirectory: inspector });
    expect(inspector.asked).toEqual([]);
  });
});

describe("resolveModelServiceSpec rejections", () => {
  const cases: [string, ModelServiceArgs, string, string][] = [
    ["replicas below 1", { replicas: 0 }, "replicas", "an integer from 1 to 32"],
    ["replicas above 32", { replicas: 33 }, "replicas", "an integer from 1 to 32"],
    ["fractional replicas", { replicas: 1.5 }, "replicas", "an integer from 1 to 32"],
    ["replicas as a string", { replicas: "3" as unknown as number }, "replicas", "an integer from 1 to 32"],
    ["zero workers", { gunicornWorkers: 0 }, "gunicornWorkers", "an integer from 1 to 64"],
    ["too many threads", { gunicornThreads: 65 }, "gunicornThreads", "an integer from 1 to 64"],
    ["zero timeout", { gunicornTimeoutSeconds: 0 }, "gunicornTimeoutSeconds", "an integer from 1 to 3600"],
    ["tiny body limit", { maxBodyBytes: 1000 }, "maxBodyBytes", "an integer from 1024 to 104857600"],
    ["huge batch", { maxBatchSize: 100_001 }, "maxBatchSize", "an integer from 1 to 100000"],
    ["no batch rows", { batchMaxRows: 0 }, "batchMaxRows", "an integer from 1 to 100000"],
    ["negative batch wait", { batchMaxWaitMicroseconds: -1 }, "batchMaxWaitMicroseconds", "an integer from 0 to 1000000"],
    ["short startup", { startupTimeoutSeconds: 5 }, "startupTimeoutSeconds", "an integer from 10 to 3600"],
    ["small api memory", { apiMemoryMb: 64 }, "apiMemoryMb", "an integer from 128 to 65536"],
    ["no api cpu", { apiCpus: 0 }, "apiCpus", "a number from 0.1 to 64"],
    ["small proxy memory", { proxyMemoryMb: 32 }, "proxyMemoryMb", "an integer from 64 to 8192"],
    ["infinite proxy cpu", { proxyCpus: Infinity }, "proxyCpus", "a number from 0.1 to 64"],
    ["api cpu Docker reads back as 10.1", { apiCpus: 10.05 }, "apiCpus", "a CPU count the Docker provider stores exactly, e.g. 0.1, 0.25, 0.5, 1, 1.5 (not 0.05 or 10.05)"],
    ["host name as address", { hostAddress: "localhost" }, "hostAddress", "an IPv4 address such as 127.0.0.1"],
    ["out-of-range address", { hostAddress: "127.0.0.256" }, "hostAddress", "an IPv4 address such as 127.0.0.1"],
    ["port 0", { hostPort: 0 }, "hostPort", "an integer from 1 to 65535"],
    ["port 65536", { hostPort: 65_536 }, "hostPort", "an integer from 1 to 65535"],
    ["base image with a space", { baseImage: "debian bookworm" }, "baseImage", "a Docker image reference such as debian:bookworm-slim"],
    ["unknown restart policy", { restartPolicy: "sometimes" as never }, "restartPolicy", "one of no, on-failure, always, unless-stopped"],
    ["log size without unit", { logMaxSize: "10" }, "logMaxSize", "a size such as 10m: a number followed by k, m or g"],
    ["no log files", { logMaxFiles: 0 }, "logMaxFiles", "an integer from 1 to 100"],
    ["short smoke timeout", { smokeTestTimeoutSeconds: 1 }, "smokeTestTimeoutSeconds", "an integer from 5 to 3600"],
    ["model name with a slash", { modelName: "a/b" }, "modelName", "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit"],
    ["empty model version", { modelVersion: "" }, "modelVersion", "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit"],
    ["model version with a plus", { modelVersion: "1+2" }, "modelVersion", "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit"],
    ["rate limit of zero", { rateLimit: { requestsPerSecond: 0 } }, "rateLimit.requestsPerSecond", "an integer from 1 to 100000"],
    ["rate limit without rate", { rateLimit: {} as never }, "rateLimit.requestsPerSecond", "an integer from 1 to 100000"],
    ["negative burst", { rateLimit: { requestsPerSecond: 5, burst: -1 } }, "rateLimit.burst", "an integer from 0 to 100000"],
    ["rate limit as a number", { rateLimit: 5 as never }, "rateLimit", "an object { requestsPerSecond, burst? }"],
    ["environment as a list", { environment: ["A=1"] as never }, "environment", "an object mapping names to string values"],
    ["numeric environment value", { environment: { A: 1 as never } }, "environment.A", "a string"],
    ["bad environment name", { environment: { "1ABC": "x" } }, "environment.1ABC", "a variable name of letters, digits and '_', not starting with a digit"],
    [
      "reserved environment name",
      { environment: { MAX_BODY_BYTES: "5" } },
      "environment.MAX_BODY_BYTES",
      "a variable this component does not set itself; MAX_BODY_BYTES is derived from the dedicated ModelService fields",
    ],
    ["reserved label", { labels: { "model-service.stack": "x" } }, "labels.model-service.stack", 'a key not starting with "model-service." (reserved for this component)'],
    ["bad label key", { labels: { "has space": "x" } }, "labels.has space", "a label key of letters, digits, '.', '_', '/' or '-'"],
    [
      "registry with uppercase path",
      { registry: { server: "registry.example.com/ML" } },
      "registry.server",
      "a registry host with optional port and lowercase path, e.g. registry.example.com:5000/ml",
    ],
    ["registry password without user", { registry: { server: "r.example.com", password: "p" } }, "registry.password", "a password only together with registry.username"],
    ["unknown registry field", { registry: { server: "r.example.com", token: "t" } as never }, "registry.token", "no such field; known fields are server, username, password, deleteFromRegistry"],
    ["empty smoke test rows", { smokeTestInstances: [] }, "smokeTestInstances", "a list of 1 to maxBatchSize (1000) JSON rows"],
    ["more smoke rows than a batch", { maxBatchSize: 1, smokeTestInstances: [[1], [2]] }, "smokeTestInstances", "a list of 1 to maxBatchSize (1) JSON rows"],
    ["non-JSON smoke row", { smokeTestInstances: [[NaN]] }, "smokeTestInstances", "a list of 1 to maxBatchSize (1000) JSON rows"],
    ["empty modelDir", { modelDir: " " }, "modelDir", "a path to a model directory"],
  ];

  it.each(cases)("rejects %s, naming the field, the value and what is allowed", (_title, args, field, allowed) => {
    const error = rejectionOf(args);
    expect(error.problems).toHaveLength(1);
    expect({ field: error.problems[0].field, allowed: error.problems[0].allowed }).toEqual({ field, allowed });
    expect(error.message).toContain(`${field}: got `);
    expect(error.message).toContain(`expected ${allowed}`);
  });

  it("keeps the rejected value as given", () => {
    expect(rejectionOf({ hostAddress: "localhost" }).problems[0].value).toBe("localhost");
    expect(rejectionOf({ environment: { A: 1 as never } }).problems[0].value).toBe(1);
    expect(rejectionOf({ registry: { server: "r.example.com", password: "p" } }).problems[0].value).toBe("(secret)");
  });

  it("quotes the rejected value in the message", () => {
    expect(rejectionOf({ replicas: 0 }).message).toBe(
      'Invalid ModelService arguments for "iris":\n  - replicas: got 0; expected an integer from 1 to 32',
    );
  });

  it("rejects an unknown field (a typo from JavaScript or config)", () => {
    const error = rejectionOf({ replica: 3 } as never);
    expect(error.fields).toEqual(["replica"]);
    expect(error.problems[0].allowed).toMatch(/^no such field; known fields are modelDir, modelName, .*smokeTestTimeoutSeconds, .*apiKeys, tls, runtime, swarm, candidate$/);
  });

  it("rejects a service name that cannot prefix Docker names", () => {
    expect(rejectionOf({}, testContext({ serviceName: "Iris_Service" })).fields).toEqual(["name"]);
  });

  it("reports every problem at once", () => {
    const error = rejectionOf({ replicas: 0, hostPort: 70_000, hostAddress: "::1", logMaxFiles: 0 });
    expect(error.fields).toEqual(["replicas", "hostAddress", "hostPort", "logMaxFiles"]);
  });

  it("rejects a modelDir that does not exist", () => {
    const inspector = fakeInspector({ isDirectory: false, hasPredictor: false, hasJoblib: false, metadata: {} });
    const error = rejectionOf({ modelDir: "missing", smokeTestInstances: [[1]] }, testContext({ inspectModelDirectory: inspector }));
    expect(error.problems).toEqual([
      { field: "modelDir", value: "missing", allowed: "an existing directory (resolved to /srv/project/missing)" },
    ]);
  });

  it("rejects a model directory without predictor.py or joblib file", () => {
    const inspector = fakeInspector({ isDirectory: true, hasPredictor: false, hasJoblib: false, metadata: {} });
    const error = rejectionOf({ modelDir: "/m", smokeTestInstances: [[1]] }, testContext({ inspectModelDirectory: inspector }));
    expect(error.problems[0].allowed).toBe("a directory holding predictor.py or a scikit-learn *.joblib file");
  });

  it("rejects a model directory whose model.json is broken", () => {
    const inspector = fakeInspector({ ...JOBLIB_MODEL_DIR, metadataError: "model.json is not a JSON object" });
    const error = rejectionOf({ modelDir: "/m", smokeTestInstances: [[1]] }, testContext({ inspectModelDirectory: inspector }));
    expect(error.problems[0].allowed).toBe("a directory whose model.json is a JSON object (model.json is not a JSON object)");
  });

  it("rejects a model.json name that the api cannot serve", () => {
    const inspector = fakeInspector({ ...JOBLIB_MODEL_DIR, metadata: { name: "my model" } });
    const error = rejectionOf({ modelDir: "/m", smokeTestInstances: [[1]] }, testContext({ inspectModelDirectory: inspector }));
    expect(error.problems).toEqual([
      {
        field: "modelName",
        value: "my model",
        allowed:
          "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit (derived from model.json or the model directory name; set modelName)",
      },
    ]);
  });

  it("requires smoke test rows for a user model whose model.json neither has an example nor feature names", () => {
    const error = rejectionOf({ modelDir: "/models/churn" });
    expect(error.problems).toEqual([
      {
        field: "smokeTestInstances",
        value: undefined,
        allowed: "example rows your model accepts (required when model.json has neither example nor feature_names)",
      },
    ]);
    expect(error.message).toContain("smokeTestInstances: got nothing;");
  });
});
