/**
 * The README's deploy command as a new user runs it: `scripts/deploy` in a fresh clone of this repository (its
 * committed HEAD), on the real Pulumi and Docker engines. It must leave every tracked file as it was, leave no
 * stopped or created container behind on the engine, and print a prediction made from the deployed model's own
 * example, whatever the model's shape. Traffic goes only to the loopback port the stack publishes.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdHeavyLock, type HeldLock } from "./support/heavyLock.js";

const execFileAsync = promisify(execFile);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fahrenheitModel = join(repoRoot, "test", "integration", "fixtures", "consumer-models", "fahrenheit");
const stack = `e2e-deploy-${process.pid}`;
const hostPort = 18_740;

/** The environment a new user's shell has: none of the variables scripts/lib/env.sh or a test run would set. */
function userEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith("PULUMI_") || (name.startsWith("MS_") && name !== "MS_CACHE_DIR")) delete env[name];
  }
  return env;
}

/** Containers on the engine that do not run (created or exited), by ID. */
function stoppedContainers(): Set<string> {
  const out = execFileSync("docker", ["ps", "-a", "--filter", "status=created", "--filter", "status=exited", "--format", "{{.ID}}"], { encoding: "utf8" });
  return new Set(out.split("\n").filter((line) => line !== ""));
}

/** Runs scripts/deploy in the clone without blocking the test worker (a deploy takes minutes). */
function deploy(clone: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("scripts/deploy", [stack], { cwd: clone, env: userEnvironment(), timeout: 20 * 60_000 });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output }));
  });
}

/** The JSON the deploy printed last: its prediction. */
function printedPrediction(output: string): { predictions: unknown[]; model: { name: string; version: string } } {
  const line = output.split("\n").reverse().find((text) => text.trim().startsWith("{\"") && text.includes("\"predictions\""));
  expect(line, `no prediction in the deploy's output:\n${output.slice(-3000)}`).toBeDefined();
  return JSON.parse(line as string) as { predictions: unknown[]; model: { name: string; version: string } };
}

async function pulumiInClone(clone: string, args: string[]): Promise<string> {
  const script = `source scripts/lib/env.sh && pulumi "$@"`;
  const { stdout } = await execFileAsync("bash", ["-c", script, "pulumi", ...args], { cwd: clone, env: userEnvironment() });
  return stdout;
}

describe("scripts/deploy on a fresh clone", () => {
  let lock: HeldLock;
  let clone: string;
  let stoppedBefore: Set<string>;

  beforeAll(async () => {
    lock = await holdHeavyLock();
    clone = mkdtempSync(join(tmpdir(), "ms-fresh-clone-"));
    execFileSync("git", ["clone", "--quiet", repoRoot, clone]);
    // A stack of the test's own (git-ignored, like any Pulumi.e2e-*.yaml), on its own port: the dev stack's
    // settings, so that a developer's running dev stack on this machine is left alone.
    const dev = readFileSync(join(clone, "Pulumi.dev.yaml"), "utf8");
    writeFileSync(join(clone, `Pulumi.${stack}.yaml`), dev.replace(/hostPort: \d+/, `hostPort: ${hostPort}`));
    stoppedBefore = stoppedContainers();
  }, 30 * 60_000); // the heavy lock may be held by another suite for a while

  afterAll(async () => {
    try {
      const config = join(clone, ".state", "stack-config", `Pulumi.${stack}.yaml`);
      await pulumiInClone(clone, ["destroy", "--yes", "--non-interactive", "--stack", stack, "--config-file", config]);
    } finally {
      rmSync(clone, { recursive: true, force: true });
      lock?.release();
    }
  }, 600_000);

  it("deploys the default model and prints its prediction", async () => {
    const run = await deploy(clone);
    expect(run.status, run.output.slice(-3000)).toBe(0);
    const prediction = printedPrediction(run.output);
    expect(prediction.model.name).toBe("iris");
    expect(prediction.predictions.length).toBeGreaterThan(0);
  }, 20 * 60_000);

  it("leaves every tracked file as it was", () => {
    expect(execFileSync("git", ["status", "--porcelain"], { cwd: clone, encoding: "utf8" })).toBe("");
  });

  it("leaves no stopped or created container behind", () => {
    const left = [...stoppedContainers()].filter((id) => !stoppedBefore.has(id));
    expect(left, `containers left by the deploy: ${left.join(", ")}`).toEqual([]);
  });

  it("deploys a model of another shape and prints that model's prediction", async () => {
    // The README's "Serve your own model": modelDir in stack config, then the same command.
    await pulumiInClone(clone, ["config", "set", "modelDir", fahrenheitModel, "--stack", stack]);
    const run = await deploy(clone);
    expect(run.status, run.output.slice(-3000)).toBe(0);
    const prediction = printedPrediction(run.output);
    expect(prediction.model.name).toBe("celsius-to-fahrenheit");
    expect(prediction.predictions).toEqual([212]); // the model's own example, 100 °C
  }, 20 * 60_000);
});

