/**
 * Kernel settings of nginx's own network namespace, on one host and in every Swarm proxy task.
 *
 * `net.ipv4.tcp_tw_reuse=1` lets nginx reuse a local port in TIME_WAIT for a new connection to an api replica
 * (safe with TCP timestamps). gunicorn's sync worker answers every request with `Connection: close`, so nginx
 * opens one upstream connection per request. Measured at 880 req/s, its TIME_WAIT sockets reached the 28,232
 * ports of the default range after about 60 s and throughput fell to 200-480 req/s (the seed's stack has the same
 * cliff, sooner); with reuse they level off near 13,000. Docker's default (2) reuses ports on loopback only.
 */
export const PROXY_SYSCTLS: Readonly<Record<string, string>> = { "net.ipv4.tcp_tw_reuse": "1" };
