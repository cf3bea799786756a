/**
 * The rules of the model-service policy pack, as plain functions of a `ModelServiceView`: each returns the
 * violations it finds, one message per problem, naming the service and the `ModelServiceArgs` field to change.
 * A platform team turns the pack on per stack (`pulumi preview --policy-pack`) and sets each rule's level and
 * settings in a policy-pack config file.
 */
import type { ModelServiceArgs } from "../components/settings/args.js";
import type { ModelServiceView } from "./serviceView.js";

/** The enforcement levels a rule may have (@pulumi/policy's, without "remediate", which these rules do not do). */
export type RuleEnforcementLevel = "advisory" | "mandatory" | "disabled";

/** A rule's settings, from the policy-pack config (with the schema's defaults filled in). */
export type RuleConfig = Record<string, unknown>;

export interface ModelServiceRule {
  /** The policy's name: the key of its settings in the policy-pack config. */
  readonly name: string;
  readonly description: string;
  /** The level when the policy-pack config does not set one. */
  readonly enforcementLevel: RuleEnforcementLevel;
  /** JSON schema of the rule's settings, with their defaults. */
  readonly configSchema?: { readonly properties: Record<string, { type: "integer" | "boolean"; default: number | boolean; minimum?: number; description: string }> };
  /** The violations of one service. */
  check(view: ModelServiceView, config: RuleConfig): string[];
}

/** A `ModelServiceArgs` field name, checked by the compiler, for the messages. */
const field = <K extends keyof ModelServiceArgs>(name: K): K => name;

const serviceLabel = (view: ModelServiceView): string => `ModelService "${view.name}"`;

const LOOPBACK = /^(127\.|::1$|localhost$)/;

export const MODEL_SERVICE_RULES: readonly ModelServiceRule[] = [
  {
    name: "model-service-api-keys-required",
    description: "Every ModelService requires an API key on its prediction endpoints.",
    enforcementLevel: "mandatory",
    check: (view) =>
      view.apiKeysRequired
        ? []
        : [`${serviceLabel(view)}: ${field("apiKeys")} is not set, so anyone who reaches the service can call it; set ${field("apiKeys")} (a secret).`],
  },
  {
    name: "model-service-tls-required",
    description: "Every ModelService's proxy terminates TLS.",
    enforcementLevel: "mandatory",
    check: (view) =>
      view.tls ? [] : [`${serviceLabel(view)}: ${field("tls")} is not set, so requests and API keys travel in plain HTTP; set ${field("tls")} (certificate and private key).`],
  },
  {
    name: "model-service-min-replicas",
    description: "Every ModelService runs at least a minimum number of api replicas.",
    enforcementLevel: "advisory",
    configSchema: {
      properties: { minimum: { type: "integer", default: 2, minimum: 1, description: "The fewest api replicas allowed." } },
    },
    check: (view, config) => {
      const minimum = Number(config.minimum ?? 2);
      return view.apiReplicas >= minimum
        ? []
        : [`${serviceLabel(view)}: ${field("replicas")} is ${view.apiReplicas}, fewer than the ${minimum} this policy requires; one replica's restart or rollout would leave it with less capacity or none.`];
    },
  },
  {
    name: "model-service-resource-limits",
    description: "Every api and proxy container or service of a ModelService has a memory and a CPU limit.",
    enforcementLevel: "advisory",
    check: (view) =>
      view.limits.flatMap((workload) => {
        const missing = [workload.memoryMb === undefined ? "memory" : undefined, workload.cpus === undefined ? "CPU" : undefined].filter(
          (what): what is string => what !== undefined,
        );
        if (missing.length === 0) return [];
        const fields = workload.component === "proxy" ? [field("proxyMemoryMb"), field("proxyCpus")] : [field("apiMemoryMb"), field("apiCpus")];
        return [`${serviceLabel(view)}: ${workload.name} has no ${missing.join(" or ")} limit; set ${fields.join(" and ")}, and do not remove the limits with a transform.`];
      }),
  },
  {
    name: "model-service-no-public-plaintext",
    description: "A ModelService published beyond loopback terminates TLS.",
    enforcementLevel: "mandatory",
    check: (view) => {
      if (view.tls) return [];
      const exposed = [...new Set(view.publishedAddresses.filter((address) => !LOOPBACK.test(address)))];
      if (exposed.length === 0) return [];
      const where = view.runtime === "swarm" ? "on every node's addresses (a Swarm publishes through its ingress)" : `on ${exposed.join(", ")}`;
      return [`${serviceLabel(view)}: published ${where} without TLS; set ${field("tls")}, or ${field("hostAddress")} to a loopback address.`];
    },
  },
  {
    name: "model-service-swarm-image-digest",
    description: "On a Swarm, every ModelService service runs an image pinned by its registry digest.",
    enforcementLevel: "advisory",
    check: (view) =>
      view.serviceImages
        .filter((service) => !/@sha256:[0-9a-f]{64}$/.test(service.image))
        .map((service) => `${serviceLabel(view)}: ${service.service} runs image "${service.image}", not pinned by a registry digest (name@sha256:...); set ${field("registry")} so that every node pulls exactly the image Pulumi built.`),
  },
];
