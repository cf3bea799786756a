/**
 * Canary traffic on the real 3-node Swarm test bed (scripts/swarm-testbed), driven by the real Pulumi engine: the
 * candidate as its own service, weighted by the proxy on every node; its gate run through the manager in a proxy
 * task (targets from `tasks.<service>` in the overlay network); a failing candidate rolled back by the config at 0%
 * written into the proxy service's spec, which holds after the proxy tasks restart; promotion. Traffic goes only to the test bed nodes'
 * own addresses.
 *
 * A change of the candidate's weight changes the proxy's config, which on a Swarm lives in the proxy service's spec:
 * its tasks are replaced one node at a time, stop-first (host-mode ports, docs/rollouts.md), so a node refuses new
 * connections for the moment its nginx restarts. The load here is a client that does what a client spreading over
 * the nodes (or a load balancer in front of them) does: a connection a node refuses is opened on the next node; the
 * request was never sent, so it is not a failure. Every request that was sent and got no 2xx answer is one, and
 * the refused connections are counted and printed. Like the docker runtime's canary test with its reloads, a step
 * that restarts node 1's nginx may reset a request it had just accepted as it stops (at most one per connection per
 * restart, never an HTTP error): measured 5 of 38,202 and 6 of 11,866 (docs/rollouts.md).
 */
import { execFileSync } from "node:child_process";
import * as http from "node:http";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdHeavyLock, type HeldLock } from "../integration/support/heavyLock.js";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "../integration/support/pulumi.js";
import { NAMESPACE } from "../integration/support/rollouts.js";
import { nodeDocker, runningTasks, startTestbed, stopTestbed, swarmStackConfig, waitFor, type Testbed, type TestbedNode } from "./support/testbed.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixtures = join(repoRoot, "test", "integration", "fixtures");
const STACK = `swc-${process.pid}`;
const PORT = 18490;
const SETOSA = [5.1, 3.5, 1.4, 0.2];
const BODY = JSON.stringify({ instances: [SETOSA] });
const quiet = { onOutput: () => undefined };
const figures: Record<string, unknown> = {};
const CONNECTIONS = 6;
/** No HTTP error; at most one reset per connection for each restart of node 1's proxy in the step. */
function expectNoFailedRequest(tally: Tally, proxyRestarts: number): void {
  const context = tally.failures.slice(0, 10).join("; ");
  expect(tally.httpErrors, context).toBe(0);
  expect(tally.failed, context).toBeLessThanOrEqual(CONNECTIONS * proxyRestarts);
}

interface Tally {
  /** Answers by X-Model-Version. */
  readonly versions: Map<string, number>;
  /** Requests sent that got no 2xx answer (HTTP error, reset, timeout). */
  failed: number;
  /** Of those, the ones answered with an HTTP status outside 2xx. */
  httpErrors: number;
  /** Connections a node refused, opened on the next node instead (the request was never sent). */
  refused: number;
  sent: number;
  readonly failures: string[];
}

/** One POST /predict on a new connection to `nodes[first]`; a refused connection goes on to the next node. */
function predict(nodes: readonly TestbedNode[], first: number, tally: Tally): Promise<void> {
  const attempt = (offset: number): Promise<void> =>
    new Promise((resolve) => {
      const node = nodes[(first + offset) % nodes.length];
      const request = http.request(
        {
          host: node.address,
          port: PORT,
          method: "POST",
          path: "/predict",
          agent: false,
          timeout: 30_000,
          headers: { "Content-Type": "application/json", "Content-Length": String(BODY.length), Connection: "close" },
        },
        (response) => {
          response.resume();
          response.on("end", () => {
            if (response.statusCode === 200) {
              const version = String(response.headers["x-model-version"] ?? "none");
              tally.versions.set(version, (tally.versions.get(version) ?? 0) + 1);
            } else {
              tally.failed += 1;
              tally.httpErrors += 1;
              tally.failures.push(`node ${node.index}: HTTP ${response.statusCode}`);
            }
            resolve();
          });
        },
      );
      request.on("timeout", () => request.destroy(new Error("timeout")));
      request.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "ECONNREFUSED" && offset + 1 < nodes.length) {
          tally.refused += 1;
          resolve(attempt(offset + 1));
          return;
        }
        tally.failed += 1;
        tally.failures.push(`node ${node.index}: ${error.code ?? error.message}`);
        resolve();
      });
      request.end(BODY);
    });
  tally.sent += 1;
  return attempt(0);
}

/** `count` requests (at most `maxMs`) on `connections` workers, each starting at the manager node. */
async function requests(testbed: Testbed, count: number, connections: number, maxMs = 180_000): Promise<Tally> {
  const tally: Tally = { versions: new Map(), failed: 0, httpErrors: 0, refused: 0, sent: 0, failures: [] };
  const deadline = Date.now() + maxMs;
  const nodes = [testbed.manager, ...testbed.nodes.filter((node) => node.index !== testbed.manager.index)];
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count && Date.now() < deadline) {
        next += 1;
        await predict(nodes, 0, tally);
      }
    }),
  );
  return tally;
}

/** Steady load (bounded in time and count) until stopped. */
function steadyLoad(testbed: Testbed, connections: number): { stop(): Promise<Tally> } {
  const tally: Tally = { versions: new Map(), failed: 0, httpErrors: 0, refused: 0, sent: 0, failures: [] };
  const nodes = [testbed.manager, ...testbed.nodes.filter((node) => node.index !== testbed.manager.index)];
  const deadline = Date.now() + 600_000;
  let stopped = false;
  const workers = Array.from({ length: connections }, async () => {
    while (!stopped && tally.sent < 500_000 && Date.now() < deadline) {
      await predict(nodes, 0, tally);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
      return tally;
    },
  };
}

const share = (tally: Tally, version: string): number => ((tally.versions.get(version) ?? 0) / Math.max(1, tally.sent)) * 100;
const summary = (tally: Tally & { proxyUpdate?: string }) => ({
  sent: tally.sent,
  failed: tally.failed,
  httpErrors: tally.httpErrors,
  refusedAndSentElsewhere: tally.refused,
  versions: Object.fromEntries(tally.versions),
  ...(tally.proxyUpdate === undefined ? {} : { proxyUpdate: tally.proxyUpdate }),
});

describe("canary traffic on a 3-node Docker Swarm", () => {
  let lock: HeldLock;
  let testbed: Testbed;
  let scratch: ScratchStack;
  let candidateService = "";
  let proxyService = "";

  const setCandidate = async (candidate: Record<string, unknown> | null) => {
    if (candidate === null) await scratch.stack.removeConfig(`${NAMESPACE}:candidate`);
    else await scratch.stack.setConfig(`${NAMESPACE}:candidate`, { value: JSON.stringify(candidate) });
  };
  const upUnderLoad = async (): Promise<{ tally: Tally; seconds: number; error?: string }> => {
    const load = steadyLoad(testbed, CONNECTIONS);
    const started = performance.now();
    let error: string | undefined;
    try {
      await scratch.stack.up(quiet);
    } catch (caught) {
      error = String((caught as Error).message ?? caught);
    }
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const tally = await load.stop();
    const proxyUpdate = nodeDocker(testbed.manager, ["service", "inspect", "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}: {{.UpdateStatus.Message}}{{end}}", proxyService]);
    return { tally: Object.assign(tally, { proxyUpdate }), seconds, error };
  };
  /** The nginx config in the proxy service's spec. */
  const proxyConfig = (): string => {
    const env = JSON.parse(nodeDocker(testbed.manager, ["service", "inspect", "--format", "{{json .Spec.TaskTemplate.ContainerSpec.Env}}", proxyService])) as string[];
    const entry = env.find((value) => value.startsWith("NGINX_CONF_B64=")) ?? "";
    return Buffer.from(entry.slice("NGINX_CONF_B64=".length), "base64").toString("utf8");
  };
  /** Every node's proxy task runs the current spec (the provider does not wait for a global service). */
  const proxiesConverged = () =>
    waitFor(() => {
      const state = nodeDocker(testbed.manager, ["service", "inspect", "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", proxyService]);
      return (state === "" || state === "completed") && runningTasks(testbed.manager, proxyService).length === testbed.nodes.length;
    }, 120_000);

  beforeAll(async () => {
    requireProviderPlugins(repoRoot);
    lock = await holdHeavyLock();
    execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: "inherit" });
    testbed = startTestbed(repoRoot, 3);
    scratch = await createScratchStack(repoRoot, STACK);
    await scratch.stack.setAllConfig(
      Object.fromEntries(Object.entries(swarmStackConfig(testbed, 2, PORT)).map(([key, value]) => [`${NAMESPACE}:${key}`, value])),
    );
    const started = performance.now();
    const result = await scratch.stack.up(quiet);
    figures.deploySeconds = Math.round((performance.now() - started) / 100) / 10;
    proxyService = String(result.outputs.proxyServiceName.value);
  }, 900_000);

  afterAll(async () => {
    console.log(`\nSwarm canary figures: ${JSON.stringify(figures, null, 2)}\n`);
    try {
      await scratch?.dispose();
    } finally {
      rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
      stopTestbed(repoRoot);
      lock?.release();
    }
  }, 900_000);

  it("adds a gated candidate at 10% under load with no failed request; it answers 10% +/- 2 points", async () => {
    await setCandidate({ modelDir: join(fixtures, "iris-rules"), trafficPercent: 10, gates: { windowSeconds: 15, minRequests: 10, maxP99LatencyRatio: 5 } });
    const { tally, seconds, error } = await upUnderLoad();
    const outputs = await scratch.stack.outputs();
    candidateService = `${String(outputs.apiServiceName.value)}-candidate`;
    figures.addCandidateLoad = { upSeconds: seconds, ...summary(tally) };
    expect(error?.slice(-3000)).toBeUndefined();
    expect(runningTasks(testbed.manager, candidateService)).toHaveLength(1);
    const gate = JSON.parse(String(outputs.canaryGateResult.value)) as Record<string, unknown>;
    figures.addCandidate = { upSeconds: seconds, ...summary(tally), gate };
    expectNoFailedRequest(tally, 1);
    expect(gate.passed).toBe(true);

    expect(await proxiesConverged()).toBeDefined();
    const measured = await requests(testbed, 4_000, 8);
    const candidateShare = share(measured, "2.0.0");
    figures.weight10 = { ...summary(measured), candidateSharePercent: Math.round(candidateShare * 100) / 100 };
    expect(measured.failed).toBe(0);
    expect(measured.sent).toBe(4_000);
    expect(candidateShare).toBeGreaterThanOrEqual(8);
    expect(candidateShare).toBeLessThanOrEqual(12);
  }, 900_000);

  it("rolls a candidate failing 30% of its predictions back by its gate, clients losing nothing, and it stays back after the proxies restart", async () => {
    await setCandidate({ modelDir: join(fixtures, "flaky-iris"), trafficPercent: 30, gates: { windowSeconds: 20, minRequests: 20, maxErrorRate: 0.05 } });
    const { tally, seconds, error } = await upUnderLoad();
    const gateLines = (error ?? "").split("\n").filter((line) => /canary gate|error rate|FAIL/.test(line)).slice(-8).map((line) => line.trim());
    figures.failingCandidate = { upSeconds: seconds, ...summary(tally), gateMessage: gateLines };
    expect(error, "the gate must fail `up`").toBeDefined();
    expect(error).toMatch(/error rate/i);
    expect(error).toMatch(/runs the config with 0% candidate traffic/);
    // Node 1's proxy restarts twice: to 30%, then to the rollback's 0%.
    expectNoFailedRequest(tally, 2);
    expect(proxyConfig()).not.toContain("# model-service:candidate-weight");

    const after = await requests(testbed, 300, 4);
    expect(after.failed).toBe(0);
    expect([...after.versions.keys()]).toEqual(["1.0.0"]);
    // The rollback is in the proxy service's spec, not in one nginx: a restart of every proxy task keeps it.
    nodeDocker(testbed.manager, ["service", "update", "--detach", "--force", proxyService]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await proxiesConverged()).toBeDefined();
    const restarted = await requests(testbed, 300, 4);
    figures.afterProxyRestart = summary(restarted);
    expect(restarted.failed).toBe(0);
    expect([...restarted.versions.keys()]).toEqual(["1.0.0"]);
  }, 900_000);

  it("promotes the candidate's model (modelDir set, candidate removed) under load with no failed request", async () => {
    await scratch.stack.setConfig(`${NAMESPACE}:modelDir`, { value: join(fixtures, "iris-rules") });
    await scratch.stack.setConfig(`${NAMESPACE}:smokeTestInstances`, { value: JSON.stringify([SETOSA]) });
    await setCandidate(null);
    const { tally, seconds, error } = await upUnderLoad();
    figures.promotion = { upSeconds: seconds, ...summary(tally) };
    expect(error?.slice(-3000)).toBeUndefined();
    expectNoFailedRequest(tally, 1);
    expect(await proxiesConverged()).toBeDefined();
    const after = await requests(testbed, 200, 4);
    expect(after.failed).toBe(0);
    expect([...after.versions.keys()]).toEqual(["2.0.0"]);
    expect(nodeDocker(testbed.manager, ["service", "ls", "-q", "--filter", `name=${candidateService}`])).toBe("");
  }, 900_000);
});
