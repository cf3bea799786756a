import * as pulumi from "@pulumi/pulumi";
import type { ModelServiceArgs } from "./args.js";
import { MODEL_SERVICE_FIELDS, SECRET_ARG_NAMES, type FieldKind, type FieldSpec } from "./fields.js";
import { ModelServiceConfigError, type ConfigProblem } from "./configError.js";

/**
 * Stack config to `ModelServiceArgs`. Config keys are the Args field names (`<namespace>:replicas`,
 * `<namespace>:rateLimit`, ...). Values arrive as the engine stores them: scalars as strings ("3"),
 * structured values as JSON text or objects. Range checks are left to `resolveModelServiceSpec`.
 */

/** How a stack config value is converted: the field table's kinds, as config stores them. */
type ConfigKind = "string" | "number" | "object" | "list";

const CONFIG_KINDS: Readonly<Record<FieldKind, ConfigKind>> = {
  string: "string",
  enum: "string",
  integer: "number",
  number: "number",
  boolean: "string",
  object: "object",
  map: "object",
  list: "list",
};

const fieldOf = (key: string): FieldSpec | undefined =>
  Object.hasOwn(MODEL_SERVICE_FIELDS, key) ? (MODEL_SERVICE_FIELDS as Readonly<Record<string, FieldSpec>>)[key] : undefined;

/** Members of object field `key` of the given kinds (`pulumi config set --path` stores every member as a string). */
const membersOfKind = (key: string, kinds: readonly FieldKind[]): string[] =>
  Object.entries(fieldOf(key)?.members ?? {})
    .filter(([, member]) => kinds.includes(member.kind))
    .map(([name]) => name);

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
    const spec = fieldOf(key);
    if (spec === undefined) {
      problems.push({ field, value: values[key], allowed: `one of the ModelService settings: ${Object.keys(MODEL_SERVICE_FIELDS).join(", ")}` });
      continue;
    }
    const converted = convert(key, CONFIG_KINDS[spec.kind], values[key]);
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

function convert(key: string, kind: ConfigKind, value: unknown): Conversion {
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

function convertMembers(key: string, object: Record<string, unknown>): Conversion {
  const numeric = membersOfKind(key, ["integer", "number"]);
  const booleans = membersOfKind(key, ["boolean"]);
  const stringMap = fieldOf(key)?.kind === "map";
  const result: Record<string, unknown> = {};
  for (const [member, value] of Object.entries(object)) {
    if (numeric.includes(member)) {
      const converted = toNumber(value);
      if (!converted.ok) {
        return { ok: false, allowed: `an object whose ${member} is a number` };
      }
      result[member] = converted.value;
    } else if (booleans.includes(member) && (value === "true" || value === "false")) {
      result[member] = value === "true";
    } else if (stringMap && (typeof value === "number" || typeof value === "boolean")) {
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
