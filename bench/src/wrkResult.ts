/**
 * One wrk run as the bench reads it: the `BENCH_RESULT {json}` line that bench/load/post-json.lua prints. Pure.
 */

/** What one wrk run measured. Latencies in milliseconds. */
export interface LoadResult {
  /** Responses received (any status). */
  readonly requests: number;
  /** Length of the run in seconds, as wrk measured it. */
  readonly seconds: number;
  /** Responses per second over the whole run. */
  readonly requestsPerSecond: number;
  /** Socket errors (connect, read, write, timeout) plus responses that were not 2xx/3xx. */
  readonly errors: number;
  /** The errors by kind, as wrk counts them. */
  readonly errorsByKind: Readonly<Record<"connect" | "read" | "write" | "status" | "timeout", number>>;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Responses by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Responses per whole second of the run, in order; the first and last (partial) seconds are dropped. */
  readonly timeline: readonly number[];
}

const RESULT_MARKER = "BENCH_RESULT ";

interface RawResult {
  requests: number;
  duration_us: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { p50: number; p90: number; p99: number; max: number };
  statuses: Record<string, number>;
  timeline: [number, number][];
}

/** Parses wrk's output; throws when the script's result line is missing (wrk failed or the script did not run). */
export function parseWrkOutput(output: string): LoadResult {
  const line = output
    .split("\n")
    .reverse()
    .find((candidate) => candidate.startsWith(RESULT_MARKER));
  if (line === undefined) {
    throw new Error(`wrk printed no ${RESULT_MARKER.trim()} line; its output was:\n${output.slice(-2000)}`);
  }
  const raw = JSON.parse(line.slice(RESULT_MARKER.length)) as RawResult;
  const seconds = raw.duration_us / 1e6;
  const socketErrors = raw.errors.connect + raw.errors.read + raw.errors.write + raw.errors.timeout;
  return {
    requests: raw.requests,
    seconds,
    requestsPerSecond: seconds > 0 ? raw.requests / seconds : 0,
    errors: socketErrors + raw.errors.status,
    errorsByKind: raw.errors,
    p50Ms: raw.latency_us.p50 / 1000,
    p90Ms: raw.latency_us.p90 / 1000,
    p99Ms: raw.latency_us.p99 / 1000,
    maxMs: raw.latency_us.max / 1000,
    statuses: raw.statuses,
    timeline: wholeSeconds(raw.timeline),
  };
}

/** Per-second counts sorted by time, gaps filled with 0, the partial first and last second dropped. */
export function wholeSeconds(points: readonly (readonly [number, number])[]): number[] {
  if (points.length < 3) {
    return [];
  }
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const first = sorted[0]![0];
  const last = sorted[sorted.length - 1]![0];
  const counts = new Map(sorted.map(([second, count]) => [second, count]));
  const seconds: number[] = [];
  for (let second = first + 1; second < last; second++) {
    seconds.push(counts.get(second) ?? 0);
  }
  return seconds;
}
