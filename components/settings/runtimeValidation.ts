import { Checker, IPV4_ADDRESS, isPlainObject } from "./checker.js";
import { RUNTIMES, SWARM_PUBLISH_MODES } from "./args.js";
import { type ContainerResources, type RuntimeSpec } from "./spec.js";
import { MODEL_SERVICE_DEFAULTS as DEFAULTS, MODEL_SERVICE_FIELDS, rangeOf } from "./fields.js";

const SWARM = MODEL_SERVICE_FIELDS.swarm.members;

/** What Docker clients accept in `DOCKER_HOST`. */
const DOCKER_HOST = /^(?:unix:\/\/\/\S+|tcp:\/\/[A-Za-z0-9.-]+:\d{1,5}|ssh:\/\/(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(?::\d{1,5})?)$/;
/** A Swarm placement constraint: `<attribute> == <value>` or `!=`. */
const PLACEMENT_CONSTRAINT = /^\s*node\.[A-Za-z0-9._-]+\s*(?:==|!=)\s*\S+\s*$/;

const SWARM_FIELDS = Object.keys(SWARM);

/**
 * Args fields a Swarm does not take, with the reason validation gives. Everything else (model, replicas, limits,
 * proxy settings, API keys, registry) means the same on both runtimes.
 */
const NOT_ON_SWARM: Readonly<Record<string, string>> = {
  hostAddress:
    "not set with runtime swarm: Swarm publishes hostPort on every address of a node; set swarm.address to the address clients use",
  restartPolicy:
    "not set with runtime swarm: Swarm restarts failed tasks and reschedules them on other nodes itself (restart condition any)",
  tls: "not set with runtime swarm: TLS at nginx is supported on runtime docker only; terminate TLS at a load balancer in front of the nodes",
};

/** The api limits the Swarm reservations are bounded by. */
export interface ApiLimits {
  readonly apiCpus: number;
  readonly apiMemoryMb: number;
}

/**
 * `runtime` and `swarm` of the raw args, checked against each other and against the fields that only one runtime
 * takes. A Swarm needs a registry: every node pulls the images from it.
 */
export function resolveRuntime(check: Checker, raw: Readonly<Record<string, unknown>>, limits: ApiLimits): RuntimeSpec {
  const runtime = check.oneOf("runtime", raw.runtime, RUNTIMES, DEFAULTS.runtime);
  if (runtime === "docker") {
    if (raw.swarm !== undefined) {
      check.reject("swarm", raw.swarm, 'nothing with runtime docker (the default): swarm settings apply only with runtime "swarm"');
    }
    return { kind: "docker" };
  }
  for (const [field, reason] of Object.entries(NOT_ON_SWARM)) {
    if (raw[field] !== undefined) {
      check.reject(field, field === "tls" ? "(secret)" : raw[field], reason);
    }
  }
  if (raw.registry === undefined) {
    check.reject("registry", raw.registry, "a registry every Swarm node can pull from (required with runtime swarm)");
  }
  return resolveSwarm(check, raw.swarm, limits);
}

function resolveSwarm(check: Checker, value: unknown, limits: ApiLimits): RuntimeSpec {
  const swarm: Record<string, unknown> = value === undefined ? {} : isPlainObject(value) ? value : {};
  if (value !== undefined && !isPlainObject(value)) {
    check.reject("swarm", value, "an object of Swarm settings");
  }
  check.unknownFields("swarm", swarm, SWARM_FIELDS);
  const defaults = DEFAULTS.swarm;
  const managerHost =
    swarm.managerHost === undefined
      ? undefined
      : check.matching("swarm.managerHost", swarm.managerHost, DOCKER_HOST, "a Docker host: unix:///path, tcp://host:port or ssh://[user@]host", "");
  const publishMode = check.oneOf("swarm.publishMode", swarm.publishMode, SWARM_PUBLISH_MODES, defaults.publishMode);
  if (publishMode === "host" && swarm.proxyReplicas !== undefined) {
    check.reject("swarm.proxyReplicas", swarm.proxyReplicas, "not set with publishMode host: one nginx runs on every node");
  }
  return {
    kind: "swarm",
    ...(managerHost === undefined ? {} : { managerHost }),
    address: check.matching("swarm.address", swarm.address, IPV4_ADDRESS, "an IPv4 address such as 10.0.0.5", defaults.address),
    publishMode,
    proxyReplicas: check.integer("swarm.proxyReplicas", swarm.proxyReplicas, ...rangeOf(SWARM.proxyReplicas), defaults.proxyReplicas),
    apiConstraints: resolveConstraints(check, swarm.apiConstraints),
    maxReplicasPerNode: check.integer("swarm.maxReplicasPerNode", swarm.maxReplicasPerNode, ...rangeOf(SWARM.maxReplicasPerNode), defaults.maxReplicasPerNode),
    apiReservation: resolveReservation(check, swarm, limits),
    updateMonitorSeconds: check.integer("swarm.updateMonitorSeconds", swarm.updateMonitorSeconds, ...rangeOf(SWARM.updateMonitorSeconds), defaults.updateMonitorSeconds),
  };
}

function resolveConstraints(check: Checker, value: unknown): readonly string[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && PLACEMENT_CONSTRAINT.test(item))) {
    check.reject("swarm.apiConstraints", value, "a list of placement constraints such as node.role==worker or node.labels.zone!=b");
    return [];
  }
  return value.map((item: string) => item.replace(/\s+/g, ""));
}

/** What the scheduler sets aside per api task: at most the limits, by default a quarter of the CPUs and half the memory. */
function resolveReservation(check: Checker, swarm: Record<string, unknown>, limits: ApiLimits): ContainerResources {
  const cpus = check.number("swarm.apiReservedCpus", swarm.apiReservedCpus, SWARM.apiReservedCpus.min, limits.apiCpus, roundToHundredths(limits.apiCpus / 4));
  const memoryMb = check.integer(
    "swarm.apiReservedMemoryMb",
    swarm.apiReservedMemoryMb,
    SWARM.apiReservedMemoryMb.min,
    limits.apiMemoryMb,
    Math.floor(limits.apiMemoryMb / 2),
  );
  return { cpus, memoryMb };
}

function roundToHundredths(value: number): number {
  return Math.max(0.01, Math.round(value * 100) / 100);
}
