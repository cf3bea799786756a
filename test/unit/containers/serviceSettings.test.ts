import { describe, expect, it } from "vitest";
import { renderNginxConfig } from "../../../components/nginx/config.js";
import {
  apiEnvironment,
  connectAddress,
  nginxConfigOptions,
  proxyUpstreamLimits,
  serviceUrl,
} from "../../../components/containers/serviceSettings.js";
import { specFor, specWith } from "../support/specs.js";

describe("apiEnvironment", () => {
  it("derives the api environment from the default spec, sorted by name", () => {
    expect(apiEnvironment(specFor())).toEqual([
      "GUNICORN_GRACEFUL_TIMEOUT=30",
      "GUNICORN_KEEPALIVE=2",
      "GUNICORN_THREADS=2",
      "GUNICORN_TIMEOUT=30",
      "GUNICORN_WORKERS=1",
      "MAX_BATCH_SIZE=1000",
      "MAX_BODY_BYTES=1048576",
      "MODEL_NAME=iris",
      "MODEL_VERSION=1.0.0",
    ]);
  });

  it("adds the user's variables in name order", () => {
    const spec = specFor({ environment: { ZZ_LAST: "z", AA_FIRST: "a b=c" }, gunicornWorkers: 3, maxBatchSize: 10 });
    expect(apiEnvironment(spec)).toEqual([
      "AA_FIRST=a b=c",
      "GUNICORN_GRACEFUL_TIMEOUT=30",
      "GUNICORN_KEEPALIVE=2",
      "GUNICORN_THREADS=2",
      "GUNICORN_TIMEOUT=30",
      "GUNICORN_WORKERS=3",
      "MAX_BATCH_SIZE=10",
      "MAX_BODY_BYTES=1048576",
      "MODEL_NAME=iris",
      "MODEL_VERSION=1.0.0",
      "ZZ_LAST=z",
    ]);
  });
});

describe("one body limit and one timeout for nginx and the api", () => {
  const spec = specFor({ maxBodyBytes: 4096, gunicornTimeoutSeconds: 75 });

  it("passes them to both sides", () => {
    expect(proxyUpstreamLimits(spec)).toEqual({ maxBodyBytes: 4096, upstreamTimeoutSeconds: 75 });
    expect(apiEnvironment(spec)).toEqual(expect.arrayContaining(["MAX_BODY_BYTES=4096", "GUNICORN_TIMEOUT=75"]));
    expect(nginxConfigOptions(spec)).toEqual({
      upstreams: [{ host: "api", port: 8000 }],
      resolver: { address: "127.0.0.11", validSeconds: 1 },
      connectTimeoutSeconds: 1,
      nextUpstreamTries: 10,
      maxBodyBytes: 4096,
      upstreamTimeoutSeconds: 75,
      clientTimeouts: { headerSeconds: 10, bodySeconds: 10, sendSeconds: 10, keepaliveSeconds: 65 },
      maxConnectionsPerClient: 1000,
      tls: false,
    });
  });

  it("renders them into the nginx config", () => {
    const config = renderNginxConfig(nginxConfigOptions(spec));
    expect(config).toContain("client_max_body_size 4096;");
    expect(config).toContain("set $model_service_api_address api:8000;");
    expect(config).toContain("resolver 127.0.0.11 valid=1s ipv6=off;");
    expect(config).toContain("proxy_read_timeout 80s;");
  });

  it("passes the rate limit to nginx only when set", () => {
    expect(nginxConfigOptions(specFor({ rateLimit: { requestsPerSecond: 10, burst: 3 } })).rateLimit).toEqual({
      requestsPerSecond: 10,
      burst: 3,
    });
    expect("rateLimit" in nginxConfigOptions(specFor())).toBe(false);
  });
});

describe("service address", () => {
  it("is the loopback address and port by default", () => {
    expect(serviceUrl(specFor())).toBe("http://127.0.0.1:8080");
  });

  it("connects through loopback when published on every interface", () => {
    const spec = specWith({ hostAddress: "0.0.0.0", hostPort: 9000 });
    expect(connectAddress(spec)).toBe("127.0.0.1");
    expect(serviceUrl(spec)).toBe("http://127.0.0.1:9000");
  });

  it("uses a specific published address as is", () => {
    expect(serviceUrl(specWith({ hostAddress: "10.1.2.3" }))).toBe("http://10.1.2.3:8080");
  });
});
