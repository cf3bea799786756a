/**
 * renderNginxConfig: golden outputs, targeted assertions and option validation.
 *
 * Golden files: test/unit/golden/<name>.conf, plus nginx/nginx.conf (the config baked into the image, rendered from
 * DEFAULT_NGINX_CONFIG_OPTIONS). A difference fails the test; `UPDATE_GOLDEN=1 npx vitest run
 * test/unit/nginxConfig.test.ts` rewrites them (review the diff before committing).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { digitsAtMost, encodeNginxConfigForEnv, nginxErrorResponses, renderNginxConfig } from "../../../components/nginx/config.js";
import {
  NGINX_CONF_ENV_VAR,
  NGINX_HEALTH_PATH,
  NGINX_LISTEN_PORT,
  NGINX_RUNTIME_DIR,
  NGINX_SHADOW_FORWARD_PORT,
  NGINX_SHADOW_MAX_BODY_BYTES,
  NginxConfigError,
  UPSTREAM_READ_TIMEOUT_MARGIN_SECONDS,
  deriveProxyTimeouts,
  deriveUpstreamIdleTimeoutMs,
  validateNginxConfigOptions,
  type NginxConfigOptions,
} from "../../../components/nginx/options.js";
import { API_SHADOW_PORT } from "../../../components/containers/addresses.js";
import { DEFAULT_NGINX_CONFIG_OPTIONS } from "../../../components/containers/proxyNginxConfig.js";

const TEST_DIR = path.dirname(fileURLToPath(import.meta.url));
const GOLDEN_DIR = path.join(TEST_DIR, "golden");
const BAKED_DEFAULT_CONFIG = path.resolve(TEST_DIR, "../../../nginx/nginx.conf");
const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === "1";

const BASE: NginxConfigOptions = { upstreams: [{ host: "api", port: 8000 }], maxBodyBytes: 1_048_576, upstreamTimeoutSeconds: 30 };

const GOLDEN_VARIANTS: Record<string, NginxConfigOptions> = {
  "rate-limited-behind-trusted-proxy": {
    ...BASE,
    maxBodyBytes: 2_097_152,
    upstreamTimeoutSeconds: 60,
    rateLimit: { requestsPerSecond: 20, burst: 40 },
    trustForwardedHeaders: true,
  },
  "several-upstreams-no-post-retry": {
    upstreams: [
      { host: "api-a", port: 8000 },
      { host: "api-b", port: 8000 },
      { host: "10.0.0.7", port: 9000 },
    ],
    maxBodyBytes: 524_288,
    upstreamTimeoutSeconds: 120,
    upstreamKeepaliveSeconds: 5,
    upstreamKeepaliveConnections: 32,
    connectTimeoutSeconds: 1,
    nextUpstreamTries: 3,
    retryNonIdempotent: false,
    workerProcesses: 2,
    workerConnections: 2048,
    gzipMinLengthBytes: 256,
  },
  "candidate-weighted-sticky-shadow": {
    ...BASE,
    resolver: { address: "127.0.0.11", validSeconds: 1 },
    connectTimeoutSeconds: 1,
    rateLimit: { requestsPerSecond: 50, burst: 100 },
    candidate: { upstream: { host: "api-candidate", port: 8000 }, trafficPercent: 10, shadowPercent: 25, stickyHeader: "X-User-Id" },
  },
  "candidate-upstream-blocks-weight-only": {
    ...BASE,
    candidate: { upstream: { host: "api-candidate", port: 8000 }, trafficPercent: 0.5, shadowPercent: 0 },
  },
  "replicas-looked-up-per-request": {
    ...BASE,
    resolver: { address: "127.0.0.11", validSeconds: 1 },
    connectTimeoutSeconds: 1,
  },
  "tls-short-client-timeouts-no-connection-limit": {
    ...BASE,
    tls: true,
    clientTimeouts: { headerSeconds: 3, bodySeconds: 4, sendSeconds: 5, keepaliveSeconds: 0 },
    maxConnectionsPerClient: 0,
  },
  "small-limits-no-keepalive-no-gzip": {
    ...BASE,
    maxBodyBytes: 1024,
    upstreamTimeoutSeconds: 1,
    upstreamKeepaliveSeconds: 0,
    gzip: false,
    rateLimit: { requestsPerSecond: 5, burst: 0 },
  },
};

/** Compares `actual` with the file, or rewrites the file when UPDATE_GOLDEN=1. */
function expectMatchesGoldenFile(actual: string, file: string): void {
  if (UPDATE_GOLDEN) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`golden file ${file} is missing; create it with UPDATE_GOLDEN=1 and review it`);
  }
  expect(actual, `${file} differs; if the change is intended, run with UPDATE_GOLDEN=1 and review the diff`).toBe(
    readFileSync(file, "utf8"),
  );
}

function render(overrides: Partial<NginxConfigOptions> = {}): string {
  return renderNginxConfig({ ...BASE, ...overrides });
}

/** Lines of the config without indentation. */
function directives(config: string): string[] {
  return config.split("\n").map((line) => line.trim());
}

/** The body of the first block whose header line is exactly `header {` (nested blocks included). */
function blockBody(config: string, header: string): string {
  const lines = config.split("\n");
  const start = lines.findIndex((line) => line.trim() === `${header} {`);
  if (start < 0) {
    throw new Error(`no block "${header}" in config`);
  }
  const indent = (lines[start] ?? "").length - (lines[start] ?? "").trimStart().length;
  const end = lines.findIndex((line, index) => index > start && line === `${" ".repeat(indent)}}`);
  return lines.slice(start + 1, end).join("\n");
}

/** The single-quoted text of `return <status> '...'` in the block of `location`. */
function returnedBody(config: string, location: string, status: number): string {
  const match = new RegExp(`return ${status} '([^']*)';`).exec(blockBody(config, location));
  if (match === null) {
    throw new Error(`no "return ${status}" in ${location}`);
  }
  return match[1] ?? "";
}

/** The log_format string with every variable replaced by a sample value of its kind. */
function sampleAccessLogLine(config: string): string {
  const start = config.indexOf("log_format model_service_json escape=json");
  const statement = config.slice(start, config.indexOf(";", start));
  const format = [...statement.matchAll(/'([^']*)'/g)].map((match) => match[1]).join("");
  return format.replace(/\$[a-z_]+/g, (variable) =>
    ["$status", "$body_bytes_sent", "$request_time"].includes(variable) ? "1" : "sample",
  );
}

/** `{` and `}` outside quoted strings balance, and never close more than was opened. */
function bracesBalance(config: string): boolean {
  let depth = 0;
  for (const line of config.split("\n")) {
    const unquoted = line.replace(/'[^']*'/g, "").replace(/"[^"]*"/g, "").replace(/#.*$/, "");
    for (const character of unquoted) {
      depth += character === "{" ? 1 : character === "}" ? -1 : 0;
      if (depth < 0) {
        return false;
      }
    }
  }
  return depth === 0;
}

describe("renderNginxConfig golden files", () => {
  it("nginx/nginx.conf, the config baked into the image, is the rendering of DEFAULT_NGINX_CONFIG_OPTIONS", () => {
    expectMatchesGoldenFile(renderNginxConfig(DEFAULT_NGINX_CONFIG_OPTIONS), BAKED_DEFAULT_CONFIG);
  });

  it.each(Object.entries(GOLDEN_VARIANTS))("%s matches test/unit/golden/<name>.conf", (name, options) => {
    expectMatchesGoldenFile(renderNginxConfig(options), path.join(GOLDEN_DIR, `${name}.conf`));
  });

  it.each(Object.entries({ default: DEFAULT_NGINX_CONFIG_OPTIONS, ...GOLDEN_VARIANTS }))(
    "%s has balanced braces and ends with a newline",
    (_name, options) => {
      const config = renderNginxConfig(options);
      expect(bracesBalance(config)).toBe(true);
      expect(config.endsWith("}\n")).toBe(true);
    },
  );
});

describe("renderNginxConfig content", () => {
  it("has an events block, and pid and every temp path under the runtime dir in /tmp", () => {
    const config = render({ workerConnections: 4096 });
    expect(blockBody(config, "events").trim()).toBe("worker_connections 4096;");
    const lines = directives(config);
    expect(lines).toContain(`pid ${NGINX_RUNTIME_DIR}/nginx.pid;`);
    for (const kind of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
      expect(lines).toContain(`${kind}_temp_path ${NGINX_RUNTIME_DIR}/${kind}_temp;`);
    }
    expect(NGINX_RUNTIME_DIR.startsWith("/tmp/")).toBe(true);
  });

  it("runs unprivileged: no user or daemon directive, listens on 8080, hides the version", () => {
    const lines = directives(render());
    expect(lines.some((line) => /^(user|daemon) /.test(line))).toBe(false);
    expect(lines).toContain(`listen ${NGINX_LISTEN_PORT} default_server;`);
    expect(NGINX_LISTEN_PORT).toBe(8080);
    expect(lines).toContain("server_tokens off;");
  });

  it("sets worker_processes from the option, auto by default", () => {
    expect(directives(render())).toContain("worker_processes auto;");
    expect(directives(render({ workerProcesses: 3 }))).toContain("worker_processes 3;");
  });

  it("logs JSON to stdout with the required fields and errors to stderr", () => {
    const config = render();
    const entry = JSON.parse(sampleAccessLogLine(config)) as Record<string, unknown>;
    expect(Object.keys(entry)).toEqual(
      expect.arrayContaining([
        "time",
        "request_id",
        "method",
        "uri",
        "status",
        "body_bytes_sent",
        "request_time",
        "upstream_addr",
        "upstream_status",
        "upstream_response_time",
      ]),
    );
    expect(config).toContain("log_format model_service_json escape=json");
    expect(directives(config)).toContain("access_log /dev/stdout model_service_json buffer=64k flush=1s;");
    expect(directives(config)).toContain("error_log stderr warn;");
  });

  it("renders one upstream server per entry, in order, inside a shared zone", () => {
    const config = render({
      upstreams: [
        { host: "api", port: 8000 },
        { host: "api-canary", port: 8001 },
        { host: "192.168.1.20", port: 18000 },
      ],
    });
    const servers = directives(blockBody(config, "upstream model_service_api")).filter((line) => line.startsWith("server "));
    expect(servers).toEqual([
      "server api:8000 max_fails=1 fail_timeout=3s;",
      "server api-canary:8001 max_fails=1 fail_timeout=3s;",
      "server 192.168.1.20:18000 max_fails=1 fail_timeout=3s;",
    ]);
    expect(directives(config)).toContain("zone model_service_api 128k;");
    expect(config).not.toMatch(/^\s*resolver /m);
  });

  it("keeps upstream connections alive over HTTP/1.1 and closes idle ones before gunicorn does", () => {
    const config = render({ upstreamKeepaliveSeconds: 5, upstreamKeepaliveConnections: 8 });
    const upstream = directives(blockBody(config, "upstream model_service_api"));
    expect(upstream).toContain("keepalive 8;");
    expect(upstream).toContain("keepalive_timeout 4s;");
    const halfSecond = directives(blockBody(render({ upstreamKeepaliveSeconds: 1 }), "upstream model_service_api"));
    expect(halfSecond).toContain("keepalive_timeout 500ms;");
    const location = directives(blockBody(config, "location /"));
    expect(location).toContain("proxy_http_version 1.1;");
    expect(location).toContain('proxy_set_header Connection "";');
  });

  it("does not keep upstream connections when gunicorn's keepalive is 0", () => {
    const upstream = directives(blockBody(render({ upstreamKeepaliveSeconds: 0 }), "upstream model_service_api"));
    expect(upstream.some((line) => line.startsWith("keepalive"))).toBe(false);
  });

  it.each([
    [1, 500],
    [2, 1000],
    [3, 2000],
    [75, 74_000],
  ])("derives an upstream idle timeout below gunicorn's keepalive of %i s: %i ms", (keepaliveSeconds, idleMs) => {
    expect(deriveUpstreamIdleTimeoutMs(keepaliveSeconds)).toBe(idleMs);
    expect(idleMs).toBeLessThan(keepaliveSeconds * 1000);
  });

  it("sets client_max_body_size to exactly maxBodyBytes, the api's MAX_BODY_BYTES", () => {
    expect(directives(render({ maxBodyBytes: 123_456 }))).toContain("client_max_body_size 123456;");
    expect(directives(render({ maxBodyBytes: 123_456 }))).toContain("client_body_buffer_size 123456;");
    expect(directives(render({ maxBodyBytes: 10_485_760 }))).toContain("client_body_buffer_size 1048576;");
  });

  it.each([1, 30, 300])("derives read/send/next-upstream timeouts from a gunicorn timeout of %i s", (gunicornTimeout) => {
    const location = directives(blockBody(render({ upstreamTimeoutSeconds: gunicornTimeout, connectTimeoutSeconds: 3 }), "location /"));
    const expected = gunicornTimeout + UPSTREAM_READ_TIMEOUT_MARGIN_SECONDS;
    expect(location).toContain("proxy_connect_timeout 3s;");
    expect(location).toContain(`proxy_read_timeout ${expected}s;`);
    expect(location).toContain(`proxy_send_timeout ${expected}s;`);
    expect(location).toContain(`proxy_next_upstream_timeout ${expected}s;`);
    expect(deriveProxyTimeouts(gunicornTimeout, 3)).toEqual({
      connectSeconds: 3,
      readSeconds: expected,
      sendSeconds: expected,
      nextUpstreamSeconds: expected,
    });
  });

  it("answers slower than gunicorn's own timeout, by a margin of at least 2 s", () => {
    expect(UPSTREAM_READ_TIMEOUT_MARGIN_SECONDS).toBeGreaterThanOrEqual(2);
    expect(deriveProxyTimeouts(30, 2).readSeconds).toBeGreaterThan(30);
  });

  it("retries errors, timeouts, 502 and 503, POST included by default, with bounded tries", () => {
    const location = directives(blockBody(render(), "location /"));
    expect(location).toContain("proxy_next_upstream error timeout http_502 http_503 non_idempotent;");
    expect(location).toContain("proxy_next_upstream_tries 2;");
  });

  it("does not retry POST with retryNonIdempotent: false, and takes the tries from the option", () => {
    const location = directives(blockBody(render({ retryNonIdempotent: false, nextUpstreamTries: 4 }), "location /"));
    expect(location).toContain("proxy_next_upstream error timeout http_502 http_503;");
    expect(location).toContain("proxy_next_upstream_tries 4;");
  });

  it("has no rate limit unless asked for", () => {
    const config = render();
    expect(config).not.toContain("limit_req");
  });

  it("limits requests per client address with burst and nodelay, answering 429", () => {
    const config = render({ rateLimit: { requestsPerSecond: 7, burst: 21 } });
    const lines = directives(config);
    expect(lines).toContain("limit_req_zone $binary_remote_addr zone=model_service_per_client:10m rate=7r/s;");
    expect(lines).toContain("limit_req_status 429;");
    expect(directives(blockBody(config, "location /"))).toContain("limit_req zone=model_service_per_client burst=21 nodelay;");
    expect(blockBody(config, `location = ${NGINX_HEALTH_PATH}`)).not.toContain("limit_req");
  });

  it("renders a rate limit without burst when burst is 0 (nginx rejects burst=0)", () => {
    const location = directives(blockBody(render({ rateLimit: { requestsPerSecond: 2, burst: 0 } }), "location /"));
    expect(location).toContain("limit_req zone=model_service_per_client;");
  });

  it("forwards Host, X-Real-IP, X-Forwarded-For/Proto and the request id; the client's forwarded headers are not trusted", () => {
    const location = directives(blockBody(render(), "location /"));
    expect(location).toEqual(
      expect.arrayContaining([
        "proxy_pass http://model_service_api;",
        "proxy_set_header Host $host;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Request-ID $model_service_request_id;",
        "proxy_hide_header X-Request-ID;",
      ]),
    );
  });

  it("appends to X-Forwarded-For and keeps a valid X-Forwarded-Proto behind a trusted proxy", () => {
    const config = render({ trustForwardedHeaders: true });
    const location = directives(blockBody(config, "location /"));
    expect(location).toContain("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;");
    expect(location).toContain("proxy_set_header X-Forwarded-Proto $model_service_forwarded_proto;");
    expect(directives(blockBody(config, "map $http_x_forwarded_proto $model_service_forwarded_proto"))).toEqual([
      '"~^https?$" $http_x_forwarded_proto;',
      "default $scheme;",
    ]);
  });

  it("keeps a safe client X-Request-ID, else uses $request_id, and echoes it on every answer", () => {
    const config = render();
    expect(directives(blockBody(config, "map $http_x_request_id $model_service_request_id"))).toEqual([
      '"~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;',
      "default $request_id;",
    ]);
    expect(directives(blockBody(config, "server"))).toContain("add_header X-Request-ID $model_service_request_id always;");
    expect(config.match(/add_header /g)).toHaveLength(1);
  });

  it("compresses JSON above the minimum length, or not at all with gzip: false", () => {
    const lines = directives(render({ gzipMinLengthBytes: 2048 }));
    expect(lines).toEqual(expect.arrayContaining(["gzip on;", "gzip_types application/json;", "gzip_min_length 2048;", "gzip_proxied any;"]));
    const withoutGzip = directives(render({ gzip: false }));
    expect(withoutGzip).toContain("gzip off;");
    expect(withoutGzip.some((line) => line.startsWith("gzip_"))).toBe(false);
  });

  it("answers /nginx-health locally with 200 JSON, unlogged and never proxied", () => {
    const health = blockBody(render(), `location = ${NGINX_HEALTH_PATH}`);
    expect(health).not.toContain("proxy_pass");
    expect(directives(health)).toContain("access_log off;");
    expect(JSON.parse(returnedBody(render(), `location = ${NGINX_HEALTH_PATH}`, 200))).toEqual({ status: "ok" });
  });

  it.each([413, 429, 502, 503, 504])("answers its own %i with a JSON error body carrying the request id", (status) => {
    const config = render({ maxBodyBytes: 2048, upstreamTimeoutSeconds: 10 });
    expect(directives(blockBody(config, "server"))).toContain(`error_page ${status} /_model_service/error/${status};`);
    const location = `location = /_model_service/error/${status}`;
    expect(directives(blockBody(config, location))).toContain("default_type application/json;");
    const body = JSON.parse(returnedBody(config, location, status).replace("$model_service_request_id", "id-1")) as {
      error: { code: string; message: string; request_id: string };
    };
    const expected = nginxErrorResponses({ ...BASE, maxBodyBytes: 2048, upstreamTimeoutSeconds: 10 }).find(
      (response) => response.status === status,
    );
    expect(body).toEqual({ error: { code: expected?.code, message: expected?.message, request_id: "id-1" } });
  });

  it("states the limits in the 413 and 504 messages", () => {
    const responses = nginxErrorResponses({ ...BASE, maxBodyBytes: 2048, upstreamTimeoutSeconds: 10 });
    expect(responses.find((response) => response.status === 413)?.message).toContain("2048 bytes");
    expect(responses.find((response) => response.status === 504)?.message).toContain("15 seconds");
  });

  it("is deterministic and does not modify its options", () => {
    const options: NginxConfigOptions = { ...BASE, rateLimit: { requestsPerSecond: 1, burst: 1 } };
    const snapshot = JSON.stringify(options);
    expect(renderNginxConfig(options)).toBe(renderNginxConfig(JSON.parse(snapshot) as NginxConfigOptions));
    expect(JSON.stringify(options)).toBe(snapshot);
  });
});

describe("renderNginxConfig: slow clients, nginx's own errors, TLS", () => {
  it("drops slow and idle clients after the client timeouts, 10 s by default", () => {
    const lines = directives(render());
    expect(lines).toEqual(
      expect.arrayContaining(["client_header_timeout 10s;", "client_body_timeout 10s;", "send_timeout 10s;", "keepalive_timeout 65s;"]),
    );
    const custom = directives(render({ clientTimeouts: { headerSeconds: 3, keepaliveSeconds: 0 } }));
    expect(custom).toEqual(expect.arrayContaining(["client_header_timeout 3s;", "client_body_timeout 10s;", "keepalive_timeout 0s;"]));
  });

  it("limits connections per client address to 1000 by default, answering 429, and not on the health path", () => {
    const config = render();
    expect(directives(config)).toEqual(
      expect.arrayContaining(["limit_conn_zone $binary_remote_addr zone=model_service_connections:10m;", "limit_conn_status 429;"]),
    );
    expect(directives(blockBody(config, "location /"))).toContain("limit_conn model_service_connections 1000;");
    expect(blockBody(config, `location = ${NGINX_HEALTH_PATH}`)).not.toContain("limit_conn");
    expect(directives(blockBody(render({ maxConnectionsPerClient: 7 }), "location /"))).toContain("limit_conn model_service_connections 7;");
    expect(render({ maxConnectionsPerClient: 0 })).not.toContain("limit_conn");
  });

  it("bounds the request line and headers to 4 x 8k buffers", () => {
    expect(directives(render())).toEqual(expect.arrayContaining(["client_header_buffer_size 1k;", "large_client_header_buffers 4 8k;"]));
  });

  it.each([400, 404, 405, 408, 411, 413, 414, 429, 500, 501, 502, 503, 504, 505])(
    "routes nginx's own %i to a JSON error page with the same status",
    (status) => {
      const config = render();
      expect(directives(blockBody(config, "server"))).toContain(`error_page ${status} /_model_service/error/${status};`);
      const body = JSON.parse(returnedBody(config, `location = /_model_service/error/${status}`, status)) as { error: Record<string, string> };
      expect(Object.keys(body.error)).toEqual(["code", "message", "request_id"]);
      expect(body.error.code).toMatch(/^[a-z_]+$/);
    },
  );

  it("sends nginx's 494 (request header too large) as 431 with a JSON body", () => {
    const config = render();
    expect(directives(blockBody(config, "server"))).toContain("error_page 494 =431 /_model_service/error/494;");
    const body = JSON.parse(returnedBody(config, "location = /_model_service/error/494", 431)) as { error: { code: string } };
    expect(body.error.code).toBe("request_header_fields_too_large");
  });

  it("lists every error page once per raised status, with messages free of quotes that would break the config", () => {
    for (const tls of [false, true]) {
      const responses = nginxErrorResponses({ ...BASE, tls });
      expect(new Set(responses.map((response) => response.raised)).size).toBe(responses.length);
      for (const response of responses) {
        expect(response.message).not.toMatch(/['"\\$;{}]/);
      }
    }
  });

  it("serves TLS 1.2/1.3 from the fixed certificate paths with tls: true, and answers plain HTTP with a JSON 400", () => {
    const config = render({ tls: true });
    const server = directives(blockBody(config, "server"));
    expect(server).toContain(`listen ${NGINX_LISTEN_PORT} ssl default_server;`);
    expect(server).toEqual(
      expect.arrayContaining([
        "ssl_certificate /etc/nginx/tls/certificate.pem;",
        "ssl_certificate_key /etc/nginx/tls/private-key.pem;",
        "ssl_protocols TLSv1.2 TLSv1.3;",
        "ssl_session_tickets off;",
        "error_page 497 =400 /_model_service/error/497;",
      ]),
    );
    const body = JSON.parse(returnedBody(config, "location = /_model_service/error/497", 400)) as { error: { code: string } };
    expect(body.error.code).toBe("https_required");
    expect(render()).not.toMatch(/ssl|497/);
  });
});

describe("helpers", () => {
  it("fills in the documented defaults", () => {
    expect(validateNginxConfigOptions(BASE)).toEqual({
      ...BASE,
      resolver: null,
      upstreamKeepaliveSeconds: 2,
      upstreamKeepaliveConnections: 64,
      connectTimeoutSeconds: 2,
      nextUpstreamTries: 2,
      retryNonIdempotent: true,
      rateLimit: null,
      workerProcesses: "auto",
      workerConnections: 1024,
      gzip: true,
      gzipMinLengthBytes: 1024,
      trustForwardedHeaders: false,
      clientTimeouts: { headerSeconds: 10, bodySeconds: 10, sendSeconds: 10, keepaliveSeconds: 65 },
      maxConnectionsPerClient: 1000,
      tls: false,
      candidate: null,
    });
  });

  it("encodes the config for NGINX_CONF_B64 losslessly", () => {
    const config = render();
    expect(NGINX_CONF_ENV_VAR).toBe("NGINX_CONF_B64");
    expect(Buffer.from(encodeNginxConfigForEnv(config), "base64").toString("utf8")).toBe(config);
  });
});

describe("per-request replica lookup (resolver)", () => {
  const dns = render({ resolver: { address: "127.0.0.11", validSeconds: 2 } });

  it("asks the resolver per request through a variable in proxy_pass, with no upstream block to reload", () => {
    expect(directives(dns)).toContain("resolver 127.0.0.11 valid=2s ipv6=off;");
    expect(directives(dns)).toContain("set $model_service_api_address api:8000;");
    expect(directives(dns)).toContain("proxy_pass http://$model_service_api_address;");
    expect(dns).not.toMatch(/^\s*upstream /m);
    expect(dns).not.toMatch(/^\s*keepalive /m);
    // Without upstream keep-alive nginx must tell gunicorn to close, or gunicorn would hold the socket open.
    expect(directives(dns)).toContain("proxy_set_header Connection close;");
  });

  it("keeps the retry policy, so a replica that refuses (draining) is skipped for another", () => {
    expect(directives(dns)).toContain("proxy_next_upstream error timeout http_502 http_503 non_idempotent;");
  });

  it.each([
    ["resolver", { resolver: "127.0.0.11" }],
    ["resolver.address", { resolver: { address: "dns.local", validSeconds: 1 } }],
    ["resolver.validSeconds", { resolver: { address: "127.0.0.11", validSeconds: 0 } }],
    ["resolver.ttl", { resolver: { address: "127.0.0.11", validSeconds: 1, ttl: 3 } }],
    ["resolver", { resolver: { address: "127.0.0.11", validSeconds: 1 }, upstreams: [{ host: "10.0.0.7", port: 8000 }] }],
    [
      "resolver",
      { resolver: { address: "127.0.0.11", validSeconds: 1 }, upstreams: [{ host: "a", port: 8000 }, { host: "b", port: 8000 }] },
    ],
  ])("rejects %s in %j", (field, overrides) => {
    expect(() => render(overrides as Partial<NginxConfigOptions>)).toThrow(new RegExp(`option ${field.replace(".", "\\.")}:`));
  });
});

describe("option validation", () => {
  const invalid: [field: string, options: unknown][] = [
    ["options", null],
    ["options", []],
    ["options", "upstreams=api"],
    ["maxBodySize", { ...BASE, maxBodySize: 1024 }],
    ["upstreams", { ...BASE, upstreams: undefined }],
    ["upstreams", { ...BASE, upstreams: [] }],
    ["upstreams", { ...BASE, upstreams: { host: "api", port: 8000 } }],
    ["upstreams", { ...BASE, upstreams: Array.from({ length: 65 }, (_, index) => ({ host: `api-${index}`, port: 8000 })) }],
    ["upstreams[0]", { ...BASE, upstreams: ["api:8000"] }],
    ["upstreams[0].host", { ...BASE, upstreams: [{ host: "", port: 8000 }] }],
    ["upstreams[0].host", { ...BASE, upstreams: [{ host: "api;evil", port: 8000 }] }],
    ["upstreams[0].host", { ...BASE, upstreams: [{ host: "api 2", port: 8000 }] }],
    ["upstreams[0].host", { ...BASE, upstreams: [{ host: "-api", port: 8000 }] }],
    ["upstreams[0].host", { ...BASE, upstreams: [{ host: "a".repeat(254), port: 8000 }] }],
    ["upstreams[0].host", { ...BASE, upstreams: [{ host: 10, port: 8000 }] }],
    ["upstreams[0].host", { ...BASE, upstreams: [{ port: 8000 }] }],
    ["upstreams[1].port", { ...BASE, upstreams: [{ host: "api", port: 8000 }, { host: "api", port: 0 }] }],
    ["upstreams[0].port", { ...BASE, upstreams: [{ host: "api", port: 65536 }] }],
    ["upstreams[0].port", { ...BASE, upstreams: [{ host: "api", port: 80.5 }] }],
    ["upstreams[0].port", { ...BASE, upstreams: [{ host: "api", port: "8000" }] }],
    ["upstreams[0].weight", { ...BASE, upstreams: [{ host: "api", port: 8000, weight: 2 }] }],
    ["upstreams[1]", { ...BASE, upstreams: [{ host: "api", port: 8000 }, { host: "api", port: 8000 }] }],
    ["maxBodyBytes", { ...BASE, maxBodyBytes: 0 }],
    ["maxBodyBytes", { ...BASE, maxBodyBytes: 1.5 }],
    ["maxBodyBytes", { ...BASE, maxBodyBytes: 1_073_741_825 }],
    ["maxBodyBytes", { ...BASE, maxBodyBytes: "1m" }],
    ["maxBodyBytes", { upstreams: BASE.upstreams, upstreamTimeoutSeconds: 30 }],
    ["upstreamTimeoutSeconds", { ...BASE, upstreamTimeoutSeconds: 0 }],
    ["upstreamTimeoutSeconds", { ...BASE, upstreamTimeoutSeconds: 3601 }],
    ["upstreamTimeoutSeconds", { ...BASE, upstreamTimeoutSeconds: Number.NaN }],
    ["upstreamTimeoutSeconds", { ...BASE, upstreamTimeoutSeconds: Number.POSITIVE_INFINITY }],
    ["upstreamKeepaliveSeconds", { ...BASE, upstreamKeepaliveSeconds: -1 }],
    ["upstreamKeepaliveSeconds", { ...BASE, upstreamKeepaliveSeconds: 301 }],
    ["upstreamKeepaliveConnections", { ...BASE, upstreamKeepaliveConnections: 0 }],
    ["upstreamKeepaliveConnections", { ...BASE, upstreamKeepaliveConnections: 1025 }],
    ["connectTimeoutSeconds", { ...BASE, connectTimeoutSeconds: 0 }],
    ["connectTimeoutSeconds", { ...BASE, connectTimeoutSeconds: 61 }],
    ["nextUpstreamTries", { ...BASE, nextUpstreamTries: 0 }],
    ["nextUpstreamTries", { ...BASE, nextUpstreamTries: 11 }],
    ["retryNonIdempotent", { ...BASE, retryNonIdempotent: "yes" }],
    ["rateLimit", { ...BASE, rateLimit: "10r/s" }],
    ["rateLimit.requestsPerSecond", { ...BASE, rateLimit: { requestsPerSecond: 0, burst: 1 } }],
    ["rateLimit.requestsPerSecond", { ...BASE, rateLimit: { requestsPerSecond: 0.5, burst: 1 } }],
    ["rateLimit.burst", { ...BASE, rateLimit: { requestsPerSecond: 1, burst: -1 } }],
    ["rateLimit.burst", { ...BASE, rateLimit: { requestsPerSecond: 1 } }],
    ["rateLimit.rps", { ...BASE, rateLimit: { rps: 1, burst: 1 } }],
    ["workerProcesses", { ...BASE, workerProcesses: 0 }],
    ["workerProcesses", { ...BASE, workerProcesses: 65 }],
    ["workerProcesses", { ...BASE, workerProcesses: "all" }],
    ["workerConnections", { ...BASE, workerConnections: 15 }],
    ["workerConnections", { ...BASE, workerConnections: 65_537 }],
    ["gzip", { ...BASE, gzip: "on" }],
    ["gzipMinLengthBytes", { ...BASE, gzipMinLengthBytes: -1 }],
    ["gzipMinLengthBytes", { ...BASE, gzipMinLengthBytes: 1_048_577 }],
    ["trustForwardedHeaders", { ...BASE, trustForwardedHeaders: 1 }],
    ["clientTimeouts", { ...BASE, clientTimeouts: 10 }],
    ["clientTimeouts.headerSeconds", { ...BASE, clientTimeouts: { headerSeconds: 0 } }],
    ["clientTimeouts.bodySeconds", { ...BASE, clientTimeouts: { bodySeconds: 3601 } }],
    ["clientTimeouts.sendSeconds", { ...BASE, clientTimeouts: { sendSeconds: 1.5 } }],
    ["clientTimeouts.keepaliveSeconds", { ...BASE, clientTimeouts: { keepaliveSeconds: -1 } }],
    ["clientTimeouts.idleSeconds", { ...BASE, clientTimeouts: { idleSeconds: 5 } }],
    ["maxConnectionsPerClient", { ...BASE, maxConnectionsPerClient: -1 }],
    ["maxConnectionsPerClient", { ...BASE, maxConnectionsPerClient: 100_001 }],
    ["tls", { ...BASE, tls: "yes" }],
  ];

  it.each(invalid)("rejects %s: %j", (field, options) => {
    let thrown: unknown;
    try {
      renderNginxConfig(options as NginxConfigOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NginxConfigError);
    const error = thrown as NginxConfigError;
    expect(error.field).toBe(field);
    expect(error.message).toContain(`Invalid nginx config option ${field}: `);
    expect(error.message).toMatch(/\(allowed: .+\)$/);
    expect(error.allowed.length).toBeGreaterThan(0);
  });

  it("names the value and the allowed range in the message", () => {
    expect(() => render({ upstreams: [{ host: "api", port: 70000 }] })).toThrow(
      "Invalid nginx config option upstreams[0].port: 70000 (allowed: an integer from 1 to 65535)",
    );
    expect(() => render({ upstreams: [{ host: "api;evil", port: 8000 }] })).toThrow(/upstreams\[0\]\.host: "api;evil" \(allowed: a host name/);
    expect(() => renderNginxConfig({ ...BASE, maxBodySize: 5 } as unknown as NginxConfigOptions)).toThrow(
      /maxBodySize: 5 \(allowed: no such option; known: upstreams, resolver, maxBodyBytes, /,
    );
  });

  it("accepts the boundaries of every range", () => {
    const lowest: NginxConfigOptions = {
      upstreams: [{ host: "a", port: 1 }],
      maxBodyBytes: 1,
      upstreamTimeoutSeconds: 1,
      upstreamKeepaliveSeconds: 0,
      upstreamKeepaliveConnections: 1,
      connectTimeoutSeconds: 1,
      nextUpstreamTries: 1,
      rateLimit: { requestsPerSecond: 1, burst: 0 },
      workerProcesses: 1,
      workerConnections: 16,
      gzipMinLengthBytes: 0,
    };
    const highest: NginxConfigOptions = {
      upstreams: Array.from({ length: 64 }, (_, index) => ({ host: `api-${index}.example`, port: 65535 })),
      maxBodyBytes: 1_073_741_824,
      upstreamTimeoutSeconds: 3600,
      upstreamKeepaliveSeconds: 300,
      upstreamKeepaliveConnections: 1024,
      connectTimeoutSeconds: 60,
      nextUpstreamTries: 10,
      rateLimit: { requestsPerSecond: 100_000, burst: 100_000 },
      workerProcesses: 64,
      workerConnections: 65536,
      gzipMinLengthBytes: 1_048_576,
    };
    expect(() => renderNginxConfig(lowest)).not.toThrow();
    expect(() => renderNginxConfig(highest)).not.toThrow();
    expect(() => render({ upstreams: [{ host: "a".repeat(253), port: 8000 }] })).not.toThrow();
    expect(() => render({ upstreams: [{ host: "my_service-api.1", port: 8000 }] })).not.toThrow();
  });
});

describe("candidateRoutingOf", () => {
  it("reads back the weight, shadow share and sticky header that were rendered, and nothing without a candidate", async () => {
    const { candidateRoutingOf } = await import("../../../components/nginx/candidateRouting.js");
    const upstream = { host: "api-candidate", port: 8000 };
    const resolver = { address: "127.0.0.11", validSeconds: 1 };
    expect(candidateRoutingOf(renderNginxConfig(BASE))).toBeUndefined();
    expect(candidateRoutingOf(renderNginxConfig({ ...BASE, resolver, candidate: { upstream, trafficPercent: 12.5, shadowPercent: 100, stickyHeader: "X-User-Id" } }))).toEqual({
      trafficPercent: 12.5,
      shadowPercent: 100,
      stickyHeader: "X-User-Id",
    });
    expect(candidateRoutingOf(renderNginxConfig({ ...BASE, candidate: { upstream, trafficPercent: 0, shadowPercent: 0.5 } }))).toEqual({ trafficPercent: 0, shadowPercent: 0.5 });
    const rolledBack = renderNginxConfig({ ...BASE, resolver, candidate: { upstream, trafficPercent: 10, shadowPercent: 0 } })
      .split("\n")
      .filter((line) => !line.endsWith("# model-service:candidate-weight"))
      .join("\n");
    expect(candidateRoutingOf(rolledBack)).toEqual({ trafficPercent: 0, shadowPercent: 0 });
  });
});

describe("shadow traffic", () => {
  const upstream = { host: "api-candidate", port: 8000 };
  /** The `stream { ... }` block of a config. */
  const streamBlock = (config: string): string => {
    const start = config.indexOf("\nstream {\n");
    expect(start, "a stream block").toBeGreaterThan(-1);
    return config.slice(start, config.indexOf("\n}\n", start + 1));
  };

  it("sends a copy of each mirrored request as a datagram to a loopback-only stream server, which forwards it to the candidate's shadow listener", () => {
    const config = renderNginxConfig({ ...BASE, resolver: { address: "127.0.0.11", validSeconds: 5 }, candidate: { upstream, trafficPercent: 0, shadowPercent: 100 } });
    expect(config.indexOf("load_module /usr/lib/nginx/modules/ngx_stream_module.so;")).toBeLessThan(config.indexOf("events {"));
    expect(config).toContain(
      `access_log syslog:server=127.0.0.1:${NGINX_SHADOW_FORWARD_PORT},tag=model_service_shadow,nohostname model_service_shadow if=$model_service_shadow;`,
    );
    const stream = streamBlock(config);
    expect(stream).toContain(`listen 127.0.0.1:${NGINX_SHADOW_FORWARD_PORT} udp;`);
    expect(stream).toContain(`set $model_service_shadow_target api-candidate:${API_SHADOW_PORT};`);
    expect(stream).toContain("resolver 127.0.0.11 valid=5s ipv6=off;");
    expect(stream).toContain("proxy_responses 0;");
    // Nothing listens for copies outside the container, and no client request waits for one.
    expect(config.match(new RegExp(`listen [^;]*${NGINX_SHADOW_FORWARD_PORT}[^;]*`, "g"))).toEqual([`listen 127.0.0.1:${NGINX_SHADOW_FORWARD_PORT} udp`]);
    expect(config).not.toMatch(/^\s*(post_action|mirror) /m);
    // Without a resolver the forwarder names the candidate's host directly; the port can be set.
    const direct = renderNginxConfig({ ...BASE, candidate: { upstream, trafficPercent: 0, shadowPercent: 100, shadowPort: 9001 } });
    expect(streamBlock(direct)).toContain("proxy_pass api-candidate:9001;");
  });

  it("sends the copy as the JSON object the api's shadow listener replays: method, URI, headers (the shadow mark among them) and body", () => {
    const config = renderNginxConfig({ ...BASE, trustForwardedHeaders: true, candidate: { upstream, trafficPercent: 0, shadowPercent: 100 } });
    const format = /log_format model_service_shadow escape=json\n((?:\s*'[^']*'\n?)+);/.exec(config)?.[1] ?? "";
    const json = format.split("\n").map((line) => line.trim().slice(1, -1)).join("");
    const record = JSON.parse(json.replace(/\$[a-z_]+/g, "v")) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(["method", "uri", "headers", "body"]);
    expect(json).toContain('"uri":"$request_uri"');
    expect(json).toContain('"body":"$request_body"');
    expect(json).toContain('"X-Model-Service-Shadow":"1"');
    expect(json).toContain('"X-Request-ID":"$model_service_request_id"');
    expect(json).toContain('"X-Forwarded-For":"$proxy_add_x_forwarded_for"');
    expect(Object.keys(record.headers as object)).toEqual(
      expect.arrayContaining(["Content-Type", "Authorization", "X-API-Key", "X-Real-IP", "X-Forwarded-Proto"]),
    );
  });

  it("mirrors only prediction requests of the share, whose body fits a datagram, that stable answered with a 2xx", () => {
    const config = renderNginxConfig({ ...BASE, candidate: { upstream, trafficPercent: 10, shadowPercent: 100 } });
    const firstPattern = (variable: string) => {
      const pattern = new RegExp(`map \\S+ \\${variable} \\{\\n\\s*"~([^"]+)" 1;`).exec(config)?.[1];
      return (key: string) => new RegExp(String(pattern)).test(key);
    };
    const decides = firstPattern("$model_service_shadow");
    expect(["111200", "111204", "111422", "111502", "110200", "101200", "011200"].map(decides)).toEqual([true, true, false, false, false, false, false]);
    const fits = firstPattern("$model_service_shadow_body_fits");
    const lengths = [0, 7, 10_000, NGINX_SHADOW_MAX_BODY_BYTES - 1, NGINX_SHADOW_MAX_BODY_BYTES, NGINX_SHADOW_MAX_BODY_BYTES + 1, 100_000, 1_048_576];
    expect(lengths.map((length) => fits(String(length)))).toEqual(lengths.map((length) => length <= NGINX_SHADOW_MAX_BODY_BYTES));
    expect(fits("")).toBe(false); // a chunked body: its length is not known when the map is read
    // Keyed on $uri: a request the split gave to the candidate (or its fallback to stable) is not mirrored.
    const paths = /map \$request_method\$uri \$model_service_shadow_path \{\n((?:.*\n)*?)\s*default 0;/.exec(config)?.[1] ?? "";
    const mirrored = (key: string) => [...paths.matchAll(/"~([^"]+)" 1;/g)].some(([, pattern]) => new RegExp(pattern).test(key));
    expect(["POST/predict", "POST/v2/models/iris/infer", "GET/predict", "POST/_model_service/candidate", "POST/metadata", "POST/v2/models/iris/ready"].map(mirrored)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it("is not rendered without shadow traffic, and then the config is the one without a candidate's shadow", () => {
    for (const candidate of [undefined, { upstream, trafficPercent: 10, shadowPercent: 0 }]) {
      const config = renderNginxConfig({ ...BASE, ...(candidate ? { candidate } : {}) });
      expect(config).not.toContain("load_module");
      expect(config).not.toContain("stream {");
      expect(config).not.toContain("syslog:");
      expect(config).not.toContain(String(NGINX_SHADOW_FORWARD_PORT));
    }
  });

  it("matches the numbers 0 to max, and no others, with digitsAtMost", () => {
    for (const max of [0, 7, 9, 10, 65, 100, 999, 1000, 39_999, 65_507]) {
      const pattern = new RegExp(`^${digitsAtMost(max)}$`);
      const samples = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 39_998, 39_999, 40_000, 65_507, 65_508, 99_999, 100_000, max - 1, max, max + 1].filter((n) => n >= 0);
      for (const sample of samples) expect(pattern.test(String(sample)), `${sample} against ${max}`).toBe(sample <= max);
    }
  });
});
