/**
 * The runtimes a `ModelService` deploys on: `docker` (containers on one engine, runtimes/docker/) and `swarm`
 * (services on a Swarm, runtimes/swarm/). Both get the same `DeploymentInputs` from the component.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ModelApiImage } from "../images/apiImage.js";
import type { ProxyImage } from "../images/proxyImage.js";
import type { ModelServiceSpec } from "../settings/spec.js";
import type { CommandEngine } from "../engine/commandEngine.js";

export { deployDocker, type DockerDeployment } from "./docker/deployment.js";
export { deploySwarm, type SwarmDeployment, type SwarmDeploymentInputs } from "./swarm/deployment.js";

/** What every runtime's deployment (`deployDocker`, `deploySwarm`) gets from `ModelService`. */
export interface DeploymentInputs {
  /** The component's name: the first part of every child's logical name. */
  readonly name: string;
  readonly spec: ModelServiceSpec;
  /** `resourcePrefix` of the service: the first part of every Docker object name. */
  readonly prefix: string;
  readonly apiImage: ModelApiImage;
  /** The candidate model's image, when `spec.candidate` is set. */
  readonly candidateImage?: ModelApiImage;
  readonly proxyImage: ProxyImage;
  /** The rendered nginx.conf of the proxy. */
  readonly nginxConfig: string;
  /** The engine the component's docker resources use, which its commands must reach too. */
  readonly engine: CommandEngine;
  /** The component, parent of every resource. */
  readonly parent: pulumi.Resource;
}
