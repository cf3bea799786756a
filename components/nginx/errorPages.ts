/**
 * The errors nginx answers itself, before or instead of the api: each gets a JSON body in the api's error shape
 * `{"error": {"code", "message", "request_id"}}`, so a client never sees an HTML page from the proxy, whether the
 * error is raised while nginx reads the request line and headers (400, 414, 431), while it reads the body (408,
 * 411, 413), on a limit (429) or on the way to the api (502, 503, 504). The api's own errors pass through unchanged
 * (`proxy_intercept_errors` stays off), so these apply only where nginx answers itself. Pure: no I/O.
 */
import {
  NGINX_LARGE_HEADER_BUFFER_BYTES,
  NGINX_LARGE_HEADER_BUFFER_COUNT,
  deriveProxyTimeouts,
  type ResolvedNginxConfigOptions,
} from "./options.js";

/** The JSON error answer nginx itself gives for one status. */
export interface NginxErrorResponse {
  /** HTTP status sent to the client. */
  readonly status: number;
  /**
   * The status nginx raises internally, when it is not the one sent: nginx's own 494 (request header too large) is
   * sent as 431, and 497 (plain HTTP to the HTTPS port) as 400. Equal to `status` otherwise.
   */
  readonly raised: number;
  /** Machine readable reason, the `error.code` of the body. */
  readonly code: string;
  /** Human readable reason, the `error.message` of the body. */
  readonly message: string;
}

/** Every error nginx may answer itself under `options`, in status order. */
export function nginxErrorResponsesFor(options: ResolvedNginxConfigOptions): readonly NginxErrorResponse[] {
  const { readSeconds } = deriveProxyTimeouts(options.upstreamTimeoutSeconds, options.connectTimeoutSeconds);
  const headerBytes = NGINX_LARGE_HEADER_BUFFER_BYTES;
  const responses: NginxErrorResponse[] = [
    same(400, "bad_request", "the request could not be parsed: malformed request line, headers or framing"),
    same(404, "not_found", "no such path"),
    same(405, "method_not_allowed", "this method is not allowed"),
    same(408, "request_timeout", `the request body did not arrive within ${options.clientTimeouts.bodySeconds} seconds`),
    same(411, "length_required", "this request needs a Content-Length header"),
    same(413, "payload_too_large", `request body is larger than ${options.maxBodyBytes} bytes`),
    same(414, "uri_too_long", `the request line is longer than ${headerBytes} bytes`),
    same(429, "rate_limited", "too many requests or connections from this client address"),
    {
      status: 431,
      raised: 494,
      code: "request_header_fields_too_large",
      message: `a request header is longer than ${headerBytes} bytes, or all headers together exceed ${headerBytes * NGINX_LARGE_HEADER_BUFFER_COUNT} bytes`,
    },
    same(500, "internal_error", "internal server error"),
    same(501, "not_implemented", "this transfer encoding or method is not implemented"),
    same(502, "bad_gateway", "no api replica could be reached"),
    same(503, "unavailable", "the service is temporarily unavailable"),
    same(504, "gateway_timeout", `the api did not answer within ${readSeconds} seconds`),
    same(505, "http_version_not_supported", "this HTTP version is not supported"),
  ];
  if (options.tls) {
    responses.push({ status: 400, raised: 497, code: "https_required", message: "this port serves HTTPS only" });
  }
  return responses;
}

function same(status: number, code: string, message: string): NginxErrorResponse {
  return { status, raised: status, code, message };
}
