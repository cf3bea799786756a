import { API_SHADOW_PORT } from "../containers/addresses.js";
import { IPV4_ADDRESS } from "../settings/checker.js";
import { MODEL_SERVICE_DEFAULTS } from "../settings/fields.js";
import { withoutStackFrames } from "../settings/stacklessError.js";
/**
 * Options of the nginx proxy config, their defaults, their validation and the values derived from them.
 * Pure: no I/O, no Pulumi, no ModelService settings. The renderer is `renderNginxConfig` in config.ts.
 */

/** The port nginx listens on inside its container (unprivileged, so the proxy runs as a non-root user). */
export const NGINX_LISTEN_PORT = 8080;

/** Path answered by nginx itself with 200 and a small JSON body; never proxied to the api. */
export const NGINX_HEALTH_PATH = "/nginx-health";

/** Directory for the config, pid file and temp files; the image creates it in the /tmp tmpfs at start. */
export const NGINX_RUNTIME_DIR = "/tmp/nginx";

/** Environment variable that carries the base64 of the rendered nginx.conf into the proxy container. */
export const NGINX_CONF_ENV_VAR = "NGINX_CONF_B64";

/**
 * Seconds nginx waits for an upstream answer beyond gunicorn's own `timeout`. gunicorn checks its workers about
 * once per second and escalates SIGABRT to SIGKILL one check later, so a request that runs too long is ended by
 * gunicorn (and its replica restarts the worker) before nginx gives up on it with a 504.
 */
export const UPSTREAM_READ_TIMEOUT_MARGIN_SECONDS = 5;

/** Directory of the TLS certificate and key inside the proxy container (a volume the component fills; see tls). */
export const NGINX_TLS_DIR = "/etc/nginx/tls";
/** PEM certificate chain (leaf first) nginx serves when TLS is on. */
export const NGINX_TLS_CERTIFICATE_FILE = `${NGINX_TLS_DIR}/certificate.pem`;
/** PEM private key of the certificate. */
export const NGINX_TLS_PRIVATE_KEY_FILE = `${NGINX_TLS_DIR}/private-key.pem`;

/**
 * Request line and header buffers: `large_client_header_buffers 4 8k`. A request line longer than this is
 * answered 414, a header line longer than this or headers above 4 x 8 KiB in total 431 (nginx's 494).
 */
export const NGINX_LARGE_HEADER_BUFFER_BYTES = 8192;
export const NGINX_LARGE_HEADER_BUFFER_COUNT = 4;

/**
 * Timeouts towards clients, in seconds. Short ones keep slow clients (slowloris: headers or bodies sent a byte at
 * a time) and idle connections from holding the proxy's connections.
 */
export interface NginxClientTimeouts {
  /** Time to receive the whole request line and headers (`client_header_timeout`); nginx then closes. Integer 1 to 3600. */
  readonly headerSeconds: number;
  /** Time between two reads of the request body (`client_body_timeout`); nginx then answers 408. Integer 1 to 3600. */
  readonly bodySeconds: number;
  /** Time between two writes of the response (`send_timeout`); nginx then closes. Integer 1 to 3600. */
  readonly sendSeconds: number;
  /** Idle time of a keep-alive client connection (`keepalive_timeout`); 0 turns keep-alive off. Integer 0 to 3600. */
  readonly keepaliveSeconds: number;
}

/** One upstream server entry of the proxy. */
export interface NginxUpstream {
  /**
   * Host name or IPv4 address. A name that resolves to several addresses (the Docker network alias `api` that
   * all api replicas share) becomes one upstream peer per address. Names are resolved when nginx loads its config:
   * at start and at every `nginx-reload`.
   */
  readonly host: string;
  /** TCP port the api listens on inside its container (gunicorn binds 8000). */
  readonly port: number;
}

/**
 * A DNS server nginx asks for the upstream's addresses on every request (answers cached for `validSeconds`), so
 * replicas added to or removed from a network alias are found without reloading nginx: a reload closes idle
 * client keep-alive connections, which fails requests that clients are sending on them at that moment.
 */
export interface NginxResolver {
  /** IPv4 address of the DNS server; Docker's embedded DNS on every user-defined network is `127.0.0.11`. */
  readonly address: string;
  /** Seconds a resolved address list is reused before nginx asks again. Integer 1 to 300. */
  readonly validSeconds: number;
}

/** Per client address request rate limit (nginx `limit_req`, keyed by `$binary_remote_addr`). */
export interface NginxRateLimit {
  /** Sustained number of requests per second one client address may send. */
  readonly requestsPerSecond: number;
  /**
   * Requests above the sustained rate that are still served at once (`nodelay`); beyond the burst nginx answers
   * 429 with a JSON body. 0 means no burst.
   */
  readonly burst: number;
}

/**
 * The marker that ends every config line carrying the candidate's share of live traffic: deleting those lines
 * (`nginx-drop-candidate`, run by the gate) sends all live traffic to the stable upstreams.
 */
export const NGINX_CANDIDATE_WEIGHT_MARKER = "# model-service:candidate-weight";

/** The header that marks a mirrored (shadow) request to the candidate; the api counts such requests apart. */
export const NGINX_SHADOW_HEADER = "X-Model-Service-Shadow";

/**
 * The port on 127.0.0.1 inside the proxy container where the stream module takes the copies of mirrored requests
 * (datagrams the access log sends) and forwards each to a candidate replica. Nothing outside the container reaches it.
 */
export const NGINX_SHADOW_FORWARD_PORT = 8081;

/**
 * Largest request body (bytes) that is mirrored as shadow traffic: the copy travels as one datagram (at most 65,507
 * bytes), its body escaped as a JSON string. Larger prediction requests are answered as usual and not mirrored.
 */
export const NGINX_SHADOW_MAX_BODY_BYTES = 39_999;

/** A second version of the upstream beside the stable one: a share of live traffic and of mirrored requests. */
export interface NginxCandidate {
  /** Where the candidate's replicas are reached, e.g. the network alias `api-candidate` on port 8000. */
  readonly upstream: NginxUpstream;
  /**
   * Percent of live requests routed to the candidate (`split_clients`), 0 to 100 with at most two decimals. A
   * candidate request that fails (connection error, timeout, 5xx) is answered by the stable upstreams.
   */
  readonly trafficPercent: number;
  /**
   * Percent of prediction requests (`POST /predict`, `POST /v2/models/{name}/infer`) mirrored to the candidate with
   * `X-Model-Service-Shadow: 1`; its answers are discarded. 0 to 100 with at most two decimals.
   */
  readonly shadowPercent: number;
  /**
   * Request header whose value decides the version, so one key always reaches one version; requests without it are
   * split at random. Absent: every request is split at random (on `$request_id`).
   */
  readonly stickyHeader?: string;
  /**
   * UDP port of the shadow listener in each candidate replica, which answers the copies of mirrored requests with
   * its own instance of the api. Integer 1 to 65535; default `API_SHADOW_PORT` (the default of the api's `SHADOW_PORT`).
   */
  readonly shadowPort?: number;
}

/** Everything `renderNginxConfig` needs; only `upstreams`, `maxBodyBytes` and `upstreamTimeoutSeconds` are required. */
export interface NginxConfigOptions {
  /**
   * Upstream servers the proxy spreads requests over (round robin). ModelService passes
   * `[{ host: "api", port: 8000 }]`: one network alias that resolves to every replica. 1 to 64 distinct entries.
   */
  readonly upstreams: readonly NginxUpstream[];
  /**
   * Resolve the upstream's host name per request through this DNS server instead of once per config load.
   * Requires exactly one upstream, a host name. Upstream connections are then not reused (nginx keeps idle
   * upstream connections only for names resolved at load), so the keepalive options do not apply.
   * Absent (default): names are resolved at start and at every reload.
   */
  readonly resolver?: NginxResolver;
  /**
   * Largest request body in bytes, the same value the api gets as `MAX_BODY_BYTES`. nginx answers 413 (JSON)
   * above it without contacting the api; the api's own check is the second line. 1 to 1073741824.
   */
  readonly maxBodyBytes: number;
  /**
   * gunicorn's worker `timeout` in seconds, the same value the api gets as `GUNICORN_TIMEOUT`. nginx's read and
   * send timeouts are this plus `UPSTREAM_READ_TIMEOUT_MARGIN_SECONDS`. Integer 1 to 3600.
   */
  readonly upstreamTimeoutSeconds: number;
  /**
   * gunicorn's `keepalive` in seconds, the same value the api gets as `GUNICORN_KEEPALIVE`. nginx closes idle upstream connections before gunicorn does (see
   * `deriveUpstreamIdleTimeoutMs`), so it never sends a request on a connection gunicorn is closing; with any
   * longer gunicorn keepalive (the api image's standalone default is 75) nginx still closes first.
   * 0 turns upstream connection reuse off. Integer 0 to 300; default 2 (gunicorn's own default).
   */
  readonly upstreamKeepaliveSeconds?: number;
  /**
   * Idle upstream connections each nginx worker keeps for reuse. Integer 1 to 1024; default 64: at 128 client
   * connections each of two workers has up to 64 requests at the api at once, and every connection above this
   * number is closed after its response and opened anew (TIME_WAIT churn, the seed stack's throughput cliff).
   */
  readonly upstreamKeepaliveConnections?: number;
  /**
   * Seconds nginx waits to open a connection to a replica before it tries the next one. Replicas are on the same
   * host, so a connect that takes longer means the replica is gone. Integer 1 to 60; default 2.
   */
  readonly connectTimeoutSeconds?: number;
  /**
   * Attempts per request, the first included, across replicas on errors, timeouts, 502 and 503
   * (`proxy_next_upstream_tries`). 1 turns retries off. Integer 1 to 10; default 2.
   */
  readonly nextUpstreamTries?: number;
  /**
   * Whether POST requests (`/predict`, `/v2/models/{name}/infer`) are retried on another replica as well
   * (`non_idempotent`). Default true: a prediction has no side effects, so sending it again is safe and a replica
   * that goes away during a rollout costs no failed request. Set false for a custom predictor with side effects.
   */
  readonly retryNonIdempotent?: boolean;
  /** Per client address rate limit; absent (default) means no rate limit. */
  readonly rateLimit?: NginxRateLimit;
  /** nginx worker processes: `"auto"` (one per CPU, default) or an integer 1 to 64. */
  readonly workerProcesses?: number | "auto";
  /** Connections per worker, client and upstream ones together. Integer 16 to 65536; default 1024. */
  readonly workerConnections?: number;
  /** Whether `application/json` responses are gzip-compressed for clients that accept it. Default true. */
  readonly gzip?: boolean;
  /** Smallest response, in bytes, that is compressed. Integer 0 to 1048576; default 1024. */
  readonly gzipMinLengthBytes?: number;
  /**
   * Whether `X-Forwarded-For` / `X-Forwarded-Proto` sent by the client are kept (appended to / passed on). Only
   * true when another trusted proxy is in front of nginx. Default false: nginx is the edge, it sets
   * `X-Forwarded-For` to the peer address and `X-Forwarded-Proto` to its own scheme.
   */
  readonly trustForwardedHeaders?: boolean;
  /** Timeouts towards clients; each field defaults separately (10 s for header, body and send, 65 s keep-alive). */
  readonly clientTimeouts?: Partial<NginxClientTimeouts>;
  /**
   * Connections one client address may have with a request in progress (`limit_conn`, keyed by
   * `$binary_remote_addr`); more are answered 429. Connections still sending their headers are not counted
   * (`clientTimeouts.headerSeconds` bounds those). 0 turns the limit off. Integer 0 to 100000; defaults to ModelService's default, 1000.
   * Behind Docker's userland proxy every client on the host's loopback shares one address.
   */
  readonly maxConnectionsPerClient?: number;
  /**
   * Whether nginx serves HTTPS (TLS 1.2 and 1.3) on its port instead of HTTP, with the certificate and key in
   * `NGINX_TLS_CERTIFICATE_FILE` and `NGINX_TLS_PRIVATE_KEY_FILE`. Plain HTTP to the port gets a JSON 400. Default false.
   */
  readonly tls?: boolean;
  /** A candidate upstream beside the stable one. Absent (default): every request goes to `upstreams`. */
  readonly candidate?: NginxCandidate;
}

/** `NginxConfigOptions` after validation: every default filled in. */
export interface ResolvedNginxConfigOptions {
  readonly upstreams: readonly NginxUpstream[];
  readonly resolver: NginxResolver | null;
  readonly maxBodyBytes: number;
  readonly upstreamTimeoutSeconds: number;
  readonly upstreamKeepaliveSeconds: number;
  readonly upstreamKeepaliveConnections: number;
  readonly connectTimeoutSeconds: number;
  readonly nextUpstreamTries: number;
  readonly retryNonIdempotent: boolean;
  readonly rateLimit: NginxRateLimit | null;
  readonly workerProcesses: number | "auto";
  readonly workerConnections: number;
  readonly gzip: boolean;
  readonly gzipMinLengthBytes: number;
  readonly trustForwardedHeaders: boolean;
  readonly clientTimeouts: NginxClientTimeouts;
  readonly maxConnectionsPerClient: number;
  readonly tls: boolean;
  readonly candidate: (Required<Omit<NginxCandidate, "stickyHeader">> & Pick<NginxCandidate, "stickyHeader">) | null;
}

/** Defaults of the optional fields. */
export const NGINX_CONFIG_DEFAULTS = {
  resolver: null,
  upstreamKeepaliveSeconds: 2,
  upstreamKeepaliveConnections: 64,
  connectTimeoutSeconds: 2,
  nextUpstreamTries: 2,
  retryNonIdempotent: true,
  rateLimit: null,
  workerProcesses: "auto",
  workerConnections: 1024,
  gzip: true,
  gzipMinLengthBytes: 1024,
  trustForwardedHeaders: false,
  // The same defaults a ModelService has, from its field table.
  clientTimeouts: MODEL_SERVICE_DEFAULTS.clientTimeouts,
  maxConnectionsPerClient: MODEL_SERVICE_DEFAULTS.maxConnectionsPerClient,
  tls: false,
  candidate: null,
} as const satisfies Omit<ResolvedNginxConfigOptions, "upstreams" | "maxBodyBytes" | "upstreamTimeoutSeconds">;

/** A rejected option: names the field, the value given and what is allowed. */
export class NginxConfigError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`Invalid nginx config option ${field}: ${describeValue(value)} (allowed: ${allowed})`);
    this.name = "NginxConfigError";
    withoutStackFrames(this);
  }
}

/** nginx timeouts derived from gunicorn's timeout; see `deriveProxyTimeouts`. */
export interface NginxProxyTimeouts {
  /** `proxy_connect_timeout`. */
  readonly connectSeconds: number;
  /** `proxy_read_timeout`: gunicorn's timeout plus the margin, so gunicorn's own timeout ends a slow request first. */
  readonly readSeconds: number;
  /** `proxy_send_timeout`: same as the read timeout. */
  readonly sendSeconds: number;
  /**
   * `proxy_next_upstream_timeout`: the time, from the first attempt, during which another replica may still be
   * tried. Equal to the read timeout, so fast failures (refused, reset, 502, 503) are retried while a request that
   * already waited a full read timeout is not sent again.
   */
  readonly nextUpstreamSeconds: number;
}

/**
 * The timeout rule: connect = `connectTimeoutSeconds`; read = send = next-upstream budget =
 * `upstreamTimeoutSeconds` (gunicorn's timeout) + `UPSTREAM_READ_TIMEOUT_MARGIN_SECONDS`.
 */
export function deriveProxyTimeouts(upstreamTimeoutSeconds: number, connectTimeoutSeconds: number): NginxProxyTimeouts {
  const readSeconds = upstreamTimeoutSeconds + UPSTREAM_READ_TIMEOUT_MARGIN_SECONDS;
  return {
    connectSeconds: connectTimeoutSeconds,
    readSeconds,
    sendSeconds: readSeconds,
    nextUpstreamSeconds: readSeconds,
  };
}

/**
 * How long nginx keeps an idle upstream connection, in milliseconds: one second less than gunicorn's keepalive
 * (never less than half of it), so nginx always closes first. `null` when gunicorn's keepalive is 0 (no reuse).
 */
export function deriveUpstreamIdleTimeoutMs(upstreamKeepaliveSeconds: number): number | null {
  if (upstreamKeepaliveSeconds === 0) {
    return null;
  }
  const keepaliveMs = upstreamKeepaliveSeconds * 1000;
  return Math.max(keepaliveMs - 1000, keepaliveMs / 2);
}

const OPTION_FIELDS = {
  upstreams: true,
  resolver: true,
  maxBodyBytes: true,
  upstreamTimeoutSeconds: true,
  upstreamKeepaliveSeconds: true,
  upstreamKeepaliveConnections: true,
  connectTimeoutSeconds: true,
  nextUpstreamTries: true,
  retryNonIdempotent: true,
  rateLimit: true,
  workerProcesses: true,
  workerConnections: true,
  gzip: true,
  gzipMinLengthBytes: true,
  trustForwardedHeaders: true,
  clientTimeouts: true,
  maxConnectionsPerClient: true,
  tls: true,
  candidate: true,
} as const satisfies Record<keyof NginxConfigOptions, true>;
const CANDIDATE_FIELDS = {
  upstream: true,
  trafficPercent: true,
  shadowPercent: true,
  stickyHeader: true,
  shadowPort: true,
} as const satisfies Record<keyof NginxCandidate, true>;
/** A header nginx can read as `$http_<name>`. */
const HEADER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$/;
const CLIENT_TIMEOUT_FIELDS = {
  headerSeconds: true,
  bodySeconds: true,
  sendSeconds: true,
  keepaliveSeconds: true,
} as const satisfies Record<keyof NginxClientTimeouts, true>;

const UPSTREAM_FIELDS = { host: true, port: true } as const satisfies Record<keyof NginxUpstream, true>;
const RESOLVER_FIELDS = { address: true, validSeconds: true } as const satisfies Record<keyof NginxResolver, true>;
const RATE_LIMIT_FIELDS = { requestsPerSecond: true, burst: true } as const satisfies Record<keyof NginxRateLimit, true>;

const MAX_UPSTREAMS = 64;
const MAX_HOST_LENGTH = 253;
/** Letters, digits, `_`, `.` and `-`, starting and ending with a letter or digit: DNS names, Docker names, IPv4. */
const HOST_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

/**
 * Checks `options` (typed or raw, e.g. from stack config) and fills in the defaults. Throws `NginxConfigError`
 * naming the first invalid field, its value and what is allowed; unknown fields are rejected too.
 */
export function validateNginxConfigOptions(options: unknown): ResolvedNginxConfigOptions {
  const record = requireRecord("options", options);
  rejectUnknownFields("", record, OPTION_FIELDS);
  const upstreams = requireUpstreams(record.upstreams);
  return {
    upstreams,
    resolver: optionalResolver(record.resolver, upstreams),
    maxBodyBytes: requireMaxBodyBytes(record.maxBodyBytes),
    upstreamTimeoutSeconds: requireUpstreamTimeoutSeconds(record.upstreamTimeoutSeconds),
    upstreamKeepaliveSeconds: optionalUpstreamKeepaliveSeconds(record.upstreamKeepaliveSeconds),
    upstreamKeepaliveConnections: optionalInteger(
      "upstreamKeepaliveConnections",
      record.upstreamKeepaliveConnections,
      NGINX_CONFIG_DEFAULTS.upstreamKeepaliveConnections,
      1,
      1024,
    ),
    connectTimeoutSeconds: optionalInteger(
      "connectTimeoutSeconds",
      record.connectTimeoutSeconds,
      NGINX_CONFIG_DEFAULTS.connectTimeoutSeconds,
      1,
      60,
    ),
    nextUpstreamTries: optionalInteger("nextUpstreamTries", record.nextUpstreamTries, NGINX_CONFIG_DEFAULTS.nextUpstreamTries, 1, 10),
    retryNonIdempotent: optionalBoolean("retryNonIdempotent", record.retryNonIdempotent, NGINX_CONFIG_DEFAULTS.retryNonIdempotent),
    rateLimit: optionalRateLimit(record.rateLimit),
    workerProcesses: optionalWorkerProcesses(record.workerProcesses),
    workerConnections: optionalInteger("workerConnections", record.workerConnections, NGINX_CONFIG_DEFAULTS.workerConnections, 16, 65536),
    gzip: optionalBoolean("gzip", record.gzip, NGINX_CONFIG_DEFAULTS.gzip),
    gzipMinLengthBytes: optionalInteger("gzipMinLengthBytes", record.gzipMinLengthBytes, NGINX_CONFIG_DEFAULTS.gzipMinLengthBytes, 0, 1_048_576),
    trustForwardedHeaders: optionalBoolean(
      "trustForwardedHeaders",
      record.trustForwardedHeaders,
      NGINX_CONFIG_DEFAULTS.trustForwardedHeaders,
    ),
    clientTimeouts: optionalClientTimeouts(record.clientTimeouts),
    maxConnectionsPerClient: optionalInteger(
      "maxConnectionsPerClient",
      record.maxConnectionsPerClient,
      NGINX_CONFIG_DEFAULTS.maxConnectionsPerClient,
      0,
      100_000,
    ),
    tls: optionalBoolean("tls", record.tls, NGINX_CONFIG_DEFAULTS.tls),
    candidate: optionalCandidate(record.candidate, upstreams),
  };
}

function optionalClientTimeouts(value: unknown): NginxClientTimeouts {
  const defaults = NGINX_CONFIG_DEFAULTS.clientTimeouts;
  if (value === undefined) {
    return defaults;
  }
  const record = requireRecord("clientTimeouts", value);
  rejectUnknownFields("clientTimeouts.", record, CLIENT_TIMEOUT_FIELDS);
  return {
    headerSeconds: optionalInteger("clientTimeouts.headerSeconds", record.headerSeconds, defaults.headerSeconds, 1, 3600),
    bodySeconds: optionalInteger("clientTimeouts.bodySeconds", record.bodySeconds, defaults.bodySeconds, 1, 3600),
    sendSeconds: optionalInteger("clientTimeouts.sendSeconds", record.sendSeconds, defaults.sendSeconds, 1, 3600),
    keepaliveSeconds: optionalInteger("clientTimeouts.keepaliveSeconds", record.keepaliveSeconds, defaults.keepaliveSeconds, 0, 3600),
  };
}

function requireMaxBodyBytes(value: unknown): number {
  return requireInteger("maxBodyBytes", value, 1, 1_073_741_824);
}

function requireUpstreamTimeoutSeconds(value: unknown): number {
  return requireInteger("upstreamTimeoutSeconds", value, 1, 3600);
}

function optionalUpstreamKeepaliveSeconds(value: unknown): number {
  return optionalInteger("upstreamKeepaliveSeconds", value, NGINX_CONFIG_DEFAULTS.upstreamKeepaliveSeconds, 0, 300);
}

function requireUpstreams(value: unknown): readonly NginxUpstream[] {
  const allowed = `a list of 1 to ${MAX_UPSTREAMS} distinct {host, port} entries`;
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_UPSTREAMS) {
    throw new NginxConfigError("upstreams", value, allowed);
  }
  const upstreams = value.map((entry: unknown, index) => requireUpstream(`upstreams[${index}]`, entry));
  const seen = new Set<string>();
  upstreams.forEach((upstream, index) => {
    const address = `${upstream.host}:${upstream.port}`;
    if (seen.has(address)) {
      throw new NginxConfigError(`upstreams[${index}]`, upstream, `${allowed}; ${address} is listed twice`);
    }
    seen.add(address);
  });
  return upstreams;
}

function requireUpstream(field: string, value: unknown): NginxUpstream {
  const record = requireRecord(field, value);
  rejectUnknownFields(`${field}.`, record, UPSTREAM_FIELDS);
  return { host: requireHost(`${field}.host`, record.host), port: requireInteger(`${field}.port`, record.port, 1, 65535) };
}

function requireHost(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length > MAX_HOST_LENGTH || !HOST_PATTERN.test(value)) {
    throw new NginxConfigError(
      field,
      value,
      `a host name or IPv4 address of at most ${MAX_HOST_LENGTH} characters: letters, digits, "_", "." and "-", starting and ending with a letter or digit`,
    );
  }
  return value;
}


function optionalResolver(value: unknown, upstreams: readonly NginxUpstream[]): NginxResolver | null {
  if (value === undefined || value === null) {
    return null;
  }
  const record = requireRecord("resolver", value);
  rejectUnknownFields("resolver.", record, RESOLVER_FIELDS);
  if (typeof record.address !== "string" || !IPV4_ADDRESS.test(record.address)) {
    throw new NginxConfigError("resolver.address", record.address, "an IPv4 address, e.g. Docker's embedded DNS 127.0.0.11");
  }
  const validSeconds = requireInteger("resolver.validSeconds", record.validSeconds, 1, 300);
  if (upstreams.length !== 1 || IPV4_ADDRESS.test(upstreams[0].host)) {
    throw new NginxConfigError("resolver", value, "only with exactly one upstream whose host is a name (e.g. the network alias api)");
  }
  return { address: record.address, validSeconds };
}

function optionalCandidate(value: unknown, upstreams: readonly NginxUpstream[]): ResolvedNginxConfigOptions["candidate"] {
  if (value === undefined || value === null) {
    return null;
  }
  const record = requireRecord("candidate", value);
  rejectUnknownFields("candidate.", record, CANDIDATE_FIELDS);
  const upstream = requireUpstream("candidate.upstream", record.upstream);
  if (upstreams.some((stable) => stable.host === upstream.host && stable.port === upstream.port)) {
    throw new NginxConfigError("candidate.upstream", upstream, "an address that is not one of the stable upstreams");
  }
  if (record.stickyHeader !== undefined && (typeof record.stickyHeader !== "string" || !HEADER_NAME.test(record.stickyHeader))) {
    throw new NginxConfigError("candidate.stickyHeader", record.stickyHeader, "a header name of letters, digits and '-'");
  }
  return {
    upstream,
    trafficPercent: requirePercent("candidate.trafficPercent", record.trafficPercent),
    shadowPercent: requirePercent("candidate.shadowPercent", record.shadowPercent),
    ...(record.stickyHeader === undefined ? {} : { stickyHeader: record.stickyHeader as string }),
    shadowPort: optionalInteger("candidate.shadowPort", record.shadowPort, API_SHADOW_PORT, 1, 65_535),
  };
}

/** 0 to 100 with at most two decimals, what `split_clients` takes. */
function requirePercent(field: string, value: unknown): number {
  if (typeof value !== "number" || !(value >= 0 && value <= 100) || Math.round(value * 100) !== value * 100) {
    throw new NginxConfigError(field, value, "a percent from 0 to 100 with at most two decimals");
  }
  return value;
}

function optionalRateLimit(value: unknown): NginxRateLimit | null {
  if (value === undefined || value === null) {
    return null;
  }
  const record = requireRecord("rateLimit", value);
  rejectUnknownFields("rateLimit.", record, RATE_LIMIT_FIELDS);
  return {
    requestsPerSecond: requireInteger("rateLimit.requestsPerSecond", record.requestsPerSecond, 1, 100_000),
    burst: requireInteger("rateLimit.burst", record.burst, 0, 100_000),
  };
}

function optionalWorkerProcesses(value: unknown): number | "auto" {
  if (value === undefined || value === "auto") {
    return NGINX_CONFIG_DEFAULTS.workerProcesses;
  }
  if (!isIntegerInRange(value, 1, 64)) {
    throw new NginxConfigError("workerProcesses", value, `"auto" or an integer from 1 to 64`);
  }
  return value;
}

function requireInteger(field: string, value: unknown, min: number, max: number): number {
  if (!isIntegerInRange(value, min, max)) {
    throw new NginxConfigError(field, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

function optionalInteger(field: string, value: unknown, fallback: number, min: number, max: number): number {
  return value === undefined ? fallback : requireInteger(field, value, min, max);
}

function optionalBoolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== "boolean") {
    throw new NginxConfigError(field, value, "true or false");
  }
  return value;
}

function isIntegerInRange(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function requireRecord(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new NginxConfigError(field, value, "an object");
  }
  return value as Record<string, unknown>;
}

function rejectUnknownFields(prefix: string, record: Record<string, unknown>, known: Record<string, true>): void {
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(known, key)) {
      throw new NginxConfigError(`${prefix}${key}`, record[key], `no such option; known: ${Object.keys(known).join(", ")}`);
    }
  }
}

function describeValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || value === undefined) {
    return String(value);
  }
  if (typeof value === "function" || typeof value === "symbol") {
    return `a ${typeof value}`;
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
