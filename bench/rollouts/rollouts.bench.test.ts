/**
 * The rollout bench (`npm run bench:rollouts`): the rollout scenario of the integration test, on its own stack,
 * with the load flat out (no pause between requests, like wrk) and with the test's steady load, printing for each
 * change the requests sent, the failures with their causes, the longest gap between two successful answers and
 * the `up` duration. Writes bench/results/rollouts.md. Traffic goes only to the stack's loopback port.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { createScratchStack } from "../../test/integration/support/pulumi.js";
import { rolloutBaseConfig, rolloutSteps, rolloutTable, runRolloutStep, type StepResult } from "../../test/integration/support/rollouts.js";
import { summariseFailures } from "../../test/integration/support/steadyLoad.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BASE_PORT = 18700;
const ALL_MODES = [
  { key: "flat", name: "flat out (8 connections, no pause)", connections: 8, pauseMs: 0, tailMs: 2_000 },
  { key: "steady", name: "steady (8 connections, 5 ms pause), as in the test", connections: 8, pauseMs: 5, tailMs: 2_000 },
];
/** ROLLOUT_BENCH_MODES=flat (or steady) runs one mode only; both by default. */
const MODES = ALL_MODES.filter((mode) => (process.env.ROLLOUT_BENCH_MODES ?? "flat,steady").split(",").includes(mode.key));

it("runs the rollout scenario under load and reports every change", async () => {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: "inherit" });
  const sections: string[] = [];
  for (const mode of MODES) {
    const stackName = `bench-rollouts-${process.pid}-${mode.pauseMs}`;
    const scratch = await createScratchStack(repoRoot, stackName);
    const results: StepResult[] = [];
    try {
      await scratch.stack.setAllConfig(rolloutBaseConfig(BASE_PORT));
      await scratch.stack.up({ onOutput: () => undefined });
      let port = BASE_PORT;
      for (const step of rolloutSteps(repoRoot, BASE_PORT)) {
        const result = await runRolloutStep(scratch.stack, step, port, mode);
        results.push(result);
        port = step.portAfterUp ?? port;
        const failures = summariseFailures(result.duringUp);
        console.log(`[${mode.name}] ${step.name}: ${result.duringUp.sent} sent, ${failures || "no failures"}`);
      }
    } finally {
      await scratch.dispose();
      rmSync(join(repoRoot, `Pulumi.${stackName}.yaml`), { force: true });
    }
    const causes = results
      .filter((r) => r.duringUp.failures.length > 0)
      .map((r) => `- ${r.step.name}: ${summariseFailures(r.duringUp)}`);
    sections.push(`## ${mode.name}\n\n${rolloutTable(results)}\n${causes.length > 0 ? `\nFailures and their causes:\n${causes.join("\n")}\n` : ""}`);
  }
  const report = [
    "# Rollouts under load",
    "",
    `Made by \`npm run bench:rollouts\` on ${new Date().toISOString().slice(0, 10)} (${process.platform}, ${(await import("node:os")).cpus().length} CPUs).`,
    "Each row is one `pulumi up` of the reference stack while the load runs through nginx on 127.0.0.1; requests",
    "alternate POST /predict and POST /v2/models/iris/infer. \"failed\" counts non-2xx answers and requests that got",
    "no answer, from the start of `up` until 2 s after it returned.",
    "",
    ...sections,
  ].join("\n");
  mkdirSync(join(repoRoot, "bench", "results"), { recursive: true });
  writeFileSync(join(repoRoot, "bench", "results", "rollouts.md"), report + "\n");
  console.log(`\n${report}`);
  expect(sections).toHaveLength(MODES.length);
});
