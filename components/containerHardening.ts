import type { DockerHealthcheck } from "./healthchecks.js";
import type { ContainerResources, RestartPolicy } from "./modelServiceArgs.js";

/**
 * The hardening every container of a service gets: non-root user, read-only root file system with a
 * size-limited tmpfs `/tmp`, memory (swap disabled) and CPU limits, restart policy, healthcheck that
 * the provider waits for, rotated json-file logs, an init process, no privilege escalation and no
 * Linux capabilities.
 */

/**
 * Container inputs the Docker provider stores but never applies to an existing container; a change to
 * any of them must replace the container (`replaceOnChanges`) or it would silently not take effect.
 */
export const NOT_UPDATABLE_IN_PLACE: readonly string[] = ["healthcheck", "init", "tmpfs"];

/**
 * Container inputs the provider updates in place (`docker update`) or that only steer the provider
 * itself. They are left out of the api container name fingerprint so changing them is an in-place
 * update, not a replacement.
 */
export const UPDATABLE_IN_PLACE: readonly string[] = [
  "destroyGraceSeconds",
  "memory",
  "memorySwap",
  "restart",
  "wait",
  "waitTimeout",
];

/** What differs between the hardened containers of a service. */
export interface HardeningOptions {
  /** `uid:gid` the main process runs as. */
  readonly user: string;
  readonly resources: ContainerResources;
  /** Size limit of the tmpfs mounted at `/tmp`, in MiB. */
  readonly tmpfsSizeMb: number;
  readonly restartPolicy: RestartPolicy;
  readonly logging: { readonly maxSize: string; readonly maxFiles: number };
  readonly healthcheck: DockerHealthcheck;
  /** Seconds the provider waits for the container to report healthy before failing the deployment. */
  readonly healthyWithinSeconds: number;
  /** Seconds the container gets to stop gracefully (SIGTERM) before it is removed. */
  readonly stopGraceSeconds: number;
}

/** Hardened container settings as plain `docker.Container` inputs. */
export interface HardenedSettings {
  readonly user: string;
  readonly readOnly: boolean;
  readonly tmpfs: Record<string, string>;
  readonly memory: number;
  readonly memorySwap: number;
  readonly cpus: string;
  readonly restart: RestartPolicy;
  readonly init: boolean;
  readonly securityOpts: string[];
  readonly capabilities: { readonly drops: string[] };
  readonly logDriver: string;
  readonly logOpts: Record<string, string>;
  readonly healthcheck: DockerHealthcheck;
  readonly wait: boolean;
  readonly waitTimeout: number;
  readonly destroyGraceSeconds: number;
}

export function hardenedContainerSettings(options: HardeningOptions): HardenedSettings {
  return {
    user: options.user,
    readOnly: true,
    tmpfs: { "/tmp": `rw,noexec,nosuid,nodev,size=${options.tmpfsSizeMb}m` },
    memory: options.resources.memoryMb,
    memorySwap: options.resources.memoryMb,
    cpus: String(options.resources.cpus),
    restart: options.restartPolicy,
    init: true,
    securityOpts: ["no-new-privileges:true"],
    capabilities: { drops: ["ALL"] },
    logDriver: "json-file",
    logOpts: { "max-file": String(options.logging.maxFiles), "max-size": options.logging.maxSize },
    healthcheck: options.healthcheck,
    wait: true,
    waitTimeout: options.healthyWithinSeconds,
    destroyGraceSeconds: options.stopGraceSeconds,
  };
}
