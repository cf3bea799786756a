import * as pulumi from "@pulumi/pulumi";
import { NGINX_TLS_CERTIFICATE_FILE, NGINX_TLS_DIR, NGINX_TLS_PRIVATE_KEY_FILE } from "../nginx/options.js";
import type { TlsSpec } from "../settings/tlsMaterial.js";

/**
 * Writes the certificate and key into the proxy's TLS volume, then reloads the proxy when it runs already (a new
 * certificate is served without a new container). It runs with bash through `command.local.Command`:
 *
 * - the material arrives on standard input (a Pulumi secret: encrypted in the state), one base64 line each, so it
 *   is never in an environment, a command line or `docker inspect` of any container;
 * - a short-lived container of the nginx image (same user 10002, read-only root, no network, no capabilities)
 *   writes the files into the volume, which the nginx image's /etc/nginx/tls (owned by 10002, mode 0700) seeds;
 * - the provider's `uploads` cannot do this: it copies to `/` of the container, which Docker refuses for a
 *   read-only root file system even when the file's path is inside a volume.
 *
 * Inputs: `TLS_VOLUME`, `NGINX_IMAGE`, `PROXY_CONTAINER` (reloaded when running) and the material on stdin.
 */
export const PROXY_TLS_FILES_SCRIPT = `set -euo pipefail
docker run --rm -i --network none --read-only --cap-drop ALL --security-opt no-new-privileges \\
  --user 10002:10002 --entrypoint bash --volume "$TLS_VOLUME:${NGINX_TLS_DIR}" "$NGINX_IMAGE" -c '
    set -euo pipefail
    umask 0077
    read -r certificate
    read -r private_key
    printf "%s" "$certificate" | base64 --decode > ${NGINX_TLS_CERTIFICATE_FILE}.new
    printf "%s" "$private_key" | base64 --decode > ${NGINX_TLS_PRIVATE_KEY_FILE}.new
    chmod 0644 ${NGINX_TLS_CERTIFICATE_FILE}.new
    mv -f ${NGINX_TLS_CERTIFICATE_FILE}.new ${NGINX_TLS_CERTIFICATE_FILE}
    mv -f ${NGINX_TLS_PRIVATE_KEY_FILE}.new ${NGINX_TLS_PRIVATE_KEY_FILE}'
echo "certificate and key written to volume $TLS_VOLUME"
if [[ "$(docker inspect --format '{{.State.Running}}' "$PROXY_CONTAINER" 2>/dev/null || true)" == true ]]; then
  docker exec "$PROXY_CONTAINER" nginx-reload
  echo "nginx in $PROXY_CONTAINER reloaded with the new certificate"
fi
`;

/** The material as the script reads it: the certificate's base64, then the key's, one line each; a Pulumi secret. */
export function proxyTlsFilesStdin(tls: TlsSpec): pulumi.Output<string> {
  const line = (pem: string): string => Buffer.from(pem, "utf8").toString("base64");
  return pulumi.secret(`${line(tls.certificate)}\n${line(tls.privateKey)}\n`);
}
