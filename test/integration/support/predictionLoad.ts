/**
 * Steady prediction traffic through nginx while a fault is injected: `concurrency` loops of keep-alive requests,
 * each loop stopping at `stop()`, after `maxDurationMs` or after `maxRequests` requests in all, whichever comes
 * first. Every request is recorded with its time and outcome, so failures and recovery can be read off afterwards.
 */

/** One request's outcome. */
export interface LoadSample {
  /** Milliseconds since the load started, when the request ended. */
  readonly at: number;
  readonly status: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface LoadOptions {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly concurrency: number;
  readonly maxDurationMs: number;
  readonly maxRequests: number;
  /** A request slower than this counts as failed. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** fetch options for TLS etc. (undici dispatcher). */
  readonly dispatcher?: unknown;
}

/** What a finished load saw. */
export interface LoadReport {
  readonly samples: readonly LoadSample[];
  readonly total: number;
  readonly failed: number;
  readonly failureRate: number;
  readonly durationMs: number;
  readonly firstFailures: readonly LoadSample[];
}

export interface SteadyLoad {
  /** Milliseconds since the load started. */
  elapsed(): number;
  stop(): Promise<LoadReport>;
}

export function startSteadyLoad(options: LoadOptions): SteadyLoad {
  const started = Date.now();
  const samples: LoadSample[] = [];
  let stopped = false;
  const deadline = started + options.maxDurationMs;
  const running = () => !stopped && Date.now() < deadline && samples.length < options.maxRequests;

  const loop = async () => {
    while (running()) {
      try {
        const response = await fetch(options.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...options.headers },
          body: options.body,
          signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10_000),
          ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
        } as RequestInit);
        const text = await response.text();
        const ok = response.status === 200 && text.includes('"predictions"');
        samples.push({ at: Date.now() - started, status: response.status, ok, ...(ok ? {} : { error: text.slice(0, 200) }) });
      } catch (error) {
        samples.push({ at: Date.now() - started, status: 0, ok: false, error: String(error).slice(0, 200) });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency }, loop);

  return {
    elapsed: () => Date.now() - started,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      const failures = samples.filter((sample) => !sample.ok);
      return {
        samples,
        total: samples.length,
        failed: failures.length,
        failureRate: samples.length === 0 ? 1 : failures.length / samples.length,
        durationMs: Date.now() - started,
        firstFailures: failures.slice(0, 10),
      };
    },
  };
}
