#!/usr/bin/env bash
# Writes the TLS certificate and key into the proxy's TLS volume, then reloads the proxy when it runs already.
# Run by the TLS files command (tlsFiles.ts). The material arrives on standard input, one base64 line each
# (certificate, then key), so it is never in an environment, a command line or docker inspect. A short-lived
# container of the proxy image (its user 10002, read-only root, no network, no capabilities) writes the files.
# The paths are the proxy image's TLS directory and files (components/nginx/options.ts: NGINX_TLS_*; a unit
# test checks they agree).
# Environment: TLS_VOLUME, NGINX_IMAGE (the proxy image), PROXY_CONTAINER (reloaded when running).
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
docker run --rm -i --network none --read-only --cap-drop ALL --security-opt no-new-privileges \
  --user 10002:10002 --entrypoint bash --volume "$TLS_VOLUME:/etc/nginx/tls" "$NGINX_IMAGE" -c '
    set -euo pipefail
    umask 0077
    read -r certificate
    read -r private_key
    printf "%s" "$certificate" | base64 --decode > /etc/nginx/tls/certificate.pem.new
    printf "%s" "$private_key" | base64 --decode > /etc/nginx/tls/private-key.pem.new
    chmod 0644 /etc/nginx/tls/certificate.pem.new
    mv -f /etc/nginx/tls/certificate.pem.new /etc/nginx/tls/certificate.pem
    mv -f /etc/nginx/tls/private-key.pem.new /etc/nginx/tls/private-key.pem'
echo "certificate and key written to volume $TLS_VOLUME"
if [[ "$(docker inspect --format '{{.State.Running}}' "$PROXY_CONTAINER" 2>/dev/null || true)" == true ]]; then
  docker exec "$PROXY_CONTAINER" nginx-reload
  echo "nginx in $PROXY_CONTAINER reloaded with the new certificate"
fi
