import { NGINX_CONF_ENV_VAR } from "../components/nginx/options.js";
import {
  addEnvironmentEntry,
  addLabels,
  addLogOptions,
  goDurationSeconds,
  maskedByName,
  settingValue,
  type ContainerRole,
  type ContainerSettings,
  type SettingValue,
} from "./containerSettings.js";
import { SECRET_VALUE, UNKNOWN_VALUE, type PropertyMap } from "./previewDocument.js";

/**
 * The `ModelService` settings a Swarm service's inputs (`docker:index/service:Service`) encode, under the names users
 * set them by, as `containerSettings` does for a container. Left out: the service's name and image (shown on their
 * own), its mode (the replica rows), the model (its own rows), and what the component derives or fixes (converge
 * and rollback policies, stop grace period, hardening, task labels, network, placement preferences and platform).
 */

/** One Swarm service's task count: a number of replicas, or one task per node (`global`). */
export type TaskCount = number | "global";

/** Inputs under `taskSpec.containerSpec` that users do not set (`__defaults`: the bridge's bookkeeping); anything else is shown by its path. */
const FIXED_CONTAINER_SPEC = new Set(["image", "labels", "stopGracePeriod", "user", "readOnly", "capDrops", "mounts", "sysctl", "isolation", "__defaults"]);
/** Inputs under `taskSpec` that users do not set. */
const FIXED_TASK_SPEC = new Set(["restartPolicy", "networksAdvanceds", "__defaults"]);
/** Service inputs shown elsewhere or derived. */
const FIXED_SERVICE = new Set(["name", "mode", "convergeConfig", "rollbackConfig", "__defaults"]);

const MIB = 1024 * 1024;

/** The settings one Swarm service's inputs carry. */
export function swarmServiceSettings(inputs: PropertyMap, role: ContainerRole): ContainerSettings {
  const settings = new Map<string, SettingValue>();
  for (const [input, value] of Object.entries(inputs)) {
    if (FIXED_SERVICE.has(input)) {
      continue;
    }
    switch (input) {
      case "labels":
        addLabels(settings, value);
        break;
      case "taskSpec":
        addTaskSpec(settings, value, role);
        break;
      case "endpointSpec":
        addEndpointSpec(settings, value);
        break;
      case "updateConfig":
        // Only the monitor period is a setting (`swarm.updateMonitorSeconds`, of the api); the rest is the rollout policy.
        if (role === "api") {
          addPath(settings, "swarm.updateMonitorSeconds", field(value, "monitor"), goDurationSeconds);
        }
        break;
      case "auth":
        for (const [key, item] of Object.entries(record(value) ?? { auth: value })) {
          settings.set(`registry.${key === "serverAddress" ? "server" : key}`, maskedByName(key, settingValue(item)));
        }
        break;
      default:
        settings.set(input, settingValue(value));
    }
  }
  return settings;
}

/** The tasks a service runs (`mode`), `undefined` when the inputs do not say. */
export function taskCount(inputs: PropertyMap | undefined): TaskCount | undefined {
  const mode = record(inputs?.mode);
  if (mode === undefined) {
    return undefined;
  }
  if (mode.global !== undefined && mode.global !== false) {
    return "global";
  }
  const replicas = record(mode.replicated)?.replicas;
  return typeof replicas === "number" ? replicas : undefined;
}

/** The environment of a service's tasks (`taskSpec.containerSpec.env`), `SECRET_VALUE` when the engine masks it. */
export function taskEnvironment(inputs: PropertyMap | undefined): Readonly<Record<string, unknown>> | typeof SECRET_VALUE | undefined {
  const taskSpec = inputs?.taskSpec;
  const containerSpec = field(taskSpec, "containerSpec");
  const env = field(containerSpec, "env");
  if ([taskSpec, containerSpec, env].includes(SECRET_VALUE)) {
    return SECRET_VALUE;
  }
  return record(env);
}

/** `NAME` of a service's task environment. */
export function taskEnvironmentValue(inputs: PropertyMap | undefined, name: string): SettingValue | undefined {
  const env = taskEnvironment(inputs);
  if (env === SECRET_VALUE) {
    return { kind: "secret" };
  }
  return env === undefined || !(name in env) ? undefined : settingValue(env[name]);
}

/** The nginx.conf a proxy service's tasks run, decoded; `undefined` when it is a secret, unknown or absent. */
export function serviceNginxConfig(inputs: PropertyMap | undefined): string | undefined {
  const encoded = taskEnvironmentValue(inputs, NGINX_CONF_ENV_VAR);
  return encoded?.kind === "value" && encoded.text !== "" && !encoded.text.includes(UNKNOWN_VALUE)
    ? Buffer.from(encoded.text, "base64").toString("utf8")
    : undefined;
}

/** The task spec as text: Swarm restarts tasks only when it changes (a scale or a service label does not). */
export function taskSpecText(inputs: PropertyMap | undefined): string | undefined {
  return inputs?.taskSpec === undefined ? undefined : JSON.stringify(inputs.taskSpec);
}

/** How Swarm replaces each task of the service (`updateConfig.order`). */
export function updateOrder(inputs: PropertyMap | undefined): "start-first" | "stop-first" | undefined {
  const order = field(inputs?.updateConfig, "order");
  return order === "start-first" || order === "stop-first" ? order : undefined;
}

function addTaskSpec(settings: Map<string, SettingValue>, taskSpec: unknown, role: ContainerRole): void {
  const task = record(taskSpec);
  if (task === undefined) {
    settings.set("taskSpec", settingValue(taskSpec));
    return;
  }
  for (const [key, value] of Object.entries(task)) {
    if (FIXED_TASK_SPEC.has(key)) {
      continue;
    }
    switch (key) {
      case "containerSpec":
        addContainerSpec(settings, value, role);
        break;
      case "resources":
        addResources(settings, value, role);
        break;
      case "placement":
        if (role === "api") {
          addPath(settings, "swarm.apiConstraints", field(value, "constraints"));
          addPath(settings, "swarm.maxReplicasPerNode", field(value, "maxReplicas"));
        }
        break;
      case "logDriver":
        addLogOptions(settings, field(value, "options"));
        break;
      default:
        settings.set(`taskSpec.${key}`, settingValue(value));
    }
  }
}

function addContainerSpec(settings: Map<string, SettingValue>, containerSpec: unknown, role: ContainerRole): void {
  const spec = record(containerSpec);
  if (spec === undefined) {
    settings.set("taskSpec.containerSpec", settingValue(containerSpec));
    return;
  }
  for (const [key, value] of Object.entries(spec)) {
    if (FIXED_CONTAINER_SPEC.has(key)) {
      continue;
    }
    if (key === "env") {
      addTaskEnvironment(settings, value, role);
    } else if (key === "healthcheck" && role === "api") {
      addPath(settings, "startupTimeoutSeconds", field(value, "startPeriod"), goDurationSeconds);
    } else if (key !== "healthcheck") {
      settings.set(`taskSpec.containerSpec.${key}`, settingValue(value));
    }
  }
}

function addTaskEnvironment(settings: Map<string, SettingValue>, env: unknown, role: ContainerRole): void {
  const map = record(env);
  if (map === undefined) {
    settings.set("environment", settingValue(env));
    return;
  }
  for (const [name, value] of Object.entries(map)) {
    if (role === "proxy" && name === NGINX_CONF_ENV_VAR) {
      continue; // shown as a diff of the decoded nginx.conf
    }
    addEnvironmentEntry(settings, name, settingValue(value), role);
  }
}

/** Limits as users set them (`apiCpus`, `apiMemoryMb`, ...), the api's reservation as `swarm.apiReservation`. */
function addResources(settings: Map<string, SettingValue>, resources: unknown, role: ContainerRole): void {
  const limits = record(field(resources, "limits"));
  addPath(settings, `${role}Cpus`, limits?.nanoCpus, (value) => scaled(value, 1e9));
  addPath(settings, `${role}MemoryMb`, limits?.memoryBytes, (value) => scaled(value, MIB));
  const reservation = record(field(resources, "reservation"));
  addPath(settings, "swarm.apiReservation.cpus", reservation?.nanoCpus, (value) => scaled(value, 1e9));
  addPath(settings, "swarm.apiReservation.memoryMb", reservation?.memoryBytes, (value) => scaled(value, MIB));
}

function addEndpointSpec(settings: Map<string, SettingValue>, endpointSpec: unknown): void {
  const ports = field(endpointSpec, "ports");
  if (!Array.isArray(ports)) {
    addPath(settings, "endpointSpec.ports", ports);
    return;
  }
  ports.forEach((port, index) => {
    const suffix = ports.length > 1 ? `[${index}]` : "";
    addPath(settings, `hostPort${suffix}`, field(port, "publishedPort"));
    addPath(settings, `swarm.publishMode${suffix}`, field(port, "publishMode"));
  });
}

function addPath(settings: Map<string, SettingValue>, name: string, value: unknown, convert: (value: unknown) => SettingValue = settingValue): void {
  if (value !== undefined) {
    settings.set(name, convert(value));
  }
}

/** `value / unit` as text, e.g. nano-CPUs as CPUs. */
function scaled(value: unknown, unit: number): SettingValue {
  return typeof value === "number" ? { kind: "value", text: String(value / unit) } : settingValue(value);
}

function field(value: unknown, key: string): unknown {
  return record(value)?.[key];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
