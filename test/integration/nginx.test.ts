/**
 * The nginx proxy image with rendered configs, on real Docker.
 *
 * Builds nginx/ (classic builder, `--build-arg BASE_IMAGE`, default debian:bookworm-slim), checks rendered configs
 * with `nginx -t` inside the image, and runs the proxy (read-only root, tmpfs /tmp, non-root) in front of stand-in
 * upstreams: containers of the same image serving a small config that answers JSON echoing the headers they got.
 * Traffic goes only to 127.0.0.1: the proxy is published on a random loopback port. Every docker object is named
 * `ms-nginxtest-<run>-...` and labelled `model-service.test=nginx`; afterAll removes them even after a failure.
 */
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNginxConfigForEnv, renderNginxConfig } from "../../components/nginx/config.js";
import { NGINX_HEALTH_PATH, NGINX_LISTEN_PORT, type NginxConfigOptions } from "../../components/nginx/options.js";
import { API_SHADOW_PORT } from "../../components/containers/addresses.js";
import {
  buildImage,
  containerIp,
  containerLogs,
  createNetwork,
  docker,
  execInContainer,
  inspectField,
  networkGateway,
  publishedLoopbackPort,
  removeLabelled,
  runContainer,
  runContainerToCompletion,
} from "./support/docker.js";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const IMAGE = process.env.NGINX_TEST_IMAGE ?? "model-service/nginx:test";
const BASE_IMAGE = process.env.BASE_IMAGE ?? "debian:bookworm-slim";
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const NAME_PREFIX = `ms-nginxtest-${RUN_ID}`;
const TEST_LABEL = { "model-service.test": "nginx" } as const;
const RUN_LABEL = { ...TEST_LABEL, "model-service.test.run": RUN_ID } as const;
const NGINX_UID = "10002";
const STAND_IN_PORT = 8000;
const IMAGE_BUILD_TIMEOUT_MS = 600_000;
const GROUP_SETUP_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;
const GENERATED_REQUEST_ID = /^[0-9a-f]{32}$/;
const IPV4_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;
/** Longer than the proxy's gzip_min_length (1024), so the proxy compresses it; nginx strings stay below 4096. */
const LARGE_STAND_IN_BODY_LENGTH = 2048;
/** A keep-alive client's request with shadow at 100% and a paused candidate: no client request waits for a copy. */
const SHADOW_PAUSED_CANDIDATE_BOUND_MS = 500;
/**
 * A stand-in for a candidate replica's shadow listener (api/modelserver/serving/shadow_listener.py) in Perl, which
 * the proxy image's Debian base has: it prints each datagram's JSON object on a line of its own, after "copy ".
 */
const SHADOW_COPY_PRINTER = `$| = 1; my $socket = IO::Socket::INET->new(LocalPort => ${API_SHADOW_PORT}, Proto => "udp") or die "udp: $!"; while (defined $socket->recv(my $datagram, 65535)) { $datagram =~ s/^[^{]*//; print "copy $datagram\\n"; }`;

// ---------------------------------------------------------------------------------------------------------------
// Stand-in upstream and containers
// ---------------------------------------------------------------------------------------------------------------

/** What a stand-in upstream answers. */
interface StandInAnswer {
  /** Reported as `replica` in every answer. */
  readonly replica: string;
  /** Status of every answer (200 for a healthy stand-in). */
  readonly status: number;
}

/** The JSON a stand-in answers: what it received. */
interface StandInEcho {
  replica: string;
  server_addr: string;
  method: string;
  uri: string;
  protocol: string;
  host: string;
  connection: string;
  x_request_id: string;
  x_real_ip: string;
  x_forwarded_for: string;
  x_forwarded_proto: string;
  content_length: string;
}

/** nginx config of a stand-in api: echoes the request as JSON, logs the URI of each request to stdout. */
function standInConfig(answer: StandInAnswer): string {
  const echo = [
    `"replica":"${answer.replica}"`,
    '"server_addr":"$server_addr"',
    '"method":"$request_method"',
    '"uri":"$request_uri"',
    '"protocol":"$server_protocol"',
    '"host":"$http_host"',
    '"connection":"$http_connection"',
    '"x_request_id":"$http_x_request_id"',
    '"x_real_ip":"$http_x_real_ip"',
    '"x_forwarded_for":"$http_x_forwarded_for"',
    '"x_forwarded_proto":"$http_x_forwarded_proto"',
    '"content_length":"$content_length"',
  ].join(",");
  const padding = "x".repeat(LARGE_STAND_IN_BODY_LENGTH);
  return `worker_processes 1;
pid /tmp/nginx/nginx.pid;
error_log stderr warn;
events {}
http {
    client_body_temp_path /tmp/nginx/client_body_temp;
    proxy_temp_path /tmp/nginx/proxy_temp;
    fastcgi_temp_path /tmp/nginx/fastcgi_temp;
    uwsgi_temp_path /tmp/nginx/uwsgi_temp;
    scgi_temp_path /tmp/nginx/scgi_temp;
    log_format seen 'stand-in saw $request_method $request_uri shadow=$http_x_model_service_shadow length=$content_length id=$http_x_request_id for=$http_x_forwarded_for';
    access_log /dev/stdout seen;
    default_type application/json;
    client_max_body_size 0;
    server {
        listen ${STAND_IN_PORT};
        add_header X-Request-ID from-the-stand-in always;
        location = /large {
            return ${answer.status} '{"replica":"${answer.replica}","padding":"${padding}"}';
        }
        location / {
            return ${answer.status} '{${echo}}';
        }
    }
}
`;
}

/** Labels, read-only root and tmpfs /tmp shared by every long-running container of this file. */
function hardenedContainer(name: string, network: string) {
  return { name, network, labels: RUN_LABEL, readOnly: true, tmpfs: ["/tmp"] } as const;
}

/**
 * Starts a stand-in upstream. `keepContainerWhenServerStops` runs nginx under a shell that then sleeps, so the
 * server can be stopped (connections refused) while the container and its address stay.
 */
async function startStandIn(
  name: string,
  network: string,
  aliases: readonly string[],
  answer: StandInAnswer,
  keepContainerWhenServerStops = false,
  printsShadowCopies = false,
): Promise<void> {
  const printer = printsShadowCopies ? `perl -MIO::Socket::INET -e '${SHADOW_COPY_PRINTER}' & ` : "";
  await runContainer({
    ...hardenedContainer(name, network),
    image: IMAGE,
    networkAliases: aliases,
    env: { NGINX_CONF_B64: encodeNginxConfigForEnv(standInConfig(answer)) },
    ...(keepContainerWhenServerStops || printsShadowCopies
      ? { entrypoint: "/bin/bash", command: ["-c", `${printer}/usr/local/bin/nginx-entrypoint${keepContainerWhenServerStops ? "; exec sleep infinity" : ""}`] }
      : {}),
  });
  await waitForStandIn(name);
}

/** Waits until the stand-in answers on its own loopback address (checked from inside its container). */
async function waitForStandIn(name: string): Promise<void> {
  const probe = ["curl", "--silent", "--output", "/dev/null", "--max-time", "1", `http://127.0.0.1:${STAND_IN_PORT}/`];
  const attempts = 50;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if ((await execInContainer(name, probe)).exitCode === 0) {
      return;
    }
    await sleep(200);
  }
  const logs = await containerLogs(name);
  throw new Error(`stand-in ${name} did not answer on port ${STAND_IN_PORT}:\n${logs.stderr}`);
}

/** A running proxy container and the loopback port it is published on. */
interface RunningProxy {
  readonly name: string;
  readonly port: number;
}

/** Starts the proxy image with `options` rendered (or the baked default when `options` is null). */
async function startProxy(name: string, network: string, options: NginxConfigOptions | null): Promise<RunningProxy> {
  await runContainer({
    ...hardenedContainer(name, network),
    image: IMAGE,
    publish: [`127.0.0.1::${NGINX_LISTEN_PORT}`],
    env: options === null ? {} : { NGINX_CONF_B64: encodeNginxConfigForEnv(renderNginxConfig(options)) },
    extraRunArgs: ["--health-interval", "1s"],
  });
  try {
    const proxy = { name, port: await publishedLoopbackPort(name, NGINX_LISTEN_PORT) };
    await waitForHealthEndpoint(proxy);
    return proxy;
  } catch (error) {
    const logs = await containerLogs(name);
    throw new Error(`proxy ${name} did not come up: ${String(error)}\n${logs.stderr}`);
  }
}

async function waitForHealthEndpoint(proxy: RunningProxy): Promise<void> {
  const attempts = 50;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const response = await request(proxy, { path: NGINX_HEALTH_PATH, timeoutMs: 1000 }).catch(() => null);
    if (response?.status === 200) {
      return;
    }
    await sleep(200);
  }
  throw new Error(`no 200 from ${NGINX_HEALTH_PATH} after ${attempts} attempts`);
}

/** The proxy's stdout once it holds `expected` (access log lines are buffered, flush=1s): polled, at most 6 s. */
async function accessLogWith(proxyName: string, expected: RegExp): Promise<string> {
  let logs = await containerLogs(proxyName);
  for (let attempt = 0; attempt < 30 && !expected.test(logs.stdout); attempt++) {
    await sleep(200);
    logs = await containerLogs(proxyName);
  }
  return logs.stdout;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP client: one connection per request, bounded in time
// ---------------------------------------------------------------------------------------------------------------

interface RequestSpec {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  readonly timeoutMs?: number;
}

interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly elapsedMs: number;
}

function request(proxy: RunningProxy, spec: RequestSpec): Promise<HttpAnswer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: "127.0.0.1",
        port: proxy.port,
        method: spec.method ?? "GET",
        path: spec.path,
        headers: {
          ...(spec.body === undefined ? {} : { "Content-Length": String(Buffer.byteLength(spec.body)) }),
          ...spec.headers,
        },
        agent: false,
        timeout: spec.timeoutMs ?? REQUEST_TIMEOUT_MS,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", reject);
        incoming.on("end", () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            rawHeaders: incoming.rawHeaders,
            body: Buffer.concat(chunks),
            elapsedMs: Date.now() - started,
          }),
        );
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`${spec.method ?? "GET"} ${spec.path} timed out`)));
    outgoing.on("error", reject);
    outgoing.end(spec.body);
  });
}

function jsonBody<T>(answer: HttpAnswer): T {
  const text = answer.headers["content-encoding"] === "gzip" ? gunzipSync(answer.body).toString("utf8") : answer.body.toString("utf8");
  return JSON.parse(text) as T;
}

/** Every value the client got for one header (raw, so duplicates show). */
function headerValues(answer: HttpAnswer, name: string): string[] {
  const values: string[] = [];
  for (let index = 0; index < answer.rawHeaders.length; index += 2) {
    if (answer.rawHeaders[index]?.toLowerCase() === name.toLowerCase()) {
      values.push(answer.rawHeaders[index + 1] ?? "");
    }
  }
  return values;
}

interface NginxErrorBody {
  error: { code: string; message: string; request_id: string };
}

/** Asserts a JSON error answered by nginx: status, content type, code, and the request id in header and body. */
function expectNginxJsonError(answer: HttpAnswer, status: number, code: string): NginxErrorBody {
  expect(answer.status).toBe(status);
  expect(answer.headers["content-type"]).toMatch(/^application\/json/);
  const body = jsonBody<NginxErrorBody>(answer);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(headerValues(answer, "x-request-id")).toEqual([body.error.request_id]);
  return body;
}

/** Sends up to `attempts` requests, `intervalMs` apart, until `accept` holds for an answer; returns that answer. */
async function requestUntil(
  proxy: RunningProxy,
  spec: RequestSpec,
  accept: (answer: HttpAnswer) => boolean,
  attempts = 20,
  intervalMs = 250,
): Promise<HttpAnswer> {
  let last: HttpAnswer | Error | null = null;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    last = await request(proxy, spec).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    if (!(last instanceof Error) && accept(last)) {
      return last;
    }
    await sleep(intervalMs);
  }
  const lastSeen = last instanceof Error ? last.message : `${last?.status} ${last?.body.toString("utf8")}`;
  throw new Error(`no acceptable answer to ${spec.path} after ${attempts} attempts; last: ${lastSeen}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  await buildImage({
    contextDir: path.join(REPO_ROOT, "nginx"),
    tag: IMAGE,
    buildArgs: { BASE_IMAGE },
    labels: TEST_LABEL,
    timeoutMs: IMAGE_BUILD_TIMEOUT_MS,
  });
}, IMAGE_BUILD_TIMEOUT_MS);

afterAll(async () => {
  const failures = await removeLabelled(`model-service.test.run=${RUN_ID}`);
  expect(failures).toEqual([]);
}, GROUP_SETUP_TIMEOUT_MS);

describe("nginx image", () => {
  it("runs as 10002:10002 on 8080 with a health check, OCI labels and the config entrypoint", async () => {
    const config = JSON.parse(await inspectField(IMAGE, "{{json .Config}}")) as {
      User: string;
      ExposedPorts: Record<string, unknown>;
      Healthcheck: { Test: string[] } | null;
      Entrypoint: string[];
      StopSignal: string;
      Labels: Record<string, string>;
    };
    expect(config.User).toBe(`${NGINX_UID}:${NGINX_UID}`);
    expect(Object.keys(config.ExposedPorts)).toEqual([`${NGINX_LISTEN_PORT}/tcp`]);
    expect(config.Healthcheck?.Test.join(" ")).toContain(`http://127.0.0.1:${NGINX_LISTEN_PORT}${NGINX_HEALTH_PATH}`);
    expect(config.Entrypoint).toEqual(["/usr/local/bin/nginx-entrypoint"]);
    expect(config.StopSignal).toBe("SIGQUIT");
    expect(config.Labels["org.opencontainers.image.title"]).toBe("model-service-nginx");
    expect(config.Labels["org.opencontainers.image.base.name"]).toBe(BASE_IMAGE);
  }, TEST_TIMEOUT_MS);

  const variants: Record<string, NginxConfigOptions> = {
    "contract defaults (api:8000)": { upstreams: [{ host: "api", port: 8000 }], maxBodyBytes: 1_048_576, upstreamTimeoutSeconds: 30 },
    "rate limited, trusted forwarded headers": {
      upstreams: [{ host: "api", port: 8000 }],
      maxBodyBytes: 2_097_152,
      upstreamTimeoutSeconds: 60,
      rateLimit: { requestsPerSecond: 50, burst: 100 },
      trustForwardedHeaders: true,
    },
    "several upstreams, no retry of POST, no keepalive, no gzip": {
      upstreams: [
        { host: "api-1", port: 8000 },
        { host: "api-2", port: 8001 },
        { host: "10.0.0.7", port: 9000 },
      ],
      maxBodyBytes: 1,
      upstreamTimeoutSeconds: 1,
      upstreamKeepaliveSeconds: 0,
      nextUpstreamTries: 1,
      retryNonIdempotent: false,
      gzip: false,
      workerProcesses: 1,
      workerConnections: 16,
      connectTimeoutSeconds: 1,
    },
    "a candidate with weight, sticky header and shadow, replicas looked up per request": {
      upstreams: [{ host: "api", port: 8000 }],
      resolver: { address: "127.0.0.11", validSeconds: 1 },
      maxBodyBytes: 1_048_576,
      upstreamTimeoutSeconds: 30,
      rateLimit: { requestsPerSecond: 50, burst: 100 },
      candidate: { upstream: { host: "api-candidate", port: 8000 }, trafficPercent: 12.5, shadowPercent: 100, stickyHeader: "X-User-Id" },
    },
    "a candidate in an upstream block": {
      upstreams: [{ host: "api", port: 8000 }],
      maxBodyBytes: 1_048_576,
      upstreamTimeoutSeconds: 30,
      candidate: { upstream: { host: "api-candidate", port: 8000 }, trafficPercent: 100, shadowPercent: 0.5 },
    },
    "largest values": {
      upstreams: [{ host: "api", port: 65535 }],
      maxBodyBytes: 1_073_741_824,
      upstreamTimeoutSeconds: 3600,
      upstreamKeepaliveSeconds: 300,
      upstreamKeepaliveConnections: 1024,
      connectTimeoutSeconds: 60,
      nextUpstreamTries: 10,
      rateLimit: { requestsPerSecond: 100_000, burst: 0 },
      workerProcesses: 64,
      workerConnections: 65536,
      gzipMinLengthBytes: 1_048_576,
    },
  };

  it.each(Object.entries(variants))(
    "passes nginx -t with a read-only root, tmpfs /tmp and uid 10002: %s",
    async (_name, options) => {
      const hostsResolvingLocally = Object.fromEntries(
        [...options.upstreams, ...(options.candidate ? [options.candidate.upstream] : [])]
          .filter((upstream) => !IPV4_ADDRESS.test(upstream.host))
          .map((upstream) => [upstream.host, "127.0.0.1"]),
      );
      const result = await runContainerToCompletion({
        image: IMAGE,
        labels: RUN_LABEL,
        readOnly: true,
        tmpfs: ["/tmp"],
        user: `${NGINX_UID}:${NGINX_UID}`,
        extraRunArgs: ["--network", "none"],
        addHosts: hostsResolvingLocally,
        env: { NGINX_CONF_B64: encodeNginxConfigForEnv(renderNginxConfig(options)) },
        command: ["nginx", "-e", "stderr", "-t", "-c", "/tmp/nginx/nginx.conf"],
      });
      expect(result.stderr).toContain("test is successful");
      // The only acceptable warning depends on the host, not the config: more connections than open files allowed.
      const unexpectedWarnings = result.stderr
        .split("\n")
        .filter((line) => /\[(warn|emerg|alert|crit)\]/.test(line))
        .filter((line) => !/worker_connections exceed open file resource limit/.test(line));
      expect(unexpectedWarnings).toEqual([]);
      expect(result.exitCode).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it("refuses to start when the config is broken or NGINX_CONF_B64 is not base64", async () => {
    const startWith = (encodedConfig: string) =>
      runContainerToCompletion({
        image: IMAGE,
        labels: RUN_LABEL,
        readOnly: true,
        tmpfs: ["/tmp"],
        extraRunArgs: ["--network", "none"],
        env: { NGINX_CONF_B64: encodedConfig },
      });
    const broken = await startWith(encodeNginxConfigForEnv("events {}\nhttp { server { listen 8080; no_such_directive on; } }\n"));
    expect(broken.exitCode).not.toBe(0);
    expect(broken.stderr).toContain('unknown directive "no_such_directive"');

    const notBase64 = await startWith("this is not base64!");
    expect(notBase64.exitCode).toBe(64);
    expect(notBase64.stderr).toContain("NGINX_CONF_B64 is not valid base64");
  }, TEST_TIMEOUT_MS);
});

describe("proxy with the baked default config in front of a stand-in api", () => {
  const network = `${NAME_PREFIX}-default-net`;
  const replicaOne = `${NAME_PREFIX}-default-api-one`;
  const replicaTwo = `${NAME_PREFIX}-default-api-two`;
  const replicaThree = `${NAME_PREFIX}-default-api-three`;
  let proxy: RunningProxy;

  beforeAll(async () => {
    await createNetwork(network, RUN_LABEL);
    await startStandIn(replicaOne, network, ["api"], { replica: "one", status: 200 });
    proxy = await startProxy(`${NAME_PREFIX}-default-proxy`, network, null);
  }, GROUP_SETUP_TIMEOUT_MS);

  it("answers /nginx-health itself, as the non-root user, and Docker reports it healthy", async () => {
    const answer = await request(proxy, { path: NGINX_HEALTH_PATH });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/json");
    expect(jsonBody(answer)).toEqual({ status: "ok" });
    expect(headerValues(answer, "x-request-id")[0]).toMatch(GENERATED_REQUEST_ID);
    expect(answer.headers.server).toBe("nginx");

    const upstreamLog = await containerLogs(replicaOne);
    expect(upstreamLog.stdout).not.toContain(NGINX_HEALTH_PATH);
    expect((await execInContainer(proxy.name, ["id", "-u"])).stdout.trim()).toBe(NGINX_UID);
    await expect
      .poll(() => inspectField(proxy.name, "{{.State.Health.Status}}"), { timeout: 20_000, interval: 500 })
      .toBe("healthy");
  }, TEST_TIMEOUT_MS);

  it("forwards Host, X-Real-IP, X-Forwarded-For/Proto and the client's X-Request-ID over HTTP/1.1 keepalive", async () => {
    const answer = await request(proxy, {
      path: "/predict?debug=1",
      headers: { "X-Request-ID": "client-id-42", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https" },
    });
    expect(answer.status).toBe(200);
    const echo = jsonBody<StandInEcho>(answer);
    const clientAddresses = [await networkGateway(network), "127.0.0.1"];
    expect(echo).toMatchObject({ replica: "one", method: "GET", uri: "/predict?debug=1", protocol: "HTTP/1.1", connection: "" });
    expect(echo.x_request_id).toBe("client-id-42");
    expect(echo.host).toBe("127.0.0.1");
    expect(clientAddresses).toContain(echo.x_real_ip);
    expect(echo.x_forwarded_for).toBe(echo.x_real_ip);
    expect(echo.x_forwarded_proto).toBe("http");
    expect(headerValues(answer, "x-request-id")).toEqual(["client-id-42"]);
  }, TEST_TIMEOUT_MS);

  it("generates a request id when the client sends none or an unsafe one, and echoes it back", async () => {
    const withoutId = await request(proxy, { method: "POST", path: "/predict", body: '{"instances":[[1,2,3,4]]}' });
    const generated = headerValues(withoutId, "x-request-id");
    expect(generated).toHaveLength(1);
    expect(generated[0]).toMatch(GENERATED_REQUEST_ID);
    expect(jsonBody<StandInEcho>(withoutId).x_request_id).toBe(generated[0]);

    const unsafe = await request(proxy, { path: "/predict", headers: { "X-Request-ID": 'quote"and space' } });
    const replaced = headerValues(unsafe, "x-request-id");
    expect(replaced[0]).toMatch(GENERATED_REQUEST_ID);
    expect(jsonBody<StandInEcho>(unsafe).x_request_id).toBe(replaced[0]);
  }, TEST_TIMEOUT_MS);

  it("passes a body of exactly 1 MiB and answers 413 JSON above it without contacting the api", async () => {
    const atLimit = await request(proxy, { method: "POST", path: "/predict", body: Buffer.alloc(1_048_576, 0x20) });
    expect(atLimit.status).toBe(200);
    expect(jsonBody<StandInEcho>(atLimit).content_length).toBe("1048576");

    const overLimit = await request(proxy, {
      method: "POST",
      path: "/predict?over-limit",
      headers: { "X-Request-ID": "too-big-1" },
      body: Buffer.alloc(1_048_577, 0x20),
    });
    const body = expectNginxJsonError(overLimit, 413, "payload_too_large");
    expect(body.error.request_id).toBe("too-big-1");
    expect(body.error.message).toContain("1048576");
    expect((await containerLogs(replicaOne)).stdout).not.toContain("over-limit");
  }, TEST_TIMEOUT_MS);

  it("gzips large JSON answers for clients that accept gzip", async () => {
    const compressed = await request(proxy, { path: "/large", headers: { "Accept-Encoding": "gzip" } });
    expect(compressed.status).toBe(200);
    expect(compressed.headers["content-encoding"]).toBe("gzip");
    expect(compressed.body.length).toBeLessThan(LARGE_STAND_IN_BODY_LENGTH);
    expect(jsonBody<{ replica: string }>(compressed).replica).toBe("one");

    const small = await request(proxy, { path: "/small", headers: { "Accept-Encoding": "gzip" } });
    expect(small.headers["content-encoding"]).toBeUndefined();
  }, TEST_TIMEOUT_MS);

  it("writes one JSON access log line per request to stdout and errors to stderr", async () => {
    await request(proxy, { path: "/logged?x=1", headers: { "X-Request-ID": "log-line-7", "User-Agent": 'agent "quoted"' } });
    const stdout = await accessLogWith(proxy.name, /"log-line-7"/);
    const line = stdout.split("\n").find((candidate) => candidate.includes('"log-line-7"'));
    expect(line).toBeDefined();
    expect(JSON.parse(line ?? "")).toMatchObject({
      request_id: "log-line-7",
      method: "GET",
      uri: "/logged?x=1",
      status: 200,
      upstream_status: "200",
      user_agent: 'agent "quoted"',
    });
    const entry = JSON.parse(line ?? "") as Record<string, unknown>;
    for (const field of ["time", "remote_addr", "body_bytes_sent", "request_time", "upstream_addr", "upstream_response_time"]) {
      expect(entry).toHaveProperty(field);
    }
    const logs = await containerLogs(proxy.name);
    expect(logs.stderr).toContain("client intended to send too large body");
    expect(logs.stdout).not.toContain("client intended to send too large body");
  }, TEST_TIMEOUT_MS);

  it("nginx-reload picks up a re-created api replica behind the alias, without a new proxy container", async () => {
    const proxyIdBefore = await inspectField(proxy.name, "{{.Id}}");
    await startStandIn(replicaTwo, network, ["api"], { replica: "two", status: 200 });
    await docker(["rm", "--force", replicaOne]);
    const replicaTwoIp = await containerIp(replicaTwo, network);

    const beforeReload = await request(proxy, { path: "/predict" });
    expect(beforeReload.status).not.toBe(200);

    // nginx-reload returns once the old workers stopped taking connections: the next request sees the new config.
    const reload = await execInContainer(proxy.name, ["nginx-reload"]);
    expect(reload.stderr).toContain("nginx-reload: reloaded /tmp/nginx/nginx.conf");
    expect(reload.exitCode).toBe(0);
    for (let index = 0; index < 5; index += 1) {
      const answer = await request(proxy, { path: `/predict?after-reload=${index}` });
      expect(answer.status, answer.body.toString("utf8")).toBe(200);
      const echo = jsonBody<StandInEcho>(answer);
      expect(echo.replica).toBe("two");
      expect(echo.server_addr).toBe(replicaTwoIp);
    }
    expect(await inspectField(proxy.name, "{{.Id}}")).toBe(proxyIdBefore);
  }, TEST_TIMEOUT_MS);

  it("nginx-reload spreads requests over an added replica", async () => {
    await startStandIn(replicaThree, network, ["api"], { replica: "three", status: 200 });
    const reload = await execInContainer(proxy.name, ["nginx-reload"]);
    expect(reload.exitCode).toBe(0);
    const replicas: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const answer = await request(proxy, { path: "/predict" });
      expect(answer.status, answer.body.toString("utf8")).toBe(200);
      replicas.push(jsonBody<StandInEcho>(answer).replica);
    }
    // Round robin over the two addresses the alias now resolves to.
    expect(replicas.filter((replica) => replica === "two")).toHaveLength(3);
    expect(replicas.filter((replica) => replica === "three")).toHaveLength(3);
  }, TEST_TIMEOUT_MS);

  it("nginx-reload fails and keeps the running config when the alias resolves to nothing", async () => {
    await docker(["rm", "--force", replicaTwo, replicaThree]);
    const reload = await execInContainer(proxy.name, ["nginx-reload"]);
    expect(reload.exitCode).not.toBe(0);
    expect(reload.stderr).toContain("host not found in upstream");
    const health = await request(proxy, { path: NGINX_HEALTH_PATH });
    expect(health.status).toBe(200);
  }, TEST_TIMEOUT_MS);
});

describe("proxy with a 1 KiB body limit, a 1 s gunicorn timeout and a 1 s connect timeout", () => {
  const network = `${NAME_PREFIX}-short-net`;
  const standIn = `${NAME_PREFIX}-short-api`;
  const options: NginxConfigOptions = {
    upstreams: [{ host: "api", port: STAND_IN_PORT }],
    maxBodyBytes: 1024,
    upstreamTimeoutSeconds: 1,
    connectTimeoutSeconds: 1,
  };
  let proxy: RunningProxy;

  beforeAll(async () => {
    await createNetwork(network, RUN_LABEL);
    await startStandIn(standIn, network, ["api"], { replica: "short", status: 200 }, true);
    proxy = await startProxy(`${NAME_PREFIX}-short-proxy`, network, options);
  }, GROUP_SETUP_TIMEOUT_MS);

  it("takes client_max_body_size from maxBodyBytes: 1024 bytes pass, 1025 get 413 JSON", async () => {
    const atLimit = await request(proxy, { method: "POST", path: "/predict", body: Buffer.alloc(1024, 0x20) });
    expect(atLimit.status).toBe(200);
    expect(jsonBody<StandInEcho>(atLimit).content_length).toBe("1024");
    const overLimit = await request(proxy, { method: "POST", path: "/predict", body: Buffer.alloc(1025, 0x20) });
    expect(expectNginxJsonError(overLimit, 413, "payload_too_large").error.message).toContain("1024 bytes");
  }, TEST_TIMEOUT_MS);

  it("answers 504 JSON after gunicorn's timeout plus the margin when the api does not answer", async () => {
    await docker(["pause", standIn]);
    try {
      const answer = await request(proxy, { method: "POST", path: "/predict", body: "{}", timeoutMs: 20_000 });
      expect(expectNginxJsonError(answer, 504, "gateway_timeout").error.message).toContain("6 seconds");
      expect(answer.elapsedMs).toBeGreaterThanOrEqual(5_900);
      expect(answer.elapsedMs).toBeLessThan(9_000);
    } finally {
      await docker(["unpause", standIn]);
    }
  }, TEST_TIMEOUT_MS);

  it("answers 502 JSON at once when the api process is down (connection refused)", async () => {
    const stopped = await execInContainer(standIn, ["nginx", "-e", "stderr", "-s", "stop", "-c", "/tmp/nginx/nginx.conf"]);
    expect(stopped.exitCode).toBe(0);
    const answer = await requestUntil(proxy, { path: "/predict", headers: { "X-Request-ID": "down-1" } }, (candidate) => candidate.status !== 200, 20, 100);
    expect(expectNginxJsonError(answer, 502, "bad_gateway").error.request_id).toBe("down-1");
    expect(answer.elapsedMs).toBeLessThan(1000);
  }, TEST_TIMEOUT_MS);

  it("answers JSON within the 1 s connect timeout when the api container is stopped", async () => {
    await docker(["stop", "--time", "1", standIn]);
    const answer = await request(proxy, { path: "/predict" });
    // The stopped replica's address disappears silently: the connect times out (504), unless the kernel already
    // knows the address is unreachable (502). Both are JSON from nginx, within the 1 s connect timeout.
    expect([502, 504]).toContain(answer.status);
    expectNginxJsonError(answer, answer.status, answer.status === 502 ? "bad_gateway" : "gateway_timeout");
    expect(answer.elapsedMs).toBeLessThan(3000);
  }, TEST_TIMEOUT_MS);
});

describe("proxy with a rate limit of 1 request/s and a burst of 2", () => {
  const network = `${NAME_PREFIX}-rate-net`;
  let proxy: RunningProxy;

  beforeAll(async () => {
    await createNetwork(network, RUN_LABEL);
    await startStandIn(`${NAME_PREFIX}-rate-api`, network, ["api"], { replica: "rate", status: 200 });
    proxy = await startProxy(`${NAME_PREFIX}-rate-proxy`, network, {
      upstreams: [{ host: "api", port: STAND_IN_PORT }],
      maxBodyBytes: 1_048_576,
      upstreamTimeoutSeconds: 30,
      rateLimit: { requestsPerSecond: 1, burst: 2 },
    });
  }, GROUP_SETUP_TIMEOUT_MS);

  it("answers 429 JSON beyond the burst and keeps /nginx-health out of the limit", async () => {
    const answers: HttpAnswer[] = [];
    for (let index = 0; index < 10; index += 1) {
      answers.push(await request(proxy, { path: "/predict", headers: { "X-Request-ID": `burst-${index}` } }));
    }
    const statuses = answers.map((answer) => answer.status);
    expect(statuses[0]).toBe(200);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(5);
    const limited = answers.find((answer) => answer.status === 429);
    expect(limited).toBeDefined();
    if (limited !== undefined) {
      expect(expectNginxJsonError(limited, 429, "rate_limited").error.request_id).toMatch(/^burst-\d$/);
    }
    expect((await request(proxy, { path: NGINX_HEALTH_PATH })).status).toBe(200);
  }, TEST_TIMEOUT_MS);
});

describe("retries across two upstreams whose first answers 503", () => {
  const network = `${NAME_PREFIX}-retry-net`;
  const upstreams = [
    { host: "api-unready", port: STAND_IN_PORT },
    { host: "api-ready", port: STAND_IN_PORT },
  ];

  beforeAll(async () => {
    await createNetwork(network, RUN_LABEL);
    await startStandIn(`${NAME_PREFIX}-retry-unready`, network, ["api-unready"], { replica: "unready", status: 503 });
    await startStandIn(`${NAME_PREFIX}-retry-ready`, network, ["api-ready"], { replica: "ready", status: 200 });
  }, GROUP_SETUP_TIMEOUT_MS);

  it("retries POST /predict on the next replica by default (retryNonIdempotent: true)", async () => {
    const proxy = await startProxy(`${NAME_PREFIX}-retry-on-proxy`, network, {
      upstreams,
      maxBodyBytes: 1_048_576,
      upstreamTimeoutSeconds: 30,
    });
    for (let index = 0; index < 4; index += 1) {
      const answer = await request(proxy, { method: "POST", path: "/predict", body: '{"instances":[[1]]}' });
      expect(answer.status).toBe(200);
      expect(jsonBody<StandInEcho>(answer).replica).toBe("ready");
    }
    expect(await accessLogWith(proxy.name, /"upstream_status":"503, 200"/)).toMatch(/"upstream_status":"503, 200"/);
  }, TEST_TIMEOUT_MS);

  it("passes the 503 of POST through with retryNonIdempotent: false, while GET is still retried", async () => {
    const proxy = await startProxy(`${NAME_PREFIX}-retry-off-proxy`, network, {
      upstreams,
      maxBodyBytes: 1_048_576,
      upstreamTimeoutSeconds: 30,
      retryNonIdempotent: false,
    });
    const post = await request(proxy, { method: "POST", path: "/predict", body: '{"instances":[[1]]}' });
    expect(post.status).toBe(503);
    expect(jsonBody<StandInEcho>(post).replica).toBe("unready");
    for (let index = 0; index < 2; index += 1) {
      const get = await request(proxy, { path: "/metadata" });
      expect(get.status).toBe(200);
      expect(jsonBody<StandInEcho>(get).replica).toBe("ready");
    }
    const logEntries = (await accessLogWith(proxy.name, /"method":"GET".*"upstream_status":"503, 200"/))
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { method: string; upstream_status: string });
    expect(logEntries).toContainEqual(expect.objectContaining({ method: "POST", upstream_status: "503" }));
    expect(logEntries).toContainEqual(expect.objectContaining({ method: "GET", upstream_status: "503, 200" }));
  }, TEST_TIMEOUT_MS);
});

describe("a candidate beside the stable api, replicas looked up per request as ModelService renders it", () => {
  const network = `${NAME_PREFIX}-canary-net`;
  const candidateName = `${NAME_PREFIX}-canary-candidate`;
  const base = {
    upstreams: [{ host: "api", port: STAND_IN_PORT }],
    resolver: { address: "127.0.0.11", validSeconds: 1 },
    maxBodyBytes: 1_048_576,
    upstreamTimeoutSeconds: 30,
    connectTimeoutSeconds: 1,
  } as const;
  const candidate = (host: string, trafficPercent: number, shadowPercent: number, stickyHeader?: string): NginxConfigOptions => ({
    ...base,
    candidate: { upstream: { host, port: STAND_IN_PORT }, trafficPercent, shadowPercent, ...(stickyHeader ? { stickyHeader } : {}) },
  });
  const replicaOf = (answer: HttpAnswer): string => jsonBody<StandInEcho>(answer).replica;

  beforeAll(async () => {
    await createNetwork(network, RUN_LABEL);
    await startStandIn(`${NAME_PREFIX}-canary-stable`, network, ["api"], { replica: "stable", status: 200 });
    await startStandIn(candidateName, network, ["api-candidate"], { replica: "candidate", status: 200 }, false, true);
    await startStandIn(`${NAME_PREFIX}-canary-failing`, network, ["api-failing"], { replica: "failing", status: 500 });
  }, GROUP_SETUP_TIMEOUT_MS);

  it("sends the candidate its share of live requests, and all of them to stable once the weight line is deleted", async () => {
    const proxy = await startProxy(`${NAME_PREFIX}-canary-weight`, network, candidate("api-candidate", 30, 0));
    const count = 400;
    let toCandidate = 0;
    for (let index = 0; index < count; index += 1) {
      const answer = await request(proxy, { path: "/metadata" });
      expect(answer.status).toBe(200);
      toCandidate += replicaOf(answer) === "candidate" ? 1 : 0;
    }
    // 30% of 400: 120, standard deviation 9.2; 3 standard deviations either side.
    expect(toCandidate).toBeGreaterThanOrEqual(92);
    expect(toCandidate).toBeLessThanOrEqual(148);

    const dropped = await execInContainer(proxy.name, ["sh", "-c", "sed -i '/# model-service:candidate-weight$/d' /tmp/nginx/nginx.conf && nginx-reload"]);
    expect(dropped.exitCode, dropped.stderr).toBe(0);
    for (let index = 0; index < 50; index += 1) {
      expect(replicaOf(await request(proxy, { path: "/metadata" }))).toBe("stable");
    }
  }, 120_000);

  it("sends every request with the same sticky key to the same version", async () => {
    const proxy = await startProxy(`${NAME_PREFIX}-canary-sticky`, network, candidate("api-candidate", 50, 0, "X-User-Id"));
    const versionsByKey = new Map<string, Set<string>>();
    for (let round = 0; round < 5; round += 1) {
      for (let key = 0; key < 20; key += 1) {
        const answer = await request(proxy, { path: "/metadata", headers: { "X-User-Id": `user-${key}` } });
        const seen = versionsByKey.get(`user-${key}`) ?? new Set<string>();
        seen.add(replicaOf(answer));
        versionsByKey.set(`user-${key}`, seen);
      }
    }
    expect([...versionsByKey.values()].every((versions) => versions.size === 1)).toBe(true);
    expect(new Set([...versionsByKey.values()].flatMap((versions) => [...versions]))).toEqual(new Set(["stable", "candidate"]));
  }, 120_000);

  it("answers a POST that the candidate fails with 500, or cannot take at all, from stable, body included", async () => {
    for (const host of ["api-failing", "api-nowhere"]) {
      const proxy = await startProxy(`${NAME_PREFIX}-canary-fallback-${host}`, network, candidate(host, 100, 0));
      const body = '{"instances":[[1,2,3,4]]}';
      for (let index = 0; index < 5; index += 1) {
        const answer = await request(proxy, { method: "POST", path: "/predict?explain=1", body, headers: { "X-Request-ID": `fallback-${index}` } });
        expect(answer.status).toBe(200);
        const echo = jsonBody<StandInEcho>(answer);
        expect(echo).toMatchObject({ replica: "stable", method: "POST", uri: "/predict?explain=1", content_length: String(body.length) });
        expect(headerValues(answer, "x-request-id")).toEqual([`fallback-${index}`]);
      }
      // nginx's own JSON errors still apply to requests the split gives the candidate.
      expectNginxJsonError(await request(proxy, { method: "POST", path: "/predict", body: Buffer.alloc(1_048_577, 0x20) }), 413, "payload_too_large");
    }
  }, 120_000);

  it("mirrors prediction requests to the candidate marked as shadow, and the client only sees stable", async () => {
    const proxy = await startProxy(`${NAME_PREFIX}-canary-shadow`, network, candidate("api-candidate", 0, 100));
    const before = (await containerLogs(candidateName)).stdout;
    for (let index = 0; index < 10; index += 1) {
      const answer = await request(proxy, { method: "POST", path: "/predict", body: `{"instances":[[${index}]]}`, headers: { "X-Request-ID": `shadow-${index}` } });
      expect(replicaOf(answer)).toBe("stable");
      expect(replicaOf(await request(proxy, { path: "/metadata" }))).toBe("stable");
    }
    // A copy leaves after the client's answer: the candidate's log is read until it holds 10, at most 2 s.
    const copiesNow = async () =>
      (await containerLogs(candidateName)).stdout
        .slice(before.length)
        .split("\n")
        .filter((line) => line.startsWith("copy "))
        .map((line) => JSON.parse(line.slice("copy ".length)) as { method: string; uri: string; headers: Record<string, string>; body: string });
    let copies = await copiesNow();
    for (let attempt = 0; attempt < 20 && copies.length < 10; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      copies = await copiesNow();
    }
    // One datagram a prediction: the body whole, the client's request id and address as the proxy saw them, marked.
    expect(copies.map((copy) => copy.headers["X-Request-ID"]).sort()).toEqual(Array.from({ length: 10 }, (_, index) => `shadow-${index}`));
    for (const copy of copies) {
      const index = Number(copy.headers["X-Request-ID"].split("-")[1]);
      expect(copy).toMatchObject({ method: "POST", uri: "/predict", body: `{"instances":[[${index}]]}` });
      expect(copy.headers["X-Model-Service-Shadow"]).toBe("1");
      expect(copy.headers["X-Forwarded-For"]).toMatch(IPV4_ADDRESS);
      expect(copy.headers["X-Forwarded-For"]).not.toBe("127.0.0.1");
    }
    // Only predictions were mirrored, and the candidate's HTTP server saw none of them.
    const seen = (await containerLogs(candidateName)).stdout.slice(before.length).split("\n").filter((line) => line.startsWith("stand-in saw"));
    expect(seen).toEqual([]);
  }, 120_000);

  it("keeps a paused candidate from delaying a keep-alive client's next request (copies go as datagrams)", async () => {
    const proxy = await startProxy(`${NAME_PREFIX}-canary-shadow-slow`, network, candidate("api-candidate", 0, 100));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const timed = async (): Promise<number[]> => {
      const elapsed: number[] = [];
      for (let index = 0; index < 5; index += 1) {
        const started = Date.now();
        await new Promise<void>((resolve, reject) => {
          const outgoing = http.request(
            { host: "127.0.0.1", port: proxy.port, method: "POST", path: "/predict", agent, timeout: REQUEST_TIMEOUT_MS, headers: { "Content-Length": "2" } },
            (incoming) => {
              incoming.resume();
              incoming.on("end", () => resolve());
            },
          );
          outgoing.on("error", reject);
          outgoing.end("{}");
        });
        elapsed.push(Date.now() - started);
      }
      return elapsed;
    };
    try {
      const healthy = await timed();
      await docker(["pause", candidateName]);
      const paused = await timed();
      console.log(`shadow 100%, keep-alive client, 5 sequential POSTs: healthy candidate ${healthy.join(", ")} ms; paused candidate ${paused.join(", ")} ms`);
      // No client request waits for a copy, whatever the candidate does with it.
      expect(Math.max(...paused)).toBeLessThan(SHADOW_PAUSED_CANDIDATE_BOUND_MS);
    } finally {
      await docker(["unpause", candidateName]);
      agent.destroy();
    }
  }, 120_000);
});
