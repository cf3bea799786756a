import { describe, expect, it } from "vitest";
import { apiEnvironment } from "../../../components/containers/apiEnvironment.js";
import {
  DEFAULT_NGINX_CONFIG_OPTIONS,
  nginxConfigOptions,
  proxyUpstreamLimits,
} from "../../../components/containers/proxyNginxConfig.js";
import { apiVariable } from "../../../components/containers/environmentContract.js";
import { renderNginxConfig } from "../../../components/nginx/config.js";
import { specFor } from "../support/specs.js";

describe("one body limit, one timeout and one keepalive for the proxy and the api", () => {
  const spec = specFor({ maxBodyBytes: 4096, gunicornTimeoutSeconds: 75 });

  it("passes them to both sides", () => {
    expect(proxyUpstreamLimits(spec)).toEqual({ maxBodyBytes: 4096, upstreamTimeoutSeconds: 75, upstreamKeepaliveSeconds: 2 });
    expect(apiEnvironment(spec)).toMatchObject({ MAX_BODY_BYTES: "4096", GUNICORN_TIMEOUT: "75", GUNICORN_KEEPALIVE: "2" });
    expect(nginxConfigOptions(spec)).toEqual({
      upstreams: [{ host: "api", port: 8000 }],
      resolver: { address: "127.0.0.11", validSeconds: 1 },
      connectTimeoutSeconds: 1,
      nextUpstreamTries: 10,
      maxBodyBytes: 4096,
      upstreamTimeoutSeconds: 75,
      upstreamKeepaliveSeconds: 2,
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

describe("the config baked into the proxy image", () => {
  it("takes the api's own defaults from api/environment.json", () => {
    expect(DEFAULT_NGINX_CONFIG_OPTIONS).toEqual({
      upstreams: [{ host: "api", port: apiVariable("PORT").default }],
      maxBodyBytes: apiVariable("MAX_BODY_BYTES").default,
      upstreamTimeoutSeconds: apiVariable("GUNICORN_TIMEOUT").default,
    });
  });
});
