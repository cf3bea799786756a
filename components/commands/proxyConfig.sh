#!/usr/bin/env bash
# Applies a rendered nginx config to the running proxy container in place: nginx-apply-config in the proxy
# image checks it and reloads nginx gracefully. Run by the proxy-config command (proxyConfig.ts) when the proxy
# container is created and whenever the config changes.
# Environment: PROXY_CONTAINER (the proxy container's name), NGINX_CONF (the rendered nginx.conf).
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
printf '%s' "$NGINX_CONF" | base64 -w0 | docker exec -i "$PROXY_CONTAINER" nginx-apply-config
echo "nginx in $PROXY_CONTAINER runs config sha256 $(printf '%s' "$NGINX_CONF" | sha256sum | cut -d' ' -f1)"
