/**
 * model-service: Pulumi components that deploy an ML model's prediction API (Flask + gunicorn) behind
 * nginx on Docker. Most users need only `ModelService` (and `loadModelServiceArgs` for stack config).
 */
export { ModelService } from "./modelService.js";
export {
  BUILTIN_MODEL_NAME,
  BUILTIN_MODEL_SMOKE_TEST_INSTANCES,
  BUILTIN_MODEL_VERSION,
  MODEL_SERVICE_DEFAULTS,
  type ClientTimeouts,
  type ClientTimeoutsArgs,
  RESTART_POLICIES,
  type ContainerResources,
  type JsonValue,
  type ModelServiceArgs,
  type ModelServiceSpec,
  type ModelSource,
  type RateLimit,
  type RateLimitArgs,
  type Registry,
  type RegistryArgs,
  type RegistrySpec,
  RestartPolicy,
  Runtime,
  RUNTIMES,
  type RuntimeSpec,
  type Swarm,
  type SwarmArgs,
  SwarmPublishMode,
  SWARM_PUBLISH_MODES,
  type SwarmRuntimeSpec,
  type Tls,
  type TlsArgs,
} from "./settings/args.js";
export { ModelServiceConfigError, type ConfigProblem } from "./settings/configError.js";
export { resolveModelServiceSpec, type SpecContext } from "./settings/validation.js";
export {
  inspectModelDirectory,
  type ModelDirectoryFacts,
  type ModelDirectoryInspector,
  type ModelMetadata,
} from "./settings/modelDirectory.js";
export { modelDirectoryDigest } from "./images/modelDigest.js";
export { loadModelServiceArgs, modelServiceArgsFromConfig } from "./settings/stackConfig.js";

export { ModelApiImage, MODEL_DIR_IGNORE_FILE, type ModelApiImageArgs } from "./images/apiImage.js";
export { ProxyImage, type ProxyImageArgs, NginxImage, type NginxImageArgs } from "./images/proxyImage.js";
export { ModelServiceNetwork, type ModelServiceNetworkArgs } from "./runtimes/docker/network.js";
export type { DockerDeployment, SingleHostDeployment } from "./runtimes/docker/deployment.js";
export type { SwarmDeployment } from "./runtimes/swarm/deployment.js";

export { LABEL_KEYS, modelServiceLabels, type DockerLabel, type LabelTarget, type ServiceComponent } from "./containers/labels.js";
export {
  apiContainerName,
  dockerNameSlug,
  imageName,
  imageRepository,
  networkName,
  proxyContainerName,
  resourcePrefix,
  type ImageKind,
} from "./containers/naming.js";
export { contentTag, fingerprint, hashDirectory, hashFile, sha256Hex, stableStringify } from "./images/contentHash.js";
export { isIgnored, parseIgnoreFile, type IgnorePattern } from "./images/ignorePatterns.js";
export { API_NETWORK_ALIAS, API_PORT, connectAddress, serviceUrl } from "./containers/addresses.js";
export { apiEnvironment } from "./containers/apiEnvironment.js";
export { nginxConfigOptions, proxyUpstreamLimits } from "./containers/proxyNginxConfig.js";
export { renderNginxConfig } from "./nginx/config.js";
export type { NginxConfigOptions } from "./nginx/options.js";
