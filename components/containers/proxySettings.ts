/**
 * What the proxy container (runtime `docker`) and every proxy task (runtime `swarm`) get besides the hardening: the
 * rendered nginx config in its environment, its kernel settings and its stop grace period.
 */
import { encodeNginxConfigForEnv } from "../nginx/config.js";
import { NGINX_CONF_ENV_VAR } from "../nginx/options.js";

/** Seconds nginx gets to finish in-flight requests when the proxy container or task stops. */
export const PROXY_STOP_GRACE_SECONDS = 10;

/**
 * Kernel settings of the proxy's own network namespace.
 *
 * `net.ipv4.tcp_tw_reuse=1` lets nginx reuse a local port in TIME_WAIT for a new connection to an api replica
 * (safe with TCP timestamps). gunicorn's sync worker answers every request with `Connection: close`, so nginx
 * opens one upstream connection per request. Measured at 880 req/s, its TIME_WAIT sockets reached the 28,232
 * ports of the default range after about 60 s and throughput fell to 200-480 req/s (the seed's stack has the same
 * cliff, sooner); with reuse they level off near 13,000. Docker's default (2) reuses ports on loopback only.
 */
export const PROXY_SYSCTLS: Readonly<Record<string, string>> = { "net.ipv4.tcp_tw_reuse": "1" };

/** The proxy's environment: the rendered nginx.conf, base64-encoded in `NGINX_CONF_B64` (docs/contracts.md). */
export function proxyEnvironment(nginxConfig: string): Record<string, string> {
  return { [NGINX_CONF_ENV_VAR]: encodeNginxConfigForEnv(nginxConfig) };
}
