/**
 * The plain (Output-free) inputs of the two Swarm services of a `ModelService`, derived from the same validated spec
 * and the same settings as the docker runtime's containers: user, read-only root, tmpfs `/tmp`, dropped
 * capabilities, limits, healthchecks, rotated json-file logs, the api environment and the rendered nginx config.
 * How their tasks are rolled is in rolloutPolicy.ts. Image, network, registry credentials and the provider are
 * added by `deploySwarm`.
 */
import { dockerPlatform } from "../../images/dockerBuild.js";
import { apiHealthcheck, proxyHealthcheck, swarmDuration, type DockerHealthcheck } from "../../containers/healthchecks.js";
import { modelServiceLabels, type DockerLabel } from "../../containers/labels.js";
import type { CandidateSpec, ContainerResources, ModelServiceSpec, SwarmRuntimeSpec } from "../../settings/spec.js";
import { NGINX_LISTEN_PORT } from "../../nginx/options.js";
import { API_USER, PROXY_USER } from "../../containers/hardening.js";
import { apiEnvironment, apiStopGraceSeconds, type Environment } from "../../containers/apiEnvironment.js";
import { candidateApiEnvironment } from "../../containers/candidate.js";
import { PROXY_STOP_GRACE_SECONDS, PROXY_SYSCTLS, proxyEnvironment } from "../../containers/proxySettings.js";
import { apiServiceRollout, proxyServiceRollout, taskRestartPolicy, type ServiceRollout, type TaskRestartPolicy } from "./rolloutPolicy.js";

/** What one task of a service is, besides its image and network. */
export interface SwarmTaskSettings {
  readonly user: string;
  readonly readOnly: boolean;
  readonly env: Environment;
  readonly labels: DockerLabel[];
  readonly healthcheck: DockerHealthcheck;
  readonly stopGracePeriod: string;
  readonly capDrops: string[];
  readonly mounts: { readonly target: string; readonly type: "tmpfs" }[];
  /** Namespaced kernel settings of the task's container; the provider reads none back as an empty map. */
  readonly sysctls: Record<string, string>;
  readonly resources: {
    readonly limits: { readonly nanoCpus: number; readonly memoryBytes: number };
    readonly reservation?: { readonly nanoCpus: number; readonly memoryBytes: number };
  };
  readonly restartPolicy: TaskRestartPolicy;
  readonly placement: {
    readonly prefs?: string[];
    readonly constraints?: string[];
    readonly maxReplicas?: number;
    readonly platforms: { readonly os: string; readonly architecture: string }[];
  };
  readonly logDriver: { readonly name: "json-file"; readonly options: Record<string, string> };
}

/** The plain inputs of one Swarm service. */
export interface SwarmServiceSettings extends ServiceRollout {
  readonly labels: DockerLabel[];
  readonly task: SwarmTaskSettings;
  /** `replicas` tasks, or one task on every node (`global`). */
  readonly mode: { readonly replicated: { readonly replicas: number } } | { readonly global: true };
  readonly endpointSpec: {
    readonly mode: "dnsrr" | "vip";
    readonly ports?: { readonly targetPort: number; readonly publishedPort: number; readonly publishMode: "host" | "ingress"; readonly protocol: "tcp" }[];
  };
}

/** The Swarm runtime of a spec; throws for a docker runtime spec (a programming error, validation decides the runtime). */
export function swarmRuntime(spec: ModelServiceSpec): SwarmRuntimeSpec {
  if (spec.runtime.kind !== "swarm") {
    throw new Error(`service ${spec.serviceName} runs on runtime ${spec.runtime.kind}, not swarm`);
  }
  return spec.runtime;
}

/**
 * The api service: `replicas` tasks spread over the nodes, found by nginx through Swarm's DNS under the alias `api`
 * (endpoint mode `dnsrr`: every task's address, no virtual IP), rolled out as `apiServiceRollout` says.
 */
export function apiServiceSettings(spec: ModelServiceSpec, modelDigest?: string): SwarmServiceSettings {
  return apiLikeServiceSettings(spec, "api", apiEnvironment(spec), spec.replicas, modelDigest);
}

/**
 * The candidate's service: the api service's settings (limits, healthcheck, placement, rollout) with the candidate's
 * environment (its model identity, `MODEL_ROLE=candidate`) and replica count, found by nginx under the alias
 * `api-candidate` (endpoint mode `dnsrr`, like the api).
 */
export function candidateServiceSettings(spec: ModelServiceSpec, candidate: CandidateSpec, modelDigest?: string): SwarmServiceSettings {
  return apiLikeServiceSettings(spec, "api-candidate", candidateApiEnvironment(spec, candidate), candidate.replicas, modelDigest);
}

function apiLikeServiceSettings(
  spec: ModelServiceSpec,
  component: "api" | "api-candidate",
  env: Environment,
  replicas: number,
  modelDigest: string | undefined,
): SwarmServiceSettings {
  const swarm = swarmRuntime(spec);
  return {
    labels: serviceLabels(spec, component, modelDigest),
    task: {
      ...taskBasics(spec, {
        user: API_USER,
        healthcheck: apiHealthcheck(spec.startupTimeoutSeconds, swarmDuration),
        stopGraceSeconds: apiStopGraceSeconds(spec),
        limits: spec.api,
        reservation: swarm.apiReservation,
      }),
      env,
      labels: taskLabels(spec, component),
      placement: {
        ...imagePlatform(),
        prefs: ["spread=node.id"],
        ...(swarm.apiConstraints.length === 0 ? {} : { constraints: [...swarm.apiConstraints] }),
        ...(swarm.maxReplicasPerNode === 0 ? {} : { maxReplicas: swarm.maxReplicasPerNode }),
      },
    },
    mode: { replicated: { replicas } },
    endpointSpec: { mode: "dnsrr" },
    ...apiServiceRollout(swarm.updateMonitorSeconds),
  };
}

/**
 * The proxy service, with the same rendered config as the docker runtime's proxy (its `NGINX_CONF_B64`). With
 * `publishMode: host` one task runs on every node and publishes `hostPort` there; with `ingress` the routing mesh
 * publishes the port. Rolled out as `proxyServiceRollout` says.
 */
export function proxyServiceSettings(spec: ModelServiceSpec, nginxConfig: string): SwarmServiceSettings {
  const swarm = swarmRuntime(spec);
  const hostMode = swarm.publishMode === "host";
  return {
    labels: serviceLabels(spec, "proxy"),
    task: {
      ...taskBasics(spec, {
        user: PROXY_USER,
        healthcheck: proxyHealthcheck(false, swarmDuration),
        stopGraceSeconds: PROXY_STOP_GRACE_SECONDS,
        limits: spec.proxy,
      }),
      env: proxyEnvironment(nginxConfig),
      sysctls: { ...PROXY_SYSCTLS },
      labels: taskLabels(spec, "proxy"),
      placement: imagePlatform(),
    },
    mode: hostMode ? { global: true } : { replicated: { replicas: swarm.proxyReplicas } },
    endpointSpec: {
      // dnsrr needs no IPVS; the routing mesh needs a virtual IP.
      mode: hostMode ? "dnsrr" : "vip",
      ports: [{ targetPort: NGINX_LISTEN_PORT, publishedPort: spec.hostPort, publishMode: swarm.publishMode, protocol: "tcp" }],
    },
    ...proxyServiceRollout(swarm.publishMode),
  };
}

interface TaskBasicsOptions {
  readonly user: string;
  readonly healthcheck: DockerHealthcheck;
  readonly stopGraceSeconds: number;
  readonly limits: ContainerResources;
  readonly reservation?: ContainerResources;
}

function taskBasics(spec: ModelServiceSpec, options: TaskBasicsOptions): Omit<SwarmTaskSettings, "env" | "labels" | "placement"> {
  return {
    user: options.user,
    readOnly: true,
    healthcheck: options.healthcheck,
    stopGracePeriod: swarmDuration(options.stopGraceSeconds),
    capDrops: ["ALL"],
    // No size: the provider (4.11.0) panics on `tmpfsOptions.sizeBytes` (it asserts an int64 it never gets). The
    // tmpfs pages count against the task's memory limit, which bounds /tmp instead.
    mounts: [{ target: "/tmp", type: "tmpfs" }],
    sysctls: {},
    resources: {
      limits: swarmResources(options.limits),
      ...(options.reservation === undefined ? {} : { reservation: swarmResources(options.reservation) }),
    },
    restartPolicy: taskRestartPolicy(),
    logDriver: { name: "json-file", options: { "max-file": String(spec.logging.maxFiles), "max-size": spec.logging.maxSize } },
  };
}

/**
 * The platform the images are built for (`dockerPlatform`). Swarm records it in the placement of a service whose
 * image names one; setting it here keeps the next preview free of a diff.
 */
function imagePlatform(): { platforms: { os: string; architecture: string }[] } {
  const [os, architecture] = dockerPlatform().split("/");
  return { platforms: [{ os, architecture }] };
}

/** CPUs and MiB as Swarm stores them: nano-CPUs and bytes. */
export function swarmResources(resources: ContainerResources): { nanoCpus: number; memoryBytes: number } {
  return { nanoCpus: Math.round(resources.cpus * 1e9), memoryBytes: resources.memoryMb * 1024 * 1024 };
}

/**
 * The labels of a service's containers: only what never changes (project, stack, service, component). The provider
 * replaces a whole service, deleting it first, when its container labels change (4.11.0: they are force-new): a
 * changing model digest there took every api task down at once. The model digest and the user's labels go on the
 * service itself, which is updated in place.
 */
function taskLabels(spec: ModelServiceSpec, component: "api" | "api-candidate" | "proxy"): DockerLabel[] {
  return modelServiceLabels({ project: spec.project, stack: spec.stack, service: spec.serviceName, component });
}

function serviceLabels(spec: ModelServiceSpec, component: "api" | "api-candidate" | "proxy", modelDigest?: string): DockerLabel[] {
  return modelServiceLabels({
    project: spec.project,
    stack: spec.stack,
    service: spec.serviceName,
    component,
    ...(modelDigest === undefined ? {} : { modelDigest }),
    extra: spec.labels,
  });
}
