import * as pulumi from "@pulumi/pulumi";
import { SECRET_ARG_NAMES, type ModelServiceArgs } from "./args.js";
import { ModelServiceConfigError, type ConfigProblem } from "./configError.js";

/**
 * Stack config to `ModelServiceArgs`. Config keys are the Args field names (`<namespace>:replicas`,
 * `<namespace>:rateLimit`, ...). Values arrive as the engine stores them: scalars as strings ("3"),
 * structured values as JSON text or objects. Range checks are left to `resolveModelServiceSpec`.
 */

type FieldKind = "string" | "number" | "object" | "list";

const FIELD_KINDS: Record<keyof ModelServiceArgs, FieldKind> = {
  modelDir: "string",
  modelName: "string",
  modelVersion: "string",
  replicas: "number",
  gunicornWorkers: "number",
  gunicornThreads: "number",
  gunicornTimeoutSeconds: "number",
  maxBodyBytes: "number",
  maxBatchSize: "number",
  startupTimeoutSeconds: "number",
  apiMemoryMb: "number",
  apiCpus: "number",
  proxyMemoryMb: "number",
  proxyCpus: "number",
  hostAddress: "string",
  hostPort: "number",
  rateLimit: "object",
  environment: "object",
  labels: "object",
  baseImage: "string",
  registry: "object",
  restartPolicy: "string",
  logMaxSize: "string",
  logMaxFiles: "number",
  smokeTestInstances: "list",
  smokeTestTimeoutSeconds: "number",
  clientTimeouts: "object",
  maxConnectionsPerClient: "number",
  apiKeys: "list",
  tls: "object",
  runtime: "string",
  swarm: "object",
};

/** Object fields whose values are numbers, and maps whose values are strings. */
const NUMERIC_MEMBERS: Partial<Record<keyof ModelServiceArgs, readonly string[]>> = {
  rateLimit: ["requestsPerSecond", "burst"],
  clientTimeouts: ["headerSeconds", "bodySeconds", "sendSeconds", "keepaliveSeconds"],
  swarm: ["proxyReplicas", "maxReplicasPerNode", "apiReservedCpus", "apiReservedMemoryMb", "updateMonitorSeconds"],
};
/** Object fields whose values are booleans (`pulumi config set --path` stores them as "true" or "false"). */
const BOOLEAN_MEMBERS: Partial<Record<keyof ModelServiceArgs, readonly string[]>> = {
  registry: ["deleteFromRegistry"],
};
const STRING_MAPS: readonly (keyof ModelServiceArgs)[] = ["environment", "labels"];

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Converts raw config values (keys without namespace) into `ModelServiceArgs`, turning numeric
 * strings into numbers and JSON text into objects. Throws `ModelServiceConfigError` naming every key
 * that is unknown or cannot be converted, as `<namespace>:<key>`.
 */
export function modelServiceArgsFromConfig(values: Readonly<Record<string, unknown>>, namespace: string): ModelServiceArgs {
  const problems: ConfigProblem[] = [];
  const args: Record<string, unknown> = {};
  for (const key of Object.keys(values).sort()) {
    const field = `${namespace}:${key}`;
    const kind = FIELD_KINDS[key as keyof ModelServiceArgs] as FieldKind | undefined;
    if (kind === undefined) {
      problems.push({ field, value: values[key], allowed: `one of the ModelService settings: ${Object.keys(FIELD_KINDS).join(", ")}` });
      continue;
    }
    const converted = convert(key as keyof ModelServiceArgs, kind, values[key]);
    if (converted.ok) {
      args[key] = converted.value;
    } else {
      const secret = (SECRET_ARG_NAMES as readonly string[]).includes(key);
      problems.push({ field, value: secret ? "(secret)" : values[key], allowed: converted.allowed });
    }
  }
  if (problems.length > 0) {
    throw new ModelServiceConfigError(`stack config "${namespace}"`, problems);
  }
  return args as ModelServiceArgs;
}

/**
 * Reads every `<namespace>:<key>` of the current stack's config and converts it with
 * `modelServiceArgsFromConfig`; `registry.password` is marked secret. Use a namespace that holds only
 * ModelService settings. Set `apiKeys` and `tls` with `pulumi config set --secret`: the program gets them in
 * plaintext, hashes the keys and hands the TLS material to the proxy only as Pulumi secrets.
 */
export function loadModelServiceArgs(namespace: string): ModelServiceArgs {
  const prefix = `${namespace}:`;
  const values: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (fullKey.startsWith(prefix)) {
      values[fullKey.slice(prefix.length)] = value;
    }
  }
  const args = modelServiceArgsFromConfig(values, namespace);
  const password = args.registry?.password;
  return args.registry === undefined || password === undefined
    ? args
    : { ...args, registry: { ...args.registry, password: pulumi.secret(password) } };
}

type Conversion = { ok: true; value: unknown } | { ok: false; allowed: string };

function convert(key: keyof ModelServiceArgs, kind: FieldKind, value: unknown): Conversion {
  switch (kind) {
    case "string":
      return typeof value === "string" || typeof value === "number"
        ? { ok: true, value: String(value) }
        : { ok: false, allowed: "a string" };
    case "number":
      return toNumber(value);
    case "list": {
      const parsed = parseJson(value);
      return Array.isArray(parsed) ? { ok: true, value: parsed } : { ok: false, allowed: "a JSON list" };
    }
    case "object": {
      const parsed = parseJson(value);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        return { ok: false, allowed: "a JSON object" };
      }
      return convertMembers(key, parsed as Record<string, unknown>);
    }
  }
}

function convertMembers(key: keyof ModelServiceArgs, object: Record<string, unknown>): Conversion {
  const numeric = NUMERIC_MEMBERS[key] ?? [];
  const result: Record<string, unknown> = {};
  for (const [member, value] of Object.entries(object)) {
    if (numeric.includes(member)) {
      const converted = toNumber(value);
      if (!converted.ok) {
        return { ok: false, allowed: `an object whose ${member} is a number` };
      }
      result[member] = converted.value;
    } else if ((BOOLEAN_MEMBERS[key] ?? []).includes(member) && (value === "true" || value === "false")) {
      result[member] = value === "true";
    } else if (STRING_MAPS.includes(key) && (typeof value === "number" || typeof value === "boolean")) {
      result[member] = String(value);
    } else {
      result[member] = value;
    }
  }
  return { ok: true, value: result };
}

function toNumber(value: unknown): Conversion {
  if (typeof value === "number") {
    return { ok: true, value };
  }
  if (typeof value === "string" && NUMBER.test(value.trim())) {
    return { ok: true, value: Number(value.trim()) };
  }
  return { ok: false, allowed: "a number" };
}

function parseJson(value: unknown): unknown {
  if (typeof value !== "string") {
    return value;
  }
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}
