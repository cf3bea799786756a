/** Users and tmpfs sizes of the two images' containers, the same on every runtime (docs/contracts.md). */

/** User and group of the api image's `modelserver` account. */
export const API_USER = "10001:10001";

/** User and group nginx runs as in the proxy image. */
export const PROXY_USER = "10002:10002";

/** Size of the api's tmpfs `/tmp` in MiB (gunicorn heartbeats, Prometheus multiprocess files). */
export const API_TMPFS_MB = 64;

/** Size of the proxy's tmpfs `/tmp` in MiB (rendered config, pid file, request body buffers). */
export const PROXY_TMPFS_MB = 32;
