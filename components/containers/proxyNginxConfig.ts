/**
 * The proxy's nginx config: what `renderNginxConfig` gets for a service. Every replica sits behind the `api` alias
 * and is looked up per request (so replicas come and go without a reload); the body limit, the request timeout and
 * gunicorn's keepalive are the same values the api replicas get in their environment (`proxyUpstreamLimits`).
 */
import type { ModelServiceSpec } from "../settings/spec.js";
import { NGINX_CONFIG_DEFAULTS, type NginxConfigOptions } from "../nginx/options.js";
import { API_NETWORK_ALIAS, API_PORT } from "./addresses.js";
import { apiIntegerDefault } from "./environmentContract.js";
import { API_CANDIDATE_NETWORK_ALIAS } from "./candidate.js";

/** Docker's embedded DNS server, on every user-defined network. */
export const DOCKER_EMBEDDED_DNS = "127.0.0.11";

/**
 * Seconds nginx keeps the replica list it got from Docker's DNS. A replica that was just removed can stay in it
 * this long; nginx then fails to connect within `PROXY_CONNECT_TIMEOUT_SECONDS` and tries another replica.
 */
export const REPLICA_LOOKUP_VALID_SECONDS = 1;

/** Replicas are on the same host: a connect that takes longer than this means the replica is gone. */
export const PROXY_CONNECT_TIMEOUT_SECONDS = 1;

/**
 * Replicas one request may try. When several replicas go at once (4 -> 1), the cached list can name each of
 * them: nginx must be able to skip them all to reach the one that stays. Bounded by the addresses the lookup
 * returned and by the next-upstream timeout.
 */
export const PROXY_NEXT_UPSTREAM_TRIES = 10;

/**
 * gunicorn's keepalive in seconds (`GUNICORN_KEEPALIVE`): nginx's default for it, which is gunicorn's own default.
 * nginx closes an idle upstream connection before gunicorn does (it derives its idle timeout from this value).
 */
export const API_KEEPALIVE_SECONDS: number = NGINX_CONFIG_DEFAULTS.upstreamKeepaliveSeconds;

/** The settings nginx and the api must agree on; the api gets them as `MAX_BODY_BYTES`, `GUNICORN_TIMEOUT`, `GUNICORN_KEEPALIVE`. */
export type ProxyUpstreamLimits = Required<Pick<NginxConfigOptions, "maxBodyBytes" | "upstreamTimeoutSeconds" | "upstreamKeepaliveSeconds">>;

/** The limits of `spec` that both the nginx config and the api environment are made from, so they never disagree. */
export function proxyUpstreamLimits(spec: ModelServiceSpec): ProxyUpstreamLimits {
  return {
    maxBodyBytes: spec.maxBodyBytes,
    upstreamTimeoutSeconds: spec.gunicorn.timeoutSeconds,
    upstreamKeepaliveSeconds: API_KEEPALIVE_SECONDS,
  };
}

/** The options the proxy's nginx.conf is rendered from for `spec`. */
export function nginxConfigOptions(spec: ModelServiceSpec): NginxConfigOptions {
  return {
    upstreams: [{ host: API_NETWORK_ALIAS, port: API_PORT }],
    resolver: { address: DOCKER_EMBEDDED_DNS, validSeconds: REPLICA_LOOKUP_VALID_SECONDS },
    connectTimeoutSeconds: PROXY_CONNECT_TIMEOUT_SECONDS,
    nextUpstreamTries: PROXY_NEXT_UPSTREAM_TRIES,
    ...proxyUpstreamLimits(spec),
    ...(spec.rateLimit === undefined ? {} : { rateLimit: spec.rateLimit }),
    clientTimeouts: spec.clientTimeouts,
    maxConnectionsPerClient: spec.maxConnectionsPerClient,
    tls: spec.tls !== undefined,
    ...(spec.candidate === undefined
      ? {}
      : {
          candidate: {
            upstream: { host: API_CANDIDATE_NETWORK_ALIAS, port: API_PORT },
            trafficPercent: spec.candidate.trafficPercent,
            shadowPercent: spec.candidate.shadowPercent,
            ...(spec.candidate.stickyHeader === undefined ? {} : { stickyHeader: spec.candidate.stickyHeader }),
          },
        }),
  };
}

/**
 * The options of the config baked into the proxy image (`nginx/nginx.conf`), used when `NGINX_CONF_B64` is not
 * set: the upstream `api:8000` and the api's own defaults of `MAX_BODY_BYTES` and `GUNICORN_TIMEOUT`
 * (api/environment.json).
 */
export const DEFAULT_NGINX_CONFIG_OPTIONS: NginxConfigOptions = {
  upstreams: [{ host: API_NETWORK_ALIAS, port: API_PORT }],
  maxBodyBytes: apiIntegerDefault("MAX_BODY_BYTES"),
  upstreamTimeoutSeconds: apiIntegerDefault("GUNICORN_TIMEOUT"),
};
