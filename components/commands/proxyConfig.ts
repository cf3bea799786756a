/**
 * The script that applies a rendered nginx config to the running proxy container in place:
 * `nginx-apply-config` in the proxy image checks it and reloads nginx gracefully (docs/contracts.md).
 * It runs with bash through `command.local.Command`; the container's name comes in `PROXY_CONTAINER`,
 * the config in `NGINX_CONF`.
 */

/** Interpreter of every script in this package. */
export const BASH: string[] = ["bash", "-c"];

/** Run when the proxy container is created and whenever the rendered config changes. */
export const PROXY_APPLY_CONFIG_SCRIPT = `set -euo pipefail
printf '%s' "$NGINX_CONF" | base64 -w0 | docker exec -i "$PROXY_CONTAINER" nginx-apply-config
echo "nginx in $PROXY_CONTAINER runs config sha256 $(printf '%s' "$NGINX_CONF" | sha256sum | cut -d' ' -f1)"
`;
