/**
 * Canary and shadow traffic on the real engine and Docker (runtime docker): one stack, changed step by step while
 * steady keep-alive traffic goes through the proxy on the published loopback port. A candidate at 10% answers
 * 10% +/- 2 points of 10,000 requests; a sticky header keeps each key on one version; with shadow at 100% and no
 * live share clients get only stable answers while the candidate counts every mirrored request; a candidate that
 * fails 30% of its predictions costs clients nothing (stable answers instead) and its gate rolls it back to 0% and
 * fails `up` with the figures; promotion (the candidate's model becomes `modelDir`, `candidate` goes) fails no
 * request. Like the rollout test, a step that reloads the proxy may reset a request sent on an idle keep-alive
 * connection at that instant (at most one per connection, never an HTTP error; docs/rollouts.md).
 */
import { execFileSync } from "node:child_process";
import * as http from "node:http";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdHeavyLock, type HeldLock } from "./support/heavyLock.js";
import { createScratchStack, type ScratchStack } from "./support/pulumi.js";
import { NAMESPACE, ROLLOUT_REQUESTS, rolloutBaseConfig } from "./support/rollouts.js";
import { startSteadyLoad, summariseFailures, type LoadReport } from "./support/steadyLoad.js";
import { failedP99Gate } from "./support/canaryGate.js";
import { execInContainer } from "./support/docker.js";
import { expectEveryMirroredRequestCounted, parseShadowCounts, settledShadowCounts, shadowDelta } from "./support/shadowCounts.js";
import { runReviewCli } from "./support/review.js";
import { NO_RISK_MESSAGE } from "../../review/rolloutRisk.js";
import { ensureBuilt } from "../support/build.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixtures = join(repoRoot, "test", "integration", "fixtures");
const PORT = 18700;
const STACK = `e2e-canary-${process.pid}`;
const LOAD = { connections: 8, pauseMs: 5 };
const SETOSA = [5.1, 3.5, 1.4, 0.2];
/** A clear virginica (petal length 6.1 cm): the default iris model says virginica, disagreeing-iris versicolor. */
const VIRGINICA = [7.7, 3.0, 6.1, 2.3];
const PREDICT_BODY = JSON.stringify({ instances: [SETOSA] });
const quiet = { onOutput: () => undefined };
const NO_RISK_LINE = `**Rollout risk:** ${NO_RISK_MESSAGE}`;

/** The canary gate's last lines in a failed `up`'s error, for the figures table. */
const gateLines = (upError: string | undefined): string =>
  (upError ?? "").split("\n").filter((line) => /canary gate/.test(line)).slice(-4).join(" / ").replace(/\|/g, "/");

/**
 * The versions that answered `count` POST /predict (header X-Model-Version), sent on `connections` keep-alive sockets;
 * request `index` sends `body(index)` (the setosa row by default) and its answer's predictions are `answers[index]`.
 */
async function versionsOf(
  count: number,
  connections: number,
  headers: (index: number) => Record<string, string> = () => ({}),
  body: (index: number) => string = () => PREDICT_BODY,
  pauseMs = 0,
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const tally = new Map<string, number>();
  const byIndex: string[] = [];
  const answers: unknown[] = [];
  let failed = 0;
  let next = 0;
  const deadline = Date.now() + 180_000;
  const one = (index: number) =>
    new Promise<void>((resolve) => {
      const payload = body(index);
      const outgoing = http.request(
        {
          host: "127.0.0.1",
          port: PORT,
          method: "POST",
          path: "/predict",
          agent,
          timeout: 30_000,
          headers: { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(payload)), ...headers(index) },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("end", () => {
            const version = String(incoming.headers["x-model-version"] ?? "none");
            if (incoming.statusCode === 200) {
              tally.set(version, (tally.get(version) ?? 0) + 1);
              answers[index] = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { predictions: unknown[] }).predictions;
            } else failed += 1;
            byIndex[index] = version;
            resolve();
          });
        },
      );
      outgoing.on("timeout", () => outgoing.destroy(new Error("timeout")));
      outgoing.on("error", () => {
        failed += 1;
        resolve();
      });
      outgoing.end(payload);
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count && Date.now() < deadline) {
        await one(next++);
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }),
  );
  agent.destroy();
  return { tally, byIndex, answers, failed };
}

describe("canary and shadow traffic through the proxy (runtime docker)", () => {
  let scratch: ScratchStack;
  let lock: HeldLock | undefined;
  const figures: string[] = [];

  const setCandidate = async (candidate: Record<string, unknown> | null) => {
    if (candidate === null) await scratch.stack.removeConfig(`${NAMESPACE}:candidate`);
    else await scratch.stack.setConfig(`${NAMESPACE}:candidate`, { value: JSON.stringify(candidate) });
  };

  /** `up` under steady load; the load's report and the error of a failed `up`. */
  const upUnderLoad = async (): Promise<{ report: LoadReport; upError?: string; seconds: number }> => {
    const load = startSteadyLoad({ port: PORT, requests: ROLLOUT_REQUESTS, ...LOAD, maxDurationMs: 600_000 });
    const started = performance.now();
    let upError: string | undefined;
    try {
      await scratch.stack.up(quiet);
    } catch (error) {
      upError = String((error as Error).message ?? error);
    }
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    return { report: await load.stop(), upError, seconds };
  };

  /** No HTTP error; at most one reset per connection, from the proxy's config reload (see the header). */
  const expectNoFailedRequest = (report: LoadReport, step: string) => {
    const context = `${step}: ${summariseFailures(report)}`;
    expect(report.ok, context).toBeGreaterThan(50);
    expect(report.non2xx, context).toBe(0);
    expect(report.connectionErrors, context).toBeLessThanOrEqual(LOAD.connections);
    figures.push(`| ${step} | ${report.sent} | ${report.non2xx} | ${report.connectionErrors} |`);
  };

  /** `model-service-review` of the stack's current config: the preview it runs itself, as a CI job would. */
  const review = (): string => {
    const env = {
      PULUMI_BACKEND_URL: `file://${scratch.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "model-service-test",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    const result = runReviewCli(repoRoot, ["--stack", STACK], env);
    // Exit status 2: the preview has changes, which the review lists.
    expect(result.status, result.stderr).toBe(2);
    return result.stdout;
  };

  beforeAll(async () => {
    ensureBuilt();
    // It loads the machine for minutes: a bench or another heavy test beside it would measure both.
    lock = await holdHeavyLock();
    scratch = await createScratchStack(repoRoot, STACK);
    await scratch.stack.setAllConfig({ ...rolloutBaseConfig(PORT), [`${NAMESPACE}:replicas`]: { value: "2" } });
    await scratch.stack.up(quiet);
  }, 900_000);

  afterAll(async () => {
    if (figures.length > 0) {
      console.log(`\nCanary steps under load (${LOAD.connections} connections):\n| step | requests | non-2xx | resets |\n|---|---|---|---|\n${figures.join("\n")}\n`);
    }
    try {
      await scratch?.dispose();
      rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
    } finally {
      lock?.release();
    }
  }, 600_000);

  it("adds a candidate at 10% without a failed request, and it answers 10% +/- 2 points of 10,000 requests", async () => {
    await setCandidate({ modelDir: join(fixtures, "iris-rules"), trafficPercent: 10 });
    const reviewed = review();
    expect(reviewed).toContain("| candidate version | (none) | `2.0.0` |");
    expect(reviewed).toMatch(/\| candidate digest \| \(none\) \| `sha256:[0-9a-f]{64}` \|/);
    expect(reviewed).toContain("| candidate live traffic | `off` | `10%` |");
    expect(reviewed).toContain("| candidate shadow traffic | `off` | unchanged |");
    expect(reviewed).toContain("| candidate routing | | random per request |");
    expect(reviewed).toContain("10% of live traffic moves to 2.0.0");
    const { report, upError } = await upUnderLoad();
    expect(upError).toBeUndefined();
    expectNoFailedRequest(report, "add candidate 2.0.0 at 10%");
    const outputs = await scratch.stack.outputs();
    expect(outputs.candidateModelVersion.value).toBe("2.0.0");
    expect(outputs.candidateContainerNames.value).toHaveLength(1);

    const { tally, failed } = await versionsOf(10_000, 16);
    expect(failed).toBe(0);
    const share = ((tally.get("2.0.0") ?? 0) / 10_000) * 100;
    figures.push(`| 10,000 requests at 10%: candidate share ${share.toFixed(2)}% (stable ${tally.get("1.0.0") ?? 0}) | 10000 | 0 | 0 |`);
    expect(share).toBeGreaterThanOrEqual(8);
    expect(share).toBeLessThanOrEqual(12);
  }, 900_000);

  it("routes every request with the same sticky key to the same version", async () => {
    await setCandidate({ modelDir: join(fixtures, "iris-rules"), trafficPercent: 50, stickyHeader: "X-User-Id" });
    const reviewed = review();
    expect(reviewed).toContain("| candidate version | `2.0.0` | unchanged |");
    expect(reviewed).toContain("| candidate live traffic | `10%` | `50%` |");
    expect(reviewed).toContain("| candidate shadow traffic | `off` | unchanged |");
    expect(reviewed).toContain("| candidate routing | | sticky on `X-User-Id` |");
    expect(reviewed).toContain("live traffic to 2.0.0 goes from 10% to 50%");
    expect(reviewed).toContain(NO_RISK_LINE);
    const { report, upError } = await upUnderLoad();
    expect(upError).toBeUndefined();
    expectNoFailedRequest(report, "sticky on X-User-Id, 50%");
    const keys = 40;
    const { byIndex, failed } = await versionsOf(keys * 5, 8, (index) => ({ "X-User-Id": `user-${index % keys}` }));
    expect(failed).toBe(0);
    const versionsByKey = new Map<number, Set<string>>();
    byIndex.forEach((version, index) => versionsByKey.set(index % keys, (versionsByKey.get(index % keys) ?? new Set()).add(version)));
    expect([...versionsByKey.values()].every((versions) => versions.size === 1)).toBe(true);
    expect(new Set([...versionsByKey.values()].flatMap((versions) => [...versions]))).toEqual(new Set(["1.0.0", "2.0.0"]));
  }, 900_000);

  it("removes the candidate (modelDir unchanged) under load without a failed request: its containers go, stable answers everything", async () => {
    const candidates = (await scratch.stack.outputs()).candidateContainerNames.value as string[];
    expect(candidates).toHaveLength(1);
    await setCandidate(null);
    const reviewed = review();
    expect(reviewed).toContain("| candidate version | `2.0.0` | (none) |");
    expect(reviewed).toContain("| candidate live traffic | `50%` | `off` |");
    expect(reviewed).not.toContain("| candidate routing |");
    expect(reviewed).toContain("live traffic leaves 2.0.0: stable answers every request");
    expect(reviewed).toContain(NO_RISK_LINE);
    const { report, upError } = await upUnderLoad();
    expect(upError).toBeUndefined();
    expectNoFailedRequest(report, "removal: candidate 2.0.0 at 50% removed");
    expect((await scratch.stack.outputs()).candidateContainerNames.value).toEqual([]);
    const running = execFileSync("docker", ["ps", "--all", "--format", "{{.Names}}"], { encoding: "utf8" }).split("\n");
    expect(running.filter((name) => candidates.includes(name))).toEqual([]);
    const { tally, failed } = await versionsOf(300, 4);
    expect(failed).toBe(0);
    expect([...tally.entries()]).toEqual([["1.0.0", 300]]);
  }, 900_000);

  it("with shadow at 100% and no live share, clients get only stable answers and the candidate counts every mirrored request and the agreement of a known share", async () => {
    await setCandidate({ modelDir: join(fixtures, "disagreeing-iris"), trafficPercent: 0, shadowPercent: 100 });
    const reviewed = review();
    expect(reviewed).toContain("| candidate version | (none) | `2.2.0-disagreeing` |");
    expect(reviewed).toContain("| candidate live traffic | `off` | unchanged |");
    expect(reviewed).toContain("| candidate shadow traffic | `off` | `100%` |");
    expect(reviewed).not.toContain("| candidate routing |");
    expect(reviewed).toContain("100% of predictions are mirrored to 2.2.0-disagreeing as shadow traffic (clients keep stable's answers)");
    expect(reviewed).not.toContain("of live traffic moves to");
    expect(reviewed).toContain(NO_RISK_LINE);
    const { report, upError } = await upUnderLoad();
    expect(upError).toBeUndefined();
    expectNoFailedRequest(report, "shadow 100%, weight 0 (2.2.0-disagreeing)");
    const [candidate] = (await scratch.stack.outputs()).candidateContainerNames.value as string[];
    const proxy = (await scratch.stack.outputs()).proxyContainerName.value as string;
    const shadowCounts = async () =>
      parseShadowCounts((await execInContainer(proxy, ["curl", "--silent", "--fail", `http://${candidate}:8000/metrics`])).stdout);
    // The load under `up` mirrored too: start counting once the candidate has worked off what it still held (bounded).
    const before = await settledShadowCounts(shadowCounts);
    // Agreement is per request (every row of it equals the reference model's), so each request sends one row: every
    // fifth a clear virginica (petal length 6.1 cm), which the candidate calls versicolor, the others setosa, which
    // both call setosa. Exactly 100 of 500 mirrored requests disagree: agreement 80%.
    const requests = 500;
    const disagrees = (index: number) => index % 5 === 0;
    // Paced (2 connections, 20 ms apart: ~90 requests/s) so the one candidate replica keeps up: copies beyond what a
    // candidate slower than the clients can take are dropped (docs/canary.md), and counted as dropped.
    const { tally, answers, failed } = await versionsOf(
      requests,
      2,
      () => ({}),
      (index) => JSON.stringify({ instances: [disagrees(index) ? VIRGINICA : SETOSA] }),
      20,
    );
    expect(failed).toBe(0);
    expect([...tally.keys()]).toEqual(["1.0.0"]);
    // Clients got stable's answers only: virginica where the candidate would have said versicolor.
    expect(answers.filter((_, index) => disagrees(index))).toEqual(Array.from({ length: requests / 5 }, () => ["virginica"]));
    expect(answers.filter((_, index) => !disagrees(index))).toEqual(Array.from({ length: requests - requests / 5 }, () => ["setosa"]));
    // Mirrored requests finish after the client's answer: counted once the candidate has worked them off (bounded).
    const counted = shadowDelta(before, await settledShadowCounts(shadowCounts));
    const { answered, agreed, dropped } = counted;
    figures.push(
      `| shadow agreement: ${agreed} of ${answered} mirrored requests answered (${((agreed / answered) * 100).toFixed(1)}%, expected 80.0%), ${dropped} dropped | ${requests} | 0 | 0 |`,
    );
    expectEveryMirroredRequestCounted(counted, requests, requests - requests / 5);
  }, 900_000);

  it("a candidate failing 30% of its predictions costs clients nothing, and its gate rolls it back and fails up with the figures", async () => {
    await setCandidate({
      modelDir: join(fixtures, "flaky-iris"),
      trafficPercent: 30,
      gates: { windowSeconds: 20, minRequests: 20, maxErrorRate: 0.05 },
    });
    const reviewed = review();
    expect(reviewed).toContain("| candidate version | `2.2.0-disagreeing` | `2.1.0-flaky` |");
    expect(reviewed).toContain("| candidate live traffic | `off` | `30%` |");
    expect(reviewed).toContain("| candidate shadow traffic | `100%` | `off` |");
    expect(reviewed).toContain("| candidate routing | | random per request |");
    expect(reviewed).toMatch(/\| candidate gates \| \| window 20 s, error rate ≤ 0\.05, p99 latency ratio ≤ [0-9.]+, at least 20 live requests \|/);
    expect(reviewed).toContain("30% of live traffic moves to 2.1.0-flaky; shadow traffic to 2.2.0-disagreeing stops");
    expect(reviewed).toContain(NO_RISK_LINE);
    const { report, upError, seconds } = await upUnderLoad();
    expectNoFailedRequest(report, `flaky candidate 2.1.0-flaky at 30%, gated (up ${seconds.toFixed(0)} s)`);
    expect(upError, "the gate must fail `up`").toBeDefined();
    expect(upError).toMatch(/error rate/i);
    figures.push(`| gate message: ${gateLines(upError)} | | | |`);
    // Rolled back in place: no live request reaches the candidate any more.
    const { tally, failed } = await versionsOf(300, 4);
    expect(failed).toBe(0);
    expect([...tally.keys()]).toEqual(["1.0.0"]);
  }, 900_000);

  it("a candidate 3x slower than stable costs clients nothing, and its p99 gate rolls it back and fails up with the ratio", async () => {
    await setCandidate({
      modelDir: join(fixtures, "slow-iris"),
      trafficPercent: 20,
      gates: { windowSeconds: 20, minRequests: 20, maxErrorRate: 0.05, maxP99LatencyRatio: 1.5 },
    });
    const reviewed = review();
    expect(reviewed).toMatch(/\| candidate version \| `2\.1\.0-flaky` \| `2\.3\.0-slow` \|/);
    expect(reviewed).toContain("| candidate routing | | random per request |");
    expect(reviewed).toContain("| candidate gates | | window 20 s, error rate ≤ 0.05, p99 latency ratio ≤ 1.5, at least 20 live requests |");
    expect(reviewed).toContain("20% of live traffic moves to 2.3.0-slow");
    const { report, upError, seconds } = await upUnderLoad();
    expectNoFailedRequest(report, `slow candidate 2.3.0-slow at 20%, gated on p99 ratio 1.5 (up ${seconds.toFixed(0)} s)`);
    expect(upError, "the gate must fail `up`").toBeDefined();
    const measured = failedP99Gate(upError, 1.5);
    expect(measured, upError).not.toBeNull();
    const { ratio, candidateP99, stableP99 } = measured!;
    figures.push(`| slow gate: candidate p99 ${candidateP99} ms, stable p99 ${stableP99} ms, ratio ${ratio} (max 1.5) | | | |`);
    figures.push(`| gate message: ${gateLines(upError)} | | | |`);
    // The candidate is at least 3x slower than stable, as measured by the gate itself over its window.
    expect(candidateP99).toBeGreaterThanOrEqual(3 * stableP99);
    expect(ratio).toBeGreaterThanOrEqual(3);
    const { tally, failed } = await versionsOf(300, 4);
    expect(failed).toBe(0);
    expect([...tally.keys()]).toEqual(["1.0.0"]);
  }, 900_000);

  it("promotes the candidate's model (modelDir set, candidate removed) without a failed request", async () => {
    await scratch.stack.setConfig(`${NAMESPACE}:modelDir`, { value: join(fixtures, "iris-rules") });
    await scratch.stack.setConfig(`${NAMESPACE}:smokeTestInstances`, { value: JSON.stringify([SETOSA]) });
    await setCandidate(null);
    const reviewed = review();
    expect(reviewed).toContain("| candidate version | `2.3.0-slow` | (none) |");
    expect(reviewed).toContain("live traffic leaves 2.3.0-slow: stable answers every request");
    expect(reviewed).not.toContain("| candidate routing |");
    expect(reviewed).toContain(NO_RISK_LINE);
    const { report, upError } = await upUnderLoad();
    expect(upError).toBeUndefined();
    expectNoFailedRequest(report, "promotion: 2.0.0 becomes stable, candidate removed");
    const { tally, failed } = await versionsOf(200, 4);
    expect(failed).toBe(0);
    expect([...tally.keys()]).toEqual(["2.0.0"]);
    expect((await scratch.stack.outputs()).candidateContainerNames.value).toEqual([]);
  }, 900_000);
});
