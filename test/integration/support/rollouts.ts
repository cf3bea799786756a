/**
 * The rollout scenario: one running stack, changed by one `pulumi up` after another while steady keep-alive
 * traffic goes through nginx on the published loopback port. The rollout test asserts on each step's report, the
 * rollout bench prints them. Steps run in order; each one's config change applies to the stack as the previous
 * steps left it.
 */
import { join } from "node:path";
import type { ConfigMap, Stack } from "@pulumi/pulumi/automation/index.js";
import { startSteadyLoad, type LoadReport, type LoadRequest } from "./steadyLoad.js";

export const NAMESPACE = "model-service";
const SETOSA = [5.1, 3.5, 1.4, 0.2];

/** What every connection sends in turn: the classic route and the Open Inference Protocol one. */
export const ROLLOUT_REQUESTS: readonly LoadRequest[] = [
  { method: "POST", path: "/predict", body: { instances: [SETOSA] } },
  {
    method: "POST",
    path: "/v2/models/iris/infer",
    body: { inputs: [{ name: "input-0", shape: [1, 4], datatype: "FP64", data: SETOSA }] },
  },
];

/** One change of the scenario. */
export interface RolloutStep {
  /** What changes, as the README's table names it. */
  readonly name: string;
  /** Config keys (without namespace) to set; `null` removes the key. */
  readonly config: Readonly<Record<string, string | null>>;
  /** The `up` must fail (a bad release); the service must keep serving the previous version. */
  readonly expectUpToFail?: boolean;
  /** The port the load goes to while `up` runs, when it is not the stack's current one. */
  readonly portDuringUp?: number;
  /** After `up`, load on this port (the new one) must not fail. */
  readonly portAfterUp?: number;
  /** The model version `/metadata` reports after the step. */
  readonly versionAfter: string;
  /**
   * The step changes the proxy config, applied by one graceful nginx reload. nginx closes the client keep-alive
   * connections that are idle at that instant; a request a client sends on one of them at the same moment gets
   * a reset (docs/rollouts.md). At most one request per connection, and never an HTTP error.
   */
  readonly reloadsProxy?: boolean;
}

export function rolloutSteps(repoRoot: string, basePort: number): RolloutStep[] {
  const fixtures = join(repoRoot, "test", "integration", "fixtures");
  return [
    {
      name: "model change (1.0.0 -> 2.0.0)",
      config: { modelDir: join(fixtures, "iris-rules"), smokeTestInstances: JSON.stringify([SETOSA]) },
      versionAfter: "2.0.0",
    },
    { name: "replicas 2 -> 4", config: { replicas: "4" }, versionAfter: "2.0.0" },
    { name: "replicas 4 -> 1", config: { replicas: "1" }, versionAfter: "2.0.0" },
    { name: "replicas 1 -> 2", config: { replicas: "2" }, versionAfter: "2.0.0" },
    { name: "api: gunicornWorkers 1 -> 2 (replaces every replica)", config: { gunicornWorkers: "2" }, versionAfter: "2.0.0" },
    {
      name: "api: environment and apiMemoryMb (replaces every replica)",
      config: { environment: JSON.stringify({ ROLLOUT_MARK: "2" }), apiMemoryMb: "448" },
      versionAfter: "2.0.0",
    },
    {
      name: "proxy: rateLimit set (reload in place)",
      config: { rateLimit: JSON.stringify({ requestsPerSecond: 100000, burst: 100000 }) },
      versionAfter: "2.0.0",
      reloadsProxy: true,
    },
    {
      name: "proxy + api: maxBodyBytes and gunicornTimeoutSeconds",
      config: { maxBodyBytes: "2097152", gunicornTimeoutSeconds: "40" },
      versionAfter: "2.0.0",
      reloadsProxy: true,
    },
    {
      name: "bad model (does not load): up fails, old replicas serve",
      config: { modelDir: join(fixtures, "broken-model") },
      expectUpToFail: true,
      versionAfter: "2.0.0",
    },
    {
      name: "good model after the bad one (built-in 1.0.0)",
      config: { modelDir: null, smokeTestInstances: null },
      versionAfter: "1.0.0",
    },
    {
      name: `published port ${basePort} -> ${basePort + 1}`,
      config: { hostPort: String(basePort + 1) },
      portDuringUp: basePort,
      portAfterUp: basePort + 1,
      versionAfter: "1.0.0",
    },
  ];
}

/** The stack config the scenario starts from. */
export function rolloutBaseConfig(basePort: number): ConfigMap {
  return {
    [`${NAMESPACE}:replicas`]: { value: "2" },
    [`${NAMESPACE}:hostPort`]: { value: String(basePort) },
    [`${NAMESPACE}:gunicornWorkers`]: { value: "1" },
    [`${NAMESPACE}:gunicornThreads`]: { value: "2" },
    [`${NAMESPACE}:apiCpus`]: { value: "0.5" },
    [`${NAMESPACE}:startupTimeoutSeconds`]: { value: "45" },
  };
}

export interface StepResult {
  readonly step: RolloutStep;
  /** Load while `up` ran (from its start until it returned, plus a short tail). */
  readonly duringUp: LoadReport;
  /** Load on `portAfterUp` after `up` returned, when the step names one. */
  readonly afterUp?: LoadReport;
  readonly upSeconds: number;
  /** The error of an `up` that failed. */
  readonly upError?: string;
  /** What `pulumi preview` said the step changes, e.g. `{ create: 2, replace: 1 }`. */
  readonly preview: Record<string, number>;
}

export interface StepOptions {
  /** Pause after each answer on a connection, ms (see `SteadyLoadOptions.pauseMs`). */
  readonly pauseMs: number;
  readonly connections: number;
  /** ms of load after `up` returns, so what happens right after it counts too. */
  readonly tailMs: number;
  /** Address the service is published on, when not loopback (a test host in a namespace the test made). */
  readonly host?: string;
}

/** Applies one step to the stack under load: preview, then `up` while the load runs, and reports both. */
export async function runRolloutStep(stack: Stack, step: RolloutStep, currentPort: number, options: StepOptions): Promise<StepResult> {
  for (const [key, value] of Object.entries(step.config)) {
    if (value === null) await stack.removeConfig(`${NAMESPACE}:${key}`);
    else await stack.setConfig(`${NAMESPACE}:${key}`, { value });
  }
  const preview = await stack.preview({ onOutput: () => undefined });
  const changes = Object.fromEntries(Object.entries(preview.changeSummary).filter(([op, count]) => op !== "same" && count > 0));
  const load = startSteadyLoad({
    host: options.host,
    port: step.portDuringUp ?? currentPort,
    requests: ROLLOUT_REQUESTS,
    connections: options.connections,
    pauseMs: options.pauseMs,
    maxDurationMs: 600_000,
  });
  const started = performance.now();
  let upError: string | undefined;
  try {
    await stack.up({ onOutput: () => undefined });
  } catch (error) {
    upError = String((error as Error).message ?? error).slice(-2000);
  }
  const upSeconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, options.tailMs));
  const duringUp = await load.stop();
  let afterUp: LoadReport | undefined;
  if (step.portAfterUp !== undefined) {
    const after = startSteadyLoad({
      host: options.host,
      port: step.portAfterUp,
      requests: ROLLOUT_REQUESTS,
      connections: options.connections,
      pauseMs: options.pauseMs,
      maxDurationMs: options.tailMs * 2,
    });
    await new Promise((resolve) => setTimeout(resolve, options.tailMs * 2));
    afterUp = await after.stop();
  }
  return { step, duringUp, afterUp, upSeconds, upError, preview: changes };
}

/** The Markdown table of a scenario run. */
export function rolloutTable(results: readonly StepResult[]): string {
  const rows = results.map((r) => {
    const failed = r.duringUp.non2xx + r.duringUp.connectionErrors;
    const after = r.afterUp === undefined ? "" : `; after up on the new port: ${r.afterUp.non2xx + r.afterUp.connectionErrors} of ${r.afterUp.sent}`;
    const preview = Object.entries(r.preview).map(([op, n]) => `${op} ${n}`).join(", ") || "no changes";
    const up = r.upError === undefined ? `${r.upSeconds.toFixed(1)} s` : `${r.upSeconds.toFixed(1)} s (failed, as expected: ${r.step.expectUpToFail ? "yes" : "NO"})`;
    return `| ${r.step.name} | ${r.duringUp.sent} | ${failed} (${r.duringUp.non2xx} non-2xx, ${r.duringUp.connectionErrors} conn.)${after} | ${r.duringUp.longestGapMs} ms | ${up} | ${preview} |`;
  });
  return [
    "| change | requests | failed | longest gap between successes | `up` | preview |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
