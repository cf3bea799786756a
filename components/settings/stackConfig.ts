import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config.js";
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
 * Reads every `<namespace>:<key>` of the current stack's config and converts it with `modelServiceArgsFromConfig`,
 * then keeps secrets secret (`configSecrets`): a key set with `pulumi config set --secret` (also with `--path`,
 * e.g. one variable under `environment`) reaches ModelService as Pulumi secrets; `apiKeys`, `tls` and
 * `registry.password` ModelService keeps secret itself. Use a namespace that holds only ModelService settings.
 */
export function loadModelServiceArgs(namespace: string): ModelServiceArgs {
  const prefix = `${namespace}:`;
  const values: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (fullKey.startsWith(prefix)) {
      const key = fullKey.slice(prefix.length);
      values[key] = value;
      if (isConfigSecret(fullKey)) {
        secretKeys.push(key);
      }
    }
  }
  return configSecrets(modelServiceArgsFromConfig(values, namespace), secretKeys, namespace);
}

/**
 * `args` with their secrets made Pulumi secrets, item by item where a field takes an Input per item: every Input
 * part (`takes: "input"` in the field table) of a key in `secretKeys` (the config keys set with `--secret`, as the
 * engine reports them: a whole key is secret when any path in it is), such as `environment` and `labels` values.
 * The fields that hold a secret (`apiKeys`, `tls`, `registry`) are left to ModelService, which keeps them secret
 * itself (`registry.password` is made a secret here, with or without `--secret`). A secret key of a plain field is
 * refused, naming it: a plain value would be stored in plain text in the containers' settings.
 */
export function configSecrets(args: ModelServiceArgs, secretKeys: readonly string[], namespace: string): ModelServiceArgs {
  const problems: ConfigProblem[] = [];
  const result: Record<string, unknown> = { ...args };
  for (const [key, value] of Object.entries(args) as [string, unknown][]) {
    const field = fieldOf(key);
    if (field === undefined || value === undefined) {
      continue;
    }
    // Fields that hold a secret (apiKeys, tls, registry) are kept secret by ModelService itself: only digests of
    // the keys and a secret stdin of the TLS material reach resources, so their plain values give the same
    // inputs as ever (an existing deployment is left as it is); registry.password is made a secret below.
    if (!secretKeys.includes(key) || field.secret === true || key === "registry") {
      continue;
    }
    if (field.takes === "input") {
      result[key] = secretItems(key, value);
    } else if (field.members !== undefined && Object.values(field.members).some((member) => member.takes === "input") && isObject(value)) {
      result[key] = Object.fromEntries(
        Object.entries(value).map(([member, memberValue]) => [member, field.members?.[member]?.takes === "input" ? pulumi.secret(memberValue) : memberValue]),
      );
    } else {
      problems.push({ field: `${namespace}:${key}`, value: "(secret)", allowed: `a value not set with --secret: ${key} is a plain setting (${field.because})` });
    }
  }
  const registry = result.registry;
  if (isObject(registry) && registry.password !== undefined && !pulumi.Output.isInstance(registry.password)) {
    result.registry = { ...registry, password: pulumi.secret(registry.password) };
  }
  if (problems.length > 0) {
    throw new ModelServiceConfigError(`stack config "${namespace}"`, problems);
  }
  return result as ModelServiceArgs;
}

/** The fields that take an Input per item; the others take one Input for the whole value. */
function secretItems(key: string, value: unknown): unknown {
  if (key === "apiKeys" && Array.isArray(value)) {
    return value.map((item) => pulumi.secret(item));
  }
  if ((key === "environment" || key === "labels") && isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, pulumi.secret(item)]));
  }
  return pulumi.secret(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !pulumi.Output.isInstance(value);
}

/**
 * Whether the engine reports config key `fullKey` as secret (set with `--secret`): the SDK's own check, the one
 * `pulumi.Config.get` warns with, which its type declarations leave out (it reads the secret keys the language
 * host passes, and those `pulumi.runtime.setAllConfig(config, secretKeys)` sets).
 */
const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret(fullKey: string): boolean }).isConfigSecret;

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
  return convertMemberValues(fieldOf(key)?.members ?? {}, fieldOf(key)?.kind === "map", object);
}

/** Members as `--path` stores them (strings) converted to their kinds; an object member (`candidate.gates`) member by member. */
function convertMemberValues(members: Readonly<Record<string, FieldSpec>>, stringMap: boolean, object: Record<string, unknown>): Conversion {
  const result: Record<string, unknown> = {};
  for (const [member, value] of Object.entries(object)) {
    const kind = Object.hasOwn(members, member) ? members[member].kind : undefined;
    if (kind === "integer" || kind === "number") {
      const converted = toNumber(value);
      if (!converted.ok) {
        return { ok: false, allowed: `an object whose ${member} is a number` };
      }
      result[member] = converted.value;
    } else if (kind === "boolean" && (value === "true" || value === "false")) {
      result[member] = value === "true";
    } else if (kind === "object" && typeof value === "object" && value !== null && !Array.isArray(value)) {
      const converted = convertMemberValues(members[member].members ?? {}, false, value as Record<string, unknown>);
      if (!converted.ok) {
        return { ok: false, allowed: `an object whose ${member} is ${converted.allowed}` };
      }
      result[member] = converted.value;
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
