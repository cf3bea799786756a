import type * as pulumi from "@pulumi/pulumi";
import { hardenedContainerSettings, PROXY_TMPFS_MB, PROXY_USER, type HardenedSettings } from "../../containers/hardening.js";
import { proxyHealthcheck } from "../../containers/healthchecks.js";
import { PROXY_STOP_GRACE_SECONDS, PROXY_SYSCTLS, proxyEnvironment } from "../../containers/proxySettings.js";
import { modelServiceLabels, type DockerLabel } from "../../containers/labels.js";
import type { ModelServiceSpec } from "../../settings/spec.js";
import { NGINX_LISTEN_PORT, NGINX_TLS_DIR } from "../../nginx/options.js";
import { dockerEnvs } from "./envs.js";

/** Seconds the provider waits for nginx to report healthy. */
const PROXY_HEALTHY_WITHIN_SECONDS = 60;

/** A published port in the shape `docker.Container` takes. */
export interface PublishedPort {
  readonly internal: number;
  readonly external: number;
  readonly ip: string;
  readonly protocol: "tcp";
}

/** A named volume mounted into the container, in the shape `docker.Container` takes. */
export interface MountedVolume {
  readonly volumeName: string;
  readonly containerPath: string;
  readonly readOnly: boolean;
}

/** The plain inputs of the proxy container; image, name and network are added by `deployDocker`. */
export interface ProxyContainerSettings extends HardenedSettings {
  readonly envs: pulumi.Input<string>[];
  readonly labels: DockerLabel[];
  readonly ports: PublishedPort[];
  /** Namespaced kernel settings of the container (`PROXY_SYSCTLS`). */
  readonly sysctls: Record<string, string>;
  /** With TLS: the volume that holds the certificate and key (written by `ModelService.tlsFiles`), read-only. */
  readonly volumes?: MountedVolume[];
}

/**
 * `nginxConfig` is the full nginx.conf; it reaches the container base64-encoded in `NGINX_CONF_B64` (docs/contracts.md).
 * `tlsVolumeName` is the volume mounted read-only at `NGINX_TLS_DIR` when `spec.tls` is set: the root file system
 * stays read-only, and the certificate and key are never in the container's environment or `docker inspect`.
 */
export function proxyContainerSettings(spec: ModelServiceSpec, nginxConfig: string, tlsVolumeName?: string): ProxyContainerSettings {
  return {
    ...hardenedContainerSettings({
      user: PROXY_USER,
      resources: spec.proxy,
      tmpfsSizeMb: PROXY_TMPFS_MB,
      restartPolicy: spec.restartPolicy,
      logging: spec.logging,
      healthcheck: proxyHealthcheck(spec.tls !== undefined),
      healthyWithinSeconds: PROXY_HEALTHY_WITHIN_SECONDS,
      stopGraceSeconds: PROXY_STOP_GRACE_SECONDS,
    }),
    envs: dockerEnvs(proxyEnvironment(nginxConfig)),
    labels: modelServiceLabels({
      project: spec.project,
      stack: spec.stack,
      service: spec.serviceName,
      component: "proxy",
      extra: spec.labels,
    }),
    ports: [{ internal: NGINX_LISTEN_PORT, external: spec.hostPort, ip: spec.hostAddress, protocol: "tcp" }],
    sysctls: { ...PROXY_SYSCTLS },
    ...(spec.tls === undefined || tlsVolumeName === undefined
      ? {}
      : { volumes: [{ volumeName: tlsVolumeName, containerPath: NGINX_TLS_DIR, readOnly: true }] }),
  };
}
