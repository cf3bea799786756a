import type * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { sha256Hex } from "../../images/contentHash.js";
import { containsOutputs } from "../../settings/inputChecks.js";
import { modelServiceLabels } from "../../containers/labels.js";
import type { DeploymentInputs } from "../index.js";
import type { ModelServiceSpec, RegistrySpec } from "../../settings/spec.js";
import { apiServiceName, candidateServiceName, childName, networkName, proxyServiceName, registryHost } from "../../containers/naming.js";
import { API_NETWORK_ALIAS } from "../../containers/addresses.js";
import { API_CANDIDATE_NETWORK_ALIAS } from "../../containers/candidate.js";
import { apiConvergeSeconds, CONVERGE_MARGIN_SECONDS, convergeConfig } from "./rolloutPolicy.js";
import { apiServiceSettings, candidateServiceSettings, proxyServiceSettings, swarmRuntime, type SwarmServiceSettings } from "./serviceSpecs.js";
import { candidateProxyRollout } from "./proxyRollout.js";

/** What `deploySwarm` creates. */
export interface SwarmDeployment {
  /** The Docker provider of the Swarm manager, when `swarm.managerHost` is set. */
  readonly manager: docker.Provider | undefined;
  /** The overlay network of the api and proxy tasks. */
  readonly network: docker.Network;
  /** The api tasks. */
  readonly apiService: docker.Service;
  /** The candidate's tasks, with `candidate` set; a failed canary gate scales it to 0. */
  readonly candidateService: docker.Service | undefined;
  /** The proxy tasks, publishing `hostPort`. */
  readonly proxyService: docker.Service;
  /**
   * With `candidate`: waits until every proxy task runs the proxy service's spec, after each proxy update and, when
   * the candidate goes, before its service is deleted.
   */
  readonly proxyRollout: command.local.Command | undefined;
  /** Hash of both services' plain settings: an in-place service update keeps the service's ID, not this. */
  readonly taskSpecHash: pulumi.Input<string>;
}

/** What a Swarm deployment needs from the component. */
export interface SwarmDeploymentInputs extends DeploymentInputs {
  /**
   * Resources that must outlive the services, such as the registry cleanups: the services depend on them, so a
   * destroy removes the services (and their tasks) first.
   */
  readonly imagesInUseAfter: readonly pulumi.Resource[];
}

/**
 * The Swarm runtime: an overlay network, the api service and the proxy service, created through the manager (its
 * own Docker provider). The images were built by the stack's Docker engine and pushed to the registry; the
 * services run them by digest, and the nodes pull them with the registry credentials the services carry.
 */
export function deploySwarm(inputs: SwarmDeploymentInputs): SwarmDeployment {
  const { name, spec, prefix, parent } = inputs;
  const swarm = swarmRuntime(spec);
  const manager =
    swarm.managerHost === undefined
      ? undefined
      : new docker.Provider(childName(name, "swarm-manager"), { host: swarm.managerHost }, { parent });
  const opts: pulumi.CustomResourceOptions = { parent, ...(manager === undefined ? {} : { provider: manager }) };

  const network = new docker.Network(
    childName(name, "overlay"),
    {
      name: networkName(prefix),
      driver: "overlay",
      // The proxy and the api tasks attach as service tasks; nothing else joins it.
      attachable: false,
      labels: modelServiceLabels({ project: spec.project, stack: spec.stack, service: spec.serviceName, component: "network" }),
    },
    opts,
  );
  const api = apiServiceSettings(spec, inputs.apiImage.modelDigest);
  const apiService = new docker.Service(
    childName(name, "api-service"),
    serviceArgs(apiServiceName(prefix), api, inputs.apiImage.imageRef, network, spec.registry, [API_NETWORK_ALIAS], convergeSeconds(spec)),
    { ...opts, dependsOn: [...inputs.imagesInUseAfter] },
  );
  // The candidate's tasks answer before the proxy config that routes to them goes out; a removed candidate goes
  // only after the config without it (Pulumi deletes removed resources last).
  const candidate = candidateService(inputs, network, opts);
  const proxy = proxyServiceSettings(spec, inputs.nginxConfig);
  const proxyService = new docker.Service(
    childName(name, "proxy-service"),
    serviceArgs(proxyServiceName(prefix), proxy, inputs.proxyImage.imageRef, network, spec.registry, [], CONVERGE_MARGIN_SECONDS),
    { ...opts, dependsOn: [apiService, ...(candidate === undefined ? [] : [candidate.service]), ...inputs.imagesInUseAfter] },
  );
  // Only with a candidate, so a service without one keeps its hash.
  const taskSpec = { api, proxy, ...(candidate === undefined ? {} : { candidate: candidate.settings }) };
  const taskSpecHash = settingsHash(taskSpec);
  // Only with a candidate, so a service without one keeps its resources. It depends on the candidate's service: when
  // both go, Pulumi deletes it first (after the proxy update without the candidate), then the service.
  const proxyRollout =
    candidate === undefined
      ? undefined
      : candidateProxyRollout(
          childName(name, "candidate-proxy-rollout"),
          { spec, engine: inputs.engine, proxyService, proxySpecHash: pulumi.all([inputs.proxyImage.imageRef, settingsHash(proxy)]).apply((parts) => parts.join(" ")) },
          { parent, dependsOn: [proxyService, candidate.service] },
        );
  return { manager, network, apiService, candidateService: candidate?.service, proxyService, proxyRollout, taskSpecHash };
}

/** A string when every setting is known now (as ever); with a user's Output in it, the hash of its value. */
function settingsHash(settings: object): pulumi.Input<string> {
  return containsOutputs(settings)
    ? pulumi.output(settings).apply((known) => sha256Hex(JSON.stringify(known)))
    : sha256Hex(JSON.stringify(settings));
}

/** With `spec.candidate`: the candidate's service (its image, `api-candidate` alias, the api's rollout), else undefined. */
function candidateService(
  inputs: SwarmDeploymentInputs,
  network: docker.Network,
  opts: pulumi.CustomResourceOptions,
): { service: docker.Service; settings: SwarmServiceSettings } | undefined {
  const { name, spec, prefix, candidateImage } = inputs;
  if (spec.candidate === undefined) {
    return undefined;
  }
  if (candidateImage === undefined) {
    throw new Error("the candidate's service needs the candidate's image");
  }
  const settings = candidateServiceSettings(spec, spec.candidate, candidateImage.modelDigest);
  const convergeTimeout = apiConvergeSeconds(spec.candidate.replicas, spec.startupTimeoutSeconds, swarmRuntime(spec).updateMonitorSeconds);
  const service = new docker.Service(
    childName(name, "candidate-service"),
    serviceArgs(candidateServiceName(prefix), settings, candidateImage.imageRef, network, spec.registry, [API_CANDIDATE_NETWORK_ALIAS], convergeTimeout),
    { ...opts, dependsOn: [...inputs.imagesInUseAfter] },
  );
  return { service, settings };
}

function convergeSeconds(spec: ModelServiceSpec): number {
  return apiConvergeSeconds(spec.replicas, spec.startupTimeoutSeconds, swarmRuntime(spec).updateMonitorSeconds);
}

function serviceArgs(
  serviceName: string,
  settings: SwarmServiceSettings,
  image: pulumi.Output<string>,
  network: docker.Network,
  registry: RegistrySpec | undefined,
  aliases: string[],
  convergeTimeoutSeconds: number,
): docker.ServiceArgs {
  const { task } = settings;
  return {
    name: serviceName,
    labels: settings.labels,
    taskSpec: {
      containerSpec: {
        image,
        user: task.user,
        readOnly: task.readOnly,
        env: task.env,
        labels: task.labels,
        healthcheck: task.healthcheck,
        stopGracePeriod: task.stopGracePeriod,
        capDrops: task.capDrops,
        mounts: task.mounts,
        // Always a map: the provider reads an empty one back for a service without sysctls.
        sysctl: task.sysctls,
      },
      resources: task.resources,
      restartPolicy: task.restartPolicy,
      placement: task.placement,
      networksAdvanceds: [{ name: network.name, ...(aliases.length === 0 ? {} : { aliases }) }],
      logDriver: task.logDriver,
    },
    mode: settings.mode,
    endpointSpec: settings.endpointSpec,
    updateConfig: settings.updateConfig,
    rollbackConfig: settings.rollbackConfig,
    // `pulumi up` returns once every task of the new spec runs (or fails when Swarm rolled it back). The provider
    // waits only for replicated services; a global one (one proxy per node) is checked by the smoke test, and with a
    // candidate waited for by its proxy-rollout command (proxyRollout.ts).
    ...("replicated" in settings.mode ? { convergeConfig: convergeConfig(convergeTimeoutSeconds) } : {}),
    ...(registry === undefined
      ? {}
      : {
          auth: {
            serverAddress: registryHost(registry.server),
            ...(registry.username === undefined ? {} : { username: registry.username }),
            ...(registry.password === undefined ? {} : { password: pulumi.secret(registry.password) }),
          },
        }),
  };
}
