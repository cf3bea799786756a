import type { DockerHealthcheck } from "./healthchecks.js";
import type { RestartPolicy } from "../settings/args.js";
import type { ContainerResources } from "../settings/spec.js";

/**
 * The hardening every container of a service gets, the same on every runtime: non-root user (`API_USER`,
 * `PROXY_USER`), read-only root file system with a size-limited tmpfs `/tmp`, memory (swap disabled) and CPU limits, restart policy, healthcheck that
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
  "cpuShares",
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
    cpus: dockerCpusString(options.resources.cpus),
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

/**
 * `cpus` as the Docker provider writes it back into its state after reading the container (its
 * `nanoInt64ToDecimalString`), so the input equals what a refresh or the next preview reads and an unchanged
 * program shows no diff. The provider treats `cpus` as replace-on-change: `"1"` against the `"1.0"` it stores
 * would replace every replica on every `pulumi up`. Its quirks are kept on purpose: 1 is `"1.0"`, 0.5 is
 * `"0.5"`, 2.25 is `"2.25"`, and 10 is `"10."` (it counts the zeros of the 9-decimal form).
 */
export function dockerCpusString(cpus: number): string {
  const nano = BigInt(Math.round(cpus * 1e9));
  if (nano === 0n) {
    return "0";
  }
  const whole = nano / 1_000_000_000n;
  const fraction = (nano % 1_000_000_000n).toString().padStart(9, "0");
  const nineDecimals = `${whole}.${fraction}`;
  if ([...nineDecimals].filter((char) => char === "0").length === 9) {
    // big.Rat.FloatString(1): one decimal, rounded half away from zero.
    const tenths = (nano + 50_000_000n) / 100_000_000n;
    return `${tenths / 10n}.${tenths % 10n}`;
  }
  return nineDecimals.replace(/0+$/, "");
}

/** User and group of the api image's `modelserver` account. */
export const API_USER = "10001:10001";

/** User and group nginx runs as in the proxy image. */
export const PROXY_USER = "10002:10002";

/** Size of the api's tmpfs `/tmp` in MiB (gunicorn heartbeats, Prometheus multiprocess files). */
export const API_TMPFS_MB = 64;

/** Size of the proxy's tmpfs `/tmp` in MiB (rendered config, pid file, request body buffers). */
export const PROXY_TMPFS_MB = 32;
