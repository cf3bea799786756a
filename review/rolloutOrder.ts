import { REPLACEMENT_ORDER } from "./rolloutRisk.js";
import type { ContainerChange, ServiceChanges } from "./serviceChanges.js";

/**
 * The order in which `pulumi up` applies a service's container changes, as the engine schedules them:
 * images first, then the network, the api replicas (which the proxy depends on), the proxy, the
 * in-place nginx config and the smoke test; resources that go away (old replicas of a create-first replacement,
 * removed replicas) are deleted at the end of the deployment.
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
    order.push(network === "create" ? "create the private network" : "replace the private network");
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

/** `api-0`, `api-0 and api-1`, `api-0, api-1 and api-2`. */
export function names(containers: readonly ContainerChange[]): string {
  const labels = containers.map(containerLabel);
  return labels.length <= 1 ? (labels[0] ?? "") : `${labels.slice(0, -1).join(", ")} and ${labels[labels.length - 1]}`;
}

/** `api-2` or `proxy`. */
export function containerLabel(container: ContainerChange): string {
  return container.role === "api" ? `api-${container.replica ?? "?"}` : container.port === undefined ? "proxy" : `proxy (port ${container.port})`;
}

function reasons(containers: readonly ContainerChange[]): string {
  return [...new Set(containers.flatMap((container) => container.because))].join(", ");
}
