/**
 * The shadow-traffic bench (`npm run bench:canary`): what mirroring every prediction to a candidate costs clients.
 * One stack with a candidate (iris-rules 2.0.0) beside the built-in model, measured with the same closed-loop load
 * (keep-alive connections, POST /predict through the proxy on 127.0.0.1) with shadow off, at 100%, and off again,
 * in the same run. Prints client p50/p99 of each phase and the ratio of shadow on to the mean of the two off
 * phases; writes bench/results/canary-shadow.md.
 */
import { execFileSync } from "node:child_process";
import * as http from "node:http";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { createScratchStack } from "../../test/integration/support/pulumi.js";
import { NAMESPACE, rolloutBaseConfig } from "../../test/integration/support/rollouts.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PORT = 18740;
const STACK = `bench-canary-${process.pid}`;
const CONNECTIONS = Number(process.env.CANARY_BENCH_CONNECTIONS ?? 8);
const REQUESTS = Number(process.env.CANARY_BENCH_REQUESTS ?? 4000);
const BODY = JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] });

/** Client latencies in ms of `count` POST /predict on `connections` keep-alive sockets; bounded at 5 minutes. */
async function latencies(count: number, connections: number): Promise<{ ms: number[]; failed: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const ms: number[] = [];
  let failed = 0;
  let next = 0;
  const deadline = Date.now() + 300_000;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const outgoing = http.request(
        { host: "127.0.0.1", port: PORT, method: "POST", path: "/predict", agent, timeout: 30_000, headers: { "Content-Type": "application/json", "Content-Length": String(BODY.length) } },
        (incoming) => {
          incoming.resume();
          incoming.on("end", () => {
            if (incoming.statusCode === 200) ms.push(performance.now() - started);
            else failed += 1;
            resolve();
          });
        },
      );
      outgoing.on("timeout", () => outgoing.destroy(new Error("timeout")));
      outgoing.on("error", () => {
        failed += 1;
        resolve();
      });
      outgoing.end(BODY);
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count && Date.now() < deadline) {
        next += 1;
        await one();
      }
    }),
  );
  agent.destroy();
  return { ms, failed };
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

it("measures client latency with shadow traffic off, at 100% and off again", async () => {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: "inherit" });
  const scratch = await createScratchStack(repoRoot, STACK);
  const candidate = (shadowPercent: number) => ({
    value: JSON.stringify({ modelDir: join(repoRoot, "test", "integration", "fixtures", "iris-rules"), trafficPercent: 0, shadowPercent }),
  });
  const phases: { name: string; p50: number; p99: number; n: number; failed: number }[] = [];
  try {
    await scratch.stack.setAllConfig({ ...rolloutBaseConfig(PORT), [`${NAMESPACE}:candidate`]: candidate(0) });
    await scratch.stack.up({ onOutput: () => undefined });
    for (const [name, shadow] of [["shadow off", 0], ["shadow 100%", 100], ["shadow off again", 0]] as const) {
      if (phases.length > 0) {
        await scratch.stack.setConfig(`${NAMESPACE}:candidate`, candidate(shadow));
        await scratch.stack.up({ onOutput: () => undefined });
      }
      await latencies(500, CONNECTIONS); // warm-up, not counted
      const { ms, failed } = await latencies(REQUESTS, CONNECTIONS);
      phases.push({ name, p50: percentile(ms, 50), p99: percentile(ms, 99), n: ms.length, failed });
      console.log(`${name}: p50 ${percentile(ms, 50).toFixed(2)} ms, p99 ${percentile(ms, 99).toFixed(2)} ms over ${ms.length} answers, ${failed} failed`);
    }
  } finally {
    await scratch.dispose();
    rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
  }
  const off = { p50: (phases[0].p50 + phases[2].p50) / 2, p99: (phases[0].p99 + phases[2].p99) / 2 };
  const on = phases[1];
  const report = [
    "# Shadow traffic: client latency",
    "",
    `Made by \`npm run bench:canary\` on ${new Date().toISOString().slice(0, 10)} (${process.platform}, ${(await import("node:os")).cpus().length} CPUs): the reference`,
    `stack (2 replicas of 0.5 CPU) with a candidate of 1 replica, ${REQUESTS} POST /predict per phase on ${CONNECTIONS} keep-alive connections`,
    "through the proxy on 127.0.0.1, after 500 requests of warm-up.",
    "",
    "| phase | answers | failed | p50 (ms) | p99 (ms) |",
    "|---|---|---|---|---|",
    ...phases.map((phase) => `| ${phase.name} | ${phase.n} | ${phase.failed} | ${phase.p50.toFixed(2)} | ${phase.p99.toFixed(2)} |`),
    "",
    `Shadow 100% against the mean of the two off phases: p50 x${(on.p50 / off.p50).toFixed(3)}, p99 x${(on.p99 / off.p99).toFixed(3)}.`,
    "",
  ].join("\n");
  mkdirSync(join(repoRoot, "bench", "results"), { recursive: true });
  writeFileSync(join(repoRoot, "bench", "results", "canary-shadow.md"), report);
  console.log(`\n${report}`);
  expect(phases.every((phase) => phase.failed === 0)).toBe(true);
});
