import { API_KEY_DIGESTS_ENV, API_KEY_SALT_ENV, apiKeysEnvironment } from "../settings/apiKeys.js";
import type { ModelServiceSpec } from "../settings/args.js";
import { apiEnvironmentForProxyLimits, type NginxConfigOptions, type ProxyUpstreamLimits } from "../nginx/config.js";

/**
 * Runtime settings derived from one spec. The request body limit and the request timeout drive both
 * the api environment and the nginx config (through `proxyUpstreamLimits`), so they never disagree.
 */

/** Port gunicorn listens on inside every api container (docs/contracts.md). */
export const API_PORT = 8000;

/** Network alias every api replica shares; nginx's upstream is `api:8000`. */
export const API_NETWORK_ALIAS = "api";

/** Environment variables derived from dedicated fields; `ModelServiceArgs.environment` may not set them. */
export const RESERVED_API_ENVIRONMENT: readonly string[] = [
  API_KEY_DIGESTS_ENV,
  API_KEY_SALT_ENV,
  "GUNICORN_BIND",
  "GUNICORN_GRACEFUL_TIMEOUT",
  "GUNICORN_KEEPALIVE",
  "GUNICORN_THREADS",
  "GUNICORN_TIMEOUT",
  "GUNICORN_WORKERS",
  "MAX_BATCH_SIZE",
  "MAX_BODY_BYTES",
  "MODEL_DIR",
  "MODEL_NAME",
  "MODEL_VERSION",
  "PORT",
];

/** The limits nginx and the api must agree on. */
export function proxyUpstreamLimits(spec: ModelServiceSpec): ProxyUpstreamLimits {
  return { maxBodyBytes: spec.maxBodyBytes, upstreamTimeoutSeconds: spec.gunicorn.timeoutSeconds };
}

/** The api container environment as sorted `NAME=value` entries: derived settings plus the user's extras. */
export function apiEnvironment(spec: ModelServiceSpec): string[] {
  const environment: Record<string, string> = {
    ...spec.environment,
    ...apiKeysEnvironment(spec.apiKeys),
    ...apiEnvironmentForProxyLimits(proxyUpstreamLimits(spec)),
    // On SIGTERM (a replica being replaced or removed) a request in flight may still take the full timeout.
    GUNICORN_GRACEFUL_TIMEOUT: String(spec.gunicorn.timeoutSeconds),
    GUNICORN_THREADS: String(spec.gunicorn.threads),
    GUNICORN_WORKERS: String(spec.gunicorn.workers),
    MAX_BATCH_SIZE: String(spec.maxBatchSize),
    MODEL_NAME: spec.modelName,
    MODEL_VERSION: spec.modelVersion,
  };
  return Object.keys(environment)
    .sort()
    .map((name) => `${name}=${environment[name]}`);
}

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
 * The options nginx.conf is rendered from: every replica behind the `api` alias (looked up per request, so
 * replicas come and go without a reload), the shared limits and the rate limit.
 */
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
  };
}

/**
 * Address the smoke test and the exported URLs use: on a Swarm `swarm.address`; on one host the published address,
 * or loopback when bound to all interfaces.
 */
export function connectAddress(spec: ModelServiceSpec): string {
  if (spec.runtime.kind === "swarm") {
    return spec.runtime.address;
  }
  return spec.hostAddress === "0.0.0.0" ? "127.0.0.1" : spec.hostAddress;
}

/** Base URL of the service as seen from the host, e.g. `http://127.0.0.1:8080` (`https://` with TLS). */
export function serviceUrl(spec: ModelServiceSpec): string {
  return `${spec.tls === undefined ? "http" : "https"}://${connectAddress(spec)}:${spec.hostPort}`;
}
