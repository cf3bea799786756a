import { REPLACEMENT_ORDER } from "./rolloutRisk.js";
import type { ContainerChange, ServiceChanges, SwarmServiceChange } from "./serviceChanges.js";

/**
 * The order in which `pulumi up` applies a service's container changes, as the engine schedules them:
 * images first, then the network, the api replicas (which the proxy depends on), the proxy, the
 * in-place nginx config and the smoke test; resources that go away (old replicas of a create-first replacement,
 * removed replicas) are deleted at the end of the deployment. On a Swarm, the services take the
 * containers' place.
 */
export function rolloutOrder(service: ServiceChanges): string[] {
  if (service.lifecycle === "removed") {
    return ["remove every container of the service, then its network (images stay in the engine's cache)"];
  }
  const order: string[] = [];
  const partOp = (kind: string) => service.parts.find((part) => part.part.kind === kind)?.op;
  if (service.parts.some((part) => part.part.kind === "api-image")) {
    order.push("build the api image");
  }
  if (partOp("proxy-image") !== undefined) {
    order.push("build the proxy image");
  }
  const network = partOp("network");
  if (network === "create" || network === "replace") {
    const which = service.runtime === "swarm" ? "overlay" : "private";
    order.push(network === "create" ? `create the ${which} network` : `replace the ${which} network`);
  }
  if (service.runtime === "swarm") {
    return [...order, ...swarmOrder(service)];
  }
  const api = service.containers.filter((container) => container.role === "api");
  const replaced = api.filter((container) => container.op === "replace");
  const created = api.filter((container) => container.op === "create");
  const updated = api.filter((container) => container.op === "update");
  const deleted = api.filter((container) => container.op === "delete");
  if (replaced.length > 0) {
    order.push(
      REPLACEMENT_ORDER.api === "create-first"
        ? `start the new ${names(replaced)} beside the old ${replaced.length === 1 ? "one" : "ones"}, each healthy before the next step`
        : `remove and recreate ${names(replaced)}`,
    );
  }
  if (created.length > 0) {
    order.push(`start ${names(created)} (added), each healthy before the next step`);
  }
  if (updated.length > 0) {
    order.push(`update ${names(updated)} in place (${reasons(updated)}), no restart`);
  }
  const proxies = service.containers.filter((container) => container.role === "proxy");
  const proxy = proxies.length === 1 ? proxies[0] : undefined;
  const movedProxy = proxies.find((container) => container.op === "create" && proxies.some((other) => other.op === "delete"));
  if (movedProxy !== undefined) {
    order.push(`start the proxy on port ${movedProxy.port ?? "?"} beside the old one`);
  }
  if (proxy?.op === "replace") {
    order.push(
      REPLACEMENT_ORDER.proxy === "delete-first"
        ? "remove the proxy, then start the new one (it owns the published port): nothing answers in between"
        : "start the new proxy, then remove the old one",
    );
  } else if (proxy?.op === "create") {
    order.push("start the proxy");
  } else if (proxy?.op === "update") {
    order.push(`update the proxy in place (${proxy.because.join(", ")}), no restart`);
  }
  if (partOp("proxy-config") !== undefined) {
    order.push("apply the new nginx config to the running proxy in place (graceful reload)");
  }
  if (partOp("smoke-test") !== undefined) {
    order.push("smoke test through nginx: /ready, then one prediction (a failure fails `pulumi up`)");
  }
  if (replaced.length > 0 && REPLACEMENT_ORDER.api === "create-first") {
    order.push(`remove the old ${names(replaced)}, each stopping gracefully`);
  }
  if (deleted.length > 0) {
    order.push(`remove ${names(deleted)} (scale-down)`);
  }
  const oldProxy = movedProxy === undefined ? undefined : proxies.find((container) => container.op === "delete");
  if (oldProxy !== undefined) {
    order.push(`remove the old proxy on port ${oldProxy.port ?? "?"}`);
  }
  return order;
}

/**
 * A Swarm service's steps: the api service before the proxy service (which depends on it), then the smoke test;
 * an old image leaves the registry at the end, once no task runs it (its cleanup command's replaced half).
 */
function swarmOrder(service: ServiceChanges): string[] {
  const order: string[] = [];
  for (const swarmService of service.services) {
    order.push(...swarmServiceSteps(swarmService));
  }
  if (service.parts.some((part) => part.part.kind === "smoke-test")) {
    order.push("smoke test through nginx: /ready, then one prediction (a failure fails `pulumi up`)");
  }
  for (const part of service.parts) {
    if (part.part.kind === "registry-cleanup" && part.op === "replace") {
      order.push(`remove the old ${part.part.image} image from the registry`);
    }
  }
  return order;
}

function swarmServiceSteps(service: SwarmServiceChange): string[] {
  const label = swarmServiceLabel(service);
  switch (service.op) {
    case "unchanged":
      return [];
    case "create":
      return [`create the ${label} and wait until its tasks run`];
    case "delete":
      return [`remove the ${label} and its tasks`];
    case "replace":
      return [`replace the ${label}: its tasks go with the old service, then the new service starts its own`];
    case "update": {
      const steps: string[] = [];
      const { tasksBefore: before, tasksAfter: after } = service;
      if (typeof before === "number" && typeof after === "number" && before !== after) {
        const count = Math.abs(after - before);
        steps.push(
          after > before
            ? `Swarm starts ${count} more ${service.role} ${count === 1 ? "task" : "tasks"} (${before} → ${after}); the running ones stay`
            : `Swarm stops ${count} ${service.role} ${count === 1 ? "task" : "tasks"} (${before} → ${after}), each stopping gracefully`,
        );
      } else if (before !== after) {
        steps.push(`Swarm changes the ${service.role} tasks from ${before === "global" ? "one per node" : before ?? "?"} to ${after === "global" ? "one per node" : after ?? "?"}`);
      }
      if (service.rolling) {
        steps.push(
          service.updateOrder === "stop-first"
            ? `Swarm replaces the ${service.role} tasks one at a time, stop-first: each old task stops before its new one starts`
            : `Swarm replaces the ${service.role} tasks one at a time, start-first: each new task healthy before its old one stops; a task failing within the monitor period rolls the service back`,
        );
      } else if (steps.length === 0) {
        steps.push(`update the ${label} in place (${service.because.join(", ")}), no task restarts`);
      }
      return steps;
    }
  }
}

/** `api-0`, `api-0 and api-1`, `api-0, api-1 and api-2`. */
export function names(containers: readonly ContainerChange[]): string {
  const labels = containers.map(containerLabel);
  return labels.length <= 1 ? (labels[0] ?? "") : `${labels.slice(0, -1).join(", ")} and ${labels[labels.length - 1]}`;
}

/** `api-2` or `proxy`. */
export function containerLabel(container: ContainerChange): string {
  return container.role === "api" ? `api-${container.replica ?? "?"}` : container.port === undefined ? "proxy" : `proxy (port ${container.port})`;
}

/** `api service \`model-dev-api\``, or `api service` when the preview does not show its name. */
export function swarmServiceLabel(service: SwarmServiceChange): string {
  return `${service.role} service${service.name === undefined ? "" : ` \`${service.name}\``}`;
}

function reasons(containers: readonly ContainerChange[]): string {
  return [...new Set(containers.flatMap((container) => container.because))].join(", ");
}
