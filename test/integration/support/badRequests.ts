/**
 * fast-check generators of bad HTTP requests for the deployed service, as raw bytes: malformed and deeply nested
 * JSON, wrong types, numbers out of range or not exactly representable, huge and empty batches, bad UTF-8, wrong and
 * missing content types, every method on every path, long URLs, long and many headers, bad V2 tensors and model
 * names with path tricks. Each request also carries the right key, a wrong key or none.
 */
import fc from "fast-check";

/** What the generators need to know about the service. */
export interface Target {
  readonly modelName: string;
  readonly apiKey: string;
  readonly maxBodyBytes: number;
  readonly maxBatchSize: number;
}

/** One generated request. */
export interface BadRequest {
  /** The category it came from (for the report). */
  readonly kind: string;
  readonly method: string;
  /** Request target, raw bytes allowed (latin1 string). */
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  /** The body, or the size of a body of `[` bytes made only when the request is sent (huge bodies). */
  readonly body: Buffer | number;
}

/** The bytes on the wire: request line, headers (Host and Connection: close added), body with its Content-Length. */
export function encodeRequest(request: BadRequest): Buffer {
  const body = typeof request.body === "number" ? Buffer.alloc(request.body, "[") : request.body;
  const lines = [`${request.method} ${request.target} HTTP/1.1`, "Host: 127.0.0.1", ...request.headers.map(([name, value]) => `${name}: ${value}`)];
  if (body.length > 0 && !request.headers.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name))) {
    lines.push(`Content-Length: ${body.length}`);
  }
  lines.push("Connection: close", "", "");
  return Buffer.concat([Buffer.from(lines.join("\r\n"), "latin1"), body]);
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "FOO", "get"];
const NUMBER_TEXTS = [
  "1e400", "-1e400", "1e-400", "4.9e-325", "1.7976931348623159e308", "0.1000000000000000055511151231257827021181583404541015625",
  "123456789012345678901234567890123456789", "-0", "NaN", "Infinity", "-Infinity", "+1", "01", ".5", "1.", "0x10", "1e", "--1",
  "9007199254740993", "2.2250738585072011e-308",
];

function paths(modelName: string): string[] {
  return [
    "/predict", "/health", "/ready", "/metadata", "/metrics", "/nginx-health", "/", "/nope", "/v2", "/v2/health/live",
    "/v2/health/ready", `/v2/models/${modelName}`, `/v2/models/${modelName}/ready`, `/v2/models/${modelName}/infer`,
    "/v2/models/other/infer", "/predict/", "//predict", "/PREDICT",
  ];
}

const TRICKY_MODEL_NAMES = [
  "..", "../predict", "..%2f..%2fetc%2fpasswd", "%2e%2e", "%2e%2e%2fmetadata", "iris%00", "iris%2500", "a/../../b", "%c0%ae%c0%ae",
  "\u00e9t\u00e9", "x".repeat(300), "%ff%fe", ".", "%20", "iris;rm", "iris?x=1", "iris#frag", "CON", "....//",
];

function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}

const row = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 0, maxLength: 8 });

/** Bodies for /predict: each a [kind, bytes] pair. */
function predictBodies(target: Target): fc.Arbitrary<[string, Buffer | number]> {
  const text = (kind: string, arb: fc.Arbitrary<string>) => arb.map((body): [string, Buffer] => [kind, Buffer.from(body, "utf8")]);
  return fc.oneof(
    text("malformed-json", fc.json().chain((json) => fc.integer({ min: 0, max: Math.max(0, json.length - 1) }).map((cut) => json.slice(0, cut) + "}"))),
    text("malformed-json", fc.string({ maxLength: 200 })),
    text("deeply-nested-json", fc.tuple(fc.integer({ min: 50, max: 200_000 }), fc.constantFrom("[", '{"a":')).map(([depth, open]) => open.repeat(depth))),
    text("deeply-nested-json", fc.integer({ min: 10, max: 5000 }).map((depth) => `{"instances": ${"[".repeat(depth)}1${"]".repeat(depth)}}`)),
    text("wrong-types", fc.anything({ maxDepth: 3 }).map((value) => jsonText({ instances: value }))),
    text("wrong-types", fc.anything({ maxDepth: 3 }).map((value) => jsonText(value))),
    text("wrong-types", fc.array(fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.object()), { maxLength: 6 }).map((values) => jsonText({ instances: [values] }))),
    text("numbers", fc.array(fc.constantFrom(...NUMBER_TEXTS), { minLength: 1, maxLength: 4 }).map((numbers) => `{"instances": [[${numbers.join(", ")}]]}`)),
    text("numbers", row.map((values) => jsonText({ instances: [values] }))),
    text("batches", fc.constantFrom("[]", '{"instances": []}', '{"instances": [[]]}', '{"instances": {}}', "{}", "null", '""')),
    text("batches", fc.integer({ min: target.maxBatchSize + 1, max: target.maxBatchSize * 3 }).map((rows) => jsonText({ instances: Array.from({ length: rows }, () => [5.1, 3.5, 1.4, 0.2]) }))),
    fc.integer({ min: target.maxBodyBytes + 1, max: target.maxBodyBytes + 65_536 }).map((size): [string, number] => ["huge-body", size]),
    fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 6 }), fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc0, 0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82])))
      .map(([noise, bad]): [string, Buffer] => ["bad-utf8", Buffer.concat([Buffer.from('{"instances": [["'), Buffer.from(noise), bad, Buffer.from('"]]}')])]),
  );
}

/** Bodies for /v2/models/{name}/infer with bad tensors. */
function inferBodies(): fc.Arbitrary<[string, Buffer]> {
  const datatype = fc.constantFrom("FP64", "FP32", "FP16", "INT64", "INT8", "UINT8", "BOOL", "BYTES", "FP128", "", "fp64", "STRING");
  const shape = fc.array(fc.oneof(fc.integer({ min: -2, max: 8 }), fc.constant(1_000_000_000), fc.constant(2 ** 53)), { minLength: 0, maxLength: 4 });
  const data = fc.oneof(row, fc.array(row, { maxLength: 4 }), fc.anything({ maxDepth: 2 }), fc.array(fc.string(), { maxLength: 4 }));
  const tensor = fc.record({ name: fc.oneof(fc.constant("input-0"), fc.string({ maxLength: 10 })), shape, datatype, data }, { requiredKeys: [] });
  return fc.oneof(
    fc.array(tensor, { maxLength: 3 }).map((inputs) => jsonText({ inputs })),
    fc.record({ inputs: fc.anything({ maxDepth: 2 }), outputs: fc.anything({ maxDepth: 1 }), id: fc.anything({ maxDepth: 1 }), parameters: fc.anything({ maxDepth: 1 }) }, { requiredKeys: [] }).map(jsonText),
  ).map((body): [string, Buffer] => ["bad-v2-tensor", Buffer.from(body, "utf8")]);
}

const contentTypes = fc.constantFrom(
  undefined, "application/json", "application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
  "application/json; charset=latin1", "application/jsonx", "", "application/json; charset=utf-16", "*/*", "application/cbor",
);

/** One header line that passes HTTP framing (no CR/LF), possibly huge. */
const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }).map((value) => value.replace(/[\r\n]/g, "")),
  fc.integer({ min: 1, max: 12_000 }).map((length) => "v".repeat(length)),
  fc.uint8Array({ maxLength: 20 }).map((bytes) => Buffer.from(bytes).toString("latin1").replace(/[\r\n\0]/g, "x")),
);
const headerName = fc.oneof(fc.constantFrom("X-Test", "Accept", "Accept-Encoding", "X-Request-ID", "User-Agent", "Cookie", "X-Forwarded-For", "Expect"), fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/));
const extraHeaders = fc.oneof(
  fc.array(fc.tuple(headerName, headerValue), { maxLength: 5 }),
  fc.integer({ min: 50, max: 300 }).map((count) => Array.from({ length: count }, (_, index): [string, string] => [`X-Many-${index}`, "x".repeat(100)])),
);

const auth = (target: Target) =>
  fc.constantFrom<"good" | "wrong" | "none">("good", "good", "good", "good", "good", "good", "wrong", "none").map((which): [string, string][] =>
    which === "good" ? [["Authorization", `Bearer ${target.apiKey}`]] : which === "wrong" ? [["X-API-Key", `${target.apiKey.slice(0, -1)}x`]] : [],
  );

/** Every kind of bad request, with a key (mostly the right one). */
export function badRequests(target: Target): fc.Arbitrary<BadRequest> {
  const allPaths = paths(target.modelName);
  const withBase = (kind: string, method: fc.Arbitrary<string>, targetPath: fc.Arbitrary<string>, body: fc.Arbitrary<[string, Buffer | number]>) =>
    fc.tuple(method, targetPath, body, contentTypes, extraHeaders, auth(target)).map(([m, t, [bodyKind, bytes], contentType, headers, key]): BadRequest => ({
      kind: kind === "" ? bodyKind : kind,
      method: m,
      target: t,
      headers: [...key, ...(contentType === undefined ? [] : [["Content-Type", contentType] as [string, string]]), ...headers],
      body: bytes,
    }));
  const noBody = fc.constant<[string, Buffer | number]>(["", Buffer.alloc(0)]);
  const longTarget = fc.integer({ min: 1000, max: 24_000 }).map((length) => `/predict?${"q".repeat(length)}`);
  const badTarget = fc.uint8Array({ minLength: 1, maxLength: 12 }).map((bytes) => `/predict/${Buffer.from(bytes).toString("latin1").replace(/[\s\0]/g, "%20")}`);
  return fc.oneof(
    { weight: 6, arbitrary: withBase("", fc.constant("POST"), fc.constant("/predict"), predictBodies(target)) },
    { weight: 3, arbitrary: withBase("", fc.constant("POST"), fc.constant(`/v2/models/${target.modelName}/infer`), inferBodies()) },
    { weight: 3, arbitrary: withBase("method-path", fc.constantFrom(...METHODS), fc.constantFrom(...allPaths), fc.oneof(noBody, predictBodies(target))) },
    { weight: 1, arbitrary: withBase("long-url", fc.constantFrom("GET", "POST"), longTarget, noBody) },
    { weight: 1, arbitrary: withBase("bad-utf8-url", fc.constantFrom("GET", "POST"), badTarget, noBody) },
    { weight: 2, arbitrary: withBase("model-name-trick", fc.constantFrom("GET", "POST"), fc.tuple(fc.constantFrom(...TRICKY_MODEL_NAMES), fc.constantFrom("", "/infer", "/ready")).map(([name, suffix]) => `/v2/models/${name}${suffix}`), fc.oneof(noBody, inferBodies())) },
  );
}
