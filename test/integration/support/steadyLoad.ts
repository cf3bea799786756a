/**
 * Steady keep-alive traffic against a service on loopback, for rollout tests and the rollout bench: N client
 * connections, each sending one request after another on its own keep-alive socket (no retries, like wrk), until
 * stopped or until its time or request budget runs out. Every answer is recorded, so a failure is named with its
 * time and cause, and the longest gap between two successful answers shows any pause in service.
 */
import * as http from "node:http";

/** One request the load sends, in turn with the others. */
export interface LoadRequest {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: unknown;
}

export interface SteadyLoadOptions {
  /** Port the service publishes. */
  readonly port: number;
  /**
   * Address it is published on: loopback (the default), or the address of a test host in a network namespace the
   * test made itself (a Swarm test bed node).
   */
  readonly host?: string;
  /** The requests each connection sends in turn. */
  readonly requests: readonly LoadRequest[];
  /** Client connections, each with its own keep-alive socket. Default 8. */
  readonly connections?: number;
  /** Pause after each answer on a connection, in ms; 0 sends the next request at once. Default 0. */
  readonly pauseMs?: number;
  /** Hard limit of the whole run in ms; the load stops by itself then. Default 600000. */
  readonly maxDurationMs?: number;
  /** Hard limit of requests in the whole run. Default 2000000. */
  readonly maxRequests?: number;
  /** Per request timeout in ms. Default 30000. */
  readonly requestTimeoutMs?: number;
}

/** A request that did not get a 2xx answer. */
export interface LoadFailure {
  /** ms since the load started. */
  readonly atMs: number;
  readonly request: string;
  /** `HTTP <status>: <body start>` or the socket error (`ECONNRESET`, `socket hang up`, ...). */
  readonly cause: string;
}

export interface LoadReport {
  readonly sent: number;
  readonly ok: number;
  /** Answers with a status outside 2xx. */
  readonly non2xx: number;
  /** Requests that got no answer: refused, reset, closed, timed out. */
  readonly connectionErrors: number;
  /** The longest time, in ms, between two successful answers (from the first success to the last). */
  readonly longestGapMs: number;
  readonly durationMs: number;
  /** Every failure, in order. */
  readonly failures: readonly LoadFailure[];
}

export interface RunningLoad {
  /** Stops sending, waits for the requests in flight and reports. */
  stop(): Promise<LoadReport>;
  /** Successful answers so far. */
  okCount(): number;
}

/** Starts the load; it runs until `stop()` or until its time or request limit. */
export function startSteadyLoad(options: SteadyLoadOptions): RunningLoad {
  const connections = options.connections ?? 8;
  const pauseMs = options.pauseMs ?? 0;
  const maxDurationMs = options.maxDurationMs ?? 600_000;
  const maxRequests = options.maxRequests ?? 2_000_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const started = performance.now();
  const successTimes: number[] = [];
  const failures: LoadFailure[] = [];
  let sent = 0;
  let non2xx = 0;
  let connectionErrors = 0;
  let stopping = false;
  const hardStop = setTimeout(() => {
    stopping = true;
  }, maxDurationMs);

  const loop = async (connection: number): Promise<void> => {
    // One socket per connection: maxSockets 1 and keepAlive, so requests reuse it until the server closes it.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let turn = connection;
    try {
      while (!stopping && sent < maxRequests) {
        const request = options.requests[turn % options.requests.length];
        turn += 1;
        sent += 1;
        const outcome = await send(agent, options.host ?? "127.0.0.1", options.port, request, requestTimeoutMs);
        const atMs = Math.round(performance.now() - started);
        if (outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300) {
          successTimes.push(performance.now());
        } else {
          if (outcome.status !== undefined) non2xx += 1;
          else connectionErrors += 1;
          failures.push({ atMs, request: `${request.method} ${request.path}`, cause: outcome.cause });
        }
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    } finally {
      agent.destroy();
    }
  };
  const loops = Array.from({ length: connections }, (_, connection) => loop(connection));

  return {
    okCount: () => successTimes.length,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      clearTimeout(hardStop);
      const times = [...successTimes].sort((a, b) => a - b);
      let longestGapMs = 0;
      for (let i = 1; i < times.length; i += 1) longestGapMs = Math.max(longestGapMs, times[i] - times[i - 1]);
      return {
        sent,
        ok: times.length,
        non2xx,
        connectionErrors,
        longestGapMs: Math.round(longestGapMs),
        durationMs: Math.round(performance.now() - started),
        failures,
      };
    },
  };
}

interface Outcome {
  readonly status?: number;
  readonly cause: string;
}

function send(agent: http.Agent, host: string, port: number, request: LoadRequest, timeoutMs: number): Promise<Outcome> {
  const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
  return new Promise((resolve) => {
    const req = http.request(
      {
        host,
        port,
        method: request.method,
        path: request.path,
        agent,
        timeout: timeoutMs,
        headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": payload.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          resolve({ status, cause: `HTTP ${status}: ${Buffer.concat(chunks).toString("utf8").slice(0, 200)}` });
        });
        res.on("error", (error: NodeJS.ErrnoException) => resolve({ cause: error.code ?? error.message }));
      },
    );
    req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })));
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ cause: error.code ?? error.message }));
    req.end(payload);
  });
}

/** A short human summary of a report's failures: counts per cause, with the first time each was seen. */
export function summariseFailures(report: LoadReport): string {
  const byCause = new Map<string, { count: number; firstAtMs: number }>();
  for (const failure of report.failures) {
    const key = `${failure.request} -> ${failure.cause}`;
    const entry = byCause.get(key) ?? { count: 0, firstAtMs: failure.atMs };
    entry.count += 1;
    byCause.set(key, entry);
  }
  return [...byCause.entries()].map(([cause, { count, firstAtMs }]) => `${count}x ${cause} (first at ${firstAtMs} ms)`).join("; ");
}
