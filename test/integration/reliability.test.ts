/**
 * Reliability and security of the deployed reference stack: one stack (3 replicas of a model with two trap inputs,
 * API keys on, short client timeouts), many checks against it, in order: hardening seen from the outside, API
 * keys, nginx's own errors, generated bad input (fast-check, >= 10,000 requests), slow clients, faults under load
 * (a worker dying, a replica at its memory limit, a replica and the proxy crashing, `docker kill`), drift repaired
 * by `pulumi up --refresh`, key rotation, a Docker daemon restart, TLS, and finally that no key or private key is in
 * plaintext in the state, `docker inspect`, the logs or the rendered config. Traffic goes only to 127.0.0.1.
 *
 * The suite holds /tmp/ms-heavy.lock for its whole run (or runs under an ancestor's `flock`): it deploys, loads
 * the machine and restarts dockerd. Figures land in <results>/reliability-figures.json. Replay a generated-input
 * failure with RL_FUZZ_SEED=<seed> (the seed is printed and appended to .state/fuzz-seeds.log).
 */
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestCertificate } from "../unit/support/tlsFixtures.js";
import { badRequests, encodeRequest, type BadRequest } from "./support/badRequests.js";
import { restartDockerDaemon } from "./support/dockerDaemon.js";
import { holdHeavyLock, type HeldLock } from "./support/heavyLock.js";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "./support/pulumi.js";
import { sendRaw, sendSlowly, type RawResponse } from "./support/rawHttp.js";
import { startSteadyLoad, type LoadReport } from "./support/predictionLoad.js";
import { ensureBuilt } from "../support/build.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const namespace = "model-service";
const stackName = `rl-${process.pid}`;
const PORT = 19410;
const BASE = `http://127.0.0.1:${PORT}`;
const MODEL_NAME = "iris-faulty";
const CRASH_MARKER = 6.02214076e23;
const MEMORY_MARKER = 1.380649e23;
const SETOSA = [5.1, 3.5, 1.4, 0.2];
const VIRGINICA = [6.7, 3.0, 5.2, 2.3];
const KEY_1 = randomBytes(32).toString("hex");
const KEY_2 = randomBytes(32).toString("base64url");
const CLIENT_TIMEOUT_SECONDS = 3;
const MAX_CONNECTIONS_PER_CLIENT = 32;
const FUZZ_REQUESTS = Number(process.env.RL_FUZZ_REQUESTS ?? 10_000);
const FUZZ_SEEDS = process.env.RL_FUZZ_SEED === undefined ? 4 : 1;
const FUZZ_DEADLINE_MS = 240_000;
const RESULTS_DIR = process.env.MS_RESULTS_DIR ?? join(repoRoot, ".state", "test-results");
/** Leaks a body or header must never carry. */
const INTERNAL_DETAIL = /Traceback|File "\/|\.py\b|werkzeug|gunicorn|flask|nginx\/\d|<html|<center>/i;


const figures: Record<string, unknown> = {};
const engineOutput: string[] = [];
const engine = { onOutput: (text: string) => engineOutput.push(text) };

function record(name: string, value: unknown): void {
  figures[name] = value;
  console.log(`[reliability] ${name}: ${JSON.stringify(value)}`);
}

/** stdout and stderr of a container, interleaved. */
function logsOf(name: string): string {
  return execFileSync("sh", ["-c", 'docker logs "$1" 2>&1', "logs", name], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

function sh(command: string, args: readonly string[]): string {
  return execFileSync(command, [...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }).trim();
}

interface ServiceContainer {
  readonly name: string;
  readonly component: string;
}

function serviceContainers(): ServiceContainer[] {
  return sh("docker", ["ps", "-a", "--filter", `label=model-service.stack=${stackName}`, "--format", '{{.Names}}\t{{.Label "model-service.component"}}'])
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [name = "", component = ""] = line.split("\t");
      return { name, component };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

const apiContainers = () => serviceContainers().filter((c) => c.component === "api").map((c) => c.name);
const proxyContainer = () => serviceContainers().find((c) => c.component === "proxy")?.name ?? "";

function inspect(name: string): Record<string, any> {
  return (JSON.parse(sh("docker", ["inspect", name])) as Record<string, any>[])[0] ?? {};
}

function containerIp(name: string): string {
  const networks = inspect(name).NetworkSettings?.Networks as Record<string, { IPAddress: string }>;
  return Object.values(networks)[0]?.IPAddress ?? "";
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      if (await condition()) {
        return Date.now() - started;
      }
    } catch {
      // not yet
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** POST /predict with `key` as bearer token (`null`: no key at all). */
async function predict(rows: number[][], key: string | null = KEY_1, timeoutMs = 10_000): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${BASE}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify({ instances: rows }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // left as text for the assertion message
  }
  return { status: response.status, body, headers: response.headers };
}

async function servesCorrectly(key = KEY_1): Promise<boolean> {
  const answer = await predict([SETOSA, VIRGINICA], key, 3000);
  return answer.status === 200 && JSON.stringify(answer.body.predictions) === JSON.stringify(["setosa", "virginica"]);
}

function load(key = KEY_1, maxDurationMs = 20_000, concurrency = 4) {
  return startSteadyLoad({
    url: `${BASE}/predict`,
    body: JSON.stringify({ instances: [SETOSA] }),
    headers: { authorization: `Bearer ${key}` },
    concurrency,
    maxDurationMs,
    maxRequests: 200_000,
  });
}

function loadFigures(report: LoadReport): Record<string, number> {
  return { requests: report.total, failed: report.failed, failurePercent: Number((report.failureRate * 100).toFixed(3)), seconds: Number((report.durationMs / 1000).toFixed(1)) };
}

/** Resource names (last URN part) that a refresh preview would change, from the engine's events. */
async function changedByRefreshPreview(scratch: ScratchStack): Promise<string[]> {
  const changed = new Set<string>();
  await scratch.stack.preview({
    ...engine,
    refresh: true,
    onEvent: (event) => {
      const metadata = event.resourcePreEvent?.metadata;
      if (metadata !== undefined && metadata.op !== "same" && metadata.op !== "read" && metadata.op !== "refresh") {
        changed.add(`${metadata.urn.split("::").pop() ?? ""}:${metadata.op}`);
      }
    },
  });
  return [...changed].sort();
}

function allHealthy(): boolean {
  const containers = serviceContainers();
  return containers.length === 4 && containers.every((c) => inspect(c.name).State?.Health?.Status === "healthy");
}

/** Every file below `dir`, recursively. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    return statSync(full).isDirectory() ? filesBelow(full) : [full];
  });
}

function httpsGet(path: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`https://127.0.0.1:${PORT}${path}`, { ca, headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

/** What every answer to a bad request must satisfy; returns the broken rule or undefined. */
function violation(request: BadRequest, response: RawResponse): string | undefined {
  if (response.status === 0) {
    return "no HTTP answer";
  }
  if (response.status >= 500) {
    return `status ${response.status}`;
  }
  const headerText = Object.entries(response.headers).map(([name, value]) => `${name}: ${value}`).join("\n");
  const metricsText = response.status === 200 && request.target.startsWith("/metrics");
  if (INTERNAL_DETAIL.test(headerText) || (!metricsText && INTERNAL_DETAIL.test(response.body))) {
    return "internal detail in the answer";
  }
  if (request.method === "HEAD" || metricsText || response.status === 204) {
    return undefined;
  }
  if (request.method === "OPTIONS" && response.status === 200 && response.body === "" && response.headers.allow !== undefined) {
    return undefined; // the allowed methods, no content
  }
  let body: any;
  try {
    body = JSON.parse(response.body);
  } catch {
    return "body is not JSON";
  }
  if (!String(response.headers["content-type"] ?? "").startsWith("application/json")) {
    return `content-type ${response.headers["content-type"]}`;
  }
  if (response.status >= 400 && (typeof body?.error?.code !== "string" || typeof body?.error?.message !== "string")) {
    return "error body without error.code and error.message";
  }
  return undefined;
}

describe("reliability and security of the deployed stack", () => {
  beforeAll(() => requireProviderPlugins(repoRoot));

  let lock: HeldLock;
  let scratch: ScratchStack;

  beforeAll(async () => {
    lock = await holdHeavyLock();
    record("heavyLock", lock.how);
    ensureBuilt();
    scratch = await createScratchStack(repoRoot, stackName);
    await scratch.stack.setAllConfig({
      [`${namespace}:replicas`]: { value: "3" },
      [`${namespace}:hostPort`]: { value: String(PORT) },
      [`${namespace}:gunicornWorkers`]: { value: "2" },
      // One request per worker process, as dev runs: a worker that dies takes exactly the request it was serving
      // (with more threads it takes their requests too, and one answer already on its way cannot be retried).
      [`${namespace}:gunicornThreads`]: { value: "1" },
      [`${namespace}:apiMemoryMb`]: { value: "384" },
      [`${namespace}:modelDir`]: { value: join(repoRoot, "test/integration/fixtures/faulty-iris") },
      [`${namespace}:clientTimeouts`]: { value: JSON.stringify({ headerSeconds: CLIENT_TIMEOUT_SECONDS, bodySeconds: CLIENT_TIMEOUT_SECONDS }) },
      [`${namespace}:maxConnectionsPerClient`]: { value: String(MAX_CONNECTIONS_PER_CLIENT) },
    });
    await scratch.stack.setConfig(`${namespace}:apiKeys`, { value: JSON.stringify([KEY_1]), secret: true });
    const started = Date.now();
    const result = await scratch.stack.up(engine);
    record("firstUpSeconds", Math.round((Date.now() - started) / 1000));
    expect(result.outputs.url?.value).toBe(BASE);
  }, 1_200_000);

  afterAll(async () => {
    try {
      mkdirSync(RESULTS_DIR, { recursive: true });
      writeFileSync(join(RESULTS_DIR, "reliability-figures.json"), JSON.stringify(figures, null, 2) + "\n");
      // A check that failed half-way may leave hand-made drift (a removed proxy): refresh first, so destroy finds what exists.
      await scratch?.stack.refresh(engine).catch(() => undefined);
      await scratch?.dispose();
    } finally {
      rmSync(join(repoRoot, `Pulumi.${stackName}.yaml`), { force: true });
      lock?.release();
    }
  }, 600_000);

  it("is hardened, seen from the outside: only nginx published, on loopback; non-root, read-only, no capabilities; no version leaks", async () => {
    const containers = serviceContainers();
    expect(containers.map((c) => c.component).sort()).toEqual(["api", "api", "api", "proxy"]);
    for (const { name, component } of containers) {
      const info = inspect(name);
      const bindings = info.HostConfig.PortBindings ?? {};
      if (component === "proxy") {
        expect(bindings).toEqual({ "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: String(PORT) }] });
      } else {
        expect(bindings, name).toEqual({});
        expect(sh("docker", ["port", name]), name).toBe("");
      }
      expect(info.Config.User, name).toMatch(/^[1-9]\d*:[1-9]\d*$/);
      expect(info.HostConfig.ReadonlyRootfs, name).toBe(true);
      expect(info.HostConfig.CapDrop, name).toEqual(["ALL"]);
      expect(info.HostConfig.CapAdd ?? [], name).toEqual([]);
      expect(info.HostConfig.Privileged, name).toBe(false);
      expect(info.HostConfig.SecurityOpt, name).toContain("no-new-privileges:true");
      expect(sh("docker", ["exec", name, "id", "-u"]), name).not.toBe("0");
      const status = sh("docker", ["exec", name, "cat", "/proc/self/status"]);
      expect(status, name).toMatch(/^CapEff:\s+0+$/m);
      expect(() => sh("docker", ["exec", name, "touch", "/probe"]), name).toThrow();
    }
    const health = await fetch(`${BASE}/nginx-health`);
    expect(health.headers.get("server")).toBe("nginx");
    const notFound = await fetch(`${BASE}/no-such-path`, { headers: { authorization: `Bearer ${KEY_1}` } });
    expect(notFound.status).toBe(404);
    const headerText = [...notFound.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n");
    expect(headerText).not.toMatch(INTERNAL_DETAIL);
    expect(headerText).not.toMatch(/x-powered-by/i);
    expect(await notFound.text()).not.toMatch(INTERNAL_DETAIL);
  }, 120_000);

  it("asks for an API key: none or a wrong one gets 401 JSON, the right one is served, health stays open", async () => {
    for (const key of [null, "wrong-key-of-sufficient-length-0123456789"]) {
      const answer = await predict([SETOSA], key);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe("unauthorized");
      expect(answer.headers.get("www-authenticate")).toContain("Bearer");
    }
    const metadata = await fetch(`${BASE}/metadata`, { headers: { "x-api-key": KEY_1 } });
    expect(metadata.status).toBe(200);
    expect(await servesCorrectly()).toBe(true);
    for (const path of ["/health", "/ready", "/v2/health/live", "/v2/health/ready", "/nginx-health"]) {
      expect((await fetch(`${BASE}${path}`)).status, path).toBe(200);
    }
    expect((await fetch(`${BASE}/metrics`)).status).toBe(401);
  }, 60_000);

  it("answers the errors nginx makes itself with our JSON error shape", async () => {
    const cases: [string, Buffer, number, string][] = [
      ["long URL", Buffer.from(`GET /predict?${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), 414, "uri_too_long"],
      ["long header", Buffer.from(`GET /ready HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(9000)}\r\nConnection: close\r\n\r\n`), 431, "request_header_fields_too_large"],
      ["many headers", Buffer.from(`GET /ready HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 10 }, (_, i) => `X-H${i}: ${"h".repeat(4000)}\r\n`).join("")}Connection: close\r\n\r\n`), 431, "request_header_fields_too_large"],
      ["garbage request line", Buffer.from("\x01\x02GARBAGE\r\n\r\n", "latin1"), 400, "bad_request"],
      ["no Host", Buffer.from("GET /ready HTTP/1.1\r\nConnection: close\r\n\r\n"), 400, "bad_request"],
      ["TRACE", Buffer.from("TRACE /predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 405, "method_not_allowed"],
      ["HTTP/3.0 over TCP", Buffer.from("GET /ready HTTP/3.0\r\nHost: x\r\n\r\n"), 505, "http_version_not_supported"],
      ["unknown transfer coding", Buffer.from("POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"), 501, "not_implemented"],
      ["broken chunk", Buffer.from("POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), 400, "bad_request"],
      ["oversized body", Buffer.from(`POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\nConnection: close\r\n\r\n`), 413, "payload_too_large"],
    ];
    for (const [label, bytes, status, code] of cases) {
      const answer = await sendRaw(PORT, bytes);
      expect(answer.status, label).toBe(status);
      expect(answer.headers["content-type"], label).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body).error.code, label).toBe(code);
      expect(answer.body, label).not.toMatch(INTERNAL_DETAIL);
    }
    // A body that stalls longer than clientTimeouts.bodySeconds: nginx logs 408 and closes without an answer.
    const stalled = await sendSlowly(PORT, Buffer.from(`POST /predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY_1}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`), Buffer.alloc(0), 1, 60_000, 20_000);
    expect(stalled.status).toBe(0);
    expect(stalled.elapsedMs).toBeGreaterThanOrEqual(CLIENT_TIMEOUT_SECONDS * 1000 - 200);
    expect(stalled.elapsedMs).toBeLessThan((CLIENT_TIMEOUT_SECONDS + 3) * 1000);
  }, 120_000);

  it(`survives ${FUZZ_REQUESTS} generated bad requests: no 5xx, JSON errors in our shape, no internal detail, still correct`, async () => {
    const seeds = process.env.RL_FUZZ_SEED === undefined ? Array.from({ length: FUZZ_SEEDS }, () => randomBytes(4).readUInt32BE() >>> 1) : [Number(process.env.RL_FUZZ_SEED)];
    const perSeed = Math.ceil(FUZZ_REQUESTS / seeds.length);
    const target = { modelName: MODEL_NAME, apiKey: KEY_1, maxBodyBytes: 1_048_576, maxBatchSize: 1000 };
    const started = Date.now();
    const violations: string[] = [];
    const kinds: Record<string, number> = {};
    const statuses: Record<string, number> = {};
    let sent = 0;
    for (const seed of seeds) {
      console.log(`[reliability] fuzz seed ${seed} (${perSeed} requests; replay: RL_FUZZ_SEED=${seed} RL_FUZZ_REQUESTS=${perSeed})`);
      const requests = fc.sample(badRequests(target), { seed, numRuns: perSeed });
      let next = 0;
      const worker = async () => {
        while (next < requests.length && Date.now() - started < FUZZ_DEADLINE_MS) {
          const index = next++;
          const request = requests[index] as BadRequest;
          kinds[request.kind] = (kinds[request.kind] ?? 0) + 1;
          let response: RawResponse;
          try {
            response = await sendRaw(PORT, encodeRequest(request), 15_000);
          } catch (error) {
            violations.push(`seed ${seed} #${index} ${request.kind} ${request.method} ${request.target.slice(0, 80)}: ${String(error)}`);
            continue;
          }
          sent++;
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          const broken = violation(request, response);
          if (broken !== undefined) {
            violations.push(`seed ${seed} #${index} ${request.kind} ${request.method} ${JSON.stringify(request.target.slice(0, 80))}: ${broken}: ${response.raw.toString("latin1").slice(0, 300)}`);
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
    }
    const seconds = (Date.now() - started) / 1000;
    const history = join(repoRoot, ".state", "fuzz-seeds.log");
    mkdirSync(dirname(history), { recursive: true });
    appendFileSync(history, seeds.map((seed) => `${new Date().toISOString()} seed=${seed} requests=${perSeed} violations=${violations.filter((v) => v.startsWith(`seed ${seed} `)).length}\n`).join(""));
    const seedsRunHere = readFileSync(history, "utf8").split("\n").filter((line) => line !== "").length;
    record("fuzz", { requests: sent, seeds, seedsRunOnThisMachine: seedsRunHere, seconds: Number(seconds.toFixed(1)), requestsPerSecond: Math.round(sent / seconds), statuses, kinds, violations: violations.length });
    expect(violations.slice(0, 20)).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(FUZZ_REQUESTS);
    expect(await servesCorrectly()).toBe(true);
    expect((await fetch(`${BASE}/ready`)).status).toBe(200);
    for (const name of apiContainers()) {
      const info = inspect(name);
      expect(info.RestartCount, name).toBe(0);
      expect(logsOf(name), name).not.toMatch(/Traceback|WORKER TIMEOUT/);
    }
  }, 400_000);

  it("keeps serving others while slow clients trickle headers and bodies, and drops them after the client timeouts", async () => {
    const steady = load(KEY_1, 30_000);
    const slowHeaders = Array.from({ length: 150 }, () =>
      sendSlowly(PORT, Buffer.alloc(0), Buffer.from(`POST /predict HTTP/1.1\r\nHost: x\r\n${"X-Slow: 1\r\n".repeat(100)}\r\n`), 1, 200, 20_000),
    );
    const slowBodies = Array.from({ length: 20 }, () =>
      sendSlowly(PORT, Buffer.from(`POST /predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY_1}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`), Buffer.from("[".repeat(1000)), 1, (CLIENT_TIMEOUT_SECONDS + 1) * 1000, 30_000),
    );
    const [headers, bodies] = await Promise.all([Promise.all(slowHeaders), Promise.all(slowBodies)]);
    const report = await steady.stop();
    const headerClosedMs = Math.max(...headers.map((r) => r.elapsedMs));
    const bodyClosedMs = Math.max(...bodies.map((r) => r.elapsedMs));
    record("slowClients", { slowHeaderConnections: headers.length, slowBodyConnections: bodies.length, slowHeadersClosedWithinMs: headerClosedMs, slowBodiesClosedWithinMs: bodyClosedMs, othersDuring: loadFigures(report) });
    // nginx closes both kinds after the client timeout, without an answer (it logs 408).
    expect(headerClosedMs).toBeLessThan((CLIENT_TIMEOUT_SECONDS + 3) * 1000);
    expect(bodyClosedMs).toBeLessThan((CLIENT_TIMEOUT_SECONDS + 3) * 1000);
    expect(headers.every((r) => r.status === 0 && r.sentBytes < 1500)).toBe(true);
    expect(bodies.every((r) => r.status === 0)).toBe(true);
    expect(report.failed).toBe(0);
    expect(report.total).toBeGreaterThan(50);
  }, 120_000);

  it(`limits one client address to ${MAX_CONNECTIONS_PER_CLIENT} connections with a request in progress (429 JSON beyond), and recovers`, async () => {
    const trickle = () =>
      sendSlowly(PORT, Buffer.from(`POST /predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY_1}\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n`), Buffer.from("[[1,1,1,1]]"), 1, 1000, 8_000);
    const holders = Array.from({ length: MAX_CONNECTIONS_PER_CLIENT }, trickle);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const over = await predict([SETOSA]);
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe("rate_limited");
    await Promise.all(holders);
    expect(await servesCorrectly()).toBe(true);
  }, 60_000);

  it("a worker that dies mid-request costs only that request", async () => {
    const steady = load(KEY_1, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const crash = await predict([[CRASH_MARKER, 1, 1, 1]]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const report = await steady.stop();
    record("workerCrash", { crashingRequestStatus: crash.status, othersDuring: loadFigures(report), firstFailures: report.firstFailures.slice(0, 3) });
    expect(crash.status).toBe(502);
    expect(crash.body.error.code).toBe("bad_gateway");
    expect(report.failed).toBe(0);
    expect(await until(servesCorrectly, 10_000, "serves after the crash")).toBeLessThan(10_000);
  }, 60_000);

  it("a replica at its memory limit is restarted while the others serve", async () => {
    const restartsBefore = apiContainers().map((name) => inspect(name).RestartCount as number);
    const steady = load(KEY_1, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const started = Date.now();
    const hog = await predict([[MEMORY_MARKER, 1, 1, 1]], KEY_1, 30_000);
    const hogMs = Date.now() - started;
    const recoveredMs = await until(() => allHealthy(), 30_000, "all containers healthy after the memory hog");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const report = await steady.stop();
    const oomKilledWorkers = apiContainers().map((name) => logsOf(name).match(/SIGKILL|out of memory|Worker \(pid:\d+\) was sent/gi)?.length ?? 0);
    const restartsAfter = apiContainers().map((name) => inspect(name).RestartCount as number);
    record("memoryLimit", { hogRequestStatus: hog.status, hogAnsweredAfterMs: hogMs, healthyAgainAfterMs: recoveredMs, containerRestarts: restartsAfter.map((n, i) => n - (restartsBefore[i] ?? 0)), workerKillsLogged: oomKilledWorkers, othersDuring: loadFigures(report), firstFailures: report.firstFailures.slice(0, 3) });
    expect(hog.status).toBeGreaterThanOrEqual(500);
    expect(hog.body.error.code).toMatch(/^(bad_gateway|gateway_timeout)$/);
    expect(report.failureRate).toBeLessThanOrEqual(0.001);
    expect(await servesCorrectly()).toBe(true);
  }, 120_000);

  it("a crashed replica (its main process killed) costs <= 0.1% of requests and is back in rotation within 10 s", async () => {
    const victim = apiContainers()[1] ?? "";
    const ip = containerIp(victim);
    const proxy = proxyContainer();
    const steady = load(KEY_1, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const since = new Date().toISOString();
    const killedAt = Date.now();
    process.kill(inspect(victim).State.Pid as number, "SIGKILL");
    const servingAgainMs = await until(() => {
      const lines = sh("docker", ["logs", "--since", since, proxy]).split("\n");
      return lines.some((line) => line.includes(`"upstream_addr":"${ip}:8000"`) && line.includes('"status":200'));
    }, 30_000, "the restarted replica serves through nginx");
    const restartedMs = Date.now() - killedAt;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const report = await steady.stop();
    record("replicaCrash", { backInRotationAfterMs: restartedMs, sameIp: containerIp(victim) === ip, restartCount: inspect(victim).RestartCount, load: loadFigures(report) });
    expect(servingAgainMs).toBeLessThanOrEqual(10_000);
    expect(report.failureRate).toBeLessThanOrEqual(0.001);
  }, 120_000);

  it("a crashed proxy (its main process killed) is back within 10 s", async () => {
    const proxy = proxyContainer();
    const killedAt = Date.now();
    process.kill(inspect(proxy).State.Pid as number, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const backMs = await until(servesCorrectly, 30_000, "the proxy serves again");
    record("proxyCrash", { backAfterMs: Date.now() - killedAt, restartCount: inspect(proxy).RestartCount });
    expect(backMs).toBeLessThanOrEqual(10_000);
  }, 60_000);

  it("docker kill of a replica costs <= 0.1%; refresh shows exactly the hand changes and up --refresh repairs them while others serve", async () => {
    const [killed = "", resized = ""] = apiContainers();
    const steady = load(KEY_1, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    sh("docker", ["kill", killed]);
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const duringKill = await steady.stop();
    // Docker treats `docker kill` as a deliberate stop: no restart policy brings the container back.
    expect(inspect(killed).State.Running).toBe(false);
    sh("docker", ["update", "--memory", "300m", "--memory-swap", "300m", resized]);
    const changed = await changedByRefreshPreview(scratch);
    record("dockerKillReplica", { load: loadFigures(duringKill), refreshPreviewChanges: changed });
    expect(duringKill.failureRate).toBeLessThanOrEqual(0.001);
    const resources = new Set(changed.map((entry) => entry.split(":")[0]));
    expect([...resources].filter((name) => /^model-api-\d+$/.test(name ?? "")).sort()).toEqual(["model-api-0", "model-api-1"]);
    expect([...resources].every((name) => /^model-(api-[01]|proxy-config|smoke-test)$/.test(name ?? "")), changed.join(", ")).toBe(true);

    const repairLoad = load(KEY_1, 240_000);
    const started = Date.now();
    await scratch.stack.up({ ...engine, refresh: true });
    const repairSeconds = (Date.now() - started) / 1000;
    const duringRepair = await repairLoad.stop();
    record("driftRepair", { upRefreshSeconds: Number(repairSeconds.toFixed(1)), load: loadFigures(duringRepair), firstFailures: duringRepair.firstFailures.slice(0, 3) });
    expect(duringRepair.failureRate).toBeLessThanOrEqual(0.001);
    expect(inspect(killed).State.Running).toBe(true);
    expect(inspect(resized).HostConfig.Memory).toBe(384 * 1024 * 1024);
    expect(await changedByRefreshPreview(scratch)).toEqual([]);
  }, 600_000);

  it("a proxy removed by hand shows as exactly that in preview --refresh, and up --refresh brings it back", async () => {
    sh("docker", ["rm", "-f", proxyContainer()]);
    const changed = await changedByRefreshPreview(scratch);
    expect(changed).toContain(`model-proxy-${PORT}:create`);
    expect(changed.every((entry) => new RegExp(`^model-(proxy-${PORT}|proxy-config|smoke-test):`).test(entry)), changed.join(", ")).toBe(true);
    const started = Date.now();
    await scratch.stack.up({ ...engine, refresh: true });
    record("proxyDrift", { refreshPreviewChanges: changed, upRefreshSeconds: Math.round((Date.now() - started) / 1000) });
    expect(await servesCorrectly()).toBe(true);
  }, 600_000);

  it("adding a second API key (the first step of a rotation) loses no request", async () => {
    await scratch.stack.setConfig(`${namespace}:apiKeys`, { value: JSON.stringify([KEY_1, KEY_2]), secret: true });
    const steady = load(KEY_1, 400_000);
    const started = Date.now();
    await scratch.stack.up(engine);
    const report = await steady.stop();
    record("keyRotation", { upSeconds: Math.round((Date.now() - started) / 1000), load: loadFigures(report), firstFailures: report.firstFailures.slice(0, 3) });
    expect(await servesCorrectly(KEY_2)).toBe(true);
    expect(report.failed).toBe(0);
  }, 600_000);

  it("after the Docker daemon restarts, every container comes back by itself and preview --refresh shows no changes", async () => {
    const restartMs = await restartDockerDaemon(lock);
    const healthyMs = await until(() => allHealthy(), 120_000, "all containers healthy after the daemon restart");
    const servingMs = await until(servesCorrectly, 30_000, "serves after the daemon restart");
    const changed = await changedByRefreshPreview(scratch);
    record("dockerDaemonRestart", { daemonAnswersAfterMs: restartMs, allHealthyAfterMs: healthyMs, servingAfterMs: servingMs, refreshPreviewChanges: changed });
    expect(changed).toEqual([]);
  }, 400_000);

  it("serves HTTPS only with TLS on (plain HTTP gets a JSON 400), and the old key is retired", async () => {
    const tls = makeTestCertificate();
    await scratch.stack.setConfig(`${namespace}:tls`, { value: JSON.stringify(tls), secret: true });
    await scratch.stack.setConfig(`${namespace}:apiKeys`, { value: JSON.stringify([KEY_2]), secret: true });
    const result = await scratch.stack.up(engine);
    expect(result.outputs.url?.value).toBe(`https://127.0.0.1:${PORT}`);
    const ok = await httpsGet("/metadata", tls.certificate, { authorization: `Bearer ${KEY_2}` });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).name).toBe(MODEL_NAME);
    expect((await httpsGet("/metadata", tls.certificate, { authorization: `Bearer ${KEY_1}` })).status).toBe(401);
    const plain = await sendRaw(PORT, Buffer.from("GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    expect(plain.status).toBe(400);
    expect(JSON.parse(plain.body).error.code).toBe("https_required");
    const proxy = inspect(proxyContainer());
    expect(JSON.stringify(proxy)).not.toContain("PRIVATE KEY");
    expect(proxy.Mounts.map((mount: { Destination: string }) => mount.Destination)).toEqual(["/etc/nginx/tls"]);
    const privateKeyBody = tls.privateKey.split("\n")[1] ?? "";
    const leaks = [
      ...filesBelow(scratch.backendDir).filter((file) => readFileSync(file, "utf8").includes(privateKeyBody)),
      ...(engineOutput.join("").includes(privateKeyBody) ? ["engine output"] : []),
    ];
    expect(leaks).toEqual([]);
    figures.tls = { httpsStatus: ok.status, plainHttpStatus: plain.status };
  }, 600_000);

  it("never shows an API key in plaintext: state, docker inspect, logs, rendered config, engine output, stack config", () => {
    const places: [string, string][] = [
      ...filesBelow(scratch.backendDir).map((file): [string, string] => [file, readFileSync(file, "utf8")]),
      [`Pulumi.${stackName}.yaml`, readFileSync(join(repoRoot, `Pulumi.${stackName}.yaml`), "utf8")],
      ["engine output", engineOutput.join("")],
      ["rendered nginx.conf", sh("docker", ["exec", proxyContainer(), "cat", "/tmp/nginx/nginx.conf"])],
      ...serviceContainers().flatMap(({ name }): [string, string][] => [
        [`docker inspect ${name}`, sh("docker", ["inspect", name])],
        [`docker logs ${name}`, logsOf(name)],
      ]),
    ];
    const leaks = places.filter(([, text]) => text.includes(KEY_1) || text.includes(KEY_2)).map(([where]) => where);
    record("keyLeakCheck", { placesSearched: places.length, leaks });
    expect(places.length).toBeGreaterThan(10);
    expect(leaks).toEqual([]);
  }, 120_000);
});
