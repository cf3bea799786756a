/**
 * The nginx proxy config of model-service, rendered from typed options by a pure function.
 *
 * The result is a complete nginx.conf for the image in nginx/: ModelService passes it base64-encoded in
 * `NGINX_CONF_B64` (see `encodeNginxConfigForEnv`), and `nginx/nginx.conf` is the same function's output for
 * the image's default options. Options, defaults and validation are in options.ts; error pages in errorPages.ts.
 *
 * Replica changes: with a `resolver` (what ModelService uses) nginx asks Docker's DNS for the replicas behind the
 * network alias on every request (answers cached briefly), so replicas come and go without a reload. Without one,
 * upstream names are resolved when nginx loads the config, and `nginx-reload` applies a changed replica set.
 */
import { nginxErrorResponsesFor, type NginxErrorResponse } from "./errorPages.js";
import {
  NGINX_HEALTH_PATH,
  NGINX_LARGE_HEADER_BUFFER_BYTES,
  NGINX_LARGE_HEADER_BUFFER_COUNT,
  NGINX_LISTEN_PORT,
  NGINX_RUNTIME_DIR,
  NGINX_TLS_CERTIFICATE_FILE,
  NGINX_TLS_PRIVATE_KEY_FILE,
  NGINX_CANDIDATE_WEIGHT_MARKER,
  NGINX_SHADOW_HEADER,
  NGINX_SHADOW_RELAY_PORT,
  deriveProxyTimeouts,
  deriveShadowRelayMaxInFlight,
  deriveUpstreamIdleTimeoutMs,
  validateNginxConfigOptions,
  type NginxConfigOptions,
  type NginxRateLimit,
  type ResolvedNginxConfigOptions,
} from "./options.js";

const UPSTREAM_NAME = "model_service_api";
const UPSTREAM_ADDRESS_VARIABLE = "$model_service_api_address";
const CANDIDATE_UPSTREAM_NAME = "model_service_candidate";
const CANDIDATE_ADDRESS_VARIABLE = "$model_service_candidate_address";
const VERSION_VARIABLE = "$model_service_version";
const ROUTE_KEY_VARIABLE = "$model_service_route_key";
const SHADOW_SHARE_VARIABLE = "$model_service_shadow_share";
const SHADOW_PATH_VARIABLE = "$model_service_shadow_path";
const SHADOW_VARIABLE = "$model_service_shadow";
/**
 * With shadow on: the access log's variables that the shadow location (run after the client's answer) would change,
 * each read through a map whose value nginx keeps from its first reading; the shadow location reads them first.
 */
const SHADOW_FROZEN_LOG_VARIABLES = ["status", "request_time", "upstream_addr", "upstream_status", "upstream_response_time"] as const;
const SHADOW_FROZEN_LOG_SET_VARIABLE = "$model_service_log_frozen";
const CANDIDATE_LOCATION = "/_model_service/candidate";
const SHADOW_LOCATION = "/_model_service/shadow";
/** In the shadow relay: the location that mirrors a relayed request on to the candidate. */
const SHADOW_RELAY_CANDIDATE_LOCATION = "/_model_service/shadow-to-candidate";
/** In the shadow relay: where its own answer (an empty 204) is made. */
const SHADOW_RELAY_ACCEPTED_LOCATION = "@model_service_shadow_accepted";
const SHADOW_RELAY_ADDRESS = `127.0.0.1:${NGINX_SHADOW_RELAY_PORT}`;
const SHADOW_RELAY_LIMIT_ZONE = "model_service_shadow_relay";
const SHADOW_RELAY_LIMIT_ZONE_SIZE = "1m";
const STABLE_LOCATION = "@model_service_stable";
/** The statuses of a candidate request (its own, or nginx's when the candidate is unreachable) that stable answers instead. */
const STABLE_FALLBACK_STATUSES: readonly number[] = [500, 502, 503, 504];
/** The prediction requests that are mirrored as shadow traffic: `POST /predict` and `POST /v2/models/{name}/infer`. */
const SHADOW_REQUESTS = ['"~^POST/predict(?:\\?|$)" 1;', '"~^POST/v2/models/[^/?]+/infer(?:\\?|$)" 1;'];
const REQUEST_ID_VARIABLE = "$model_service_request_id";
const FORWARDED_PROTO_VARIABLE = "$model_service_forwarded_proto";
const RATE_LIMIT_ZONE = "model_service_per_client";
const RATE_LIMIT_ZONE_SIZE = "10m";
const CONNECTION_LIMIT_ZONE = "model_service_connections";
const CONNECTION_LIMIT_ZONE_SIZE = "10m";
const TLS_SESSION_CACHE = "shared:model_service_tls:1m";
const UPSTREAM_ZONE_SIZE = "128k";
/** nginx's default is 10 s; a replica restarted after a crash answers within a few seconds. */
const UPSTREAM_FAIL_TIMEOUT_SECONDS = 3;
const ACCESS_LOG_FORMAT = "model_service_json";
const ACCESS_LOG_BUFFER = "64k";
const ACCESS_LOG_FLUSH = "1s";
const RESOLVER_TIMEOUT_SECONDS = 2;
const MAX_CLIENT_BODY_BUFFER_BYTES = 1_048_576;
/** An incoming X-Request-ID is kept when it matches; anything else is replaced by nginx's `$request_id`. */
const ACCEPTED_REQUEST_ID_PATTERN = "^[A-Za-z0-9._:-]{1,128}$";
const INDENT = "    ";
const ERROR_LOCATION_PREFIX = "/_model_service/error/";

/** A directive (with its `;`), a `#` comment, or "" for a blank line; may span several lines. */
type ConfigLine = string;
interface ConfigBlock {
  readonly header: string;
  readonly body: readonly ConfigEntry[];
}
type ConfigEntry = ConfigLine | ConfigBlock;

/** Renders the complete nginx.conf for `options`; throws `NginxConfigError` for an invalid option. */
export function renderNginxConfig(options: NginxConfigOptions): string {
  const resolved = validateNginxConfigOptions(options);
  return printEntries(mainContext(resolved), 0).join("\n") + "\n";
}

/** The value of `NGINX_CONF_B64` for a rendered config. */
export function encodeNginxConfigForEnv(config: string): string {
  return Buffer.from(config, "utf8").toString("base64");
}

/** The config that a `NGINX_CONF_B64` value carries. */
export function decodeNginxConfigFromEnv(value: string): string {
  return Buffer.from(value, "base64").toString("utf8");
}

/** True when a rendered config terminates TLS: its server listens with `ssl` (the `tls` option). */
export function nginxConfigTerminatesTls(config: string): boolean {
  return new RegExp(`^\\s*listen ${NGINX_LISTEN_PORT} ssl\\b`, "m").test(config);
}

/**
 * The statuses nginx answers itself with a JSON body `{"error": {"code", "message", "request_id"}}`, in the api's
 * error shape; 413 and 503 use the api's codes for the same statuses.
 */
export function nginxErrorResponses(options: NginxConfigOptions): readonly NginxErrorResponse[] {
  return nginxErrorResponsesFor(validateNginxConfigOptions(options));
}

function mainContext(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  return [
    // The header names the renderer's old path on purpose: the rendered text is the proxy container's
    // environment, so changing a single byte of it would replace every deployed proxy container.
    "# nginx.conf of the model-service proxy, rendered by renderNginxConfig (components/nginxConfig.ts).",
    "# Do not edit: change the options and render again.",
    `worker_processes ${options.workerProcesses};`,
    `pid ${NGINX_RUNTIME_DIR}/nginx.pid;`,
    "error_log stderr warn;",
    "",
    block("events", [`worker_connections ${options.workerConnections};`]),
    "",
    block("http", httpContext(options)),
  ];
}

function httpContext(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  return [
    ...basicHttpSettings(options),
    "",
    ...tempPaths(),
    "",
    ...requestIdMap(),
    ...forwardedProtoMap(options),
    "",
    ...accessLog(shadowOn(options)),
    "",
    ...gzipSettings(options),
    ...rateLimitZone(options.rateLimit),
    ...connectionLimitZone(options.maxConnectionsPerClient),
    "",
    ...upstreamDiscovery(options),
    ...candidateRouting(options),
    "",
    block("server", serverContext(options)),
    ...shadowRelayServer(options),
  ];
}

function basicHttpSettings(options: ResolvedNginxConfigOptions): ConfigLine[] {
  const timeouts = options.clientTimeouts;
  return [
    "server_tokens off;",
    "default_type application/json;",
    "# Slow or idle clients are dropped, so they cannot hold the proxy's connections.",
    `client_header_timeout ${timeouts.headerSeconds}s;`,
    `client_body_timeout ${timeouts.bodySeconds}s;`,
    `send_timeout ${timeouts.sendSeconds}s;`,
    `keepalive_timeout ${timeouts.keepaliveSeconds}s;`,
    "reset_timedout_connection on;",
    `# A longer request line is answered 414, a longer header line or more header bytes 431 (JSON, see error_page).`,
    "client_header_buffer_size 1k;",
    `large_client_header_buffers ${NGINX_LARGE_HEADER_BUFFER_COUNT} ${NGINX_LARGE_HEADER_BUFFER_BYTES / 1024}k;`,
    "# Bodies above the api's MAX_BODY_BYTES are answered with 413 here and never reach gunicorn.",
    `client_max_body_size ${options.maxBodyBytes};`,
    `client_body_buffer_size ${Math.min(options.maxBodyBytes, MAX_CLIENT_BODY_BUFFER_BYTES)};`,
  ];
}

/** Every temp path under /tmp, so the proxy runs with a read-only root file system. */
function tempPaths(): ConfigLine[] {
  return ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
    (kind) => `${kind}_temp_path ${NGINX_RUNTIME_DIR}/${kind}_temp;`,
  );
}

function requestIdMap(): ConfigEntry[] {
  return [
    "# The client's X-Request-ID when it is a safe token, else one generated by nginx.",
    block(`map $http_x_request_id ${REQUEST_ID_VARIABLE}`, [
      `"~${ACCEPTED_REQUEST_ID_PATTERN}" $http_x_request_id;`,
      "default $request_id;",
    ]),
  ];
}

function forwardedProtoMap(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  if (!options.trustForwardedHeaders) {
    return [];
  }
  return [
    block(`map $http_x_forwarded_proto ${FORWARDED_PROTO_VARIABLE}`, [
      '"~^https?$" $http_x_forwarded_proto;',
      "default $scheme;",
    ]),
  ];
}

/** True when the config mirrors a share of prediction requests to a candidate. */
function shadowOn(options: ResolvedNginxConfigOptions): boolean {
  return options.candidate !== null && options.candidate.shadowPercent > 0;
}

/** `$name`, or with shadow on the map that keeps its value from before the shadow location ran. */
function loggedVariable(name: (typeof SHADOW_FROZEN_LOG_VARIABLES)[number], frozen: boolean): string {
  return frozen ? `$model_service_log_${name}` : `$${name}`;
}

function accessLog(frozen: boolean): ConfigEntry[] {
  const logged = (name: (typeof SHADOW_FROZEN_LOG_VARIABLES)[number]) => loggedVariable(name, frozen);
  const fields = [
    '"time":"$time_iso8601"',
    `"request_id":"${REQUEST_ID_VARIABLE}"`,
    '"remote_addr":"$remote_addr"',
    '"method":"$request_method"',
    '"uri":"$request_uri"',
    `"status":${logged("status")}`,
    '"body_bytes_sent":$body_bytes_sent',
    `"request_time":${logged("request_time")}`,
    `"upstream_addr":"${logged("upstream_addr")}"`,
    `"upstream_status":"${logged("upstream_status")}"`,
    `"upstream_response_time":"${logged("upstream_response_time")}"`,
    '"user_agent":"$http_user_agent"',
  ];
  const quotedParts = fields.map((field, index) => `${INDENT}'${index === 0 ? "{" : ""}${field}${index === fields.length - 1 ? "}" : ","}'`);
  return [
    ...(frozen
      ? [
          "# A shadow request runs after the client's answer, as part of the same request: the log line keeps the",
          "# client's status and times as they were when its answer was sent (the shadow location reads these first).",
          ...SHADOW_FROZEN_LOG_VARIABLES.map((name) => block(`map $${name} ${loggedVariable(name, true)}`, [`default $${name};`])),
        ]
      : []),
    [`log_format ${ACCESS_LOG_FORMAT} escape=json`, ...quotedParts].join("\n") + ";",
    // stdout is a pipe that Docker's log driver drains; an unbuffered write() that waits for it stalls every
    // connection of the nginx worker. Lines are written in batches: at 64 KiB, or at the latest after 1 s.
    `access_log /dev/stdout ${ACCESS_LOG_FORMAT} buffer=${ACCESS_LOG_BUFFER} flush=${ACCESS_LOG_FLUSH};`,
  ];
}

function gzipSettings(options: ResolvedNginxConfigOptions): ConfigLine[] {
  if (!options.gzip) {
    return ["gzip off;"];
  }
  return [
    "gzip on;",
    "gzip_types application/json;",
    `gzip_min_length ${options.gzipMinLengthBytes};`,
    "gzip_proxied any;",
    "gzip_vary on;",
  ];
}

function rateLimitZone(rateLimit: NginxRateLimit | null): ConfigLine[] {
  if (rateLimit === null) {
    return [];
  }
  return [
    "",
    `limit_req_zone $binary_remote_addr zone=${RATE_LIMIT_ZONE}:${RATE_LIMIT_ZONE_SIZE} rate=${rateLimit.requestsPerSecond}r/s;`,
    "limit_req_status 429;",
    "limit_req_log_level warn;",
  ];
}

function upstreamDiscovery(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  if (options.resolver === null) {
    return [upstreamBlock(options)];
  }
  const resolver = options.resolver;
  return [
    `# The replicas behind ${options.upstreams[0].host} are looked up per request (answers kept ${resolver.validSeconds}s): replicas`,
    "# come and go without a reload, so client keep-alive connections are never closed by one.",
    `resolver ${resolver.address} valid=${resolver.validSeconds}s ipv6=off;`,
    `resolver_timeout ${RESOLVER_TIMEOUT_SECONDS}s;`,
  ];
}

function connectionLimitZone(maxConnectionsPerClient: number): ConfigLine[] {
  if (maxConnectionsPerClient === 0) {
    return [];
  }
  return [
    "",
    `limit_conn_zone $binary_remote_addr zone=${CONNECTION_LIMIT_ZONE}:${CONNECTION_LIMIT_ZONE_SIZE};`,
    "limit_conn_status 429;",
    "limit_conn_log_level warn;",
  ];
}

function upstreamBlock(options: ResolvedNginxConfigOptions): ConfigEntry {
  return block(`upstream ${UPSTREAM_NAME}`, [
    "# Names are resolved at start and at every reload: `nginx-reload` applies a changed replica set.",
    `zone ${UPSTREAM_NAME} ${UPSTREAM_ZONE_SIZE};`,
    `# A replica that fails is skipped for ${UPSTREAM_FAIL_TIMEOUT_SECONDS}s, then tried again: a restarted one is back in rotation soon.`,
    ...options.upstreams.map((upstream) => `server ${upstream.host}:${upstream.port} max_fails=1 fail_timeout=${UPSTREAM_FAIL_TIMEOUT_SECONDS}s;`),
    ...upstreamKeepalive(options),
  ]);
}

function upstreamKeepalive(options: ResolvedNginxConfigOptions): ConfigLine[] {
  const idleTimeoutMs = deriveUpstreamIdleTimeoutMs(options.upstreamKeepaliveSeconds);
  if (idleTimeoutMs === null) {
    return ["# gunicorn keepalive is 0: no upstream connection reuse."];
  }
  return [
    `# Idle connections close before gunicorn's keepalive (${options.upstreamKeepaliveSeconds}s) closes them.`,
    `keepalive ${options.upstreamKeepaliveConnections};`,
    `keepalive_timeout ${nginxDuration(idleTimeoutMs)};`,
  ];
}

/** Whole seconds as `Ns`, anything else as `Nms`. */
function nginxDuration(milliseconds: number): string {
  return milliseconds % 1000 === 0 ? `${milliseconds / 1000}s` : `${milliseconds}ms`;
}

function serverContext(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  const errorResponses = nginxErrorResponsesFor(options);
  return [
    `listen ${NGINX_LISTEN_PORT}${options.tls ? " ssl" : ""} default_server;`,
    "server_name _;",
    ...tlsSettings(options),
    "",
    `add_header X-Request-ID ${REQUEST_ID_VARIABLE} always;`,
    ...errorResponses.map(errorPageDirective),
    "",
    healthLocation(),
    "",
    proxyLocation(options),
    ...candidateLocations(options),
    ...errorResponses.flatMap((response) => ["", errorLocation(response)]),
  ];
}

function tlsSettings(options: ResolvedNginxConfigOptions): ConfigLine[] {
  if (!options.tls) {
    return [];
  }
  return [
    `ssl_certificate ${NGINX_TLS_CERTIFICATE_FILE};`,
    `ssl_certificate_key ${NGINX_TLS_PRIVATE_KEY_FILE};`,
    "ssl_protocols TLSv1.2 TLSv1.3;",
    "ssl_prefer_server_ciphers off;",
    `ssl_session_cache ${TLS_SESSION_CACHE};`,
    "ssl_session_timeout 1h;",
    "ssl_session_tickets off;",
    'add_header Strict-Transport-Security "max-age=31536000" always;',
  ];
}

/**
 * `error_page 413 /_model_service/error/413;`, or `error_page 494 =431 ...;` where the status sent differs from the
 * one raised. The targets are internal URIs, not named locations: nginx cannot redirect to a named location when it
 * fails while reading the request line (414, 400), because the request has no URI yet.
 */
function errorPageDirective(response: NginxErrorResponse): ConfigLine {
  const rewrite = response.raised === response.status ? "" : ` =${response.status}`;
  return `error_page ${response.raised}${rewrite} ${errorLocationPath(response.raised)};`;
}

function healthLocation(): ConfigEntry {
  return block(`location = ${NGINX_HEALTH_PATH}`, [
    "# Answered by nginx itself; never touches the api. Not logged (the HEALTHCHECK polls it).",
    "access_log off;",
    `return 200 '{"status":"ok"}';`,
  ]);
}

/** The per-client request rate and connection limits of a location that clients' requests reach. */
function clientLimits(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  return [
    ...rateLimitRule(options.rateLimit),
    ...(options.maxConnectionsPerClient === 0 ? [] : [`limit_conn ${CONNECTION_LIMIT_ZONE} ${options.maxConnectionsPerClient};`]),
  ];
}

/** A request proxied to the api by `proxyTo` (its `proxy_pass` lines): the forwarded headers and the timeouts. */
function proxiedRequest(options: ResolvedNginxConfigOptions, proxyTo: ConfigEntry[]): ConfigEntry[] {
  return [...proxyTo, ...forwardingHeaders(options), "proxy_hide_header X-Request-ID;", "", ...proxyTimeouts(options), ""];
}

function proxyLocation(options: ResolvedNginxConfigOptions): ConfigEntry {
  return block("location /", [
    ...candidateSplit(options),
    ...clientLimits(options),
    ...proxiedRequest(options, proxyPass(options)),
    ...retryPolicy(options),
    ...shadowMirror(options),
  ]);
}

/**
 * With a candidate: which version a request goes to (`split_clients` on the sticky header's value, or on
 * `$request_id`), and which prediction requests are mirrored to it. The candidate's share is on a line ending with
 * `NGINX_CANDIDATE_WEIGHT_MARKER`; without that line every request goes to stable.
 */
function candidateRouting(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  const candidate = options.candidate;
  if (candidate === null) {
    return [];
  }
  const entries: ConfigEntry[] = ["", `# A candidate version beside the stable one: ${candidate.trafficPercent}% of live requests, ${candidate.shadowPercent}% mirrored.`];
  if (options.resolver === null) {
    entries.push(
      block(`upstream ${CANDIDATE_UPSTREAM_NAME}`, [
        `zone ${CANDIDATE_UPSTREAM_NAME} ${UPSTREAM_ZONE_SIZE};`,
        `server ${candidate.upstream.host}:${candidate.upstream.port} max_fails=1 fail_timeout=${UPSTREAM_FAIL_TIMEOUT_SECONDS}s;`,
        ...upstreamKeepalive(options),
      ]),
    );
  }
  if (candidate.trafficPercent > 0) {
    const sticky = candidate.stickyHeader;
    if (sticky !== undefined) {
      entries.push(
        `# The same ${sticky} always reaches the same version; requests without it are split at random.`,
        block(`map $http_${sticky.toLowerCase().replace(/-/g, "_")} ${ROUTE_KEY_VARIABLE}`, ['"" $request_id;', `default $http_${sticky.toLowerCase().replace(/-/g, "_")};`]),
      );
    }
    entries.push(
      `# Deleting the line marked candidate-weight sends every live request to stable (what a failed gate does).`,
      block(`split_clients "${sticky === undefined ? "$request_id" : ROUTE_KEY_VARIABLE}" ${VERSION_VARIABLE}`, [
        `${candidate.trafficPercent}% candidate; ${NGINX_CANDIDATE_WEIGHT_MARKER}`,
        "* stable;",
      ]),
    );
  }
  if (candidate.shadowPercent > 0) {
    entries.push(
      "# Prediction requests are mirrored to the candidate as shadow traffic, the given share of them.",
      block(`map $request_method$request_uri ${SHADOW_PATH_VARIABLE}`, [...SHADOW_REQUESTS, "default 0;"]),
      block(`split_clients "$request_id" ${SHADOW_SHARE_VARIABLE}`, [`${candidate.shadowPercent}% 1;`, "* 0;"]),
      "# ... and only those that stable answered with a 2xx: the others have no prediction to compare.",
      block(`map ${SHADOW_PATH_VARIABLE}${SHADOW_SHARE_VARIABLE}${loggedVariable("status", true)} ${SHADOW_VARIABLE}`, ['"~^112\\d\\d$" 1;', "default 0;"]),
      "# The shadow requests in flight in the shadow relay (its server is the last one), counted in one zone.",
      `limit_conn_zone $server_port zone=${SHADOW_RELAY_LIMIT_ZONE}:${SHADOW_RELAY_LIMIT_ZONE_SIZE};`,
    );
  }
  return entries;
}

/** In `location /`: a request the split gives to the candidate moves to the candidate's location. */
function candidateSplit(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  if (options.candidate === null || options.candidate.trafficPercent === 0) {
    return [];
  }
  return [block(`if (${VERSION_VARIABLE} = candidate)`, [`rewrite ^ ${CANDIDATE_LOCATION} last;`])];
}

function shadowMirror(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  if (options.candidate === null || options.candidate.shadowPercent === 0) {
    return [];
  }
  return [
    "",
    "# Shadow traffic: once the client has this location's (stable) answer, the request goes on to the shadow location,",
    "# so the candidate starts on it only then and never computes at the same moment as stable for the same request.",
    `post_action ${SHADOW_LOCATION};`,
  ];
}

/** `proxy_pass` to the original request URI (the location's own URI is an internal one) of the stable or candidate upstreams. */
function proxyPassOriginalUri(options: ResolvedNginxConfigOptions, target: "stable" | "candidate"): ConfigLine[] {
  const candidate = options.candidate;
  const upstream = target === "stable" || candidate === null ? options.upstreams[0] : candidate.upstream;
  if (options.resolver === null) {
    return [
      `proxy_pass http://${target === "stable" ? UPSTREAM_NAME : CANDIDATE_UPSTREAM_NAME}$request_uri;`,
      "proxy_http_version 1.1;",
      'proxy_set_header Connection "";',
    ];
  }
  const variable = target === "stable" ? UPSTREAM_ADDRESS_VARIABLE : CANDIDATE_ADDRESS_VARIABLE;
  return [
    `set ${variable} ${upstream.host}:${upstream.port};`,
    `proxy_pass http://${variable}$request_uri;`,
    "proxy_http_version 1.1;",
    "proxy_set_header Connection close;",
  ];
}

/**
 * The candidate's location (live requests the split gave it), the stable location its failures fall back to, and
 * the shadow location that mirrored requests go to.
 */
function candidateLocations(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  const candidate = options.candidate;
  if (candidate === null) {
    return [];
  }
  const locations: ConfigEntry[] = [];
  if (candidate.trafficPercent > 0) {
    locations.push(
      "",
      block(`location = ${CANDIDATE_LOCATION}`, [
        "internal;",
        ...clientLimits(options),
        ...proxiedRequest(options, proxyPassOriginalUri(options, "candidate")),
        "# A candidate request that fails (connection error, timeout, 5xx) is answered by stable; the body is buffered, so a POST is sent again.",
        "proxy_next_upstream off;",
        "proxy_request_buffering on;",
        "proxy_intercept_errors on;",
        `error_page ${STABLE_FALLBACK_STATUSES.join(" ")} = ${STABLE_LOCATION};`,
        "# error_page here replaces the server's list, so nginx's other JSON errors (429, 413, ...) are listed again.",
        ...nginxErrorResponsesFor(options)
          .filter((response) => !STABLE_FALLBACK_STATUSES.includes(response.raised))
          .map(errorPageDirective),
      ]),
      "",
      block(`location ${STABLE_LOCATION}`, [
        "# nginx's own JSON errors still apply when stable fails too.",
        "recursive_error_pages on;",
        ...proxiedRequest(options, proxyPassOriginalUri(options, "stable")),
        ...retryPolicy(options),
      ]),
    );
  }
  if (candidate.shadowPercent > 0) {
    const ms = nginxDuration(candidate.shadowTimeoutMs);
    locations.push(
      "",
      block(`location = ${SHADOW_LOCATION}`, [
        "internal;",
        "# Read (and kept for the access log) before anything here changes them.",
        `set ${SHADOW_FROZEN_LOG_SET_VARIABLE} "${SHADOW_FROZEN_LOG_VARIABLES.map((name) => loggedVariable(name, true)).join(" ")}";`,
        "# Only prediction requests, only the shadow share; the others end here without reaching the candidate.",
        block(`if (${SHADOW_VARIABLE} = 0)`, ["return 204;"]),
        "# Handed to the shadow relay, which answers as soon as it has read the body: nginx takes the client's next",
        "# request only once this request has ended, so the candidate's pace never sets the client's. A new connection",
        "# per request, since the relay holds each one until its own request to the candidate has ended.",
        `proxy_pass http://${SHADOW_RELAY_ADDRESS}$request_uri;`,
        "proxy_http_version 1.1;",
        "proxy_set_header Connection close;",
        ...forwardingHeaders(options, true),
        `# Should the relay not answer, the client's connection is held at most ${ms}.`,
        ...shadowTimeouts(ms),
      ]),
    );
  }
  return locations;
}

/**
 * The shadow relay: a second server on 127.0.0.1 inside the proxy container that answers each mirrored request at
 * once and mirrors it on to the candidate over connections of its own, bounded in number and in time.
 */
function shadowRelayServer(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  const candidate = options.candidate;
  if (candidate === null || candidate.shadowPercent === 0) {
    return [];
  }
  const ms = nginxDuration(candidate.shadowTimeoutMs);
  const maxInFlight = deriveShadowRelayMaxInFlight(options.workerConnections);
  return [
    "",
    "# The shadow relay: mirrored requests from the server above, answered at once and mirrored on to the candidate,",
    "# so a slow or dead candidate holds this server's connections only, never a client's. Reached from this",
    "# container only.",
    block("server", [
      `listen ${SHADOW_RELAY_ADDRESS};`,
      "# Copies of client requests that the server above has logged already: not logged again.",
      "access_log off;",
      `# At most ${maxInFlight} shadow requests in flight (each holds this server's connection and one to the candidate);`,
      "# more are answered 503 at once, never reach the candidate, and nobody sees that answer.",
      `limit_conn ${SHADOW_RELAY_LIMIT_ZONE} ${maxInFlight};`,
      "limit_conn_status 503;",
      "limit_conn_log_level info;",
      "",
      block("location /", [
        "# The mirror reads the whole body and starts the candidate's request; then empty_gif answers at once: with 405",
        "# to a POST, sent as an empty 204 (`return` would end the request before the mirror starts).",
        `mirror ${SHADOW_RELAY_CANDIDATE_LOCATION};`,
        "mirror_request_body on;",
        "empty_gif;",
        `error_page 405 =204 ${SHADOW_RELAY_ACCEPTED_LOCATION};`,
      ]),
      "",
      block(`location ${SHADOW_RELAY_ACCEPTED_LOCATION}`, ["return 204;"]),
      "",
      block(`location = ${SHADOW_RELAY_CANDIDATE_LOCATION}`, [
        "internal;",
        ...proxyPassOriginalUri(options, "candidate"),
        "# The headers the server above set, passed on as they came; only the proxy marks a request as shadow.",
        "proxy_set_header Host $host;",
        "proxy_set_header X-Real-IP $http_x_real_ip;",
        "proxy_set_header X-Forwarded-For $http_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;",
        "proxy_set_header X-Request-ID $http_x_request_id;",
        `proxy_set_header ${NGINX_SHADOW_HEADER} 1;`,
        `# A slow or dead candidate holds a relay connection (and a place in the limit above) at most ${ms}.`,
        ...shadowTimeouts(ms),
      ]),
    ]),
  ];
}

/** The bounds of a shadow request: connect, send and read within `duration`, no retry. */
function shadowTimeouts(duration: string): ConfigLine[] {
  return [`proxy_connect_timeout ${duration};`, `proxy_read_timeout ${duration};`, `proxy_send_timeout ${duration};`, "proxy_next_upstream off;"];
}


function proxyPass(options: ResolvedNginxConfigOptions): ConfigLine[] {
  if (options.resolver === null) {
    return [`proxy_pass http://${UPSTREAM_NAME};`, "proxy_http_version 1.1;", 'proxy_set_header Connection "";'];
  }
  const upstream = options.upstreams[0];
  return [
    // A variable in proxy_pass makes nginx resolve the name at request time through `resolver`.
    `set ${UPSTREAM_ADDRESS_VARIABLE} ${upstream.host}:${upstream.port};`,
    `proxy_pass http://${UPSTREAM_ADDRESS_VARIABLE};`,
    "proxy_http_version 1.1;",
    "proxy_set_header Connection close;",
  ];
}

function rateLimitRule(rateLimit: NginxRateLimit | null): ConfigLine[] {
  if (rateLimit === null) {
    return [];
  }
  const burst = rateLimit.burst > 0 ? ` burst=${rateLimit.burst} nodelay` : "";
  return [`limit_req zone=${RATE_LIMIT_ZONE}${burst};`];
}

function forwardingHeaders(options: ResolvedNginxConfigOptions, shadow = false): ConfigLine[] {
  const forwardedFor = options.trustForwardedHeaders ? "$proxy_add_x_forwarded_for" : "$remote_addr";
  const forwardedProto = options.trustForwardedHeaders ? FORWARDED_PROTO_VARIABLE : "$scheme";
  return [
    "proxy_set_header Host $host;",
    "proxy_set_header X-Real-IP $remote_addr;",
    `proxy_set_header X-Forwarded-For ${forwardedFor};`,
    `proxy_set_header X-Forwarded-Proto ${forwardedProto};`,
    `proxy_set_header X-Request-ID ${REQUEST_ID_VARIABLE};`,
    // With a candidate, only the proxy's own mirror marks a request as shadow: a client's header is dropped.
    ...(options.candidate === null ? [] : [`proxy_set_header ${NGINX_SHADOW_HEADER} ${shadow ? "1" : '""'};`]),
  ];
}

function proxyTimeouts(options: ResolvedNginxConfigOptions): ConfigLine[] {
  const timeouts = deriveProxyTimeouts(options.upstreamTimeoutSeconds, options.connectTimeoutSeconds);
  return [
    `# Read/send timeouts = gunicorn timeout (${options.upstreamTimeoutSeconds}s) + margin: gunicorn ends a slow request first.`,
    `proxy_connect_timeout ${timeouts.connectSeconds}s;`,
    `proxy_read_timeout ${timeouts.readSeconds}s;`,
    `proxy_send_timeout ${timeouts.sendSeconds}s;`,
  ];
}

function retryPolicy(options: ResolvedNginxConfigOptions): ConfigLine[] {
  const timeouts = deriveProxyTimeouts(options.upstreamTimeoutSeconds, options.connectTimeoutSeconds);
  const conditions = ["error", "timeout", "http_502", "http_503", ...(options.retryNonIdempotent ? ["non_idempotent"] : [])];
  return [
    options.retryNonIdempotent
      ? "# POST is retried too: predictions have no side effects."
      : "# POST is not retried (retryNonIdempotent: false).",
    `proxy_next_upstream ${conditions.join(" ")};`,
    `proxy_next_upstream_tries ${options.nextUpstreamTries};`,
    `proxy_next_upstream_timeout ${timeouts.nextUpstreamSeconds}s;`,
  ];
}

function errorLocation(response: NginxErrorResponse): ConfigEntry {
  const body = `{"error":{"code":"${response.code}","message":"${response.message}","request_id":"${REQUEST_ID_VARIABLE}"}}`;
  return block(`location = ${errorLocationPath(response.raised)}`, [
    "internal;",
    "# Never reads the body; without this, a request over the body limit would get nginx's HTML 413 here.",
    "client_max_body_size 0;",
    "default_type application/json;",
    `return ${response.status} '${body}';`,
  ]);
}

/** Where nginx's own error `status` is answered; `internal`, so a client asking for it directly gets the JSON 404. */
function errorLocationPath(status: number): string {
  return `${ERROR_LOCATION_PREFIX}${status}`;
}

function block(header: string, body: readonly ConfigEntry[]): ConfigBlock {
  return { header, body };
}

function printEntries(entries: readonly ConfigEntry[], depth: number): string[] {
  return entries.flatMap((entry) => (typeof entry === "string" ? printLine(entry, depth) : printBlock(entry, depth)));
}

function printBlock(entry: ConfigBlock, depth: number): string[] {
  const indent = INDENT.repeat(depth);
  return [`${indent}${entry.header} {`, ...printEntries(entry.body, depth + 1), `${indent}}`];
}

function printLine(line: ConfigLine, depth: number): string[] {
  return line.split("\n").map((part) => (part === "" ? "" : INDENT.repeat(depth) + part));
}
