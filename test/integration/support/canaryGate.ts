/** What a canary gate reported in a failed `up`'s error, as components/commands/canaryGate.awk writes it. */

/** The measured values of a p99-ratio gate that failed against `maxRatio`. */
export interface FailedP99Gate {
  readonly ratio: number;
  readonly candidateP99: number;
  readonly stableP99: number;
}

/** The p99-ratio gate's failing line in `error`, or null when there is none. */
export function failedP99Gate(error: string | undefined, maxRatio: number): FailedP99Gate | null {
  const max = String(maxRatio).replace(".", "\\.");
  const line = new RegExp(`p99 latency ratio ([0-9.e+]+) \\(candidate p99 ([0-9.e+]+) ms, stable p99 ([0-9.e+]+) ms\\) vs max ${max}: FAIL`).exec(error ?? "");
  if (line === null) return null;
  const [ratio, candidateP99, stableP99] = line.slice(1).map(Number);
  return { ratio, candidateP99, stableP99 };
}
