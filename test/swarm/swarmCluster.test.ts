/**
 * The reference stack with `runtime: swarm` on a real 3-node Docker Swarm (scripts/swarm-testbed: a Docker daemon
 * per network namespace, Debian's docker-registry on loopback), driven by the real Pulumi engine. In order: deploy
 * and predict through the port nginx publishes on every node; a no-op preview; scale 3 -> 6 -> 2 under load; a model
 * rollout under load; a bad model that Swarm rolls back by itself while the old tasks serve; a node that stops,
 * whose tasks are rescheduled; destroy, after which no node and the registry hold anything of the stack. Traffic goes
 * only to the test bed nodes' own addresses. The figures go to `.state/test-results/swarm-figures.json`.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdHeavyLock, type HeldLock } from "../integration/support/heavyLock.js";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "../integration/support/pulumi.js";
import { NAMESPACE, ROLLOUT_REQUESTS } from "../integration/support/rollouts.js";
import { startSteadyLoad, summariseFailures, type LoadReport } from "../integration/support/steadyLoad.js";
import {
  disconnectNode,
  nodeDocker,
  nodeIds,
  reconnectNode,
  registryContents,
  runningTasks,
  serviceTasks,
  startTestbed,
  stopTestbed,
  swarmStackConfig,
  waitFor,
  type Testbed,
} from "./support/testbed.js";
import { ensureBuilt } from "../support/build.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const STACK = `sw-${process.pid}`;
const PORT = 18480;
const fixtures = join(repoRoot, "test", "integration", "fixtures");
const LOAD = { connections: 8, pauseMs: 5 };
const figures: Record<string, unknown> = {};

describe("ModelService on a 3-node Docker Swarm", () => {
  let lock: HeldLock;
  let testbed: Testbed;
  let scratch: ScratchStack;
  let apiService = "";
  let proxyService = "";

  const metadata = async (address: string): Promise<{ version: string }> => {
    const response = await fetch(`http://${address}:${PORT}/metadata`, { signal: AbortSignal.timeout(10_000) });
    return (await response.json()) as { version: string };
  };
  const setConfig = async (values: Record<string, string | null>): Promise<void> => {
    for (const [key, value] of Object.entries(values)) {
      if (value === null) await scratch.stack.removeConfig(`${NAMESPACE}:${key}`);
      else await scratch.stack.setConfig(`${NAMESPACE}:${key}`, { value });
    }
  };
  /** `up` while steady load goes to the manager node's nginx; returns the load report and how `up` went. */
  const upUnderLoad = async (): Promise<{ report: LoadReport; seconds: number; error?: string }> => {
    const load = startSteadyLoad({ host: testbed.manager.address, port: PORT, requests: ROLLOUT_REQUESTS, ...LOAD, maxDurationMs: 900_000 });
    const started = performance.now();
    let error: string | undefined;
    try {
      await scratch.stack.up({ onOutput: () => undefined });
    } catch (caught) {
      error = String((caught as Error).message ?? caught).slice(-3000);
    }
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    return { report: await load.stop(), seconds, error };
  };
  const failed = (report: LoadReport): number => report.non2xx + report.connectionErrors;
  const taskNodes = (service: string): number[] => {
    const ids = nodeIds(testbed.nodes);
    return runningTasks(testbed.manager, service).map((task) => ids.get(task.nodeId) ?? 0);
  };

  beforeAll(async () => {
    requireProviderPlugins(repoRoot);
    lock = await holdHeavyLock();
    ensureBuilt();
    testbed = startTestbed(repoRoot, 3);
    scratch = await createScratchStack(repoRoot, STACK);
    await scratch.stack.setAllConfig(
      Object.fromEntries(Object.entries(swarmStackConfig(testbed, 3, PORT)).map(([key, value]) => [`${NAMESPACE}:${key}`, value])),
    );
  }, 900_000);

  afterAll(async () => {
    mkdirSync(join(repoRoot, ".state", "test-results"), { recursive: true });
    writeFileSync(join(repoRoot, ".state", "test-results", "swarm-figures.json"), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`\nSwarm figures: ${JSON.stringify(figures, null, 2)}\n`);
    try {
      await scratch?.dispose();
    } finally {
      rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
      stopTestbed(repoRoot);
      lock?.release();
    }
  }, 900_000);

  it("deploys: the api tasks spread over the nodes, and every node's nginx predicts", async () => {
    const started = performance.now();
    const result = await scratch.stack.up({ onOutput: () => undefined });
    figures.deploySeconds = Math.round((performance.now() - started) / 100) / 10;
    apiService = String(result.outputs.apiServiceName.value);
    proxyService = String(result.outputs.proxyServiceName.value);
    expect(result.outputs.runtime.value).toBe("swarm");
    expect(result.outputs.url.value).toBe(`http://${testbed.manager.address}:${PORT}`);
    expect(String(result.outputs.apiImageRef.value)).toMatch(new RegExp(`^${testbed.registry}/model-service-api@sha256:[0-9a-f]{64}$`));

    const nodes = taskNodes(apiService);
    expect(nodes).toHaveLength(3);
    expect(new Set(nodes).size, `api tasks on nodes ${nodes}`).toBe(3);
    // `up` waits for the api service to converge and smoke-tests through swarm.address (node 1); the provider
    // cannot wait for a global service, so the other nodes' nginx tasks may still be starting.
    const proxyEverywhereMs = await waitFor(() => new Set(taskNodes(proxyService)).size === 3, 120_000);
    figures.proxyOnEveryNodeSecondsAfterUp = proxyEverywhereMs === undefined ? null : Math.round(proxyEverywhereMs / 100) / 10;
    expect(new Set(taskNodes(proxyService))).toEqual(new Set([1, 2, 3]));
    for (const task of serviceTasks(testbed.manager, apiService)) {
      expect(task.image).toBe(result.outputs.apiImageRef.value);
    }
    for (const node of testbed.nodes) {
      const response = await fetch(`http://${node.address}:${PORT}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] }),
        signal: AbortSignal.timeout(10_000),
      });
      expect(response.status, `node ${node.index}`).toBe(200);
      expect(((await response.json()) as { predictions: string[] }).predictions).toEqual(["setosa"]);
    }
  }, 900_000);

  it("previews no change for an unchanged program", async () => {
    const preview = await scratch.stack.preview({ onOutput: () => undefined });
    const changes = Object.entries(preview.changeSummary).filter(([op, count]) => op !== "same" && count > 0);
    expect(changes).toEqual([]);
  }, 300_000);

  it("scales 3 -> 6 -> 2 under load, losing no request", async () => {
    const counts: Record<string, unknown> = {};
    for (const replicas of [6, 2]) {
      await setConfig({ replicas: String(replicas) });
      const { report, seconds, error } = await upUnderLoad();
      expect(error).toBeUndefined();
      const nodes = taskNodes(apiService);
      expect(nodes).toHaveLength(replicas);
      expect(new Set(nodes).size, `tasks on nodes ${nodes}`).toBe(Math.min(replicas, 3));
      expect(failed(report), summariseFailures(report)).toBe(0);
      counts[`to${replicas}`] = { upSeconds: seconds, requests: report.sent, failed: failed(report) };
    }
    figures.scale = counts;
    await setConfig({ replicas: "3" });
    await scratch.stack.up({ onOutput: () => undefined });
  }, 900_000);

  it("rolls a new model out under load with no failed request", async () => {
    await setConfig({ modelDir: join(fixtures, "iris-rules"), smokeTestInstances: JSON.stringify([[5.1, 3.5, 1.4, 0.2]]) });
    const { report, seconds, error } = await upUnderLoad();
    expect(error).toBeUndefined();
    figures.modelRollout = { upSeconds: seconds, requests: report.sent, failed: failed(report), longestGapMs: report.longestGapMs };
    expect(failed(report), summariseFailures(report)).toBe(0);
    expect(report.ok).toBeGreaterThan(100);
    for (const node of testbed.nodes) expect((await metadata(node.address)).version).toBe("2.0.0");
  }, 900_000);

  it("rolls a model that does not load back by itself while the old tasks serve", async () => {
    const before = serviceTasks(testbed.manager, apiService).find((task) => task.desiredState === "running")?.image;
    await setConfig({ modelDir: join(fixtures, "broken-model") });
    const { report, seconds, error } = await upUnderLoad();
    expect(error, "the bad release fails `pulumi up`").toBeDefined();
    const state = nodeDocker(testbed.manager, ["service", "inspect", "--format", "{{.UpdateStatus.State}}", apiService]);
    figures.badModel = { upSeconds: seconds, requests: report.sent, failed: failed(report), updateState: state };
    expect(state).toMatch(/^rollback_(completed|started)$/);
    expect(await waitFor(() => runningTasks(testbed.manager, apiService).every((task) => task.image === before) && taskNodes(apiService).length === 3, 120_000)).toBeDefined();
    expect(failed(report), summariseFailures(report)).toBe(0);
    expect((await metadata(testbed.manager.address)).version).toBe("2.0.0");
    // Back to the good model: the stack converges again.
    await setConfig({ modelDir: join(fixtures, "iris-rules") });
    await scratch.stack.up({ onOutput: () => undefined });
  }, 900_000);

  it("reschedules the tasks of a node that stops, and the service keeps answering", async () => {
    // A worker that runs an api task now, so that the task must really move (the manager keeps the test's entry point).
    const running = taskNodes(apiService);
    const victim = testbed.nodes.find((node) => node.index !== testbed.manager.index && running.includes(node.index));
    if (victim === undefined) throw new Error(`no worker runs an api task (tasks on nodes ${running})`);
    const load = startSteadyLoad({ host: testbed.manager.address, port: PORT, requests: ROLLOUT_REQUESTS, ...LOAD, maxDurationMs: 300_000 });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    disconnectNode(repoRoot, victim.index);
    const started = performance.now();
    let rescheduledMs: number | undefined;
    try {
      rescheduledMs = await waitFor(() => {
        const nodes = taskNodes(apiService);
        return nodes.length === 3 && !nodes.includes(victim.index);
      }, 180_000);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      reconnectNode(repoRoot, victim.index);
    }
    const report = await load.stop();
    figures.nodeStop = {
      rescheduledSeconds: rescheduledMs === undefined ? null : Math.round(rescheduledMs / 100) / 10,
      requests: report.sent,
      failed: failed(report),
      longestGapMs: report.longestGapMs,
      waitedSeconds: Math.round((performance.now() - started) / 1000),
    };
    expect(rescheduledMs, "3 running api tasks, none on the stopped node").toBeDefined();
    // What the reliability suite allows for a replica that dies: the requests it had in flight, at most one per connection.
    expect(failed(report), summariseFailures(report)).toBeLessThanOrEqual(LOAD.connections);
    expect(report.ok).toBeGreaterThan(100);
  }, 600_000);

  it("destroys everything: nothing of the stack is left on any node or in the registry", async () => {
    await waitFor(() => nodeDocker(testbed.manager, ["node", "ls", "--format", "{{.Status}}"]).split("\n").every((s) => s === "Ready"), 120_000);
    await scratch.stack.destroy({ onOutput: () => undefined });
    const leftovers = async (): Promise<string[]> => {
      const found: string[] = [];
      for (const node of testbed.nodes) {
        const label = `label=model-service.stack=${STACK}`;
        const containers = nodeDocker(node, ["ps", "-a", "-q", "--filter", label]);
        if (containers !== "") found.push(`node ${node.index} containers: ${containers.replace(/\n/g, " ")}`);
        const networks = nodeDocker(node, ["network", "ls", "-q", "--filter", label]);
        if (networks !== "") found.push(`node ${node.index} networks: ${networks.replace(/\n/g, " ")}`);
        const volumes = nodeDocker(node, ["volume", "ls", "-q", "--filter", label]);
        if (volumes !== "") found.push(`node ${node.index} volumes: ${volumes.replace(/\n/g, " ")}`);
      }
      const services = nodeDocker(testbed.manager, ["service", "ls", "-q", "--filter", `label=model-service.stack=${STACK}`]);
      if (services !== "") found.push(`services: ${services}`);
      for (const [repository, tags] of Object.entries(await registryContents(testbed))) {
        if (tags.length > 0) found.push(`registry ${repository}: ${tags.join(" ")}`);
      }
      return found;
    };
    // Workers remove a service's containers shortly after the service is gone.
    await waitFor(async () => (await leftovers()).length === 0, 60_000);
    expect(await leftovers()).toEqual([]);
  }, 600_000);
});
