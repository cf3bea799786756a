/**
 * Names of the Docker objects and images of one service. Every name starts with
 * `<service>-<stack>` so services and stacks sharing one Docker engine never collide.
 */

/** Name of the Docker repository an image component is stored under. */
export type ImageKind = "api" | "api-runtime" | "nginx";

/** Lowercases and replaces everything but letters, digits and '-', so any stack name can be part of a Docker name. */
export function dockerNameSlug(value: string): string {
  const slug = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-|-$/g, "");
  return slug === "" ? "x" : slug;
}

/** The prefix of every Docker object of a service: `<service>-<stack>`. */
export function resourcePrefix(serviceName: string, stack: string): string {
  return `${dockerNameSlug(serviceName)}-${dockerNameSlug(stack)}`;
}

/**
 * Name of api replica `index`. It ends with a fingerprint of everything that forces the container to
 * be replaced (image and settings), so a replacement always gets a new name and Pulumi can create the
 * new replica before deleting the old one.
 */
export function apiContainerName(prefix: string, index: number, fingerprint: string): string {
  return `${prefix}-api-${index}-${fingerprint.slice(0, 12)}`;
}

/** Name of candidate replica `index`, with a fingerprint like `apiContainerName`. */
export function candidateContainerName(prefix: string, index: number, fingerprint: string): string {
  return `${prefix}-candidate-${index}-${fingerprint.slice(0, 12)}`;
}

/**
 * Name of the proxy container that publishes `hostPort`. The port is part of it, so when the port changes the
 * new proxy can start beside the old one (each owns its own port) before the old one is removed.
 */
export function proxyContainerName(prefix: string, hostPort: number): string {
  return `${prefix}-proxy-${hostPort}`;
}

/** Name of the volume that holds the proxy's TLS certificate and key. */
export function tlsVolumeName(prefix: string): string {
  return `${prefix}-tls`;
}

/** Name of the private network the replicas and the proxy share. */
export function networkName(prefix: string): string {
  return `${prefix}-net`;
}

/** Image repository for an image kind: `model-service-<kind>`, below the registry server when one is given. */
export function imageRepository(kind: ImageKind, registryServer?: string): string {
  const repository = `model-service-${kind}`;
  return registryServer === undefined ? repository : `${registryServer}/${repository}`;
}

/** Full image name with its content-derived tag. */
export function imageName(kind: ImageKind, contentTag: string, registryServer?: string): string {
  return `${imageRepository(kind, registryServer)}:${contentTag}`;
}

/** Logical Pulumi name of a child resource of the component `componentName`. */
export function childName(componentName: string, part: string): string {
  return `${componentName}-${part}`;
}

/** Name of the Swarm service of the api tasks. */
export function apiServiceName(prefix: string): string {
  return `${prefix}-api`;
}

/** Name of the Swarm service of a canary's candidate tasks. */
export function candidateServiceName(prefix: string): string {
  return `${prefix}-api-candidate`;
}

/** Name of the Swarm service of the proxy tasks. */
export function proxyServiceName(prefix: string): string {
  return `${prefix}-proxy`;
}

/** The registry host of a registry server that may carry a repository path (`host:5000/ml` -> `host:5000`). */
export function registryHost(server: string): string {
  return server.split("/")[0];
}
