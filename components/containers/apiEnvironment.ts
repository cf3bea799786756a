/**
 * The api container's environment, made from the spec: where a stack config key or an Args field becomes a variable
 * of every api replica. Every variable the component sets is a reserved variable of the api's environment contract
 * (api/environment.json), checked when this module loads, so a name the model server does not read fails at once.
 * The same record goes to every runtime: the docker runtime writes it as `NAME=value` entries, Swarm takes it as is.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ModelServiceSpec } from "../settings/spec.js";
import { isKnownNow } from "../settings/inputChecks.js";
import { API_ENVIRONMENT_CONTRACT_FILE, apiVariable, reservedApiVariables } from "./environmentContract.js";
import { proxyUpstreamLimits } from "./proxyNginxConfig.js";

/** A container environment: variable names to values; a user's value may be an Output (`ModelServiceArgs.environment`). */
export type Environment = Record<string, pulumi.Input<string>>;

/** How the component makes each variable it sets; `undefined`: not set for this spec. */
type FromSpec = (spec: ModelServiceSpec) => pulumi.Input<string> | undefined;

/** The items joined by commas: a string when every item is known now, else an Output. */
function commaList(items: readonly pulumi.Input<string>[]): pulumi.Input<string> {
  return items.every((item) => isKnownNow(item)) ? (items as string[]).join(",") : pulumi.all([...items]).apply((known) => known.join(","));
}

/**
 * A variable set only when its value is not the contract's default (the api reads that default itself), so adding
 * the variable changed no existing container's environment.
 */
const unlessDefault =
  (name: string, value: (spec: ModelServiceSpec) => number): FromSpec =>
  (spec) =>
    value(spec) === apiVariable(name).default ? undefined : String(value(spec));

/** The variables the component sets, each with what it is made from. */
const SET_BY_COMPONENT = {
  API_KEY_DIGESTS: (spec) => (spec.apiKeys === undefined ? undefined : commaList(spec.apiKeys.digests)),
  API_KEY_SALT: (spec) => spec.apiKeys?.salt,
  BATCH_MAX_ROWS: unlessDefault("BATCH_MAX_ROWS", (spec) => spec.batching.maxRows),
  BATCH_MAX_WAIT_MICROSECONDS: unlessDefault("BATCH_MAX_WAIT_MICROSECONDS", (spec) => spec.batching.maxWaitMicroseconds),
  // On SIGTERM (a replica being replaced or removed) a request in flight may still take the full timeout.
  GUNICORN_GRACEFUL_TIMEOUT: (spec) => String(spec.gunicorn.timeoutSeconds),
  GUNICORN_KEEPALIVE: (spec) => String(proxyUpstreamLimits(spec).upstreamKeepaliveSeconds),
  GUNICORN_THREADS: (spec) => String(spec.gunicorn.threads),
  GUNICORN_TIMEOUT: (spec) => String(proxyUpstreamLimits(spec).upstreamTimeoutSeconds),
  GUNICORN_WORKERS: (spec) => String(spec.gunicorn.workers),
  MAX_BATCH_SIZE: (spec) => String(spec.maxBatchSize),
  MAX_BODY_BYTES: (spec) => String(proxyUpstreamLimits(spec).maxBodyBytes),
  MODEL_NAME: (spec) => spec.modelName,
  MODEL_VERSION: (spec) => spec.modelVersion,
} as const satisfies Record<string, FromSpec>;

/** A variable the component sets. */
export type ComponentApiVariable = keyof typeof SET_BY_COMPONENT;

/** The variables the component sets, sorted; each is in the contract and reserved (checked at load). */
export const COMPONENT_API_VARIABLES: readonly ComponentApiVariable[] = (Object.keys(SET_BY_COMPONENT) as ComponentApiVariable[])
  .sort()
  .map((name) => {
    if (!apiVariable(name).reserved) {
      throw new Error(`api/${API_ENVIRONMENT_CONTRACT_FILE}: ${name} is set by the component, so it must be reserved`);
    }
    return name;
  });

/** Seconds the runtime waits beyond gunicorn's graceful timeout before it kills a stopping api replica. */
const STOP_GRACE_MARGIN_SECONDS = 5;

/**
 * Seconds a stopping api replica gets before it is killed, on every runtime: gunicorn drains for its graceful
 * timeout (`GUNICORN_GRACEFUL_TIMEOUT`, the request timeout) and exits; the runtime kills only after that.
 */
export function apiStopGraceSeconds(spec: ModelServiceSpec): number {
  return spec.gunicorn.timeoutSeconds + STOP_GRACE_MARGIN_SECONDS;
}

/** Variables `ModelServiceArgs.environment` may not set: the reserved ones of the contract, sorted. */
export const RESERVED_API_ENVIRONMENT: readonly string[] = reservedApiVariables();

/**
 * The environment of every api replica: the user's `environment` plus the variables made from the spec, with
 * names in sorted order.
 */
export function apiEnvironment(spec: ModelServiceSpec): Environment {
  const environment: Environment = { ...spec.environment };
  for (const name of COMPONENT_API_VARIABLES) {
    const value = SET_BY_COMPONENT[name](spec);
    if (value !== undefined) {
      environment[name] = value;
    }
  }
  return sortedEnvironment(environment);
}

function sortedEnvironment(environment: Readonly<Environment>): Environment {
  return Object.fromEntries(
    Object.keys(environment)
      .sort()
      .map((name) => [name, environment[name]]),
  );
}
