import { commandScript } from "./scripts.js";

/**
 * The script that applies a rendered nginx config to the running proxy container in place (proxyConfig.sh):
 * `nginx-apply-config` in the proxy image checks it and reloads nginx gracefully (docs/contracts.md).
 * Run when the proxy container is created and whenever the rendered config changes, with the container's name in
 * `PROXY_CONTAINER` and the config in `NGINX_CONF`.
 */
export const PROXY_APPLY_CONFIG_SCRIPT = commandScript("proxyConfig.sh");

