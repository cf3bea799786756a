import { commandScript } from "./scripts.js";

/**
 * The canary gate (canaryGate.sh, judging with canaryGate.awk): after a change that sends live traffic to a
 * candidate, it reads every replica's `/metrics` for a window and compares the candidate with stable: live
 * requests, error rate, p99 latency ratio and, with shadow traffic, prediction agreement. When all hold it prints
 * them and exits 0; when one fails it runs `nginx-drop-candidate` in the proxy (the candidate's live share goes
 * back to 0% in place) and exits 1 with the measured values against the thresholds. The last line it prints is a
 * JSON summary.
 *
 * It runs inside the proxy container, where every replica's api answers: `docker exec -i <proxy> sh -s` with
 * `CANARY_GATE_SCRIPT` on standard input and `canaryGateEnvironment(...)` (plus `API_KEY` when API keys are on:
 * `/metrics` needs it) in its environment. It needs only sh, curl and awk, which the proxy image has.
 */

/** The judgement, an awk program (canaryGate.awk without its header). */
export const CANARY_GATE_AWK = commandScript("canaryGate.awk");

/** The interpreter the proxy container runs the gate with, reading the script from standard input. */
export const CANARY_GATE_SHELL: readonly string[] = ["sh", "-s"];

/** The script the gate runs: the awk program in `CANARY_GATE_AWK`, then canaryGate.sh. */
export const CANARY_GATE_SCRIPT = gateScript(CANARY_GATE_AWK, commandScript("canaryGate.sh"));

/** `script` preceded by the assignment of `program` to `CANARY_GATE_AWK`, single-quoted (so it may hold no `'`). */
export function gateScript(program: string, script: string): string {
  if (program.includes("'")) {
    throw new Error("canaryGate.awk must not contain a single quote: the gate passes it to sh in single quotes");
  }
  return `CANARY_GATE_AWK='${program}'\n${script}`;
}

/** The thresholds of one gate. */
export interface CanaryGateThresholds {
  /** Seconds the gate watches. */
  readonly windowSeconds: number;
  /** Highest share of the candidate's live requests answered with a 5xx, 0-1. */
  readonly maxErrorRate: number;
  /** Highest candidate p99 latency / stable p99 latency. */
  readonly maxP99LatencyRatio: number;
  /** Lowest prediction agreement with stable on shadow requests, 0-1; undefined: not gated. */
  readonly minAgreement?: number;
  /** Fewest live candidate requests in the window to judge it; fewer fails the gate ("not enough traffic"). */
  readonly minRequests: number;
}

/**
 * The gate's environment (without `API_KEY`): the thresholds and the `host:port` of every replica's api as the
 * proxy reaches it. Plain strings, sorted by name.
 */
export function canaryGateEnvironment(
  thresholds: CanaryGateThresholds,
  stableTargets: readonly string[],
  candidateTargets: readonly string[],
): Record<string, string> {
  const all = { ...canaryGateThresholdEnvironment(thresholds), ...canaryGateTargetEnvironment(stableTargets, candidateTargets) };
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
}

/** The gate's thresholds and window: known from the stack's config alone, so a preview shows them. */
export function canaryGateThresholdEnvironment(thresholds: CanaryGateThresholds): Record<string, string> {
  return {
    MAX_ERROR_RATE: String(thresholds.maxErrorRate),
    MAX_P99_LATENCY_RATIO: String(thresholds.maxP99LatencyRatio),
    MIN_AGREEMENT: thresholds.minAgreement === undefined ? "" : String(thresholds.minAgreement),
    MIN_REQUESTS: String(thresholds.minRequests),
    WINDOW_SECONDS: String(thresholds.windowSeconds),
  };
}

/** The replicas the gate reads (`<address>:<port>`, space-separated): known once their containers exist. */
export function canaryGateTargetEnvironment(stableTargets: readonly string[], candidateTargets: readonly string[]): Record<string, string> {
  return { CANDIDATE_TARGETS: candidateTargets.join(" "), STABLE_TARGETS: stableTargets.join(" ") };
}
