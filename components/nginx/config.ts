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
  NGINX_SHADOW_FORWARD_PORT,
  NGINX_SHADOW_HEADER,
  NGINX_SHADOW_MAX_BODY_BYTES,
  deriveProxyTimeouts,
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
const SHADOW_BODY_FITS_VARIABLE = "$model_service_shadow_body_fits";
const SHADOW_TARGET_VARIABLE = "$model_service_shadow_target";
const CANDIDATE_LOCATION = "/_model_service/candidate";
/** The access log format of the copies of mirrored requests: one JSON object a request (the datagram's message). */
const SHADOW_LOG_FORMAT = "model_service_shadow";
/** Where the access log sends the copies: the stream server inside the proxy container that forwards them. */
const SHADOW_FORWARD_ADDRESS = `127.0.0.1:${NGINX_SHADOW_FORWARD_PORT}`;
/** The stream module of Debian's libnginx-mod-stream (in the proxy image), loaded only with shadow traffic. */
const STREAM_MODULE_FILE = "/usr/lib/nginx/modules/ngx_stream_module.so";
const STABLE_LOCATION = "@model_service_stable";
/** The statuses of a candidate request (its own, or nginx's when the candidate is unreachable) that stable answers instead. */
const STABLE_FALLBACK_STATUSES: readonly number[] = [500, 502, 503, 504];
/**
 * The prediction requests that are mirrored as shadow traffic, `POST /predict` and `POST /v2/models/{name}/infer`,
 * keyed on `$request_method$uri`: a request the split gave to the candidate has the candidate location's URI.
 */
const SHADOW_REQUESTS = ['"~^POST/predict$" 1;', '"~^POST/v2/models/[^/]+/infer$" 1;'];
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
    ...(shadowOn(options) ? [`load_module ${STREAM_MODULE_FILE};`] : []),
    `worker_processes ${options.workerProcesses};`,
    `pid ${NGINX_RUNTIME_DIR}/nginx.pid;`,
    "error_log stderr warn;",
    "",
    block("events", [`worker_connections ${options.workerConnections};`]),
    "",
    block("http", httpContext(options)),
    ...shadowForwarder(options),
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
    ...accessLog(),
    ...shadowCopies(options),
    "",
    ...gzipSettings(options),
    ...rateLimitZone(options.rateLimit),
    ...connectionLimitZone(options.maxConnectionsPerClient),
    "",
    ...upstreamDiscovery(options),
    ...candidateRouting(options),
    "",
    block("server", serverContext(options)),
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

function accessLog(): ConfigEntry[] {
  const fields = [
    '"time":"$time_iso8601"',
    `"request_id":"${REQUEST_ID_VARIABLE}"`,
    '"remote_addr":"$remote_addr"',
    '"method":"$request_method"',
    '"uri":"$request_uri"',
    '"status":$status',
    '"body_bytes_sent":$body_bytes_sent',
    '"request_time":$request_time',
    '"upstream_addr":"$upstream_addr"',
    '"upstream_status":"$upstream_status"',
    '"upstream_response_time":"$upstream_response_time"',
    '"user_agent":"$http_user_agent"',
  ];
  return [
    jsonLogFormat(ACCESS_LOG_FORMAT, fields),
    // stdout is a pipe that Docker's log driver drains; an unbuffered write() that waits for it stalls every
    // connection of the nginx worker. Lines are written in batches: at 64 KiB, or at the latest after 1 s.
    `access_log /dev/stdout ${ACCESS_LOG_FORMAT} buffer=${ACCESS_LOG_BUFFER} flush=${ACCESS_LOG_FLUSH};`,
  ];
}

/** `log_format name escape=json` of a JSON object with `fields` (each `"key":value`), one quoted part a field. */
function jsonLogFormat(name: string, fields: readonly string[]): ConfigLine {
  const quotedParts = fields.map((field, index) => `${INDENT}'${index === 0 ? "{" : ""}${field}${index === fields.length - 1 ? "}" : ","}'`);
  return [`log_format ${name} escape=json`, ...quotedParts].join("\n") + ";";
}

/**
 * With shadow on: a second access log that sends each mirrored request, once its client has stable's answer, as one
 * datagram to the stream server below (`shadowForwarder`), which hands it on to a candidate replica's shadow
 * listener. The message is the JSON object the listener replays (api/modelserver/serving/shadow_listener.py): the
 * method, the URI, the headers to send and the body. A datagram costs nginx one write that waits for nobody, so
 * the candidate's pace never reaches a client.
 */
function shadowCopies(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  if (!shadowOn(options)) {
    return [];
  }
  const headers = [
    ["Content-Type", "$content_type"],
    ["Authorization", "$http_authorization"],
    ["X-API-Key", "$http_x_api_key"],
    ...forwardedHeaders(options),
    [NGINX_SHADOW_HEADER, "1"],
  ];
  const fields = [
    '"method":"$request_method"',
    '"uri":"$request_uri"',
    `"headers":{${headers.map(([name, value]) => `"${name}":"${value}"`).join(",")}}`,
    '"body":"$request_body"',
  ];
  return [
    "",
    "# Shadow traffic: a copy of each mirrored request goes, after the client's answer, as one datagram to the",
    `# stream server on ${SHADOW_FORWARD_ADDRESS}, which forwards it to a candidate replica (see the stream block).`,
    jsonLogFormat(SHADOW_LOG_FORMAT, fields),
    `access_log syslog:server=${SHADOW_FORWARD_ADDRESS},tag=${SHADOW_LOG_FORMAT},nohostname ${SHADOW_LOG_FORMAT} if=${SHADOW_VARIABLE};`,
  ];
}

/**
 * With shadow on: the stream server that forwards each copy (a datagram from `shadowCopies`) to the shadow listener
 * of a candidate replica, looked up through the resolver like the candidate upstream, and expects no answer.
 */
function shadowForwarder(options: ResolvedNginxConfigOptions): ConfigEntry[] {
  const candidate = options.candidate;
  if (candidate === null || !shadowOn(options)) {
    return [];
  }
  const target = `${candidate.upstream.host}:${candidate.shadowPort}`;
  const lookup =
    options.resolver === null
      ? [`proxy_pass ${target};`]
      : [
          ...resolverLines(options.resolver),
          `set ${SHADOW_TARGET_VARIABLE} ${target};`,
          `proxy_pass ${SHADOW_TARGET_VARIABLE};`,
        ];
  return [
    "",
    "# Shadow traffic: the copies of mirrored requests, forwarded to the candidate's shadow listeners. A copy that",
    "# cannot be delivered (no candidate replica, a full listener) is lost; clients never wait for it.",
    block("stream", [
      block("server", [
        `listen ${SHADOW_FORWARD_ADDRESS} udp;`,
        ...lookup,
        "proxy_responses 0;",
        "proxy_timeout 1s;",
      ]),
    ]),
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
    ...resolverLines(resolver),
  ];
}

/** The `resolver` directives that look names up per request through `resolver` (http and stream alike). */
function resolverLines(resolver: NonNullable<ResolvedNginxConfigOptions["resolver"]>): ConfigLine[] {
  return [`resolver ${resolver.address} valid=${resolver.validSeconds}s ipv6=off;`, `resolver_timeout ${RESOLVER_TIMEOUT_SECONDS}s;`];
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
      "# Prediction requests are mirrored to the candidate as shadow traffic, the given share of them...",
      block(`map $request_method$uri ${SHADOW_PATH_VARIABLE}`, [...SHADOW_REQUESTS, "default 0;"]),
      block(`split_clients "$request_id" ${SHADOW_SHARE_VARIABLE}`, [`${candidate.shadowPercent}% 1;`, "* 0;"]),
      `# ... whose body fits in one datagram (at most ${NGINX_SHADOW_MAX_BODY_BYTES} bytes) ...`,
      block(`map $content_length ${SHADOW_BODY_FITS_VARIABLE}`, [`"~^${digitsAtMost(NGINX_SHADOW_MAX_BODY_BYTES)}$" 1;`, "default 0;"]),
      "# ... and that stable answered with a 2xx: the others have no prediction to compare.",
      block(`map ${SHADOW_PATH_VARIABLE}${SHADOW_SHARE_VARIABLE}${SHADOW_BODY_FITS_VARIABLE}$status ${SHADOW_VARIABLE}`, ['"~^1112\\d\\d$" 1;', "default 0;"]),
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

/** The candidate's location (live requests the split gave it) and the stable location its failures fall back to. */
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
  return locations;
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

/** The headers that tell the api who asked and which request it is: name and nginx value, as the proxy sends them. */
function forwardedHeaders(options: ResolvedNginxConfigOptions): [string, string][] {
  return [
    ["X-Real-IP", "$remote_addr"],
    ["X-Forwarded-For", options.trustForwardedHeaders ? "$proxy_add_x_forwarded_for" : "$remote_addr"],
    ["X-Forwarded-Proto", options.trustForwardedHeaders ? FORWARDED_PROTO_VARIABLE : "$scheme"],
    ["X-Request-ID", REQUEST_ID_VARIABLE],
  ];
}

function forwardingHeaders(options: ResolvedNginxConfigOptions): ConfigLine[] {
  return [
    "proxy_set_header Host $host;",
    ...forwardedHeaders(options).map(([name, value]) => `proxy_set_header ${name} ${value};`),
    // With a candidate, only the proxy's own copies are marked as shadow: a client's header is dropped.
    ...(options.candidate === null ? [] : [`proxy_set_header ${NGINX_SHADOW_HEADER} "";`]),
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

/** A regular expression (without anchors) matching the decimal numbers 0 to `max`, without leading zeros. */
export function digitsAtMost(max: number): string {
  const digits = String(max);
  if (digits.length === 1) {
    return `[0-${digits}]`;
  }
  const alternatives = [digits.length === 2 ? "\\d" : `\\d{1,${digits.length - 1}}`];
  for (let index = 0; index < digits.length; index += 1) {
    const digit = Number(digits[index]);
    const last = index === digits.length - 1;
    const low = index === 0 ? 1 : 0;
    const high = last ? digit : digit - 1;
    if (high >= low) {
      const rest = digits.length - index - 1;
      alternatives.push(`${digits.slice(0, index)}${low === high ? String(low) : `[${low}-${high}]`}${rest > 1 ? `\\d{${rest}}` : rest === 1 ? "\\d" : ""}`);
    }
  }
  return `(?:${alternatives.join("|")})`;
}
