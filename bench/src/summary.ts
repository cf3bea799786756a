/** Repeated load samples to medians per scenario and stack, and the targets checked against them. Pure. */
import { median, throughputDrift, worstSecondRatio } from "./stats.js";
import type { MeasuredLoad } from "./loadRun.js";

export type StackName = "seed" | "ours";

/** One measured load: which scenario, which stack, which round. */
export interface Sample {
  readonly scenario: string;
  readonly stack: StackName;
  readonly round: number;
  readonly result: MeasuredLoad;
}

/** Medians over the rounds of one scenario on one stack. */
export interface ScenarioSummary {
  readonly scenario: string;
  readonly stack: StackName;
  readonly rounds: number;
  readonly requestsPerSecond: number;
  /** Rows per second (requests per second times rows per request). */
  readonly rowsPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  /** The largest latency seen in any round. */
  readonly maxMs: number;
  /** Errors summed over all rounds. */
  readonly errors: number;
  /** Mean of the last 10 s over the first 10 s: the round furthest from 1. */
  readonly worstDrift: number;
  /** Slowest second against the median second: the lowest of the rounds. */
  readonly worstSecond: number;
  /** Median CPU% and memory per container (docker stats). */
  readonly usage: readonly { name: string; cpuPercent: number; memoryMiB: number }[];
}

export const DRIFT_WINDOW_SECONDS = 10;

export function summarize(samples: readonly Sample[], rowsPerRequest: Readonly<Record<string, number>>): ScenarioSummary[] {
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) {
    const key = `${sample.scenario}\u0000${sample.stack}`;
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  return [...groups.values()].map((group) => {
    const results = group.map((sample) => sample.result);
    const first = group[0]!;
    const rps = median(results.map((result) => result.requestsPerSecond));
    const drifts = results.map((result) => throughputDrift(result.timeline, DRIFT_WINDOW_SECONDS).ratio).filter(Number.isFinite);
    const worstDrift = drifts.length === 0 ? Number.NaN : drifts.reduce((worst, value) => (Math.abs(value - 1) > Math.abs(worst - 1) ? value : worst));
    const seconds = results.map((result) => worstSecondRatio(result.timeline)).filter(Number.isFinite);
    return {
      scenario: first.scenario,
      stack: first.stack,
      rounds: group.length,
      requestsPerSecond: rps,
      rowsPerSecond: rps * (rowsPerRequest[first.scenario] ?? 1),
      p50Ms: median(results.map((result) => result.p50Ms)),
      p90Ms: median(results.map((result) => result.p90Ms)),
      p99Ms: median(results.map((result) => result.p99Ms)),
      maxMs: Math.max(...results.map((result) => result.maxMs)),
      errors: results.reduce((sum, result) => sum + result.errors, 0),
      worstDrift,
      worstSecond: seconds.length === 0 ? Number.NaN : Math.min(...seconds),
      usage: medianUsage(results),
    };
  });
}

function medianUsage(results: readonly MeasuredLoad[]): ScenarioSummary["usage"] {
  const names = [...new Set(results.flatMap((result) => result.usage.map((usage) => usage.name)))].sort();
  return names.map((name) => {
    const usages = results.flatMap((result) => result.usage.filter((usage) => usage.name === name));
    return { name, cpuPercent: median(usages.map((usage) => usage.cpuPercent)), memoryMiB: median(usages.map((usage) => usage.memoryMiB)) };
  });
}

export function find(summaries: readonly ScenarioSummary[], scenario: string, stack: StackName): ScenarioSummary | undefined {
  return summaries.find((summary) => summary.scenario === scenario && summary.stack === stack);
}

/** One target of the issue: the measured value, the bound, whether it holds, and by how much it misses. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly required: string;
  readonly met: boolean;
  /** Empty when met; else how far off, e.g. "needs 1.31x more". */
  readonly shortBy: string;
}

export interface DeployFigures {
  readonly coldUpSeconds: number;
  readonly noopUpSeconds: number;
  readonly modelChangeServingSeconds: number;
}

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

function atLeast(target: string, value: number, bound: number, unit: string): TargetCheck {
  const met = Number.isFinite(value) && value >= bound;
  return { target, measured: `${fmt(value)}${unit}`, required: `>= ${fmt(bound)}${unit}`, met, shortBy: met ? "" : `${fmt(bound / value)}x short (${fmt((1 - value / bound) * 100, 0)}% below)` };
}

function atMost(target: string, value: number, bound: number, unit: string): TargetCheck {
  const met = Number.isFinite(value) && value <= bound;
  const over = bound === 0 ? `${fmt(value, 0)} over` : `${fmt(value / bound)}x over (${fmt((value / bound - 1) * 100, 0)}% above)`;
  return { target, measured: `${fmt(value)}${unit}`, required: `<= ${fmt(bound)}${unit}`, met, shortBy: met ? "" : over };
}

/** The targets of issue 11 against the medians (ratios of ours to the seed measured in the same run). */
export function checkTargets(summaries: readonly ScenarioSummary[], deploy: DeployFigures | undefined, sameWorkersScenario: string): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const seed32 = find(summaries, "nginx-c32", "seed");
  const ours32 = find(summaries, "nginx-c32", "ours");
  if (seed32 && ours32) {
    checks.push(atLeast("nginx c=32: ours / seed req/s", ours32.requestsPerSecond / seed32.requestsPerSecond, 2, "x"));
    checks.push(atMost("nginx c=32: ours / seed p99", ours32.p99Ms / seed32.p99Ms, 0.5, "x"));
    checks.push(atMost("nginx c=32: ours errors", ours32.errors, 0, ""));
    const drift = Math.abs(ours32.worstDrift - 1);
    checks.push(atMost("nginx c=32: ours last 10 s against first 10 s, worst round, distance from 1", drift, 0.1, ""));
  }
  const seedDirect = find(summaries, "direct-1w", "seed");
  const oursDirect = find(summaries, "direct-1w", "ours");
  if (seedDirect && oursDirect) {
    checks.push(atLeast("direct, 1 worker: ours / seed (1 sync worker) req/s", oursDirect.requestsPerSecond / seedDirect.requestsPerSecond, 0.9, "x"));
  }
  const oursSame = find(summaries, sameWorkersScenario, "ours");
  if (ours32 && oursSame) {
    checks.push(atLeast("ours: nginx c=32 / direct with the same workers", ours32.requestsPerSecond / oursSame.requestsPerSecond, 0.75, "x"));
  }
  if (deploy) {
    checks.push(atMost("cold up to the first prediction (warm layers)", deploy.coldUpSeconds, 60, " s"));
    checks.push(atMost("no-op up", deploy.noopUpSeconds, 5, " s"));
    checks.push(atMost("model-only change until the new version serves", deploy.modelChangeServingSeconds, 20, " s"));
  }
  return checks;
}
