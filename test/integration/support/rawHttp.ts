/**
 * A deliberately minimal HTTP/1.1 client over a TCP socket, for requests no well-behaved client library would
 * send (bad UTF-8 in the request line, broken framing, huge headers) and for slow clients. Loopback only.
 */
import { connect, type Socket } from "node:net";
import { gunzipSync } from "node:zlib";

/** A parsed answer. `status` is 0 when the server closed without an HTTP answer. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly raw: Buffer;
  /** Milliseconds from connect to close. */
  readonly elapsedMs: number;
}

/** Sends `request` (whole bytes, the caller frames it) to 127.0.0.1:`port` and reads until the server closes. */
export function sendRaw(port: number, request: Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket = connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    // write, not end: a half-closed client looks like an aborted one to nginx (499), so the server must close first.
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // nginx may reset after answering a request it will not read further; keep what arrived.
      if (error.code !== "ECONNRESET" && error.code !== "EPIPE") {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks), Date.now() - started));
    });
  });
}

/** Parses one HTTP/1.x response: status line, headers, body (de-chunked, gunzipped). */
export function parseResponse(raw: Buffer, elapsedMs = 0): RawResponse {
  const headerEnd = raw.indexOf("\r\n\r\n");
  const head = (headerEnd < 0 ? raw : raw.subarray(0, headerEnd)).toString("latin1");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (match === null) {
    return { status: 0, headers: {}, body: raw.toString("utf8"), raw, elapsedMs };
  }
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  let body = headerEnd < 0 ? Buffer.alloc(0) : raw.subarray(headerEnd + 4);
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
    body = dechunk(body);
  }
  if (headers["content-encoding"]?.toLowerCase() === "gzip" && body.length > 0) {
    body = gunzipSync(body);
  }
  return { status: Number(match[1]), headers, body: body.toString("utf8"), raw, elapsedMs };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf("\r\n", offset);
    if (lineEnd < 0) {
      break;
    }
    const size = parseInt(body.subarray(offset, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) {
      break;
    }
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * A connection that sends `head` at once, then `trickle` a few bytes at a time, `intervalMs` apart; resolves when the
 * server closes it (or after `timeoutMs`, when it gives up itself).
 */
export function sendSlowly(
  port: number,
  head: Buffer,
  trickle: Buffer,
  bytesPerTick: number,
  intervalMs: number,
  timeoutMs: number,
): Promise<RawResponse & { sentBytes: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    let sent = 0;
    const socket: Socket = connect({ host: "127.0.0.1", port });
    const finish = () => {
      clearInterval(ticker);
      clearTimeout(timer);
      resolve({ ...parseResponse(Buffer.concat(chunks), Date.now() - started), sentBytes: sent });
    };
    socket.on("connect", () => socket.write(head));
    const ticker = setInterval(() => {
      if (sent < trickle.length && socket.writable) {
        socket.write(trickle.subarray(sent, sent + bytesPerTick));
        sent += bytesPerTick;
      }
    }, intervalMs);
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", finish);
  });
}
