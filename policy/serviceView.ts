/**
 * What a policy needs to know of one deployed `ModelService`, read from the Docker resources it creates (the
 * containers or Swarm services Pulumi is about to deploy), not from its Args: a rule then judges what would really
 * run, whatever program, language or transform produced it. Pure: unit tests call it with resource graphs.
 */
import { API_ENVIRONMENT } from "../components/containers/environmentContract.js";
import { LABEL_KEYS } from "../components/containers/labels.js";
import { decodeNginxConfigFromEnv, nginxConfigTerminatesTls } from "../components/nginx/config.js";
import { NGINX_CONF_ENV_VAR } from "../components/nginx/options.js";

export const MODEL_SERVICE_TYPE = "model-service:index:ModelService";
const CONTAINER_TYPE = "docker:index/container:Container";
const SERVICE_TYPE = "docker:index/service:Service";

/** A resource as a policy sees it: @pulumi/policy's PolicyResource has these fields. */
export interface ResourceLike {
  readonly type: string;
  readonly urn: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly parent?: ResourceLike;
}

/** Limits of one container or service; `undefined` when not set. */
export interface WorkloadLimits {
  readonly name: string;
  readonly component: "api" | "proxy";
  readonly memoryMb?: number;
  readonly cpus?: number;
}

/** One ModelService as its Docker resources describe it. */
export interface ModelServiceView {
  readonly urn: string;
  /** The component's resource name, as the program gave it. */
  readonly name: string;
  readonly runtime: "docker" | "swarm";
  /** Api replicas: containers, or the api service's replicated count. */
  readonly apiReplicas: number;
  /** True when every api workload requires an API key (its environment carries the key digests). */
  readonly apiKeysRequired: boolean;
  /** True when the proxy terminates TLS (its rendered nginx config listens with `ssl`). */
  readonly tls: boolean;
  /** Addresses the proxy is published on; "0.0.0.0" for every address (always so for a Swarm's ingress). */
  readonly publishedAddresses: readonly string[];
  readonly limits: readonly WorkloadLimits[];
  /** Image references of the Swarm services (empty for runtime docker). */
  readonly serviceImages: readonly { readonly service: string; readonly image: string }[];
}

/** The variables that carry API keys to the api (the contract's variables made from `apiKeys`). */
const API_KEY_VARIABLES = Object.entries(API_ENVIRONMENT.variables)
  .filter(([, variable]) => variable.setting === "apiKeys")
  .map(([name]) => name);

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function numberOrUndefined(value: unknown): number | undefined {
  const parsed = typeof value === "string" ? Number(value) : value;
  return typeof parsed === "number" && Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
}

/** The `model-service.component` label of a container or service: "api", "proxy", or undefined. */
function componentOf(resource: ResourceLike): string | undefined {
  const labels = list(resource.props.labels).map(record);
  const label = labels.find((entry) => entry.label === LABEL_KEYS.component);
  return typeof label?.value === "string" ? label.value : undefined;
}

/** A container's environment (`NAME=value` list) or a service's (`{NAME: value}`), as a record. */
function environmentOf(resource: ResourceLike): Record<string, string> {
  if (resource.type === CONTAINER_TYPE) {
    return Object.fromEntries(
      list(resource.props.envs)
        .filter((entry): entry is string => typeof entry === "string")
        .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
    );
  }
  const env = record(record(record(resource.props.taskSpec).containerSpec).env);
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value)]));
}

function limitsOf(resource: ResourceLike, component: "api" | "proxy"): WorkloadLimits {
  if (resource.type === CONTAINER_TYPE) {
    return { name: resource.name, component, memoryMb: numberOrUndefined(resource.props.memory), cpus: numberOrUndefined(resource.props.cpus) };
  }
  const limits = record(record(record(resource.props.taskSpec).resources).limits);
  const memoryBytes = numberOrUndefined(limits.memoryBytes);
  const nanoCpus = numberOrUndefined(limits.nanoCpus);
  return {
    name: resource.name,
    component,
    memoryMb: memoryBytes === undefined ? undefined : memoryBytes / (1024 * 1024),
    cpus: nanoCpus === undefined ? undefined : nanoCpus / 1e9,
  };
}

function terminatesTls(proxy: ResourceLike): boolean {
  const encoded = environmentOf(proxy)[NGINX_CONF_ENV_VAR];
  return encoded !== undefined && nginxConfigTerminatesTls(decodeNginxConfigFromEnv(encoded));
}

function publishedAddressesOf(proxy: ResourceLike): string[] {
  if (proxy.type === SERVICE_TYPE) {
    return list(record(proxy.props.endpointSpec).ports).length > 0 ? ["0.0.0.0"] : [];
  }
  return list(proxy.props.ports).map((port) => {
    const ip = record(port).ip;
    return typeof ip === "string" && ip !== "" ? ip : "0.0.0.0";
  });
}

function replicasOf(apiWorkloads: readonly ResourceLike[]): number {
  const service = apiWorkloads.find((resource) => resource.type === SERVICE_TYPE);
  if (service === undefined) return apiWorkloads.length;
  const replicas = record(record(service.props.mode).replicated).replicas;
  return typeof replicas === "number" ? replicas : 0;
}

/** The ModelService a resource belongs to: the nearest ancestor of that type. */
function owner(resource: ResourceLike): ResourceLike | undefined {
  for (let parent = resource.parent; parent !== undefined; parent = parent.parent) {
    if (parent.type === MODEL_SERVICE_TYPE) return parent;
  }
  return undefined;
}

/** One view per ModelService among `resources`, in the order the services appear. */
export function modelServiceViews(resources: readonly ResourceLike[]): ModelServiceView[] {
  const services = resources.filter((resource) => resource.type === MODEL_SERVICE_TYPE);
  return services.map((service) => {
    const workloads = resources.filter(
      (resource) => (resource.type === CONTAINER_TYPE || resource.type === SERVICE_TYPE) && owner(resource)?.urn === service.urn,
    );
    const api = workloads.filter((resource) => componentOf(resource) === "api");
    const proxies = workloads.filter((resource) => componentOf(resource) === "proxy");
    return {
      urn: service.urn,
      name: service.name,
      runtime: workloads.some((resource) => resource.type === SERVICE_TYPE) ? "swarm" : "docker",
      apiReplicas: replicasOf(api),
      apiKeysRequired: api.length > 0 && api.every((resource) => API_KEY_VARIABLES.every((name) => (environmentOf(resource)[name] ?? "") !== "")),
      tls: proxies.length > 0 && proxies.every(terminatesTls),
      publishedAddresses: proxies.flatMap(publishedAddressesOf),
      limits: [...api.map((resource) => limitsOf(resource, "api")), ...proxies.map((resource) => limitsOf(resource, "proxy"))],
      serviceImages: workloads
        .filter((resource) => resource.type === SERVICE_TYPE)
        .map((resource) => ({ service: resource.name, image: String(record(record(resource.props.taskSpec).containerSpec).image ?? "") })),
    };
  });
}
