/**
 * How a replica is rolled on Swarm: the update and rollback policy of the api and proxy services, the restart
 * policy of their tasks, and how long `pulumi up` waits for a rollout to converge.
 *
 * api tasks are replaced one at a time, start-first: a new task takes traffic only once its healthcheck passed,
 * and a task that fails within `swarm.updateMonitorSeconds` rolls the whole service back while the old tasks go on
 * serving. Proxy tasks publishing in host mode bind the port on their node, so they are replaced stop-first, one
 * node at a time; behind the routing mesh they are replaced start-first.
 */
import { goDuration, swarmDuration } from "../../containers/healthchecks.js";
import type { SwarmPublishMode } from "../../settings/args.js";

/** Seconds Swarm watches an updated proxy task; nginx starts in well under a second. */
const PROXY_UPDATE_MONITOR_SECONDS = 5;
/** Seconds between restarts of a failed task on the same node. */
const RESTART_DELAY_SECONDS = 2;
/** Seconds `pulumi up` waits at most for a service to converge, beyond what its tasks need to start. */
export const CONVERGE_MARGIN_SECONDS = 60;
/** The longest `pulumi up` waits for a service to converge. */
const MAX_CONVERGE_SECONDS = 3600;
/**
 * Seconds `pulumi up` waits at most for every proxy task to run a new proxy spec (with a candidate): a stop-first
 * replacement a node takes a few seconds plus the monitor period, node after node.
 */
export const PROXY_ROLLOUT_TIMEOUT_SECONDS = 600;

/** How Swarm rolls out (or back) a new task spec. */
export interface UpdatePolicy {
  readonly parallelism: number;
  readonly delay: string;
  readonly failureAction: "rollback" | "pause" | "continue";
  readonly monitor: string;
  readonly order: "start-first" | "stop-first";
}

/** A service's `updateConfig` and `rollbackConfig`. */
export interface ServiceRollout {
  readonly updateConfig: UpdatePolicy;
  readonly rollbackConfig: UpdatePolicy;
}

/** What Swarm does when a task's container exits. */
export interface TaskRestartPolicy {
  readonly condition: "any";
  readonly delay: string;
  readonly maxAttempts: number;
  readonly window: string;
}

/**
 * The api service: one task at a time, start-first, each watched for `updateMonitorSeconds`; a failure rolls the
 * service back (the same way), and a failing rollback pauses.
 */
export function apiServiceRollout(updateMonitorSeconds: number): ServiceRollout {
  const monitor = swarmDuration(updateMonitorSeconds);
  return {
    updateConfig: { parallelism: 1, delay: "0s", failureAction: "rollback", monitor, order: "start-first" },
    rollbackConfig: { parallelism: 1, delay: "0s", failureAction: "pause", monitor, order: "start-first" },
  };
}

/** The proxy service: one task at a time; stop-first when it publishes in host mode (the port is bound once per node). */
export function proxyServiceRollout(publishMode: SwarmPublishMode): ServiceRollout {
  const update: UpdatePolicy = {
    parallelism: 1,
    delay: "0s",
    failureAction: "rollback",
    monitor: swarmDuration(PROXY_UPDATE_MONITOR_SECONDS),
    order: publishMode === "host" ? "stop-first" : "start-first",
  };
  return { updateConfig: update, rollbackConfig: { ...update, failureAction: "pause" } };
}

/** Every task: restarted whenever it exits, after a short delay, without a limit. */
export function taskRestartPolicy(): TaskRestartPolicy {
  return { condition: "any", delay: swarmDuration(RESTART_DELAY_SECONDS), maxAttempts: 0, window: "0s" };
}

/** Seconds `pulumi up` waits for the api service: long enough for every task to be replaced one after another, each starting and then being watched. */
export function apiConvergeSeconds(replicas: number, startupTimeoutSeconds: number, updateMonitorSeconds: number): number {
  return Math.min(MAX_CONVERGE_SECONDS, replicas * (startupTimeoutSeconds + updateMonitorSeconds) + CONVERGE_MARGIN_SECONDS);
}

/** The provider's `convergeConfig`: `pulumi up` returns once every task of the new spec runs (or Swarm rolled it back). */
export function convergeConfig(timeoutSeconds: number): { delay: string; timeout: string } {
  return { delay: "1s", timeout: goDuration(timeoutSeconds) };
}
