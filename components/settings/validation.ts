import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ModelDirectoryInspector, ModelMetadata } from "./modelDirectory.js";
import { RESTART_POLICIES, type JsonValue, type ModelServiceArgs } from "./args.js";
import {
  BUILTIN_MODEL_NAME,
  BUILTIN_MODEL_SMOKE_TEST_INSTANCES,
  BUILTIN_MODEL_VERSION,
  type CanaryGatesSpec,
  type CandidateSpec,
  type ModelServiceSpec,
  type ModelSource,
  type RegistrySpec,
} from "./spec.js";
import { defaultGunicornWorkers, MODEL_SERVICE_ARG_NAMES, MODEL_SERVICE_DEFAULTS as DEFAULTS, MODEL_SERVICE_FIELDS as F, rangeOf } from "./fields.js";
import { dockerCpusString } from "../containers/hardening.js";
import { Checker, IPV4_ADDRESS, isPlainObject } from "./checker.js";
import { ModelServiceConfigError } from "./configError.js";
import { resolveRuntime } from "./runtimeValidation.js";
import { RESERVED_API_ENVIRONMENT } from "../containers/apiEnvironment.js";
import { RESERVED_LABEL_PREFIX } from "../containers/labels.js";
import { apiKeyDigest, apiKeyProblem, apiKeySalt, apiKeysSpec, type ApiKeysSpec } from "./apiKeys.js";
import { checkedInput, isKnownNow, OUTPUT_VALUE, withSecrecy, type DeferredCheckContext } from "./inputChecks.js";
import type { FieldSpec } from "./fields.js";
import { tlsMaterialProblems, type TlsSpec } from "./tlsMaterial.js";

/** Facts about the deployment that validation needs besides the args. */
export interface SpecContext {
  /** The component's name, used as the service name in every Docker object name. */
  readonly serviceName: string;
  /** The Pulumi stack name. */
  readonly stack: string;
  /** The Pulumi project name. */
  readonly project: string;
  /** The Pulumi project directory (where `Pulumi.yaml` is): relative `modelDir` values resolve against it. */
  readonly projectDir: string;
  /** Reads the model directory; the real one touches the file system, tests pass a fake. */
  readonly inspectModelDirectory: ModelDirectoryInspector;
  /** The time a TLS certificate must not have expired by; default: now. */
  readonly now?: Date;
}

const RATE_LIMIT = F.rateLimit.members;
const CANDIDATE = F.candidate.members;
const GATES = F.candidate.members.gates.members;
const CLIENT_TIMEOUTS = F.clientTimeouts.members;

const SERVICE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** Model names and versions appear in api URLs; the api accepts exactly these (api/modelserver/model/loading.py). */
const MODEL_IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MODEL_IDENTIFIER_RULE = "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit";
const IMAGE_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/;
const REGISTRY_SERVER = /^[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
const REGISTRY_FIELDS = ["server", "username", "password", "deleteFromRegistry"] as const;
const LOG_SIZE = /^[1-9]\d{0,5}[kmg]$/;
/**
 * A request header nginx can read as `$http_<name>`: letters, digits and '-' (a subset of RFC 9110's token; nginx
 * maps '-' to '_' and cannot name a header with other characters).
 */
const STICKY_HEADER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$/;

/**
 * Turns raw `ModelServiceArgs` into a complete, defaulted, checked `ModelServiceSpec`, or throws a
 * `ModelServiceConfigError` listing every rejected field with its value and what it accepts.
 * Pure apart from `context.inspectModelDirectory`, which it calls only for a given `modelDir`.
 */
export function resolveModelServiceSpec(args: ModelServiceArgs | undefined, context: SpecContext): ModelServiceSpec {
  const raw: Record<string, unknown> = { ...(args ?? {}) };
  const check = new Checker();
  const later: DeferredCheckContext = { subject: `ModelService arguments for "${context.serviceName}"` };

  for (const key of Object.keys(raw)) {
    if (!(MODEL_SERVICE_ARG_NAMES as readonly string[]).includes(key)) {
      check.reject(key, raw[key], `no such field; known fields are ${MODEL_SERVICE_ARG_NAMES.join(", ")}`);
    } else if ((F[key as keyof typeof F] as FieldSpec).takes === "plain" && !isKnownNow(raw[key])) {
      // A plain field given an Output: refused here, naming the field and why, instead of "expected an integer".
      check.reject(key, OUTPUT_VALUE, `a value known when the program runs, not a pulumi.Input: ${(F[key as keyof typeof F] as FieldSpec).because}`);
      delete raw[key];
    }
  }
  if (!SERVICE_NAME.test(context.serviceName)) {
    check.reject(
      "name",
      context.serviceName,
      "1 to 40 lowercase letters, digits or '-', starting and ending with a letter or digit (it prefixes every Docker object name)",
    );
  }

  const replicas = check.integer("replicas", raw.replicas, ...rangeOf(F.replicas), DEFAULTS.replicas);
  const threads = check.integer("gunicornThreads", raw.gunicornThreads, ...rangeOf(F.gunicornThreads), DEFAULTS.gunicornThreads);
  const timeoutSeconds = check.integer("gunicornTimeoutSeconds", raw.gunicornTimeoutSeconds, ...rangeOf(F.gunicornTimeoutSeconds),
    DEFAULTS.gunicornTimeoutSeconds,
  );
  const maxBodyBytes = check.integer("maxBodyBytes", raw.maxBodyBytes, ...rangeOf(F.maxBodyBytes), DEFAULTS.maxBodyBytes);
  const maxBatchSize = check.integer("maxBatchSize", raw.maxBatchSize, ...rangeOf(F.maxBatchSize), DEFAULTS.maxBatchSize);
  const batching = {
    maxRows: check.integer("batchMaxRows", raw.batchMaxRows, ...rangeOf(F.batchMaxRows), DEFAULTS.batchMaxRows),
    maxWaitMicroseconds: check.integer("batchMaxWaitMicroseconds", raw.batchMaxWaitMicroseconds, ...rangeOf(F.batchMaxWaitMicroseconds),
      DEFAULTS.batchMaxWaitMicroseconds,
    ),
  };
  const startupTimeoutSeconds = check.integer("startupTimeoutSeconds", raw.startupTimeoutSeconds, ...rangeOf(F.startupTimeoutSeconds),
    DEFAULTS.startupTimeoutSeconds,
  );
  const apiMemoryMb = check.integer("apiMemoryMb", raw.apiMemoryMb, ...rangeOf(F.apiMemoryMb), DEFAULTS.apiMemoryMb);
  const apiCpus = cpusDockerReadsBack(check, "apiCpus", check.number("apiCpus", raw.apiCpus, ...rangeOf(F.apiCpus), DEFAULTS.apiCpus));
  const workers = check.integer("gunicornWorkers", raw.gunicornWorkers, ...rangeOf(F.gunicornWorkers), defaultGunicornWorkers(apiCpus));
  const proxyMemoryMb = check.integer("proxyMemoryMb", raw.proxyMemoryMb, ...rangeOf(F.proxyMemoryMb), DEFAULTS.proxyMemoryMb);
  const proxyCpus = cpusDockerReadsBack(check, "proxyCpus", check.number("proxyCpus", raw.proxyCpus, ...rangeOf(F.proxyCpus), DEFAULTS.proxyCpus));
  const hostAddress = check.matching("hostAddress", raw.hostAddress, IPV4_ADDRESS, "an IPv4 address such as 127.0.0.1", DEFAULTS.hostAddress);
  const hostPort = check.integer("hostPort", raw.hostPort, ...rangeOf(F.hostPort), DEFAULTS.hostPort);
  const baseImage = check.matching(
    "baseImage",
    raw.baseImage,
    IMAGE_REFERENCE,
    "a Docker image reference such as debian:bookworm-slim",
    DEFAULTS.baseImage,
  );
  const restartPolicy = check.oneOf("restartPolicy", raw.restartPolicy, RESTART_POLICIES, DEFAULTS.restartPolicy);
  const logMaxSize = check.matching(
    "logMaxSize",
    raw.logMaxSize,
    LOG_SIZE,
    "a size such as 10m: a number followed by k, m or g",
    DEFAULTS.logMaxSize,
  );
  const logMaxFiles = check.integer("logMaxFiles", raw.logMaxFiles, ...rangeOf(F.logMaxFiles), DEFAULTS.logMaxFiles);
  const smokeTestTimeoutSeconds = check.integer("smokeTestTimeoutSeconds", raw.smokeTestTimeoutSeconds, ...rangeOf(F.smokeTestTimeoutSeconds),
    DEFAULTS.smokeTestTimeoutSeconds,
  );

  const clientTimeouts = resolveClientTimeouts(check, raw.clientTimeouts);
  const maxConnectionsPerClient = check.integer("maxConnectionsPerClient", raw.maxConnectionsPerClient, ...rangeOf(F.maxConnectionsPerClient),
    DEFAULTS.maxConnectionsPerClient,
  );
  const apiKeys = resolveApiKeys(check, raw.apiKeys, context, later);
  const tls = resolveTls(check, raw.tls, context.now ?? new Date(), later);

  const model = resolveModel(check, raw.modelDir, context);
  const modelName = check.derived("modelName", raw.modelName, MODEL_IDENTIFIER, MODEL_IDENTIFIER_RULE, defaultModelName(model));
  const modelVersion = check.derived(
    "modelVersion",
    raw.modelVersion,
    MODEL_IDENTIFIER,
    MODEL_IDENTIFIER_RULE,
    model.source.kind === "builtin" ? BUILTIN_MODEL_VERSION : (model.metadata.version ?? DEFAULTS.modelVersion),
  );

  const spec: ModelServiceSpec = {
    serviceName: context.serviceName,
    stack: context.stack,
    project: context.project,
    model: model.source,
    modelName,
    modelVersion,
    replicas,
    gunicorn: { workers, threads, timeoutSeconds },
    maxBodyBytes,
    maxBatchSize,
    batching,
    startupTimeoutSeconds,
    api: { memoryMb: apiMemoryMb, cpus: apiCpus },
    proxy: { memoryMb: proxyMemoryMb, cpus: proxyCpus },
    hostAddress,
    hostPort,
    rateLimit: resolveRateLimit(check, raw.rateLimit),
    environment: resolveEnvironment(check, raw.environment, later),
    labels: resolveLabels(check, raw.labels, later),
    baseImage,
    registry: resolveRegistry(check, raw.registry, later),
    restartPolicy,
    logging: { maxSize: logMaxSize, maxFiles: logMaxFiles },
    smokeTest: {
      instances: resolveSmokeTestInstances(check, raw.smokeTestInstances, model, maxBatchSize, later),
      timeoutSeconds: smokeTestTimeoutSeconds,
    },
    clientTimeouts,
    maxConnectionsPerClient,
    ...(apiKeys === undefined ? {} : { apiKeys }),
    ...(tls === undefined ? {} : { tls }),
    runtime: resolveRuntime(check, raw, { apiCpus, apiMemoryMb }),
    ...optionalCandidate(resolveCandidate(check, raw.candidate, context)),
  };

  if (check.problems.length > 0) {
    throw new ModelServiceConfigError(`ModelService arguments for "${context.serviceName}"`, check.problems);
  }
  return spec;
}

function optionalCandidate(candidate: CandidateSpec | undefined): { candidate?: CandidateSpec } {
  return candidate === undefined ? {} : { candidate };
}

/** A percent of traffic: 0 to 100 with at most two decimals, what nginx's `split_clients` takes. */
function percent(check: Checker, field: string, value: unknown, fallback: number): number {
  const result = check.number(field, value, 0, 100, fallback);
  if (value !== undefined && Math.round(result * 100) !== result * 100) {
    check.reject(field, value, "a percent from 0 to 100 with at most two decimals, e.g. 10 or 0.5");
  }
  return result;
}

/** The candidate model: its own directory (required), identity, replicas, traffic shares and gates. */
function resolveCandidate(check: Checker, value: unknown, context: SpecContext): CandidateSpec | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!isPlainObject(value)) {
    check.reject("candidate", value, "an object { modelDir, modelName?, modelVersion?, replicas?, trafficPercent?, shadowPercent?, stickyHeader?, gates? }");
    return undefined;
  }
  check.unknownFields("candidate", value, Object.keys(CANDIDATE));
  if (value.modelDir === undefined) {
    check.reject("candidate.modelDir", undefined, "a path to the candidate's model directory (required with candidate)");
    return undefined;
  }
  const model = resolveModel(check, value.modelDir, context, "candidate.modelDir");
  const dir = model.source.kind === "directory" ? model.source.dir : "";
  const defaults = DEFAULTS.candidate;
  const shadowPercent = percent(check, "candidate.shadowPercent", value.shadowPercent, defaults.shadowPercent);
  const stickyHeader =
    value.stickyHeader === undefined
      ? undefined
      : check.matching("candidate.stickyHeader", value.stickyHeader, STICKY_HEADER, "a header name of letters, digits and '-', e.g. X-User-Id", "");
  const gates = resolveGates(check, value.gates, shadowPercent);
  return {
    modelDir: dir,
    modelName: check.derived("candidate.modelName", value.modelName, MODEL_IDENTIFIER, MODEL_IDENTIFIER_RULE, defaultModelName(model)),
    modelVersion: check.derived("candidate.modelVersion", value.modelVersion, MODEL_IDENTIFIER, MODEL_IDENTIFIER_RULE,
      model.metadata.version ?? DEFAULTS.modelVersion,
    ),
    replicas: check.integer("candidate.replicas", value.replicas, ...rangeOf(CANDIDATE.replicas), defaults.replicas),
    trafficPercent: percent(check, "candidate.trafficPercent", value.trafficPercent, defaults.trafficPercent),
    shadowPercent,
    ...(stickyHeader === undefined ? {} : { stickyHeader }),
    ...(gates === undefined ? {} : { gates }),
  };
}

function resolveGates(check: Checker, value: unknown, shadowPercent: number): CanaryGatesSpec | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!isPlainObject(value)) {
    check.reject("candidate.gates", value, "an object { windowSeconds, maxErrorRate?, maxP99LatencyRatio?, minAgreement?, minRequests? }");
    return undefined;
  }
  check.unknownFields("candidate.gates", value, Object.keys(GATES));
  if (value.windowSeconds === undefined) {
    check.reject("candidate.gates.windowSeconds", undefined, `an integer from ${GATES.windowSeconds.min} to ${GATES.windowSeconds.max} (required with gates)`);
  }
  const defaults = DEFAULTS.candidate.gates;
  const minAgreement =
    value.minAgreement === undefined ? undefined : check.number("candidate.gates.minAgreement", value.minAgreement, ...rangeOf(GATES.minAgreement), 0);
  if (minAgreement !== undefined && shadowPercent === 0) {
    check.reject("candidate.gates.minAgreement", value.minAgreement, "set only with candidate.shadowPercent above 0: agreement is measured on shadow requests");
  }
  return {
    windowSeconds: check.integer("candidate.gates.windowSeconds", value.windowSeconds, ...rangeOf(GATES.windowSeconds), GATES.windowSeconds.min),
    maxErrorRate: check.number("candidate.gates.maxErrorRate", value.maxErrorRate, ...rangeOf(GATES.maxErrorRate), defaults.maxErrorRate),
    maxP99LatencyRatio: check.number("candidate.gates.maxP99LatencyRatio", value.maxP99LatencyRatio, ...rangeOf(GATES.maxP99LatencyRatio),
      defaults.maxP99LatencyRatio,
    ),
    ...(minAgreement === undefined ? {} : { minAgreement }),
    minRequests: check.integer("candidate.gates.minRequests", value.minRequests, ...rangeOf(GATES.minRequests), defaults.minRequests),
  };
}

interface ResolvedModel {
  readonly source: ModelSource;
  readonly metadata: ModelMetadata;
}

/**
 * The Docker provider reads `cpus` back in a lossy format (`dockerCpusString`): 0.05 comes back as "0.1", so the
 * container would get 0.1 CPUs and every preview would show a change. Such values are rejected.
 */
function cpusDockerReadsBack(check: Checker, field: string, cpus: number): number {
  if (Number(dockerCpusString(cpus)) !== cpus) {
    check.reject(field, cpus, "a CPU count the Docker provider stores exactly, e.g. 0.1, 0.25, 0.5, 1, 1.5 (not 0.05 or 10.05)");
  }
  return cpus;
}

function resolveModel(check: Checker, modelDir: unknown, context: SpecContext, field = "modelDir"): ResolvedModel {
  if (modelDir === undefined) {
    return { source: { kind: "builtin" }, metadata: {} };
  }
  if (typeof modelDir !== "string" || modelDir.trim() === "") {
    check.reject(field, modelDir, "a path to a model directory");
    return { source: { kind: "builtin" }, metadata: {} };
  }
  const dir = path.resolve(context.projectDir, modelDir);
  const facts = context.inspectModelDirectory(dir);
  if (!facts.isDirectory) {
    check.reject(field, modelDir, `an existing directory (resolved to ${dir})`);
  } else if (!facts.hasPredictor && !facts.hasJoblib) {
    check.reject(field, modelDir, "a directory holding predictor.py or a scikit-learn *.joblib file");
  }
  if (facts.metadataError !== undefined) {
    check.reject(field, modelDir, `a directory whose model.json is a JSON object (${facts.metadataError})`);
  }
  return { source: { kind: "directory", dir }, metadata: facts.metadata };
}

function defaultModelName(model: ResolvedModel): string {
  return model.source.kind === "builtin" ? BUILTIN_MODEL_NAME : (model.metadata.name ?? path.basename(model.source.dir));
}

function resolveRateLimit(check: Checker, value: unknown): ModelServiceSpec["rateLimit"] {
  if (value === undefined) {
    return undefined;
  }
  if (!isPlainObject(value)) {
    check.reject("rateLimit", value, "an object { requestsPerSecond, burst? }");
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (key !== "requestsPerSecond" && key !== "burst") {
      check.reject(`rateLimit.${key}`, value[key], "no such field; known fields are requestsPerSecond, burst");
    }
  }
  if (value.requestsPerSecond === undefined) {
    check.reject("rateLimit.requestsPerSecond", undefined, `an integer from ${RATE_LIMIT.requestsPerSecond.min} to ${RATE_LIMIT.requestsPerSecond.max}`);
    return undefined;
  }
  const requestsPerSecond = check.integer("rateLimit.requestsPerSecond", value.requestsPerSecond, ...rangeOf(RATE_LIMIT.requestsPerSecond), RATE_LIMIT.requestsPerSecond.min);
  const burst = check.integer("rateLimit.burst", value.burst, ...rangeOf(RATE_LIMIT.burst), requestsPerSecond);
  return { requestsPerSecond, burst };
}

function resolveClientTimeouts(check: Checker, value: unknown): ModelServiceSpec["clientTimeouts"] {
  const defaults = DEFAULTS.clientTimeouts;
  if (value === undefined) {
    return defaults;
  }
  if (!isPlainObject(value)) {
    check.reject("clientTimeouts", value, "an object { headerSeconds?, bodySeconds?, sendSeconds?, keepaliveSeconds? }");
    return defaults;
  }
  check.unknownFields("clientTimeouts", value, Object.keys(defaults));
  return {
    headerSeconds: check.integer("clientTimeouts.headerSeconds", value.headerSeconds, ...rangeOf(CLIENT_TIMEOUTS.headerSeconds), defaults.headerSeconds),
    bodySeconds: check.integer("clientTimeouts.bodySeconds", value.bodySeconds, ...rangeOf(CLIENT_TIMEOUTS.bodySeconds), defaults.bodySeconds),
    sendSeconds: check.integer("clientTimeouts.sendSeconds", value.sendSeconds, ...rangeOf(CLIENT_TIMEOUTS.sendSeconds), defaults.sendSeconds),
    keepaliveSeconds: check.integer("clientTimeouts.keepaliveSeconds", value.keepaliveSeconds, ...rangeOf(CLIENT_TIMEOUTS.keepaliveSeconds), defaults.keepaliveSeconds),
  };
}

/**
 * Keys are secrets: every problem is reported with the value `(secret)`. The list's length is plain; each key may
 * be an Output, and then the keys are checked together (repeats too) when they are known.
 */
function resolveApiKeys(check: Checker, value: unknown, context: SpecContext, later: DeferredCheckContext): ApiKeysSpec | undefined {
  if (value === undefined) {
    return undefined;
  }
  const [min, max] = rangeOf(F.apiKeys);
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    check.reject("apiKeys", SECRET, `a list of ${min} to ${max} keys`);
    return undefined;
  }
  const salt = apiKeySalt(context.project, context.stack, context.serviceName);
  const problemsBefore = check.problems.length;
  const keys = checkedInput<unknown[]>(check, value.every((key) => isKnownNow(key)) ? value : pulumi.all(value), checkApiKeys, later);
  if (isKnownNow(keys)) {
    return check.problems.length === problemsBefore ? apiKeysSpec(keys as string[], salt) : undefined;
  }
  const known = keys as pulumi.Output<string[]>;
  return {
    keys: value.map((_, index) => known.apply((all) => all[index])),
    salt,
    // A salted HMAC of a long random key, as visible as with plain keys (the api's environment shows it).
    digests: value.map((_, index) => withSecrecy(known.apply((all) => apiKeyDigest(salt, all[index])), false)),
  };
}

function checkApiKeys(check: Checker, keys: unknown[]): void {
  keys.forEach((key: unknown, index) => {
    const problem = apiKeyProblem(key);
    if (problem !== undefined) {
      check.reject(`apiKeys[${index}]`, SECRET, problem);
    } else if (keys.indexOf(key) !== index) {
      check.reject(`apiKeys[${index}]`, SECRET, `a key not listed before (it repeats apiKeys[${keys.indexOf(key)}])`);
    }
  });
}

/** The certificate is public, the key is not: neither is repeated in messages, to keep them short and safe. */
function resolveTls(check: Checker, value: unknown, now: Date, later: DeferredCheckContext): TlsSpec | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!isPlainObject(value)) {
    check.reject("tls", SECRET, "an object { certificate, privateKey } of PEM text");
    return undefined;
  }
  check.unknownFields("tls", value, ["certificate", "privateKey"], SECRET);
  const { certificate, privateKey } = value;
  const problemsBefore = check.problems.length;
  const pair = checkedInput<unknown[]>(
    check,
    isKnownNow(certificate) && isKnownNow(privateKey) ? [certificate, privateKey] : pulumi.all([certificate, privateKey]),
    (checker, [knownCertificate, knownKey]) => {
      for (const problem of tlsMaterialProblems(knownCertificate, knownKey, now)) {
        checker.reject(problem.field, SECRET, problem.allowed);
      }
    },
    later,
  );
  if (isKnownNow(pair)) {
    return check.problems.length === problemsBefore ? { certificate: certificate as string, privateKey: privateKey as string } : undefined;
  }
  const known = pair as pulumi.Output<string[]>;
  return { certificate: known.apply(([pem]) => pem), privateKey: known.apply(([, pem]) => pem) };
}

/** Shown instead of a secret value in error messages. */
const SECRET = "(secret)";

/** A map of `pulumi.Input<string>` values, keys sorted: a known value is checked now, an Output when it is known. */
function inputStringMap(check: Checker, field: string, value: unknown, later: DeferredCheckContext): [string, pulumi.Input<string>][] {
  if (value === undefined) {
    return [];
  }
  if (!isPlainObject(value)) {
    check.reject(field, value, "an object mapping names to string values");
    return [];
  }
  return Object.keys(value)
    .sort()
    .map((key) => [
      key,
      checkedInput<unknown>(check, value[key] as pulumi.Input<unknown>, (checker, known) => {
        if (typeof known !== "string") {
          checker.reject(`${field}.${key}`, known, "a string");
        }
      }, later) as pulumi.Input<string>,
    ]);
}

/** What an error shows of a map entry's value: the value when it is known now. */
const shown = (value: pulumi.Input<string>): unknown => (isKnownNow(value) ? value : OUTPUT_VALUE);

function resolveEnvironment(check: Checker, value: unknown, later: DeferredCheckContext): Record<string, pulumi.Input<string>> {
  const entries = inputStringMap(check, "environment", value, later);
  for (const [name, entryValue] of entries) {
    if (!ENVIRONMENT_NAME.test(name)) {
      check.reject(`environment.${name}`, shown(entryValue), "a variable name of letters, digits and '_', not starting with a digit");
    } else if (RESERVED_API_ENVIRONMENT.includes(name)) {
      check.reject(
        `environment.${name}`,
        shown(entryValue),
        `a variable this component does not set itself; ${name} is derived from the dedicated ModelService fields`,
      );
    }
  }
  return Object.fromEntries(entries);
}

function resolveLabels(check: Checker, value: unknown, later: DeferredCheckContext): Record<string, pulumi.Input<string>> {
  const entries = inputStringMap(check, "labels", value, later);
  for (const [key, labelValue] of entries) {
    if (!LABEL_KEY.test(key)) {
      check.reject(`labels.${key}`, shown(labelValue), "a label key of letters, digits, '.', '_', '/' or '-'");
    } else if (key.startsWith(RESERVED_LABEL_PREFIX)) {
      check.reject(`labels.${key}`, shown(labelValue), `a key not starting with "${RESERVED_LABEL_PREFIX}" (reserved for this component)`);
    }
  }
  return Object.fromEntries(entries);
}

function resolveRegistry(check: Checker, value: unknown, later: DeferredCheckContext): RegistrySpec | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!isPlainObject(value)) {
    check.reject("registry", value, "an object { server, username?, password?, deleteFromRegistry? }");
    return undefined;
  }
  check.unknownFields("registry", value, REGISTRY_FIELDS);
  if (typeof value.server !== "string" || !REGISTRY_SERVER.test(value.server)) {
    check.reject("registry.server", value.server, "a registry host with optional port and lowercase path, e.g. registry.example.com:5000/ml");
  }
  const username =
    value.username === undefined
      ? undefined
      : (checkedInput<unknown>(check, value.username as pulumi.Input<unknown>, (checker, known) => {
          if (typeof known !== "string" || known === "") {
            checker.reject("registry.username", known, "a non-empty string");
          }
        }, later) as pulumi.Input<string>);
  if (value.password !== undefined && value.username === undefined) {
    check.reject("registry.password", "(secret)", "a password only together with registry.username");
  }
  return {
    server: String(value.server),
    username,
    password: value.password as RegistrySpec["password"],
    deleteFromRegistry: check.boolean("registry.deleteFromRegistry", value.deleteFromRegistry, false),
  };
}

/**
 * The rows the smoke test sends: the given ones; else, for a user model, the `example` of its
 * model.json or one zero row as wide as its `feature_names` (what the api's own warm-up predicts);
 * else the built-in iris row.
 */
function resolveSmokeTestInstances(
  check: Checker,
  value: unknown,
  model: ResolvedModel,
  maxBatchSize: number,
  later: DeferredCheckContext,
): pulumi.Input<readonly JsonValue[]> {
  if (value === undefined) {
    if (model.source.kind === "builtin") {
      return BUILTIN_MODEL_SMOKE_TEST_INSTANCES;
    }
    const { example, featureCount } = model.metadata;
    const derived = example ?? (featureCount === undefined ? undefined : [new Array<number>(featureCount).fill(0)]);
    if (derived === undefined) {
      check.reject(
        "smokeTestInstances",
        value,
        "example rows your model accepts (required when model.json has neither example nor feature_names)",
      );
      return [];
    }
    return derived.slice(0, maxBatchSize);
  }
  return checkedInput<unknown>(check, value as pulumi.Input<unknown>, (checker, rows) => {
    if (!Array.isArray(rows) || rows.length === 0 || rows.length > maxBatchSize || !rows.every(isJsonValue)) {
      checker.reject("smokeTestInstances", rows, `a list of 1 to maxBatchSize (${maxBatchSize}) JSON rows`);
    }
  }, later) as pulumi.Input<readonly JsonValue[]>;
}

function isJsonValue(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      if (value === null) {
        return true;
      }
      return Array.isArray(value) ? value.every(isJsonValue) : isPlainObject(value) && Object.values(value).every(isJsonValue);
    default:
      return false;
  }
}

