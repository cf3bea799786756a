/**
 * model-service: Pulumi components that deploy an ML model's prediction API (Flask + gunicorn) behind a proxy
 * (nginx) on Docker. Most users need only `ModelService` (and `loadModelServiceArgs` for stack config). This module
 * is the package's public API: the components, their Args and the types their getters return, the enums, the
 * errors and the stack-config loader. Everything else is internal and may move.
 */
export { ModelService } from "./modelService.js";
export { ModelApiImage, type ModelApiImageArgs } from "./images/apiImage.js";
export { ProxyImage, type ProxyImageArgs, NginxImage, type NginxImageArgs } from "./images/proxyImage.js";
export { ModelServiceNetwork, type ModelServiceNetworkArgs } from "./runtimes/docker/network.js";
export type { DockerDeployment, SingleHostDeployment } from "./runtimes/docker/deployment.js";
export type { SwarmDeployment } from "./runtimes/swarm/deployment.js";

export {
  type Candidate,
  type CandidateArgs,
  type CanaryGates,
  type CanaryGatesArgs,
  type ClientTimeouts,
  type ClientTimeoutsArgs,
  type JsonValue,
  type ModelServiceArgs,
  type RateLimit,
  type RateLimitArgs,
  type Registry,
  type RegistryArgs,
  RestartPolicy,
  RESTART_POLICIES,
  Runtime,
  RUNTIMES,
  type Swarm,
  type SwarmArgs,
  SwarmPublishMode,
  SWARM_PUBLISH_MODES,
  type Tls,
  type TlsArgs,
} from "./settings/args.js";
export type {
  ContainerResources,
  DockerRuntimeSpec,
  ModelServiceSpec,
  ModelSource,
  RegistrySpec,
  RuntimeSpec,
  SwarmRuntimeSpec,
} from "./settings/spec.js";
export { MODEL_SERVICE_DEFAULTS } from "./settings/fields.js";
export { ModelServiceConfigError, type ConfigProblem } from "./settings/configError.js";
export { stacklessRunError } from "./settings/stacklessError.js";
export { loadModelServiceArgs, modelServiceArgsFromConfig } from "./settings/stackConfig.js";
export { type DockerEngine, engineFromConfig, isRemoteEngine } from "./engine/dockerEngine.js";
export { stackConfigEngine } from "./engine/commandEngine.js";
export { checkDockerEngine } from "./engine/engineCheck.js";
