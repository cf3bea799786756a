import { apiVariable } from "../containers/environmentContract.js";
import {
  RESTART_POLICIES,
  RUNTIMES,
  SWARM_PUBLISH_MODES,
  type Candidate,
  type CanaryGates,
  type ClientTimeouts,
  type ModelServiceArgs,
  type RateLimit,
  type Registry,
  type RestartPolicy,
  type Runtime,
  type Swarm,
  type SwarmPublishMode,
  type Tls,
} from "./args.js";

/**
 * The one table of every `ModelServiceArgs` field and of the members of its nested types: kind, allowed range or
 * values, default, whether it holds a secret, and the runtime it applies to. Validation reads its ranges and
 * defaults here, stack config its kinds, and docs/reference.md is rendered from it; the Args doc comments state the
 * same ranges and defaults (a unit test compares them). A field added to `ModelServiceArgs` without an entry here
 * does not compile.
 */

/** How a value is written: stack config parses strings into these, validation checks them. */
export type FieldKind = "string" | "integer" | "number" | "boolean" | "enum" | "object" | "list" | "map";

/** Where a field means something: on both runtimes, or only on one. */
export type FieldRuntime = "both" | "docker" | "swarm";

/** One field or member. */
export interface FieldSpec {
  readonly kind: FieldKind;
  /** Smallest allowed value (numbers), or the smallest allowed length (lists). */
  readonly min?: number;
  /** Largest allowed value (numbers), or the largest allowed length (lists). */
  readonly max?: number;
  /** The allowed values of an `enum`. */
  readonly values?: readonly string[];
  /** The value used when the field is not set. */
  readonly default?: string | number | boolean;
  /** How the default is found when it is not one value; shown instead of `default`. */
  readonly derivedDefault?: string;
  /** Its value is a secret: messages show `(secret)` and the state keeps it encrypted. */
  readonly secret?: boolean;
  readonly runtime: FieldRuntime;
  /** The members of an `object` field. */
  readonly members?: Readonly<Record<string, FieldSpec>>;
  /**
   * `input`: the field takes a `pulumi.Input`, so its value may be another resource's output, checked when it is
   * known; `plain`: a value known when the program runs, checked when the component is constructed.
   */
  readonly takes: "input" | "plain";
  /** Why the field takes what it takes, in the reference's words. */
  readonly because: string;
}

/** The reasons the reference gives for each field taking an Input or a plain value. */
const INPUT_SECRET = { takes: "input", because: "a secret that may come from another resource or `requireSecret` config; it stays secret" } as const;
const INPUT_SETTING = { takes: "input", because: "it only reaches the containers' settings, so another resource's output may give it" } as const;
const INPUT_CREDENTIAL = { takes: "input", because: "a registry credential, only used to push, so another resource's output may give it" } as const;
const INPUT_SMOKE = { takes: "input", because: "only the post-deploy smoke test sends it" } as const;
const PLAIN_GRAPH = { takes: "plain", because: "it decides which resources or containers exist" } as const;
const PLAIN_NGINX = { takes: "plain", because: "it is rendered into the proxy's nginx config when the component is constructed" } as const;
const PLAIN_LIMIT = { takes: "plain", because: "a container limit, checked against the other limits when the component is constructed" } as const;
const PLAIN_IMAGE = { takes: "plain", because: "the images are built from it when the program runs" } as const;
const PLAIN_IDENTITY = { takes: "plain", because: "it names the model in the api's settings and the component's outputs" } as const;
const PLAIN_ADDRESS = { takes: "plain", because: "it decides the published port binding and the exported URLs" } as const;
const PLAIN_PRESENCE = { takes: "plain", because: "whether it is set decides the resources and the nginx config; its members say what they take" } as const;
const PLAIN_SETTING = { takes: "plain", because: "it is checked with the other settings when the component is constructed" } as const;

/** The api's defaults are the server's own (api/environment.json), so the two never disagree. */
const apiDefault = (name: string): number => apiVariable(name).default as number;

const CLIENT_TIMEOUT_FIELDS = {
  headerSeconds: { kind: "integer", min: 1, max: 3600, default: 10, runtime: "both", ...PLAIN_NGINX },
  bodySeconds: { kind: "integer", min: 1, max: 3600, default: 10, runtime: "both", ...PLAIN_NGINX },
  sendSeconds: { kind: "integer", min: 1, max: 3600, default: 10, runtime: "both", ...PLAIN_NGINX },
  keepaliveSeconds: { kind: "integer", min: 0, max: 3600, default: 65, runtime: "both", ...PLAIN_NGINX },
} as const satisfies Record<keyof ClientTimeouts, FieldSpec>;

const RATE_LIMIT_FIELDS = {
  requestsPerSecond: { kind: "integer", min: 1, max: 100_000, runtime: "both", ...PLAIN_NGINX },
  burst: { kind: "integer", min: 0, max: 100_000, derivedDefault: "`requestsPerSecond`", runtime: "both", ...PLAIN_NGINX },
} as const satisfies Record<keyof RateLimit, FieldSpec>;

const REGISTRY_FIELDS = {
  server: { kind: "string", runtime: "both", ...PLAIN_IMAGE },
  username: { kind: "string", runtime: "both", ...INPUT_CREDENTIAL },
  password: { kind: "string", secret: true, runtime: "both", ...INPUT_SECRET },
  deleteFromRegistry: { kind: "boolean", default: false, runtime: "both", ...PLAIN_GRAPH },
} as const satisfies Record<keyof Registry, FieldSpec>;

const TLS_FIELDS = {
  certificate: { kind: "string", secret: true, runtime: "docker", ...INPUT_SECRET },
  privateKey: { kind: "string", secret: true, runtime: "docker", ...INPUT_SECRET },
} as const satisfies Record<keyof Tls, FieldSpec>;

const SWARM_FIELDS = {
  managerHost: { kind: "string", derivedDefault: "the stack's Docker engine", runtime: "swarm", ...PLAIN_GRAPH },
  address: { kind: "string", default: "127.0.0.1", runtime: "swarm", ...PLAIN_ADDRESS },
  publishMode: { kind: "enum", values: SWARM_PUBLISH_MODES, default: "host" as SwarmPublishMode, runtime: "swarm", ...PLAIN_GRAPH },
  proxyReplicas: { kind: "integer", min: 1, max: 32, default: 2, runtime: "swarm", ...PLAIN_GRAPH },
  apiConstraints: { kind: "list", runtime: "swarm", ...PLAIN_SETTING },
  maxReplicasPerNode: { kind: "integer", min: 0, max: 32, default: 0, runtime: "swarm", ...PLAIN_SETTING },
  apiReservedCpus: { kind: "number", min: 0.01, derivedDefault: "a quarter of `apiCpus`", runtime: "swarm", ...PLAIN_LIMIT },
  apiReservedMemoryMb: { kind: "integer", min: 16, derivedDefault: "half of `apiMemoryMb`", runtime: "swarm", ...PLAIN_LIMIT },
  updateMonitorSeconds: { kind: "integer", min: 1, max: 600, default: 10, runtime: "swarm", ...PLAIN_SETTING },
} as const satisfies Record<keyof Swarm, FieldSpec>;

const PLAIN_CANARY = { takes: "plain", because: "it is rendered into the proxy's nginx config or the gate command when the component is constructed" } as const;

const CANARY_GATE_FIELDS = {
  windowSeconds: { kind: "integer", min: 10, max: 3600, runtime: "both", ...PLAIN_CANARY },
  maxErrorRate: { kind: "number", min: 0, max: 1, default: 0.01, runtime: "both", ...PLAIN_CANARY },
  maxP99LatencyRatio: { kind: "number", min: 1, max: 100, default: 1.5, runtime: "both", ...PLAIN_CANARY },
  minAgreement: { kind: "number", min: 0, max: 1, derivedDefault: "none: agreement is not gated", runtime: "both", ...PLAIN_CANARY },
  minRequests: { kind: "integer", min: 1, max: 1_000_000, default: 50, runtime: "both", ...PLAIN_CANARY },
} as const satisfies Record<keyof CanaryGates, FieldSpec>;

const CANDIDATE_FIELDS = {
  modelDir: { kind: "string", runtime: "both", ...PLAIN_IMAGE },
  modelName: { kind: "string", derivedDefault: "`name` of its model.json, else the directory's name", runtime: "both", ...PLAIN_IDENTITY },
  modelVersion: { kind: "string", derivedDefault: "`version` of its model.json, else `1`", runtime: "both", ...PLAIN_IDENTITY },
  replicas: { kind: "integer", min: 1, max: 32, default: 1, runtime: "both", ...PLAIN_GRAPH },
  trafficPercent: { kind: "number", min: 0, max: 100, default: 0, runtime: "both", ...PLAIN_NGINX },
  shadowPercent: { kind: "number", min: 0, max: 100, default: 0, runtime: "both", ...PLAIN_NGINX },
  stickyHeader: { kind: "string", derivedDefault: "none: random per request", runtime: "both", ...PLAIN_NGINX },
  gates: { kind: "object", derivedDefault: "none: no gate", runtime: "both", ...PLAIN_CANARY, members: CANARY_GATE_FIELDS },
} as const satisfies Record<keyof Candidate, FieldSpec>;

/** Every `ModelServiceArgs` field. */
export const MODEL_SERVICE_FIELDS = {
  modelDir: { kind: "string", derivedDefault: "the built-in iris model", runtime: "both", ...PLAIN_IMAGE },
  modelName: { kind: "string", derivedDefault: "`iris` for the built-in model, else `name` of model.json, else the directory's name", runtime: "both", ...PLAIN_IDENTITY },
  modelVersion: { kind: "string", derivedDefault: "`1.0.0` for the built-in model, else `version` of model.json, else `1`", runtime: "both", ...PLAIN_IDENTITY },
  replicas: { kind: "integer", min: 1, max: 32, default: 2, runtime: "both", ...PLAIN_GRAPH },
  gunicornWorkers: { kind: "integer", min: 1, max: 64, derivedDefault: "one per CPU of `apiCpus`, rounded up", runtime: "both", ...PLAIN_LIMIT },
  gunicornThreads: { kind: "integer", min: 1, max: 64, default: apiDefault("GUNICORN_THREADS"), runtime: "both", ...PLAIN_LIMIT },
  gunicornTimeoutSeconds: { kind: "integer", min: 1, max: 3600, default: apiDefault("GUNICORN_TIMEOUT"), runtime: "both", ...PLAIN_NGINX },
  maxBodyBytes: { kind: "integer", min: 1024, max: 104_857_600, default: apiDefault("MAX_BODY_BYTES"), runtime: "both", ...PLAIN_NGINX },
  maxBatchSize: { kind: "integer", min: 1, max: 100_000, default: apiDefault("MAX_BATCH_SIZE"), runtime: "both", ...PLAIN_SETTING },
  batchMaxRows: { kind: "integer", min: 1, max: 100_000, default: apiDefault("BATCH_MAX_ROWS"), runtime: "both", ...PLAIN_SETTING },
  batchMaxWaitMicroseconds: { kind: "integer", min: 0, max: 1_000_000, default: apiDefault("BATCH_MAX_WAIT_MICROSECONDS"), runtime: "both", ...PLAIN_SETTING },
  startupTimeoutSeconds: { kind: "integer", min: 10, max: 3600, default: 120, runtime: "both", ...PLAIN_SETTING },
  apiMemoryMb: { kind: "integer", min: 128, max: 65_536, default: 512, runtime: "both", ...PLAIN_LIMIT },
  apiCpus: { kind: "number", min: 0.1, max: 64, default: 1, runtime: "both", ...PLAIN_LIMIT },
  proxyMemoryMb: { kind: "integer", min: 64, max: 8192, default: 128, runtime: "both", ...PLAIN_LIMIT },
  proxyCpus: { kind: "number", min: 0.1, max: 64, default: 1, runtime: "both", ...PLAIN_LIMIT },
  hostAddress: { kind: "string", default: "127.0.0.1", runtime: "docker", ...PLAIN_ADDRESS },
  hostPort: { kind: "integer", min: 1, max: 65_535, default: 8080, runtime: "both", ...PLAIN_GRAPH },
  rateLimit: { kind: "object", derivedDefault: "no limit", runtime: "both", ...PLAIN_NGINX, members: RATE_LIMIT_FIELDS },
  environment: { kind: "map", derivedDefault: "none", runtime: "both", ...INPUT_SETTING },
  labels: { kind: "map", derivedDefault: "none", runtime: "both", ...INPUT_SETTING },
  baseImage: { kind: "string", default: "debian:bookworm-slim", runtime: "both", ...PLAIN_IMAGE },
  registry: { kind: "object", derivedDefault: "none: images stay in the stack's Docker engine", runtime: "both", ...PLAIN_PRESENCE, members: REGISTRY_FIELDS },
  restartPolicy: { kind: "enum", values: RESTART_POLICIES, default: "unless-stopped" as RestartPolicy, runtime: "docker", ...PLAIN_SETTING },
  logMaxSize: { kind: "string", default: "10m", runtime: "both", ...PLAIN_SETTING },
  logMaxFiles: { kind: "integer", min: 1, max: 100, default: 3, runtime: "both", ...PLAIN_SETTING },
  smokeTestInstances: { kind: "list", min: 1, derivedDefault: "the model's example rows (see the field)", runtime: "both", ...INPUT_SMOKE },
  smokeTestTimeoutSeconds: { kind: "integer", min: 5, max: 3600, default: 60, runtime: "both", ...PLAIN_SETTING },
  clientTimeouts: { kind: "object", derivedDefault: "every member's default", runtime: "both", ...PLAIN_NGINX, members: CLIENT_TIMEOUT_FIELDS },
  maxConnectionsPerClient: { kind: "integer", min: 0, max: 100_000, default: 1000, runtime: "both", ...PLAIN_NGINX },
  apiKeys: { kind: "list", min: 1, max: 16, secret: true, derivedDefault: "none: no key is required", runtime: "both", ...INPUT_SECRET },
  tls: { kind: "object", secret: true, derivedDefault: "none: plain HTTP", runtime: "docker", ...PLAIN_PRESENCE, members: TLS_FIELDS },
  runtime: { kind: "enum", values: RUNTIMES, default: "docker" as Runtime, runtime: "both", ...PLAIN_GRAPH },
  swarm: { kind: "object", derivedDefault: "every member's default", runtime: "swarm", ...PLAIN_GRAPH, members: SWARM_FIELDS },
  candidate: { kind: "object", derivedDefault: "none", runtime: "both", ...PLAIN_GRAPH, members: CANDIDATE_FIELDS },
} as const satisfies Record<keyof ModelServiceArgs, FieldSpec>;

/** The field table's type: each field's entry with its literal range and default. */
export type ModelServiceFields = typeof MODEL_SERVICE_FIELDS;

/** `[min, max]` of a numeric field or member, for `Checker.integer`/`Checker.number`. */
export function rangeOf(field: FieldSpec): [number, number] {
  if (field.min === undefined || field.max === undefined) {
    throw new Error("a numeric field needs min and max in the field table");
  }
  return [field.min, field.max];
}

/** The names of all `ModelServiceArgs` fields, in the table's order. */
export const MODEL_SERVICE_ARG_NAMES = Object.keys(MODEL_SERVICE_FIELDS) as (keyof ModelServiceArgs)[];

/** Fields whose values are secrets: error messages show `(secret)` instead of their values. */
export const SECRET_ARG_NAMES = MODEL_SERVICE_ARG_NAMES.filter((name) => (MODEL_SERVICE_FIELDS[name] as FieldSpec).secret === true);

/** The default `gunicornWorkers` for a replica limited to `apiCpus` CPUs: one per CPU, rounded up, at least 1. */
export function defaultGunicornWorkers(apiCpus: number): number {
  const [min, max] = rangeOf(MODEL_SERVICE_FIELDS.gunicornWorkers);
  return Math.min(max, Math.max(min, Math.ceil(apiCpus - 1e-9)));
}

const F = MODEL_SERVICE_FIELDS;

/** Defaults applied by validation to every field that has one value as its default, read from the field table. */
export const MODEL_SERVICE_DEFAULTS = {
  /** Version of a user model whose model.json has none (the api's own default); the built-in model is `BUILTIN_MODEL_VERSION`. */
  modelVersion: "1",
  replicas: F.replicas.default,
  gunicornThreads: F.gunicornThreads.default,
  gunicornTimeoutSeconds: F.gunicornTimeoutSeconds.default,
  maxBodyBytes: F.maxBodyBytes.default,
  maxBatchSize: F.maxBatchSize.default,
  batchMaxRows: F.batchMaxRows.default,
  batchMaxWaitMicroseconds: F.batchMaxWaitMicroseconds.default,
  startupTimeoutSeconds: F.startupTimeoutSeconds.default,
  apiMemoryMb: F.apiMemoryMb.default,
  apiCpus: F.apiCpus.default,
  proxyMemoryMb: F.proxyMemoryMb.default,
  proxyCpus: F.proxyCpus.default,
  hostAddress: F.hostAddress.default,
  hostPort: F.hostPort.default,
  baseImage: F.baseImage.default,
  restartPolicy: F.restartPolicy.default,
  logMaxSize: F.logMaxSize.default,
  logMaxFiles: F.logMaxFiles.default,
  smokeTestTimeoutSeconds: F.smokeTestTimeoutSeconds.default,
  clientTimeouts: {
    headerSeconds: CLIENT_TIMEOUT_FIELDS.headerSeconds.default,
    bodySeconds: CLIENT_TIMEOUT_FIELDS.bodySeconds.default,
    sendSeconds: CLIENT_TIMEOUT_FIELDS.sendSeconds.default,
    keepaliveSeconds: CLIENT_TIMEOUT_FIELDS.keepaliveSeconds.default,
  },
  maxConnectionsPerClient: F.maxConnectionsPerClient.default,
  runtime: F.runtime.default,
  swarm: {
    address: SWARM_FIELDS.address.default,
    publishMode: SWARM_FIELDS.publishMode.default,
    proxyReplicas: SWARM_FIELDS.proxyReplicas.default,
    maxReplicasPerNode: SWARM_FIELDS.maxReplicasPerNode.default,
    updateMonitorSeconds: SWARM_FIELDS.updateMonitorSeconds.default,
  },
  candidate: {
    replicas: CANDIDATE_FIELDS.replicas.default,
    trafficPercent: CANDIDATE_FIELDS.trafficPercent.default,
    shadowPercent: CANDIDATE_FIELDS.shadowPercent.default,
    gates: {
      maxErrorRate: CANARY_GATE_FIELDS.maxErrorRate.default,
      maxP99LatencyRatio: CANARY_GATE_FIELDS.maxP99LatencyRatio.default,
      minRequests: CANARY_GATE_FIELDS.minRequests.default,
    },
  },
} as const;
