import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SMOKE_TEST_SCRIPT, smokeTestEnvironment, smokeTestUrl } from "../../../components/commands/smokeTest.js";
import { specWith } from "../support/specs.js";

interface FakeApi {
  readonly ready: boolean;
  readonly predictStatus: number;
  readonly predictBody: string;
  /** How many /predict requests get their connection reset instead of an answer (a proxy that stops); -1: all. */
  readonly resetPredicts?: number;
}

let server: Server | undefined;
let lastPredictBody = "";
let lastAuthorization: string | undefined;
let predictsReset = 0;

afterEach(() => {
  predictsReset = 0;
  server?.close();
  server = undefined;
});

/** A fake service on a free loopback port answering /ready and /predict as told. */
async function startFakeApi(fake: FakeApi): Promise<string> {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      if (request.url === "/ready") {
        response.writeHead(fake.ready ? 200 : 503).end();
      } else if (request.url === "/predict" && request.method === "POST" && (fake.resetPredicts === -1 || predictsReset < (fake.resetPredicts ?? 0))) {
        predictsReset += 1;
        request.socket.resetAndDestroy();
      } else if (request.url === "/predict" && request.method === "POST") {
        lastPredictBody = body;
        lastAuthorization = request.headers.authorization;
        response.writeHead(fake.predictStatus, { "Content-Type": "application/json" }).end(fake.predictBody);
      } else {
        response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

/** Runs the smoke test script with the spec's environment, pointed at `url` (async: the fake server shares this process). */
function runSmokeTest(url: string, readyTimeoutSeconds = 5, extra: Record<string, string> = {}): Promise<{ status: number | null; output: string }> {
  const environment = {
    ...extra,
    ...smokeTestEnvironment(specWith({ smokeTest: { instances: [[5.1, 3.5, 1.4, 0.2]], timeoutSeconds: 60 } })),
    SERVICE_URL: url,
    READY_TIMEOUT_SECONDS: String(readyTimeoutSeconds),
  };
  const child = spawn("bash", ["-c", SMOKE_TEST_SCRIPT], { env: { ...process.env, ...environment } });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, output })));
}

const GOOD_ANSWER = '{"model": {"name": "iris", "version": "1.0.0"}, "predictions": [0]}';

describe("smoke test script", () => {
  it("passes when /ready answers and /predict returns predictions from the expected model", async () => {
    const url = await startFakeApi({ ready: true, predictStatus: 200, predictBody: GOOD_ANSWER });
    const result = await runSmokeTest(url);
    expect(result.output).toContain("smoke test passed");
    expect(result.output.trimEnd().split("\n").pop()).toBe(GOOD_ANSWER);
    expect(result.status).toBe(0);
    expect(JSON.parse(lastPredictBody)).toEqual({ instances: [[5.1, 3.5, 1.4, 0.2]] });
  });

  it("presents API_KEY as a bearer token on /predict, and no Authorization header without one", async () => {
    const url = await startFakeApi({ ready: true, predictStatus: 200, predictBody: GOOD_ANSWER });
    expect((await runSmokeTest(url, 5, { API_KEY: "smoke-key-0123456789abcdef0123456789" })).status).toBe(0);
    expect(lastAuthorization).toBe("Bearer smoke-key-0123456789abcdef0123456789");
    expect((await runSmokeTest(url)).status).toBe(0);
    expect(lastAuthorization).toBeUndefined();
  });

  it("accepts compact JSON as well", async () => {
    const url = await startFakeApi({ ready: true, predictStatus: 200, predictBody: '{"model":{"name":"iris","version":"1.0.0"},"predictions":["setosa"]}' });
    expect((await runSmokeTest(url)).status).toBe(0);
  });

  it("fails when /ready never answers 200 within the timeout", async () => {
    const url = await startFakeApi({ ready: false, predictStatus: 200, predictBody: GOOD_ANSWER });
    const result = await runSmokeTest(url, 2);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("/ready did not answer 200 within 2s");
  });

  it("asks again when a connection is reset before the answer (a proxy task that stops on a Swarm), within the deadline", async () => {
    const url = await startFakeApi({ ready: true, predictStatus: 200, predictBody: GOOD_ANSWER, resetPredicts: 2 });
    const result = await runSmokeTest(url);
    expect(result.output).toContain("got no answer (curl exit 56), asking again");
    expect(result.output).toContain("smoke test passed");
    expect(result.status).toBe(0);
    expect(predictsReset).toBe(2);
  });

  it("fails, naming curl's exit status, when every connection is reset until the deadline", async () => {
    const url = await startFakeApi({ ready: true, predictStatus: 200, predictBody: GOOD_ANSWER, resetPredicts: -1 });
    const result = await runSmokeTest(url, 2);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("/predict failed (curl exit 56)");
    expect(predictsReset).toBeGreaterThan(1);
  });

  it("fails when /predict answers an error status", async () => {
    const url = await startFakeApi({ ready: true, predictStatus: 500, predictBody: '{"error": {"code": "internal", "message": "boom"}}' });
    const result = await runSmokeTest(url);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("answered HTTP 500");
  });

  it("fails on a 422 that lasts until the deadline (a replica of the previous model answers 422 only while it is replaced)", async () => {
    const url = await startFakeApi({ ready: true, predictStatus: 422, predictBody: '{"error": {"code": "wrong_feature_count", "message": "row 0 has 1 values; the model takes 4"}}' });
    const result = await runSmokeTest(url, 2);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("answered HTTP 422");
  });

  it("fails when the answer holds no predictions", async () => {
    const url = await startFakeApi({ ready: true, predictStatus: 200, predictBody: '{"model": {"name": "iris", "version": "1.0.0"}, "predictions": []}' });
    const result = await runSmokeTest(url);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("without predictions");
  });

  it("fails when another model answers", async () => {
    const url = await startFakeApi({ ready: true, predictStatus: 200, predictBody: '{"model": {"name": "iris-old", "version": "1.0.0"}, "predictions": [0]}' });
    const result = await runSmokeTest(url);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("expected model iris version 1.0.0");
  });

  it("fails when the expected model answers with another version", async () => {
    const url = await startFakeApi({ ready: true, predictStatus: 200, predictBody: '{"model": {"name": "iris", "version": "1.0.0-rc1"}, "predictions": [0]}' });
    expect((await runSmokeTest(url)).status).not.toBe(0);
  });
});

describe("smokeTestEnvironment", () => {
  it("derives every input of the script from the spec", () => {
    const spec = specWith({
      modelName: "churn",
      modelVersion: "2024.06",
      hostAddress: "0.0.0.0",
      hostPort: 18081,
      gunicorn: { workers: 2, threads: 4, timeoutSeconds: 45 },
      smokeTest: { instances: [[1, 2], [3, 4]], timeoutSeconds: 90 },
    });
    expect(smokeTestEnvironment(spec)).toEqual({
      EXPECTED_MODEL_NAME: "churn",
      EXPECTED_MODEL_VERSION: "2024.06",
      PREDICT_BODY: '{"instances":[[1,2],[3,4]]}',
      PREDICT_TIMEOUT_SECONDS: "50",
      READY_TIMEOUT_SECONDS: "90",
      SERVICE_URL: "http://127.0.0.1:8080",
    });
  });

  it("asks the proxy's own listener for runtime docker (curl runs in the proxy container), the published address on a Swarm", () => {
    expect(smokeTestUrl(specWith({ hostPort: 18081 }))).toBe("http://127.0.0.1:8080");
    const swarm = specWith({ hostPort: 18081, runtime: { kind: "swarm", address: "10.213.0.1" } as never });
    expect(smokeTestUrl(swarm)).toBe("http://10.213.0.1:18081");
  });
});
