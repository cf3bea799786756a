/**
 * Zero failed requests during every kind of `pulumi up` (docs/rollouts.md): the reference stack on the real engine
 * and Docker, changed step by step (rolloutSteps) while 8 keep-alive connections send POST /predict and V2 infer
 * through nginx on the published loopback port. Each step must lose no request, except that a proxy config reload
 * may reset a request sent on an idle keep-alive connection at that instant (at most one per connection; see
 * docs/rollouts.md); a bad model must fail `up` while the previous replicas keep serving; after a port change the
 * new port must serve.
 */
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchStack, type ScratchStack } from "./support/pulumi.js";
import { rolloutBaseConfig, rolloutSteps, rolloutTable, runRolloutStep, type StepResult } from "./support/rollouts.js";
import { summariseFailures } from "./support/steadyLoad.js";
import { ensureBuilt } from "../support/build.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BASE_PORT = 18600;
const STACK = `e2e-rollouts-${process.pid}`;
/** Steady, not flat out: 8 connections with a short pause leave the 2 CPUs to the deployment being measured. */
const LOAD = { connections: 8, pauseMs: 5, tailMs: 2_000 };

describe("rollouts under load through nginx: no failed request", () => {
  let scratch: ScratchStack;
  let port = BASE_PORT;
  const results: StepResult[] = [];

  beforeAll(async () => {
    ensureBuilt();
    scratch = await createScratchStack(repoRoot, STACK);
    await scratch.stack.setAllConfig(rolloutBaseConfig(BASE_PORT));
    await scratch.stack.up({ onOutput: () => undefined });
  }, 900_000);

  afterAll(async () => {
    if (results.length > 0) console.log(`\nRollouts under load (${LOAD.connections} connections, ${LOAD.pauseMs} ms pause):\n${rolloutTable(results)}\n`);
    await scratch?.dispose();
    rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
  }, 600_000);

  const metadataVersion = async (onPort: number): Promise<string> => {
    const response = await fetch(`http://127.0.0.1:${onPort}/metadata`, { signal: AbortSignal.timeout(10_000) });
    return ((await response.json()) as { version: string }).version;
  };

  for (const step of rolloutSteps(repoRoot, BASE_PORT)) {
    it(step.name, async () => {
      const result = await runRolloutStep(scratch.stack, step, port, LOAD);
      results.push(result);
      const report = result.duringUp;
      const context = `${step.name}: ${summariseFailures(report)}`;
      if (step.expectUpToFail) {
        expect(result.upError, "the bad release must fail `pulumi up`").toBeDefined();
      } else {
        expect(result.upError, context).toBeUndefined();
      }
      expect(report.ok, context).toBeGreaterThan(50);
      if (step.reloadsProxy) {
        // One reload: no HTTP error at all; at most one reset per connection, each on a reused idle connection.
        expect(report.non2xx, context).toBe(0);
        expect(report.connectionErrors, context).toBeLessThanOrEqual(LOAD.connections);
        expect(report.failures.every((failure) => failure.cause === "ECONNRESET" || failure.cause === "socket hang up"), context).toBe(true);
      } else if (step.portAfterUp === undefined) {
        // The port stays: not one request may fail, from the start of `up` to 2 s after it returned.
        expect(report.non2xx, context).toBe(0);
        expect(report.connectionErrors, context).toBe(0);
      } else {
        // Connections to the old port may drop when its proxy goes; the new port must serve once `up` returned.
        const after = result.afterUp!;
        expect(after.non2xx + after.connectionErrors, `${step.name}, new port: ${summariseFailures(after)}`).toBe(0);
        expect(after.ok).toBeGreaterThan(50);
        port = step.portAfterUp;
      }
      expect(await metadataVersion(port)).toBe(step.versionAfter);
    }, 900_000);
  }

  it("a changed setting previews as a small diff, and an unchanged stack as none", async () => {
    const preview = await scratch.stack.preview({ onOutput: () => undefined });
    expect(Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n > 0)).toEqual([]);
    const byName = new Map(results.map((r) => [r.step.name, r.preview]));
    // Scaling up creates containers and re-runs the smoke test; nothing is replaced or deleted.
    expect(byName.get("replicas 2 -> 4")).toEqual({ create: 2, replace: 1 });
    // The rate limit is a proxy config change: applied in place, no container replaced.
    expect(byName.get("proxy: rateLimit set (reload in place)")).toEqual({ update: 1, replace: 1 });
  }, 300_000);
});
