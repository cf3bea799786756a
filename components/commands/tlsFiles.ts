import * as pulumi from "@pulumi/pulumi";
import type { TlsSpec } from "../settings/tlsMaterial.js";
import { commandScript } from "./scripts.js";
import { withSecrecy } from "../settings/inputChecks.js";

/**
 * Writes the certificate and key into the proxy's TLS volume, then reloads the proxy when it runs already (a new
 * certificate is served without a new container). It runs with bash through `command.local.Command`:
 *
 * - the material arrives on standard input (a Pulumi secret: encrypted in the state), one base64 line each, so it
 *   is never in an environment, a command line or `docker inspect` of any container;
 * - a short-lived container of the proxy image (same user 10002, read-only root, no network, no capabilities)
 *   writes the files into the volume, which the proxy image's /etc/nginx/tls (owned by 10002, mode 0700) seeds;
 * - the provider's `uploads` cannot do this: it copies to `/` of the container, which Docker refuses for a
 *   read-only root file system even when the file's path is inside a volume.
 *
 * Inputs: `TLS_VOLUME`, `NGINX_IMAGE`, `PROXY_CONTAINER` (reloaded when running) and the material on stdin.
 */
export const PROXY_TLS_FILES_SCRIPT = commandScript("tlsFiles.sh");

/** The material as the script reads it: the certificate's base64, then the key's, one line each; a Pulumi secret. */
export function proxyTlsFilesStdin(tls: TlsSpec): pulumi.Output<string> {
  const line = (pem: string): string => Buffer.from(pem, "utf8").toString("base64");
  return withSecrecy(pulumi.all([tls.certificate, tls.privateKey]).apply(([certificate, privateKey]) => `${line(certificate)}\n${line(privateKey)}\n`), true);
}
