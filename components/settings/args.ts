import type * as pulumi from "@pulumi/pulumi";

/** Any value JSON can carry; used for smoke-test rows sent to `POST /predict`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Docker restart policies a container may use. An object of constants plus the union of its values (rather
 * than a bare union type) so that `pulumi package get-schema` turns it into an enum for every language.
 */
export const RestartPolicy = {
  /** Never restart. */
  No: "no",
  /** Restart when the container exits with a non-zero status. */
  OnFailure: "on-failure",
  /** Always restart, also after the engine restarts. */
  Always: "always",
  /** Always restart, except after the container was stopped on purpose. */
  UnlessStopped: "unless-stopped",
} as const;
/** A Docker restart policy: `no`, `on-failure`, `always` or `unless-stopped`. */
export type RestartPolicy = (typeof RestartPolicy)[keyof typeof RestartPolicy];

/** The restart policies accepted by `ModelServiceArgs.restartPolicy`. */
export const RESTART_POLICIES: readonly RestartPolicy[] = Object.values(RestartPolicy);

/**
 * Where a `ModelService` runs. An object of constants plus the union of its values, like `RestartPolicy`, so
 * that every language gets an enum.
 */
export const Runtime = {
  /** One Docker engine: the api replicas and the proxy are containers on a private bridge network (the default). */
  Docker: "docker",
  /** A Docker Swarm: the api and the proxy are Swarm services on an overlay network, scheduled over the nodes. */
  Swarm: "swarm",
} as const;
/** `docker` (one Docker host) or `swarm` (a Docker Swarm). */
export type Runtime = (typeof Runtime)[keyof typeof Runtime];
/** The runtimes accepted by `ModelServiceArgs.runtime`. */
export const RUNTIMES: readonly Runtime[] = Object.values(Runtime);

/** How the proxy publishes `hostPort` on a Swarm. */
export const SwarmPublishMode = {
  /** One proxy task on every node, each publishing the port on its own node (no routing mesh needed). */
  Host: "host",
  /** `proxyReplicas` proxy tasks behind Swarm's routing mesh, which publishes the port on every node (needs IPVS). */
  Ingress: "ingress",
} as const;
/** `host` or `ingress`. */
export type SwarmPublishMode = (typeof SwarmPublishMode)[keyof typeof SwarmPublishMode];
/** The publish modes accepted by `Swarm.publishMode`. */
export const SWARM_PUBLISH_MODES: readonly SwarmPublishMode[] = Object.values(SwarmPublishMode);

/** Settings that apply only with `runtime: "swarm"`. */
export interface Swarm {
  /**
   * Docker host of a Swarm manager that the services are created on, e.g. `unix:///var/run/docker.sock`,
   * `ssh://admin@manager-1` or `tcp://manager-1:2376`. Images are still built by the stack's own Docker engine and
   * pushed to `registry`. Defaults to the stack's Docker engine (`DOCKER_HOST`), which must then be a manager.
   */
  managerHost?: string;
  /**
   * IPv4 address that reaches `hostPort` on the Swarm: a node's address or a load balancer in front of the nodes.
   * The exported URLs and the post-deploy smoke test use it. Defaults to `127.0.0.1` (Pulumi runs on a node).
   */
  address?: string;
  /** How the proxy publishes `hostPort`: `host` (one proxy task per node) or `ingress` (the routing mesh). Defaults to `host`. */
  publishMode?: SwarmPublishMode;
  /** Proxy tasks with `publishMode: ingress` (integer, 1 to 32). Defaults to 2. */
  proxyReplicas?: number;
  /** Swarm placement constraints of the api tasks, e.g. `node.role==worker` or `node.labels.gpu==true`. Defaults to none. */
  apiConstraints?: string[];
  /** Most api tasks Swarm may place on one node (integer, 0 to 32; 0 means no limit). Defaults to 0. */
  maxReplicasPerNode?: number;
  /**
   * CPUs the scheduler reserves for each api task (0.01 to `apiCpus`); `apiCpus` stays its limit. Defaults to a
   * quarter of `apiCpus`.
   */
  apiReservedCpus?: number;
  /** MiB the scheduler reserves for each api task (integer, 16 to `apiMemoryMb`). Defaults to half of `apiMemoryMb`. */
  apiReservedMemoryMb?: number;
  /**
   * Seconds Swarm watches each updated api task after it became healthy; a task that fails in that time rolls the
   * whole service back to its previous spec (integer, 1 to 600). Defaults to 10.
   */
  updateMonitorSeconds?: number;
}

/** A registry the built images are pushed to. Without one, images stay in the local Docker engine. */
export interface Registry {
  /**
   * Registry host and optional repository path, e.g. `registry.example.com:5000/ml`. Image names become
   * `<server>/model-service-api:<tag>`.
   */
  server: string;
  /**
   * User name for the push, e.g. another resource's output; when omitted the Docker client's own credentials for
   * `server` are used.
   */
  username?: pulumi.Input<string>;
  /** Password or token for the push (keep it secret, e.g. `config.requireSecret(...)`); requires `username`. */
  password?: pulumi.Input<string>;
  /**
   * When Pulumi deletes an image (a new model or api version replaced it, or `pulumi destroy`), also delete its
   * manifest from the registry, through the registry's HTTP API (`https://`, or `http://` for a loopback server).
   * Only for a registry this stack owns: another stack may run the same image. Defaults to false.
   */
  deleteFromRegistry?: boolean;
}

/** Per-client request rate limit applied by the proxy. */
export interface RateLimit {
  /** Sustained requests per second allowed from one client address (integer, 1 to 100000). */
  requestsPerSecond: number;
  /**
   * Requests above the rate a client may send in a burst before getting HTTP 429 (integer, 0 to 100000). Defaults to
   * `requestsPerSecond`.
   */
  burst?: number;
}

/** Timeouts the proxy applies to its clients, in seconds; each is optional. */
export interface ClientTimeouts {
  /** Time a client has to send the request line and all headers; then the proxy closes the connection (integer, 1 to 3600). Defaults to 10. */
  headerSeconds?: number;
  /** Longest pause between two reads of a request body; then the proxy answers 408 (integer, 1 to 3600). Defaults to 10. */
  bodySeconds?: number;
  /** Longest pause between two writes of a response to a client; then the proxy closes the connection (integer, 1 to 3600). Defaults to 10. */
  sendSeconds?: number;
  /** Idle time of a keep-alive client connection; 0 turns keep-alive off (integer, 0 to 3600). Defaults to 65. */
  keepaliveSeconds?: number;
}

/** TLS at the proxy: the published port then serves HTTPS only (TLS 1.2 and 1.3). */
export interface Tls {
  /**
   * PEM certificate chain, leaf first, e.g. `config.requireSecret("tlsCertificate")` or another resource's output.
   * Keep it in stack config as a secret along with the key.
   */
  certificate: pulumi.Input<string>;
  /**
   * Unencrypted PEM private key of the certificate, e.g. from `pulumi config set --secret --path tls.privateKey`.
   * It reaches the proxy as a file in a Docker volume the component owns, never as an environment variable.
   */
  privateKey: pulumi.Input<string>;
}

/**
 * Gates a candidate must pass after a change that sends it live or shadow traffic: `pulumi up` watches both versions
 * for `windowSeconds`, then compares the candidate with the stable version. When a gate fails, the candidate's share
 * of live traffic goes back to 0 in place and `up` fails, giving the measured values against the thresholds.
 */
export interface CanaryGates {
  /**
   * Seconds `pulumi up` watches live traffic after the change before it compares the two versions (integer, 10 to
   * 3600). Required when `gates` is given.
   */
  windowSeconds: number;
  /** Highest share of the candidate's prediction requests answered with a 5xx (0 to 1). Defaults to 0.01. */
  maxErrorRate?: number;
  /** Highest ratio of the candidate's p99 prediction latency to the stable version's (1 to 100). Defaults to 1.5. */
  maxP99LatencyRatio?: number;
  /**
   * Lowest share of shadow requests whose candidate prediction equals the stable model's (0 to 1); needs
   * `shadowPercent` above 0. Defaults to none: agreement is measured but not gated.
   */
  minAgreement?: number;
  /**
   * Fewest candidate requests the window must see for the gates to judge; fewer fails the gate (integer, 1 to
   * 1000000). Defaults to 50.
   */
  minRequests?: number;
}

/**
 * A candidate model served beside the stable one (`modelDir`): its own replicas, a share of live traffic, and
 * optionally a share of prediction requests mirrored to it as shadow traffic whose answers are discarded. A request
 * the candidate fails (connection error, timeout, 5xx) is answered by the stable version. To promote it, set
 * `modelDir` to its model and remove `candidate`.
 */
export interface Candidate {
  /**
   * Directory holding the candidate's model, in the same forms as `modelDir`; a relative path is resolved against the
   * Pulumi project directory. Required.
   */
  modelDir: string;
  /** Model name the candidate reports; the same rule as `modelName`. Defaults to `name` from its `model.json`, else the directory's name. */
  modelName?: string;
  /** Model version the candidate reports; the same rule as `modelVersion`. Defaults to `version` from its `model.json`, else `1`. */
  modelVersion?: string;
  /** Number of candidate replicas (integer, 1 to 32). Defaults to 1. */
  replicas?: number;
  /**
   * Percent of live requests the candidate answers (0 to 100, at most two decimals). Defaults to 0: it then only
   * gets shadow traffic, and on the docker runtime its replicas run with the lowest CPU weight (they use CPU the
   * stable replicas leave idle); above 0 they have stable's weight. Changing it restarts no replica.
   */
  trafficPercent?: number;
  /**
   * Percent of prediction requests (`POST /predict`, `POST /v2/models/{name}/infer`) also sent to the candidate as
   * shadow traffic once stable has answered them with a 2xx, marked `X-Model-Service-Shadow: 1`; clients get the
   * stable answer and never wait for the candidate (0 to 100, at most two decimals). Defaults to 0.
   */
  shadowPercent?: number;
  /**
   * Request header whose value picks the version, so the same key always reaches the same version, e.g.
   * `X-User-Id`; a request without it is routed at random. Defaults to none: every request is routed at random.
   */
  stickyHeader?: string;
  /** Gates on live metrics after a change that sends the candidate traffic. Defaults to none: no gate. */
  gates?: CanaryGates;
}

/**
 * The earlier names of `RateLimit` and `Registry`, kept for TypeScript callers. The schema takes a type's name
 * from its interface, and SDK generators add `Args` themselves (Go: `modelservice.RateLimitArgs`).
 */
export type RateLimitArgs = RateLimit;
/** The earlier name of `Registry`. */
export type RegistryArgs = Registry;
/** `ClientTimeouts` under the name other languages' SDKs give it. */
export type ClientTimeoutsArgs = ClientTimeouts;
/** `Tls` under the name other languages' SDKs give it. */
export type TlsArgs = Tls;
/** `Swarm` under the name other languages' SDKs give it. */
export type SwarmArgs = Swarm;
/** `Candidate` under the name other languages' SDKs give it. */
export type CandidateArgs = Candidate;
/** `CanaryGates` under the name other languages' SDKs give it. */
export type CanaryGatesArgs = CanaryGates;

/**
 * Everything a `ModelService` can be told. Every field is optional. Values that may come from another resource
 * (API keys, environment values, label values, TLS material, registry credentials, smoke-test rows) take a
 * `pulumi.Input` and are checked when they are known; the fields that decide which resources exist or what the
 * proxy's config says are plain values, checked when the component is constructed.
 */
export interface ModelServiceArgs {
  /**
   * Directory holding the model to serve (scikit-learn estimator saved with joblib plus optional `model.json`, or
   * a `predictor.py` with `load(dir)`/`predict(model, rows)`). A relative path is resolved against the Pulumi project
   * directory (where `Pulumi.yaml` is), in every language. Defaults to the built-in iris model trained inside the api
   * image.
   */
  modelDir?: string;
  /**
   * Model name reported by the api (`/metadata`, `/v2/models/{name}`) and exported as `modelName`; 1 to 128
   * letters, digits, `.`, `_`, `-`. Defaults to `iris` for the built-in model, else `name` from the model's
   * `model.json`, else the model directory's name.
   */
  modelName?: string;
  /**
   * Model version reported by the api and exported as `modelVersion`; 1 to 128 letters, digits, `.`, `_`, `-`.
   * Defaults to `1.0.0` for the built-in model, else `version` from the model's `model.json`, else `1`.
   */
  modelVersion?: string;
  /** Number of api replicas behind the proxy (integer, 1 to 32). Defaults to 2. */
  replicas?: number;
  /**
   * gunicorn worker processes per replica (integer, 1 to 64). Defaults to one per CPU of `apiCpus`, rounded up: a
   * worker runs Python on one core at a time, so more workers than CPUs share the same CPU quota.
   */
  gunicornWorkers?: number;
  /**
   * Threads per gunicorn worker (integer, 1 to 64). Defaults to 2: one thread reads the next request off its
   * connection while another computes a prediction. Each thread holds one request, so adaptive batching
   * (`batchMaxRows`) joins at most this many requests of a worker in one model call: at 2 a call rarely answers
   * more than one request; 8 to 16 let calls grow under concurrent load, for models whose cost is mostly per call.
   * 1 runs gunicorn's sync worker, one request at a time, without batching.
   */
  gunicornThreads?: number;
  /**
   * Seconds one request may take in gunicorn; the proxy waits this long plus a 5 s margin, so gunicorn ends a slow
   * request first (integer, 1 to 3600). Defaults to 30.
   */
  gunicornTimeoutSeconds?: number;
  /**
   * Largest request body in bytes, enforced by the proxy and by the api (integer, 1024 to 104857600). Defaults to 1048576
   * (1 MiB).
   */
  maxBodyBytes?: number;
  /** Most rows one prediction request may carry (integer, 1 to 100000). Defaults to 1000. */
  maxBatchSize?: number;
  /**
   * Adaptive batching: the requests that reach one gunicorn worker while its model is busy are answered by one
   * model call of at most this many rows, each request getting exactly its own rows' answers and its own errors
   * (integer, 1 to 100000; 1 turns batching off). Applies to scikit-learn models and to `predictor.py` models that
   * set `ACCEPTS_BATCHES = True`; one call joins at most `gunicornThreads` requests of a worker, so requests share a
   * call only when `gunicornThreads` is above 1. Defaults to 64.
   */
  batchMaxRows?: number;
  /**
   * Longest a batch waits, in microseconds, for requests that have already reached the worker and are still being
   * read; a lone request waits for no one (integer, 0 to 1000000). Defaults to 500.
   */
  batchMaxWaitMicroseconds?: number;
  /**
   * Seconds a new replica may take to load its model and answer `/ready` before the deployment fails (integer, 10
   * to 3600). Defaults to 120.
   */
  startupTimeoutSeconds?: number;
  /** Memory limit of each api container in MiB, swap disabled (integer, 128 to 65536). Defaults to 512. */
  apiMemoryMb?: number;
  /** CPU limit of each api container in CPUs, e.g. 0.5 (0.1 to 64, a value Docker stores exactly: 0.25, not 0.05). Defaults to 1. */
  apiCpus?: number;
  /** Memory limit of the proxy container in MiB, swap disabled (integer, 64 to 8192). Defaults to 128. */
  proxyMemoryMb?: number;
  /** CPU limit of the proxy container in CPUs (0.1 to 64, a value Docker stores exactly). Defaults to 1. */
  proxyCpus?: number;
  /** Host IPv4 address the proxy is published on (runtime `docker` only); `0.0.0.0` exposes it on every interface. Defaults to `127.0.0.1`. */
  hostAddress?: string;
  /** Host TCP port the proxy is published on (integer, 1 to 65535). Defaults to 8080. */
  hostPort?: number;
  /** Per-client request rate limit in the proxy. Defaults to no limit. */
  rateLimit?: RateLimit;
  /**
   * Extra environment variables for the api containers (names `[A-Za-z_][A-Za-z0-9_]*`; the variables this
   * component sets itself are refused). Each value may be another resource's output, e.g. a database URL; a secret
   * value stays secret in the state. Defaults to none.
   */
  environment?: Record<string, pulumi.Input<string>>;
  /**
   * Extra Docker labels for every container (keys must not start with `model-service.`); each value may be another
   * resource's output. Defaults to none.
   */
  labels?: Record<string, pulumi.Input<string>>;
  /**
   * Base image for the api and proxy images, passed as build arg `BASE_IMAGE`; it must exist locally or be
   * pullable. Defaults to `debian:bookworm-slim`.
   */
  baseImage?: string;
  /** Registry to push the api and proxy images to. Defaults to none: the images stay in the Docker engine they are built on. */
  registry?: Registry;
  /** Docker restart policy of every container (runtime `docker` only; a Swarm restarts its tasks itself). Defaults to `unless-stopped`. */
  restartPolicy?: RestartPolicy;
  /**
   * Size at which a container's json-file log is rotated, e.g. `10m` (a number followed by `k`, `m` or `g`).
   * Defaults to `10m`.
   */
  logMaxSize?: string;
  /** Number of rotated json-file logs kept per container (integer, 1 to 100). Defaults to 3. */
  logMaxFiles?: number;
  /**
   * Rows sent in the post-deploy `POST /predict` smoke test (1 to `maxBatchSize` rows, each any JSON value, e.g.
   * `[[5.1, 3.5, 1.4, 0.2]]`). Defaults to one iris row for the built-in model; for `modelDir`, the `example` rows of
   * its `model.json`, else one row of zeros as wide as its `feature_names` (the api's own warm-up input); required
   * when `model.json` has neither.
   */
  // `any`, not `JsonValue`: every Pulumi language sees "a list of any JSON values" (the schema cannot carry a
  // recursive union); validation rejects what JSON cannot carry, naming the field: at construction, or when an output is known.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  smokeTestInstances?: pulumi.Input<any[]>;
  /** Seconds the post-deploy smoke test waits for `/ready` through the proxy (integer, 5 to 3600). Defaults to 60. */
  smokeTestTimeoutSeconds?: number;
  /** Timeouts the proxy applies to slow and idle clients. Defaults to every member's default: 10 s for headers, body and send, 65 s keep-alive. */
  clientTimeouts?: ClientTimeouts;
  /**
   * Connections with a request in progress one client address may hold; more get 429 (integer, 0 to 100000; 0 turns
   * the limit off). Defaults to 1000. Behind Docker's userland proxy all clients on the host's loopback share one
   * address, so the limit then bounds them together.
   */
  maxConnectionsPerClient?: number;
  /**
   * API keys, any of which a request must present as `Authorization: Bearer <key>` or `X-API-Key: <key>`; a missing
   * or wrong key gets 401. `/health`, `/ready`, `/v2/health/live`, `/v2/health/ready` and the proxy's `/nginx-health`
   * stay open for probes. 1 to 16 keys of 32 to 256 token characters (`openssl rand -hex 32`); keep them in stack
   * config as a secret (`pulumi config set --secret apiKeys '["..."]'`). Only salted HMAC-SHA256 digests reach the
   * containers. Each key may be another resource's output (a generated password, `config.requireSecret(...)`); it
   * stays secret end to end. Rotate by adding the new key, moving clients, then removing the old one. Defaults to
   * none, no check.
   */
  apiKeys?: pulumi.Input<string>[];
  /** TLS at the proxy with this certificate and key (runtime `docker` only). Defaults to none, plain HTTP. */
  tls?: Tls;
  /**
   * Where the service runs: `docker`, one Docker engine, or `swarm`, the services of a Docker Swarm (set `swarm`
   * and `registry`). Everything else means the same on both; validation names the fields one runtime does not take.
   * Defaults to `docker`.
   */
  runtime?: Runtime;
  /** Swarm settings; only with `runtime: swarm`. Defaults to every field's own default. */
  swarm?: Swarm;
  /**
   * A candidate model beside the stable one, with a share of live and shadow traffic and optional gates. Defaults
   * to none: the stable model answers every request.
   */
  candidate?: Candidate;
}
