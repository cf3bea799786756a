import * as pulumi from "@pulumi/pulumi";
import { NGINX_TLS_CERTIFICATE_FILE, NGINX_TLS_PRIVATE_KEY_FILE } from "./nginxConfig.js";
import type { TlsSpec } from "./tlsMaterial.js";

/** One file the provider copies into the proxy container when it creates it, in the shape `docker.Container` takes. */
export interface ContainerUploadInput {
  readonly file: string;
  readonly content: pulumi.Output<string>;
  readonly permissions: string;
}

/**
 * The certificate and key as uploads into the proxy's TLS volume. Both are Pulumi secrets, so the state holds them
 * encrypted; they exist as files only inside the volume (below Docker's root-only data directory), never in the
 * container's environment or `docker inspect`. Mode 0644: the files are owned by root, and nginx runs as 10002.
 */
export function proxyTlsUploads(tls: TlsSpec): ContainerUploadInput[] {
  return [
    { file: NGINX_TLS_CERTIFICATE_FILE, content: pulumi.secret(tls.certificate), permissions: "0644" },
    { file: NGINX_TLS_PRIVATE_KEY_FILE, content: pulumi.secret(tls.privateKey), permissions: "0644" },
  ];
}
