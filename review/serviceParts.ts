import { childName } from "../components/containers/naming.js";
import type { PlannedStep } from "./previewDocument.js";
import { parseUrn } from "./urn.js";

/**
 * What each child resource of a `ModelService` is, from its type and its name: children are named
 * `<service>-<part>` (`childName`), so `model-api-0` is api replica 0 of service `model` and `model-api-service`
 * its api service on a Swarm.
 */

/** Type token of the component users import. */
export const MODEL_SERVICE_TYPE = "model-service:index:ModelService";

/** The sub-components `ModelService` creates, with the part of their names after `<service>-`. */
export const SUB_COMPONENTS: Readonly<Record<string, string>> = {
  "model-service:index:ModelApiImage": "api-image",
  "model-service:index:NginxImage": "nginx-image",
  "model-service:index:ModelServiceNetwork": "network",
};

const CONTAINER_TYPE = "docker:index/container:Container";
const IMAGE_TYPE = "docker:index/image:Image";
const NETWORK_TYPE = "docker:index/network:Network";
const SERVICE_TYPE = "docker:index/service:Service";
const VOLUME_TYPE = "docker:index/volume:Volume";
const DOCKER_PROVIDER_TYPE = "pulumi:providers:docker";
const COMMAND_TYPE = "command:local:Command";

/** The roles of a service's resources. */
export type ServicePart =
  | { readonly kind: "api-replica"; readonly replica: number }
  | { readonly kind: "candidate-replica"; readonly replica: number }
  | { readonly kind: "candidate-image" }
  | { readonly kind: "candidate-service" }
  | { readonly kind: "canary-gate" }
  | { readonly kind: "proxy"; /** The published port the resource is named for (`proxy-<port>`). */ readonly port: number }
  | { readonly kind: "api-image"; readonly stage: string }
  | { readonly kind: "proxy-image" }
  | { readonly kind: "network" }
  | { readonly kind: "api-service" }
  | { readonly kind: "proxy-service" }
  | { readonly kind: "swarm-manager" }
  | { readonly kind: "registry-cleanup"; readonly image: "api" | "proxy" }
  | { readonly kind: "tls-volume" }
  | { readonly kind: "tls-files" }
  | { readonly kind: "proxy-config" }
  | { readonly kind: "smoke-test" }
  | { readonly kind: "component" }
  | { readonly kind: "other" };

/** The role of `step` within the service named `serviceName`. */
export function classifyServicePart(step: PlannedStep, serviceName: string): ServicePart {
  const urn = parseUrn(step.urn);
  const name = urn?.name ?? "";
  const part = name.startsWith(childName(serviceName, "")) ? name.slice(childName(serviceName, "").length) : undefined;
  const chain = urn?.typeChain ?? [step.type];
  if (step.type === MODEL_SERVICE_TYPE || step.type in SUB_COMPONENTS) {
    return { kind: "component" };
  }
  if (step.type === CONTAINER_TYPE && part !== undefined) {
    const replica = /^api-(\d+)$/.exec(part);
    if (replica !== null) {
      return { kind: "api-replica", replica: Number(replica[1]) };
    }
    const candidate = /^candidate-(\d+)$/.exec(part);
    if (candidate !== null) {
      return { kind: "candidate-replica", replica: Number(candidate[1]) };
    }
    const proxy = /^proxy-(\d+)$/.exec(part);
    if (proxy !== null) {
      return { kind: "proxy", port: Number(proxy[1]) };
    }
  }
  if (step.type === IMAGE_TYPE) {
    if (chain.includes("model-service:index:ModelApiImage") && part?.startsWith("candidate-image-") === true) {
      return { kind: "candidate-image" };
    }
    if (chain.includes("model-service:index:ModelApiImage")) {
      const stage = part?.startsWith("api-image-") === true ? part.slice("api-image-".length) : "default";
      return { kind: "api-image", stage };
    }
    if (chain.includes("model-service:index:NginxImage")) {
      return { kind: "proxy-image" };
    }
  }
  if (step.type === NETWORK_TYPE && (chain.includes("model-service:index:ModelServiceNetwork") || part === "overlay")) {
    return { kind: "network" };
  }
  if (step.type === SERVICE_TYPE && (part === "api-service" || part === "proxy-service" || part === "candidate-service")) {
    return { kind: part };
  }
  if (step.type === DOCKER_PROVIDER_TYPE && part === "swarm-manager") {
    return { kind: "swarm-manager" };
  }
  if (step.type === VOLUME_TYPE && part === "tls") {
    return { kind: "tls-volume" };
  }
  if (step.type === COMMAND_TYPE && part !== undefined) {
    if (part === "proxy-config") {
      return { kind: "proxy-config" };
    }
    if (part === "smoke-test") {
      return { kind: "smoke-test" };
    }
    if (part === "canary-gate") {
      return { kind: "canary-gate" };
    }
    if (part === "tls-files") {
      return { kind: "tls-files" };
    }
    if (part === "api-image-cleanup" || part === "nginx-image-cleanup") {
      return { kind: "registry-cleanup", image: part === "api-image-cleanup" ? "api" : "proxy" };
    }
  }
  return { kind: "other" };
}
