/**
 * Canary traffic on the real 3-node Swarm test bed (scripts/swarm-testbed), driven by the real Pulumi engine: the
 * candidate as its own service, weighted by the proxy on every node; its gate run through the manager in a proxy
 * task (targets from `tasks.<service>` in the overlay network). One stack, changed step by step, few steps (each
 * change of the proxy's config restarts the proxy task of every node in turn): the candidate added at 10% with a
 * sticky header and shadow at 100% (share, stickiness, shadow counts and agreement, all measured after that one
 * change); its removal; a candidate failing 30% of its predictions rolled back by its error-rate gate, replaced at
 * once (no removal in between) by one 3x slower rolled back by its p99-ratio gate, each rollback being the config at
 * 0% written into the proxy service's spec, which every node's proxy task restarts with; promotion. Before each `up`
 * the change is previewed live and reviewed (`model-service-review --stack`); after the removal and the promotion,
 * every node's running proxy already has the config without the candidate when `up` returns. Traffic goes only to
 * the test bed nodes' own addresses.
 *
 * A change of the candidate's weight changes the proxy's config, which on a Swarm lives in the proxy service's spec:
 * its tasks are replaced one node at a time, stop-first (host-mode ports, docs/rollouts.md), so a node refuses new
 * connections for the moment its nginx restarts. The load here is a client that does what a client spreading over
 * the nodes (or a load balancer in front of them) does: a connection a node does not open (refused, unreachable, or
 * not open within 5 s) is opened on the next node; the request was never sent, so it is not a failure. Every request that was sent and got no 2xx answer is one, and
 * the refused connections are counted and printed. Like the docker runtime's canary test with its reloads, a step
 * that restarts node 1's nginx may reset a request it had just accepted as it stops (at most one per connection per
 * restart, never an HTTP error): measured 5 of 38,202 and 6 of 11,866 (docs/rollouts.md).
 */
import * as http from "node:http";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failedP99Gate } from "../integration/support/canaryGate.js";
import { holdHeavyLock, type HeldLock } from "../integration/support/heavyLock.js";
import { expectEveryMirroredRequestCounted, parseShadowCounts, settledShadowCounts, shadowDelta, type ShadowCounts } from "../integration/support/shadowCounts.js";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "../integration/support/pulumi.js";
import { NAMESPACE } from "../integration/support/rollouts.js";
import { runReviewCliAsync } from "../integration/support/review.js";
import { nodeDocker, runningTasks, startTestbed, stopTestbed, swarmStackConfig, waitFor, type Testbed, type TestbedNode } from "./support/testbed.js";
import { ensureBuilt } from "../support/build.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixtures = join(repoRoot, "test", "integration", "fixtures");
const STACK = `swc-${process.pid}`;
const PORT = 18490;
const SETOSA = [5.1, 3.5, 1.4, 0.2];
/** A row the petal-length rules of fixtures/iris-rules call setosa, whose other features are far from any setosa. */
const ODD = [7.9, 2.0, 1.0, 2.5];
const BODY = JSON.stringify({ instances: [SETOSA] });
const STICKY_HEADER = "X-User-Id";
/** Below what one candidate task (apiCpus 0.5) computes twice (its model and the reference) with shadow at 100%. */
const SHADOW_PACE_MS = 50;
const quiet = { onOutput: () => undefined };
const figures: Record<string, unknown> = {};
const CONNECTIONS = 6;
/** A connection not open by then is given up and opened on the next node (the request was not sent). */
const CONNECT_TIMEOUT_MS = 5_000;
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
  /**
   * Connections a node did not open (refused, unreachable, not open within CONNECT_TIMEOUT_MS: its proxy task was
   * restarting), opened on the next node instead: the request was never sent.
   */
  refused: number;
  /** Those, by error. */
  readonly refusedBy: Map<string, number>;
  sent: number;
  readonly failures: string[];
}

/** One answered prediction: the version that made it and its first prediction (JSON). */
interface Answer {
  readonly version: string;
  readonly prediction: string;
}

interface PredictOptions {
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Called with every 200 answer (its body is read and parsed only then). */
  readonly onAnswer?: (answer: Answer) => void;
}

/** One POST /predict on a new connection to `nodes[first]`; a connection not opened goes on to the next node. */
function predict(nodes: readonly TestbedNode[], first: number, tally: Tally, options: PredictOptions = {}): Promise<void> {
  const body = options.body ?? BODY;
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
          headers: { "Content-Type": "application/json", "Content-Length": String(body.length), Connection: "close", ...options.headers },
        },
        (response) => {
          const chunks: Buffer[] = [];
          if (options.onAnswer === undefined) response.resume();
          else response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            if (response.statusCode === 200) {
              const version = String(response.headers["x-model-version"] ?? "none");
              tally.versions.set(version, (tally.versions.get(version) ?? 0) + 1);
              if (options.onAnswer !== undefined) {
                const answer = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { predictions: unknown[] };
                options.onAnswer({ version, prediction: JSON.stringify(answer.predictions[0]) });
              }
            } else {
              tally.failed += 1;
              tally.httpErrors += 1;
              tally.failures.push(`node ${node.index}: HTTP ${response.statusCode}`);
            }
            resolve();
          });
        },
      );
      // Whether the TCP connection was open: an error before that means the request was never sent.
      let connected = false;
      const connectTimer = setTimeout(() => request.destroy(new Error("connect timeout")), CONNECT_TIMEOUT_MS);
      request.on("socket", (socket) =>
        socket.once("connect", () => {
          connected = true;
          clearTimeout(connectTimer);
        }),
      );
      request.on("close", () => clearTimeout(connectTimer));
      request.on("timeout", () => request.destroy(new Error("timeout")));
      request.on("error", (error: NodeJS.ErrnoException) => {
        if (!connected && offset + 1 < nodes.length) {
          tally.refused += 1;
          const reason = error.code ?? error.message;
          tally.refusedBy.set(reason, (tally.refusedBy.get(reason) ?? 0) + 1);
          resolve(attempt(offset + 1));
          return;
        }
        tally.failed += 1;
        tally.failures.push(`node ${node.index}: ${error.code ?? error.message}`);
        resolve();
      });
      request.end(body);
    });
  tally.sent += 1;
  return attempt(0);
}

const managerFirst = (testbed: Testbed): TestbedNode[] => [testbed.manager, ...testbed.nodes.filter((node) => node.index !== testbed.manager.index)];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Batch {
  /** The nodes in the order a refused connection moves on; every request starts at the first. Default: manager first. */
  readonly nodes?: readonly TestbedNode[];
  /** Each worker's pause after each request. */
  readonly pauseMs?: number;
  /** Request `index`'s options. */
  readonly each?: (index: number) => PredictOptions;
  readonly maxMs?: number;
}

/** `count` requests (at most `maxMs`, default 180 s) on `connections` workers. */
async function requests(testbed: Testbed, count: number, connections: number, batch: Batch = {}): Promise<Tally> {
  const tally: Tally = { versions: new Map(), failed: 0, httpErrors: 0, refused: 0, refusedBy: new Map(), sent: 0, failures: [] };
  const deadline = Date.now() + (batch.maxMs ?? 180_000);
  const nodes = batch.nodes ?? managerFirst(testbed);
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count && Date.now() < deadline) {
        const index = next;
        next += 1;
        await predict(nodes, 0, tally, batch.each?.(index));
        if (batch.pauseMs !== undefined) await pause(batch.pauseMs);
      }
    }),
  );
  return tally;
}

/** Steady load (bounded in time and count) until stopped; each worker pauses `pauseMs` after each request. */
function steadyLoad(testbed: Testbed, connections: number, pauseMs: number): { stop(): Promise<Tally> } {
  const tally: Tally = { versions: new Map(), failed: 0, httpErrors: 0, refused: 0, refusedBy: new Map(), sent: 0, failures: [] };
  const nodes = managerFirst(testbed);
  const deadline = Date.now() + 600_000;
  let stopped = false;
  const workers = Array.from({ length: connections }, async () => {
    while (!stopped && tally.sent < 500_000 && Date.now() < deadline) {
      await predict(nodes, 0, tally);
      await pause(pauseMs);
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
  ...(tally.refused === 0 ? {} : { refusedBy: Object.fromEntries(tally.refusedBy) }),
  ...(tally.failures.length === 0 ? {} : { failures: tally.failures.slice(0, 10) }),
  versions: Object.fromEntries(tally.versions),
  ...(tally.proxyUpdate === undefined ? {} : { proxyUpdate: tally.proxyUpdate }),
});

describe("canary traffic on a 3-node Docker Swarm", () => {
  let lock: HeldLock;
  let testbed: Testbed;
  let scratch: ScratchStack;
  let candidateService = "";
  let proxyService = "";
  /** The review of the next step's change, started while the previous step still measures (see `change`). */
  let nextReview: Promise<string> | undefined;

  const setCandidate = async (candidate: Record<string, unknown> | null) => {
    if (candidate === null) await scratch.stack.removeConfig(`${NAMESPACE}:candidate`);
    else await scratch.stack.setConfig(`${NAMESPACE}:candidate`, { value: JSON.stringify(candidate) });
  };
  /**
   * `model-service-review --stack` of the stack's current config: the live preview it runs itself, as a CI job
   * would. It runs beside the test's load, which it does not block.
   */
  const review = async (step: string): Promise<string> => {
    const started = performance.now();
    const result = await runReviewCliAsync(repoRoot, ["--stack", STACK], {
      PULUMI_BACKEND_URL: `file://${scratch.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "model-service-test",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    });
    reviewSeconds[step] = Math.round((performance.now() - started) / 100) / 10;
    // Exit status 2: the preview has changes, which the review lists.
    expect(result.status, `${result.stderr}\n${result.stdout}`).toBe(2);
    return result.stdout;
  };
  const reviewSeconds: Record<string, number> = {};
  /**
   * Sets the next step's config and starts its review right after this step's `up`, so the preview runs while this
   * step still measures (what it measures is the running services, not the stack's config).
   */
  const prepareNext = (step: string, configure: () => Promise<void>) => {
    nextReview = configure().then(() => review(step));
    nextReview.catch(() => undefined);
  };
  /** The review `prepareNext` started. */
  const preparedReview = async (): Promise<string> => {
    const reviewed = await nextReview!;
    nextReview = undefined;
    return reviewed;
  };
  /** The running proxy containers' nginx configs on each node, read from each node's own engine. */
  const nodeProxyConfigs = (): { node: number; configs: string[] }[] =>
    testbed.nodes.map((node) => {
      const ids = nodeDocker(node, ["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${proxyService}`, "--filter", "status=running"]).split("\n").filter(Boolean);
      const configs = ids.map((id) => {
        const env = JSON.parse(nodeDocker(node, ["inspect", "--format", "{{json .Config.Env}}", id])) as string[];
        return decodeConfig(env);
      });
      return { node: node.index, configs };
    });
  /**
   * `up` under steady load; right after it returns (no waiting) each node's running proxy config is read.
   * `pauseMs`: each load worker's pause after each request (SHADOW_PACE_MS while the proxy mirrors every request).
   */
  const upUnderLoad = async (pauseMs = 5): Promise<{ tally: Tally; seconds: number; error?: string; proxiesAtEnd: { node: number; configs: string[] }[] }> => {
    const load = steadyLoad(testbed, CONNECTIONS, pauseMs);
    const started = performance.now();
    let error: string | undefined;
    try {
      await scratch.stack.up(quiet);
    } catch (caught) {
      error = String((caught as Error).message ?? caught);
    }
    const proxiesAtEnd = nodeProxyConfigs();
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    const proxyUpdate = nodeDocker(testbed.manager, ["service", "inspect", "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", proxyService]);
    await pause(2_000);
    const tally = await load.stop();
    return { tally: Object.assign(tally, { proxyUpdate: `${proxyUpdate || "none"} when up ended` }), seconds, error, proxiesAtEnd };
  };
  /** Each node runs exactly one proxy, with the config of the proxy service's spec, as `up` returned. */
  const expectEveryNodeOnTheSpec = (proxiesAtEnd: { node: number; configs: string[] }[]) => {
    const spec = proxyConfig();
    for (const { node, configs } of proxiesAtEnd) {
      expect(configs.length, `node ${node}: running proxy containers when up returned`).toBe(1);
      expect(configs[0] === spec, `node ${node}: its running proxy has the spec's config when up returned`).toBe(true);
    }
  };
  const decodeConfig = (env: readonly string[]): string => {
    const entry = env.find((value) => value.startsWith("NGINX_CONF_B64=")) ?? "";
    return Buffer.from(entry.slice("NGINX_CONF_B64=".length), "base64").toString("utf8");
  };
  /** The nginx config in the proxy service's spec. */
  const proxyConfig = (): string =>
    decodeConfig(JSON.parse(nodeDocker(testbed.manager, ["service", "inspect", "--format", "{{json .Spec.TaskTemplate.ContainerSpec.Env}}", proxyService])) as string[]);
  /**
   * The candidate's shadow figures in its /metrics, read in the manager's proxy task, where the candidate's network
   * alias resolves (the test never addresses a task itself). The candidate runs one task.
   */
  const candidateShadowCounts = (): ShadowCounts => {
    const [proxy] = nodeDocker(testbed.manager, ["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${proxyService}`]).split("\n");
    return parseShadowCounts(nodeDocker(testbed.manager, ["exec", proxy, "curl", "--noproxy", "*", "--silent", "--fail", "--max-time", "10", "http://api-candidate:8000/metrics"]));
  };
  /** Every node's proxy task runs the current spec (after a failed gate's rollback, which the gate waits for itself). */
  const proxiesConverged = () =>
    waitFor(() => {
      const state = nodeDocker(testbed.manager, ["service", "inspect", "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", proxyService]);
      return (state === "" || state === "completed") && runningTasks(testbed.manager, proxyService).length === testbed.nodes.length;
    }, 120_000);
  /** Each node, asked directly, answers only `version` (150 of 150). */
  const expectEveryNodeAnswers = async (version: string, step: string) => {
    const perNode: Record<string, unknown> = {};
    for (const node of testbed.nodes) {
      const after = await requests(testbed, 150, 3, { nodes: [node] });
      perNode[`node${node.index}`] = summary(after);
      expect(after.failed, `node ${node.index}`).toBe(0);
      expect(after.sent).toBe(150);
      expect([...after.versions.keys()], `node ${node.index}`).toEqual([version]);
    }
    figures[step] = perNode;
  };
  /** The canary gate's lines in a failed `up`'s error, for the figures. */
  const gateLines = (error: string | undefined): string[] =>
    (error ?? "").split("\n").filter((line) => /canary gate|error rate|p99 latency|FAIL/.test(line)).slice(-8).map((line) => line.trim());
  /**
   * After a failed gate: `up` said the proxy service runs the config with 0%, clients lost nothing (node 1's proxy
   * restarted twice: to the candidate's share, then to the rollback's 0%), the spec has no candidate weight, and each
   * node, asked directly, answers only stable. The gate dropped the weight in node 1's nginx only; the rollback's spec
   * restarts every node's proxy task, so each node answering only stable is a proxy task that restarted from it.
   */
  const expectRolledBackOnEveryNode = async (tally: Tally, error: string | undefined, step: string) => {
    expect(error).toMatch(/runs the config with 0% candidate traffic/);
    expectNoFailedRequest(tally, 2);
    expect(proxyConfig()).not.toContain("# model-service:candidate-weight");
    expect(await proxiesConverged()).toBeDefined();
    await expectEveryNodeAnswers("1.0.0", step);
  };
  const stepStarted = () => {
    const started = performance.now();
    return () => Math.round((performance.now() - started) / 100) / 10;
  };

  beforeAll(async () => {
    requireProviderPlugins(repoRoot);
    lock = await holdHeavyLock();
    ensureBuilt();
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
    figures.reviewSeconds = reviewSeconds;
    console.log(`\nSwarm canary figures: ${JSON.stringify(figures, null, 2)}\n`);
    try {
      await nextReview?.catch(() => undefined);
      await scratch?.dispose();
    } finally {
      rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
      stopTestbed(repoRoot);
      lock?.release();
    }
  }, 900_000);

  it("adds a gated candidate at 10% with a sticky header and shadow at 100% under load with no failed request: 10% +/- 2 points, sticky keys, every mirrored request counted", async () => {
    const elapsed = stepStarted();
    await setCandidate({
      modelDir: join(fixtures, "iris-rules"),
      trafficPercent: 10,
      shadowPercent: 100,
      stickyHeader: STICKY_HEADER,
      gates: { windowSeconds: 15, minRequests: 10, maxP99LatencyRatio: 100, minAgreement: 0.9 },
    });
    const reviewed = await review("add");
    expect(reviewed).toContain("| candidate version | (none) | `2.0.0` |");
    expect(reviewed).toMatch(/\| candidate digest \| \(none\) \| `sha256:[0-9a-f]{64}` \|/);
    expect(reviewed).toContain("| candidate live traffic | `off` | `10%` |");
    expect(reviewed).toContain("| candidate shadow traffic | `off` | `100%` |");
    expect(reviewed).toContain("| candidate routing | | sticky on `X-User-Id` |");
    expect(reviewed).toMatch(/\| candidate gates \| \| window 15 s, error rate ≤ [0-9.]+, p99 latency ratio ≤ 100, agreement ≥ 0\.9, at least 10 live requests \|/);
    expect(reviewed).toContain("the proxy tasks are replaced stop-first, one node at a time");
    expect(reviewed).toContain("_Note: 10% of live traffic moves to 2.0.0; 100% of predictions are mirrored to 2.0.0 as shadow traffic (clients keep stable's answers)._");
    const { tally, seconds, error, proxiesAtEnd } = await upUnderLoad(SHADOW_PACE_MS);
    const outputs = await scratch.stack.outputs();
    candidateService = `${String(outputs.apiServiceName.value)}-candidate`;
    figures.addCandidate = { upSeconds: seconds, ...summary(tally) };
    expect(error?.slice(-3000)).toBeUndefined();
    expect(runningTasks(testbed.manager, candidateService)).toHaveLength(1);
    const gate = JSON.parse(String(outputs.canaryGateResult.value)) as Record<string, unknown>;
    figures.addCandidate = { upSeconds: seconds, ...summary(tally), gate };
    expectNoFailedRequest(tally, 1);
    expect(gate.passed).toBe(true);
    // `up` waited for every node's proxy task (and the gate watched traffic routed alike on every node).
    expectEveryNodeOnTheSpec(proxiesAtEnd);
    expect(proxyConfig()).toContain("# model-service:candidate-weight");
    prepareNext("removal", () => setCandidate(null));

    // Requests without the sticky header are split at random: 10% +/- 2 points.
    const measured = await requests(testbed, 4_000, CONNECTIONS, { pauseMs: SHADOW_PACE_MS });
    const candidateShare = share(measured, "2.0.0");
    figures.weight10 = { ...summary(measured), candidateSharePercent: Math.round(candidateShare * 100) / 100 };
    expect(measured.failed).toBe(0);
    expect(measured.sent).toBe(4_000);
    expect(candidateShare).toBeGreaterThanOrEqual(8);
    expect(candidateShare).toBeLessThanOrEqual(12);

    // Keyed requests, two rows: each key reaches one version; a stable key's answers are all stable's, its requests
    // all mirrored. Mirrored requests end after the clients' answers: the counts are read once the candidate has
    // worked off every copy.
    const shadowBefore = await settledShadowCounts(candidateShadowCounts);
    const keys = 100;
    const rounds = 3;
    const rowOf = (index: number) => (Math.floor(index / keys) + index) % 2;
    const versionsByKey = new Map<number, Set<string>>();
    const predictionsByVersionAndRow = new Map<string, Set<string>>();
    const keyed = await requests(testbed, keys * rounds, 1, {
      pauseMs: 10,
      each: (index) => ({
        body: JSON.stringify({ instances: [rowOf(index) === 0 ? SETOSA : ODD] }),
        headers: { [STICKY_HEADER]: `user-${index % keys}` },
        onAnswer: ({ version, prediction }) => {
          versionsByKey.set(index % keys, (versionsByKey.get(index % keys) ?? new Set()).add(version));
          const where = `${version} row ${rowOf(index)}`;
          predictionsByVersionAndRow.set(where, (predictionsByVersionAndRow.get(where) ?? new Set()).add(prediction));
        },
      }),
    });
    const shadow = shadowDelta(shadowBefore, await settledShadowCounts(candidateShadowCounts));
    const stableAnswers = keyed.versions.get("1.0.0") ?? 0;
    // The same row always gets the same prediction from one version; a mirrored request agrees when stable's
    // prediction of its row equals the candidate's (both seen in live answers).
    const prediction = (version: string, row: number) => [...(predictionsByVersionAndRow.get(`${version} row ${row}`) ?? [])];
    const agreeingRows = [0, 1].filter((row) => prediction("1.0.0", row)[0] === prediction("2.0.0", row)[0]);
    const stableAnswersOfRow = (row: number) =>
      [...Array(keys * rounds).keys()].filter((index) => rowOf(index) === row && versionsByKey.get(index % keys)?.has("1.0.0")).length;
    const expectedAgreements = agreeingRows.reduce((sum, row) => sum + stableAnswersOfRow(row), 0);
    figures.stickyAndShadow = {
      ...summary(keyed),
      keysOnCandidate: [...versionsByKey.values()].filter((versions) => versions.has("2.0.0")).length,
      shadow,
      expectedAgreements,
      predictions: Object.fromEntries([...predictionsByVersionAndRow].map(([where, values]) => [where, [...values]])),
    };
    expect(keyed.failed).toBe(0);
    expect(keyed.sent).toBe(keys * rounds);
    expect([...versionsByKey.values()].every((versions) => versions.size === 1)).toBe(true);
    expect(new Set([...versionsByKey.values()].flatMap((versions) => [...versions]))).toEqual(new Set(["1.0.0", "2.0.0"]));
    expect([...predictionsByVersionAndRow.values()].every((values) => values.size === 1)).toBe(true);
    expect(predictionsByVersionAndRow.size).toBe(4);
    // Shadow at 100%: every request stable answered was mirrored once (answered by the candidate, or dropped when it
    // fell behind); the candidate's live answers are not shadow.
    expectEveryMirroredRequestCounted(shadow, stableAnswers, expectedAgreements);
    figures.addCandidate = { ...(figures.addCandidate as object), stepSeconds: elapsed() };
  }, 900_000);

  it("removes the candidate under load with no failed request; when up returns every node's proxy already runs the config without it", async () => {
    const elapsed = stepStarted();
    // Previewed and reviewed during the previous step's measurements, after its up.
    const reviewed = await preparedReview();
    expect(reviewed).toContain("| candidate version | `2.0.0` | (none) |");
    expect(reviewed).toMatch(/\| candidate digest \| `sha256:[0-9a-f]{64}` \| \(none\) \|/);
    expect(reviewed).toContain("| candidate live traffic | `10%` | `off` |");
    expect(reviewed).toContain("| candidate shadow traffic | `100%` | `off` |");
    expect(reviewed).not.toContain("| candidate routing |");
    expect(reviewed).toContain("| candidate gates | | none |");
    expect(reviewed).toContain("_Note: live traffic leaves 2.0.0: stable answers every request; shadow traffic to 2.0.0 stops._");
    // The proxies mirror every request to the candidate until their update without it.
    const { tally, seconds, error, proxiesAtEnd } = await upUnderLoad(SHADOW_PACE_MS);
    figures.removal = { upSeconds: seconds, ...summary(tally) };
    expect(error?.slice(-3000)).toBeUndefined();
    prepareNext("flaky", () => setCandidate({ modelDir: join(fixtures, "flaky-iris"), trafficPercent: 30, gates: { windowSeconds: 20, minRequests: 20, maxErrorRate: 0.05 } }));
    expectNoFailedRequest(tally, 1);
    // The proxy's spec neither routes nor mirrors to the candidate, and when up returned every node's running proxy
    // had that config: the candidate's service went only after the last node's proxy task.
    expect(proxyConfig()).not.toContain("api-candidate");
    expect(proxyConfig()).not.toMatch(/^\s*mirror /m);
    expectEveryNodeOnTheSpec(proxiesAtEnd);
    expect(nodeDocker(testbed.manager, ["service", "ls", "-q", "--filter", `name=${candidateService}`])).toBe("");
    const after = await requests(testbed, 200, 4);
    expect(after.failed).toBe(0);
    expect([...after.versions.keys()]).toEqual(["1.0.0"]);
    figures.removal = { ...(figures.removal as object), stepSeconds: elapsed() };
  }, 900_000);

  it("rolls a candidate failing 30% of its predictions back by its error-rate gate, clients losing nothing, and every node's proxy task restarts with 0%", async () => {
    const elapsed = stepStarted();
    const reviewed = await preparedReview();
    expect(reviewed).toContain("| candidate version | (none) | `2.1.0-flaky` |");
    expect(reviewed).toContain("| candidate live traffic | `off` | `30%` |");
    expect(reviewed).toContain("| candidate shadow traffic | `off` | unchanged |");
    expect(reviewed).toContain("| candidate routing | | random per request |");
    expect(reviewed).toMatch(/\| candidate gates \| \| window 20 s, error rate ≤ 0\.05, p99 latency ratio ≤ [0-9.]+, at least 20 live requests \|/);
    expect(reviewed).toContain("_Note: 30% of live traffic moves to 2.1.0-flaky._");
    const { tally, seconds, error } = await upUnderLoad();
    figures.failingCandidate = { upSeconds: seconds, ...summary(tally), gateMessage: gateLines(error) };
    prepareNext("slow", () =>
      setCandidate({
        modelDir: join(fixtures, "slow-iris"),
        trafficPercent: 20,
        gates: { windowSeconds: 20, minRequests: 20, maxErrorRate: 0.05, maxP99LatencyRatio: 1.5 },
      }),
    );
    expect(error, "the gate must fail `up`").toBeDefined();
    expect(error).toMatch(/error rate/i);
    await expectRolledBackOnEveryNode(tally, error, "afterFlakyRollbackPerNode");
    figures.failingCandidate = { ...(figures.failingCandidate as object), stepSeconds: elapsed() };
  }, 900_000);

  it("replaces it with a candidate 3x slower than stable, rolled back by its p99-ratio gate with the measured values, clients losing nothing", async () => {
    const elapsed = stepStarted();
    const reviewed = await preparedReview();
    // The state still holds the flaky candidate's 30% (its gate set the running proxies to 0%, docs/swarm.md).
    expect(reviewed).toContain("| candidate version | `2.1.0-flaky` | `2.3.0-slow` |");
    expect(reviewed).toMatch(/\| candidate digest \| `sha256:[0-9a-f]{64}` \| `sha256:[0-9a-f]{64}` \|/);
    expect(reviewed).toContain("| candidate live traffic | `30%` | `20%` |");
    expect(reviewed).toContain("| candidate routing | | random per request |");
    expect(reviewed).toContain("| candidate gates | | window 20 s, error rate ≤ 0.05, p99 latency ratio ≤ 1.5, at least 20 live requests |");
    expect(reviewed).toContain("_Note: 20% of live traffic moves to 2.3.0-slow._");
    const { tally, seconds, error } = await upUnderLoad();
    figures.slowCandidate = { upSeconds: seconds, ...summary(tally), gateMessage: gateLines(error) };
    prepareNext("promotion", async () => {
      await scratch.stack.setConfig(`${NAMESPACE}:modelDir`, { value: join(fixtures, "iris-rules") });
      await scratch.stack.setConfig(`${NAMESPACE}:smokeTestInstances`, { value: JSON.stringify([SETOSA]) });
      await setCandidate(null);
    });
    expect(error, "the gate must fail `up`").toBeDefined();
    const measured = failedP99Gate(error, 1.5);
    expect(measured, error?.slice(-3000)).not.toBeNull();
    const { ratio, candidateP99, stableP99 } = measured!;
    figures.slowCandidate = { ...(figures.slowCandidate as object), ratio, candidateP99, stableP99 };
    // The candidate is at least 3x slower than stable, as measured by the gate itself over its window.
    expect(candidateP99).toBeGreaterThanOrEqual(3 * stableP99);
    expect(ratio).toBeGreaterThanOrEqual(3);
    await expectRolledBackOnEveryNode(tally, error, "afterSlowRollbackPerNode");
    figures.slowCandidate = { ...(figures.slowCandidate as object), stepSeconds: elapsed() };
  }, 900_000);

  it("promotes the candidate's model (modelDir set, candidate removed) under load with no failed request; when up returns every node's proxy runs the config without the candidate", async () => {
    const elapsed = stepStarted();
    const reviewed = await preparedReview();
    expect(reviewed).toMatch(/\| model version \| `1\.0\.0` \| `2\.0\.0` \|/);
    expect(reviewed).toContain("| candidate version | `2.3.0-slow` | (none) |");
    expect(reviewed).toContain("| candidate live traffic | `20%` | `off` |");
    expect(reviewed).not.toContain("| candidate routing |");
    expect(reviewed).toContain("_Note: live traffic leaves 2.3.0-slow: stable answers every request._");
    const { tally, seconds, error, proxiesAtEnd } = await upUnderLoad();
    figures.promotion = { upSeconds: seconds, ...summary(tally) };
    expect(error?.slice(-3000)).toBeUndefined();
    expectNoFailedRequest(tally, 1);
    expect(proxyConfig()).not.toContain("api-candidate");
    expectEveryNodeOnTheSpec(proxiesAtEnd);
    expect(nodeDocker(testbed.manager, ["service", "ls", "-q", "--filter", `name=${candidateService}`])).toBe("");
    const after = await requests(testbed, 200, 4);
    expect(after.failed).toBe(0);
    expect([...after.versions.keys()]).toEqual(["2.0.0"]);
    figures.promotion = { ...(figures.promotion as object), stepSeconds: elapsed() };
  }, 900_000);
});
