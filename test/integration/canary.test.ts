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
import { createScratchStack, type ScratchStack } from "./support/pulumi.js";
import { NAMESPACE, ROLLOUT_REQUESTS, rolloutBaseConfig } from "./support/rollouts.js";
import { startSteadyLoad, summariseFailures, type LoadReport } from "./support/steadyLoad.js";
import { execInContainer } from "./support/docker.js";
import { runReviewCli } from "./support/review.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixtures = join(repoRoot, "test", "integration", "fixtures");
const PORT = 18700;
const STACK = `e2e-canary-${process.pid}`;
const LOAD = { connections: 8, pauseMs: 5 };
const SETOSA = [5.1, 3.5, 1.4, 0.2];
const PREDICT_BODY = JSON.stringify({ instances: [SETOSA] });
const quiet = { onOutput: () => undefined };

/** The versions that answered `count` POST /predict (header X-Model-Version), sent on `connections` keep-alive sockets. */
async function versionsOf(count: number, connections: number, headers: (index: number) => Record<string, string> = () => ({})) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const tally = new Map<string, number>();
  const byIndex: string[] = [];
  let failed = 0;
  let next = 0;
  const deadline = Date.now() + 180_000;
  const one = (index: number) =>
    new Promise<void>((resolve) => {
      const outgoing = http.request(
        {
          host: "127.0.0.1",
          port: PORT,
          method: "POST",
          path: "/predict",
          agent,
          timeout: 30_000,
          headers: { "Content-Type": "application/json", "Content-Length": String(PREDICT_BODY.length), ...headers(index) },
        },
        (incoming) => {
          incoming.resume();
          incoming.on("end", () => {
            const version = String(incoming.headers["x-model-version"] ?? "none");
            if (incoming.statusCode === 200) tally.set(version, (tally.get(version) ?? 0) + 1);
            else failed += 1;
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
      outgoing.end(PREDICT_BODY);
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count && Date.now() < deadline) {
        await one(next++);
      }
    }),
  );
  agent.destroy();
  return { tally, byIndex, failed };
}

describe("canary and shadow traffic through the proxy (runtime docker)", () => {
  let scratch: ScratchStack;
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
    execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: "inherit" });
    scratch = await createScratchStack(repoRoot, STACK);
    await scratch.stack.setAllConfig({ ...rolloutBaseConfig(PORT), [`${NAMESPACE}:replicas`]: { value: "2" } });
    await scratch.stack.up(quiet);
  }, 900_000);

  afterAll(async () => {
    if (figures.length > 0) {
      console.log(`\nCanary steps under load (${LOAD.connections} connections):\n| step | requests | non-2xx | resets |\n|---|---|---|---|\n${figures.join("\n")}\n`);
    }
    await scratch?.dispose();
    rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
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

  it("with shadow at 100% and no live share, clients get only stable answers and the candidate counts every mirrored request", async () => {
    await setCandidate({ modelDir: join(fixtures, "iris-rules"), trafficPercent: 0, shadowPercent: 100 });
    const { report, upError } = await upUnderLoad();
    expect(upError).toBeUndefined();
    expectNoFailedRequest(report, "shadow 100%, weight 0");
    const [candidate] = (await scratch.stack.outputs()).candidateContainerNames.value as string[];
    const proxy = (await scratch.stack.outputs()).proxyContainerName.value as string;
    const counter = async (name: string) => {
      const metrics = await execInContainer(proxy, ["curl", "--silent", "--fail", `http://${candidate}:8000/metrics`]);
      const line = metrics.stdout.split("\n").find((entry) => entry.startsWith(`${name}{`));
      return Number(line?.split(" ").pop() ?? 0);
    };
    const shadowCount = () => counter("modelserver_shadow_requests_total");
    const agreementCount = () => counter("modelserver_shadow_agreements_total");
    const before = await shadowCount();
    const agreedBefore = await agreementCount();
    const { tally, failed } = await versionsOf(500, 4);
    expect(failed).toBe(0);
    expect([...tally.keys()]).toEqual(["1.0.0"]);
    // Mirrored requests finish after the client's answer; give the last ones a moment.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await shadowCount()) - before).toBe(500);
    // Both models call the setosa row setosa: every mirrored prediction agrees with stable's (the reference model).
    expect((await agreementCount()) - agreedBefore).toBe(500);
  }, 900_000);

  it("a candidate failing 30% of its predictions costs clients nothing, and its gate rolls it back and fails up with the figures", async () => {
    await setCandidate({
      modelDir: join(fixtures, "flaky-iris"),
      trafficPercent: 30,
      gates: { windowSeconds: 20, minRequests: 20, maxErrorRate: 0.05 },
    });
    const { report, upError } = await upUnderLoad();
    expectNoFailedRequest(report, "flaky candidate 2.1.0-flaky at 30%, gated");
    expect(upError, "the gate must fail `up`").toBeDefined();
    expect(upError).toMatch(/error rate/i);
    figures.push(`| gate message: ${(upError ?? "").split("\n").filter((line) => /canary gate/.test(line)).slice(-3).join(" / ").replace(/\|/g, "/")} | | | |`);
    // Rolled back in place: no live request reaches the candidate any more.
    const { tally, failed } = await versionsOf(300, 4);
    expect(failed).toBe(0);
    expect([...tally.keys()]).toEqual(["1.0.0"]);
  }, 900_000);

  it("promotes the candidate's model (modelDir set, candidate removed) without a failed request", async () => {
    await scratch.stack.setConfig(`${NAMESPACE}:modelDir`, { value: join(fixtures, "iris-rules") });
    await scratch.stack.setConfig(`${NAMESPACE}:smokeTestInstances`, { value: JSON.stringify([SETOSA]) });
    await setCandidate(null);
    const reviewed = review();
    expect(reviewed).toContain("| candidate version | `2.1.0-flaky` | (none) |");
    expect(reviewed).toContain("live traffic leaves 2.1.0-flaky: stable answers every request");
    const { report, upError } = await upUnderLoad();
    expect(upError).toBeUndefined();
    expectNoFailedRequest(report, "promotion: 2.0.0 becomes stable, candidate removed");
    const { tally, failed } = await versionsOf(200, 4);
    expect(failed).toBe(0);
    expect([...tally.keys()]).toEqual(["2.0.0"]);
    expect((await scratch.stack.outputs()).candidateContainerNames.value).toEqual([]);
  }, 900_000);
});
