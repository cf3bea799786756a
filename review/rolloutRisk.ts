import type { SettingValue } from "./containerSettings.js";
import type { ServiceChanges, SettingChange } from "./serviceChanges.js";
import { canaryRiskNote } from "./canary.js";

/**
 * Rollout risk of one `ModelService` change: whether `pulumi up` may drop requests, derived from what the
 * service's resources do on the engine (components/modelService.ts). Those facts:
 *
 * - api replicas are replaced create-first (`deleteBeforeReplace: false`, a new container name each time):
 *   the new replica must pass its healthcheck (`wait`) first; nginx finds replicas per request through
 *   Docker's DNS for the shared `api` alias, retries a refused connection on another replica, and the old
 *   replica stops gracefully at the end of the deployment. Scale-down removes a replica the same way.
 * - the nginx config is applied to the running proxy in place (the `proxy-config` command, a graceful
 *   reload); the proxy container's own environment is ignored after creation.
 * - the proxy is one resource per published port: a port change starts the new proxy before the old one
 *   goes, but clients of the old port lose the service. A replacement on the same port (new image, a
 *   setting that cannot change in place) is delete-first (`deleteBeforeReplace: true`): nothing answers
 *   on the port in between.
 * - CPU, memory and restart policy are updated in place (`docker update`); nothing restarts.
 * - every container is attached to the private network: replacing it recreates them all.
 *
 * On a Swarm (runtime `swarm`) the api and the proxy are each one service, updated in place:
 *
 * - a change of the task spec (image, model, environment, limits, ...) is a rolling update, one task at a time.
 *   The api's is start-first (a new task takes traffic once healthy, a failing one rolls the service back); the
 *   proxy's is start-first with the routing mesh (`publishMode: ingress`) and stop-first with `publishMode: host`,
 *   where each node binds the port once: that node refuses connections until its new task runs.
 * - a change of `replicas` only starts or stops tasks; the others keep running.
 * - a replaced service (the provider replaces a service whose task labels change) takes its tasks with it.
 *
 * "No dropped requests expected" for replaced and removed replicas and for config changes relies on the
 * zero-failure rollout guarantees of issue 10 (per-request DNS, retries of refused connections, graceful
 * stop, in-place reload).
 */

/** Why a change may drop requests, or leave the service weaker than before. */
export interface RolloutWarning {
  /** Stable identifier, for tests and for tooling that gates on a risk. */
  readonly rule:
    | "proxy-replaced"
    | "service-replaced"
    | "proxy-stop-first"
    | "published-address-changes"
    | "replicas-go-to-one"
    | "network-replaced"
    | "memory-limit-shrinks"
    | "service-removed"
    | "not-assessed";
  readonly message: string;
}

/** The verdict for one service. */
export interface RolloutRisk {
  /** Empty when no dropped requests are expected. */
  readonly warnings: readonly RolloutWarning[];
  /** Facts a reviewer should know that drop no request (e.g. the memory peak while old and new replicas run). */
  readonly notes: readonly string[];
}

/** The line a review prints when a change carries no risk. */
export const NO_RISK_MESSAGE = "no dropped requests expected";

/** How `ModelService` replaces each kind of container (see the module comment). */
export const REPLACEMENT_ORDER = { api: "create-first", proxy: "delete-first" } as const;

export function assessRolloutRisk(service: ServiceChanges): RolloutRisk {
  if (service.lifecycle === "new" || service.lifecycle === "unchanged") {
    return { warnings: [], notes: service.lifecycle === "new" ? ["new service: nothing was served before"] : [] };
  }
  if (service.lifecycle === "removed") {
    return { warnings: [{ rule: "service-removed", message: "the service is removed: every request fails from then on" }], notes: [] };
  }
  const warnings: RolloutWarning[] = [];
  const notes: string[] = [];

  const address = publishedAddressChange(service.proxySettings);
  if (address !== undefined) {
    warnings.push({
      rule: "published-address-changes",
      message: `the published ${address.what} changes: ${address.before} → ${address.after}; clients of the old address lose the service`,
    });
  }
  const network = service.parts.find((part) => part.part.kind === "network");
  if (network !== undefined && (network.op === "replace" || network.op === "delete")) {
    warnings.push({
      rule: "network-replaced",
      message:
        service.runtime === "swarm"
          ? "the overlay network is replaced: both services are recreated on it"
          : "the private network is replaced: every container on it is recreated",
    });
  }
  for (const swarmService of service.services) {
    if (swarmService.op === "replace") {
      warnings.push({
        rule: "service-replaced",
        message: `the ${swarmService.role} service is replaced (${swarmService.because.join(", ")}): its tasks go with it, so requests fail until the new service's tasks are healthy`,
      });
    }
    if (swarmService.role === "proxy" && swarmService.op === "update" && swarmService.rolling && swarmService.updateOrder === "stop-first") {
      warnings.push({
        rule: "proxy-stop-first",
        message:
          "the proxy tasks are replaced stop-first, one node at a time (publishMode host binds the port once per node): each node refuses connections until its new proxy task runs",
      });
    }
  }
  const proxy = service.containers.find((container) => container.role === "proxy");
  if (proxy?.op === "replace") {
    warnings.push({
      rule: "proxy-replaced",
      message: `the proxy is replaced (${proxy.because.join(", ")}): it is removed before the new one starts, so requests fail until the new proxy is healthy`,
    });
  }
  const { before, after, removed } = service.replicas;
  if (after === 1 && (before === undefined ? removed > 0 : before > 1)) {
    warnings.push({ rule: "replicas-go-to-one", message: `replicas go to 1${before === undefined ? "" : ` (from ${before})`}: no spare replica is left if it fails` });
  }
  for (const setting of ["apiMemoryMb", "proxyMemoryMb"]) {
    const change = [...service.apiSettings, ...service.proxySettings].find((candidate) => candidate.setting === setting);
    const shrink = change === undefined ? undefined : decrease(change);
    if (shrink !== undefined) {
      warnings.push({
        rule: "memory-limit-shrinks",
        message:
          service.runtime === "swarm"
            ? `${setting} shrinks (${shrink.before} → ${shrink.after}): a new task using more is killed by the kernel`
            : `${setting} shrinks (${shrink.before} → ${shrink.after}), applied in place: a container using more is killed by the kernel`,
      });
    }
  }
  for (const part of service.parts.filter((candidate) => candidate.part.kind === "other")) {
    warnings.push({ rule: "not-assessed", message: `not assessed: ${part.op} of ${part.type} ${resourceName(part.urn)}` });
  }

  const replacedReplicas = service.containers.filter((container) => container.role === "api" && container.op === "replace").length;
  if (replacedReplicas > 0) {
    notes.push(
      `${replacedReplicas} new api ${plural(replacedReplicas, "replica")} ${replacedReplicas === 1 ? "starts" : "start"} beside the old ${plural(replacedReplicas, "one")} before ${replacedReplicas === 1 ? "it is" : "they are"} removed: memory and CPU peak for the rollout`,
    );
  }
  const rollingApi = service.services.find((candidate) => candidate.role === "api" && candidate.op === "update" && candidate.rolling);
  if (rollingApi !== undefined && rollingApi.updateOrder !== "stop-first") {
    notes.push("Swarm starts each new api task beside its old one: one extra task's memory and CPU during the rollout");
  }
  // A candidate's share of traffic is the risk a canary takes on purpose: said in one line, e.g. "10% of live traffic moves to 2.0.0".
  const canary = service.canary === undefined ? undefined : canaryRiskNote(service.canary);
  if (canary !== undefined) {
    notes.push(canary);
  }
  return { warnings, notes };
}

/** The published address or port before and after, when either changes. */
function publishedAddressChange(settings: readonly SettingChange[]): { what: string; before: string; after: string } | undefined {
  const address = settings.find((change) => change.setting === "hostAddress");
  const port = settings.find((change) => change.setting === "hostPort");
  if (address === undefined && port === undefined) {
    return undefined;
  }
  if (address === undefined || port === undefined) {
    const change = (address ?? port) as SettingChange;
    return { what: address === undefined ? "port" : "address", before: text(change.before) ?? "none", after: text(change.after) ?? "none" };
  }
  return {
    what: "address",
    before: `${text(address.before) ?? "none"}:${text(port.before) ?? "none"}`,
    after: `${text(address.after) ?? "none"}:${text(port.after) ?? "none"}`,
  };
}

function decrease(change: SettingChange): { before: number; after: number } | undefined {
  const before = Number(text(change.before));
  const after = Number(text(change.after));
  return Number.isFinite(before) && Number.isFinite(after) && after < before ? { before, after } : undefined;
}

function text(value: SettingValue | undefined): string | undefined {
  return value?.kind === "value" ? value.text : undefined;
}

function resourceName(urn: string): string {
  return urn.split("::").slice(3).join("::") || urn;
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
