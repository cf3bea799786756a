import { LABEL_KEYS, RESERVED_LABEL_PREFIX } from "../components/containers/labels.js";
import { NGINX_CONF_ENV_VAR } from "../components/nginx/options.js";
import { API_ENVIRONMENT } from "../components/containers/environmentContract.js";
import { SECRET_VALUE, UNKNOWN_VALUE, type PropertyMap } from "./previewDocument.js";

/**
 * The `ModelService` settings a container's inputs encode, under the names users set them by
 * (`ModelServiceArgs`), so a review says `gunicornWorkers: 1 → 2` instead of an environment entry.
 * Inputs every replacement changes by design (container name, image reference, network aliases) and
 * inputs derived from another setting are left out; anything not known here keeps its input name.
 */

/** A setting's value as the review shows it. */
export type SettingValue =
  | { readonly kind: "value"; readonly text: string }
  | { readonly kind: "secret" }
  | { readonly kind: "unknown" };

/** Flat view of one container's settings. */
export type ContainerSettings = ReadonlyMap<string, SettingValue>;

/** The two kinds of container a service runs. */
export type ContainerRole = "api" | "proxy";

/** Settings the review shows on their own rows (the model), not among the settings that change. */
const MODEL_IDENTITY_SETTINGS: readonly string[] = ["modelName", "modelVersion"];

/**
 * The setting an api environment variable carries, from the api's environment contract: its `setting` (the
 * `ModelServiceArgs` field it is made from); `null` for the model's identity, shown elsewhere; `undefined` for a
 * variable no setting makes (a user's own, or one the component derives), shown as `environment.<NAME>`.
 */
export function apiEnvironmentSetting(name: string): string | null | undefined {
  const setting = Object.hasOwn(API_ENVIRONMENT.variables, name) ? API_ENVIRONMENT.variables[name].setting : null;
  if (setting === null) {
    return undefined;
  }
  return MODEL_IDENTITY_SETTINGS.includes(setting) ? null : setting;
}

/** True for a setting the review reads from a container's environment (a variable, or the setting it carries). */
export function isEnvironmentSetting(name: string): boolean {
  return (
    name === "environment" ||
    name.startsWith("environment.") ||
    name.startsWith("environment (") ||
    Object.values(API_ENVIRONMENT.variables).some((variable) => variable.setting === name)
  );
}

/** The api environment variable the contract makes from `setting` (e.g. `modelVersion`); throws when there is none or several. */
export function apiVariableOfSetting(setting: string): string {
  const names = Object.keys(API_ENVIRONMENT.variables).filter((name) => API_ENVIRONMENT.variables[name].setting === setting);
  if (names.length !== 1) {
    throw new Error(`the api environment contract makes ${names.length} variables from ${setting}, expected one: ${names.join(", ")}`);
  }
  return names[0];
}

/** Container inputs and their settings; `null` marks inputs left out (see above). */
const INPUT_SETTINGS: Readonly<Record<ContainerRole, Readonly<Record<string, string | null>>>> = {
  api: {
    cpus: "apiCpus",
    memory: "apiMemoryMb",
    memorySwap: null, // always equal to memory
    waitTimeout: null, // startupTimeoutSeconds plus a margin
    destroyGraceSeconds: null, // gunicornTimeoutSeconds
  },
  proxy: {
    cpus: "proxyCpus",
    memory: "proxyMemoryMb",
    memorySwap: null,
  },
};

const SHARED_INPUT_SETTINGS: Readonly<Record<string, string | null>> = {
  restart: "restartPolicy",
  name: null,
  image: null,
  networksAdvanced: null,
};

/** Environment variable and label names whose values are masked even when they are not Pulumi secrets. */
export const SECRET_NAME = /pass(word|wd|phrase)?|secret|token|api[-_]?key|credential|private[-_]?key|auth|signature|cookie|session/i;

/** The settings one container's inputs carry. */
export function containerSettings(inputs: PropertyMap, role: ContainerRole): ContainerSettings {
  const settings = new Map<string, SettingValue>();
  for (const [input, value] of Object.entries(inputs)) {
    const roleSettings = INPUT_SETTINGS[role];
    const mapped = input in roleSettings ? roleSettings[input] : SHARED_INPUT_SETTINGS[input];
    if (mapped === null) {
      continue;
    }
    switch (input) {
      case "envs":
        addEnvironment(settings, value, role);
        break;
      case "labels":
        addLabels(settings, value);
        break;
      case "logOpts":
        addLogOptions(settings, value);
        break;
      case "ports":
        addPorts(settings, value);
        break;
      case "healthcheck":
        addHealthcheck(settings, value, role);
        break;
      default:
        settings.set(mapped ?? input, settingValue(value));
    }
  }
  return settings;
}

/** The nginx.conf the proxy container runs, decoded; `undefined` when it is a secret, unknown or absent. */
export function proxyNginxConfig(inputs: PropertyMap | undefined): string | undefined {
  const envs = inputs?.envs;
  if (!Array.isArray(envs)) {
    return undefined;
  }
  const prefix = `${NGINX_CONF_ENV_VAR}=`;
  const entry = envs.find((item): item is string => typeof item === "string" && item.startsWith(prefix));
  const encoded = entry?.slice(prefix.length);
  if (encoded === undefined || encoded === "" || encoded.includes(UNKNOWN_VALUE) || encoded === SECRET_VALUE) {
    return undefined;
  }
  return Buffer.from(encoded, "base64").toString("utf8");
}

/** The model digest label of an api container (`undefined` when the container has none). */
export function modelDigestLabel(inputs: PropertyMap | undefined): SettingValue | undefined {
  return labelValue(inputs, LABEL_KEYS.modelDigest);
}

/** `NAME` from an api container's environment. */
export function environmentValue(inputs: PropertyMap | undefined, name: string): SettingValue | undefined {
  const envs = inputs?.envs;
  if (envs === SECRET_VALUE) {
    return { kind: "secret" };
  }
  if (!Array.isArray(envs)) {
    return envs === undefined ? undefined : settingValue(envs);
  }
  const entry = envs.find((item): item is string => typeof item === "string" && item.startsWith(`${name}=`));
  return entry === undefined ? undefined : settingValue(entry.slice(name.length + 1));
}

/** The value of a plain map entry (e.g. a command's `environment`). */
export function mapValue(inputs: PropertyMap | undefined, property: string, key: string): SettingValue | undefined {
  const map = inputs?.[property];
  if (map === SECRET_VALUE) {
    return { kind: "secret" };
  }
  if (typeof map !== "object" || map === null || !(key in map)) {
    return undefined;
  }
  return settingValue((map as Record<string, unknown>)[key]);
}

/** A raw input value as the review shows it: secrets masked, unknowns marked, objects as compact JSON. */
export function settingValue(value: unknown): SettingValue {
  if (value === SECRET_VALUE) {
    return { kind: "secret" };
  }
  if (value === UNKNOWN_VALUE) {
    return { kind: "unknown" };
  }
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? "null";
  if (text.includes(SECRET_VALUE)) {
    return { kind: "secret" };
  }
  return text.includes(UNKNOWN_VALUE) ? { kind: "unknown" } : { kind: "value", text };
}

/** The same value, masked when its name says it holds a secret. */
export function maskedByName(name: string, value: SettingValue): SettingValue {
  return value.kind === "value" && SECRET_NAME.test(name) ? { kind: "secret" } : value;
}

function addEnvironment(settings: Map<string, SettingValue>, envs: unknown, role: ContainerRole): void {
  if (!Array.isArray(envs)) {
    settings.set("environment", settingValue(envs));
    return;
  }
  let secretEntries = 0;
  for (const entry of envs) {
    const text = typeof entry === "string" ? entry : JSON.stringify(entry);
    if (!text.includes("=") && text.includes(SECRET_VALUE)) {
      // A variable whose value is a Pulumi secret: the whole `NAME=value` entry is, name included.
      secretEntries += 1;
      settings.set(`environment (secret entry ${secretEntries})`, { kind: "secret" });
      continue;
    }
    const equals = text.indexOf("=");
    const name = equals < 0 ? text : text.slice(0, equals);
    const value = settingValue(equals < 0 ? "" : text.slice(equals + 1));
    if (role === "proxy" && name === NGINX_CONF_ENV_VAR) {
      continue; // shown as a diff of the decoded nginx.conf
    }
    addEnvironmentEntry(settings, name, value, role);
  }
}

/** One environment variable of a container or a Swarm task, under the setting it carries (see `apiEnvironmentSetting`). */
export function addEnvironmentEntry(settings: Map<string, SettingValue>, name: string, value: SettingValue, role: ContainerRole): void {
  const mapped = role === "api" ? apiEnvironmentSetting(name) : undefined;
  if (mapped === null) {
    return;
  }
  // Masked by either name: a variable the contract maps may carry a secret (API key digests).
  settings.set(mapped ?? `environment.${name}`, maskedByName(mapped ?? "", maskedByName(name, value)));
}

export function addLabels(settings: Map<string, SettingValue>, labels: unknown): void {
  if (!Array.isArray(labels)) {
    settings.set("labels", settingValue(labels));
    return;
  }
  for (const entry of labels) {
    const label = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>) : {};
    const key = typeof label.label === "string" ? label.label : JSON.stringify(label.label);
    if (!key.startsWith(RESERVED_LABEL_PREFIX)) {
      settings.set(`labels.${key}`, maskedByName(key, settingValue(label.value)));
    }
  }
}

export function addLogOptions(settings: Map<string, SettingValue>, options: unknown): void {
  const record = typeof options === "object" && options !== null ? (options as Record<string, unknown>) : undefined;
  if (record === undefined) {
    settings.set("logOpts", settingValue(options));
    return;
  }
  for (const [option, value] of Object.entries(record)) {
    const name = option === "max-size" ? "logMaxSize" : option === "max-file" ? "logMaxFiles" : `logOpts.${option}`;
    settings.set(name, settingValue(value));
  }
}

function addPorts(settings: Map<string, SettingValue>, ports: unknown): void {
  if (!Array.isArray(ports)) {
    settings.set("ports", settingValue(ports));
    return;
  }
  ports.forEach((entry, index) => {
    const port = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>) : {};
    const suffix = ports.length > 1 ? `[${index}]` : "";
    settings.set(`hostAddress${suffix}`, settingValue(port.ip ?? "0.0.0.0"));
    settings.set(`hostPort${suffix}`, settingValue(port.external));
    if (port.internal !== undefined) {
      settings.set(`proxy listen port${suffix}`, settingValue(port.internal));
    }
  });
}

function addHealthcheck(settings: Map<string, SettingValue>, healthcheck: unknown, role: ContainerRole): void {
  const record = typeof healthcheck === "object" && healthcheck !== null ? (healthcheck as Record<string, unknown>) : undefined;
  if (record === undefined) {
    settings.set("healthcheck", settingValue(healthcheck));
    return;
  }
  for (const [field, value] of Object.entries(record)) {
    const name = role === "api" && field === "startPeriod" ? "startupTimeoutSeconds" : `healthcheck.${field}`;
    settings.set(name, name === "startupTimeoutSeconds" ? goDurationSeconds(value) : settingValue(value));
  }
}

/** `"2m0s"` as `"120"`: the healthcheck start period is the startup timeout users set in seconds. */
export function goDurationSeconds(value: unknown): SettingValue {
  const match = typeof value === "string" ? /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value) : null;
  if (match === null || value === "") {
    return settingValue(value);
  }
  const [, hours, minutes, seconds] = match.map((part) => Number(part ?? 0));
  return { kind: "value", text: String(hours * 3600 + minutes * 60 + seconds) };
}

function labelValue(inputs: PropertyMap | undefined, key: string): SettingValue | undefined {
  const labels = inputs?.labels;
  if (labels === SECRET_VALUE) {
    return { kind: "secret" };
  }
  if (!Array.isArray(labels)) {
    return undefined;
  }
  const entry = labels.find((item) => typeof item === "object" && item !== null && (item as Record<string, unknown>).label === key) as
    | Record<string, unknown>
    | undefined;
  return entry === undefined ? undefined : settingValue(entry.value);
}
