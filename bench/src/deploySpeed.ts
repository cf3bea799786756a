/**
 * Deploy speed of ours (the reference stack) and, for scale, of the seed's docker-compose: cold up to the first
 * prediction with warm image layers, a no-op up, a model-only change until the new version answers, and a replica
 * change.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { OurStack } from "./ourStack.js";
import { waitForPrediction, type SeedStack } from "./seedStack.js";
import { run, say } from "./shell.js";

export interface DeploySpeed {
  /** Seconds from `pulumi up` on an empty stack (images cached) to the first prediction through nginx. */
  readonly coldUpSeconds: number;
  /** Seconds of `pulumi up` with nothing changed. */
  readonly noopUpSeconds: number;
  /** Seconds from `pulumi up` with a new model version until nginx answers with that version. */
  readonly modelChangeServingSeconds: number;
  /** Seconds the whole `pulumi up` of the model change took (old replicas removed, smoke test passed). */
  readonly modelChangeUpSeconds: number;
  /** Seconds of `pulumi up` from `replicas` to `replicas + 1`. */
  readonly scaleUpSeconds: number;
  /** Seconds of `pulumi up` back to `replicas`. */
  readonly scaleDownSeconds: number;
  /** The seed's `docker-compose up -d` from nothing (images cached) to its first prediction. */
  readonly seedColdUpSeconds: number;
  readonly replicas: number;
}

/** Runs the deploy steps on `ours` (leaving it as it was configured) and times the seed's compose up once. */
export async function measureDeploySpeed(ours: OurStack, seed: SeedStack, scratchDir: string, replicas: number): Promise<DeploySpeed> {
  await ours.destroy();
  let started = performance.now();
  await ours.up();
  const outputs = await ours.outputs();
  await waitForPrediction(outputs.predictUrl, 60);
  const coldUpSeconds = (performance.now() - started) / 1000;
  say(`cold up to the first prediction: ${coldUpSeconds.toFixed(1)}s`);

  const noopUpSeconds = await ours.up();
  say(`no-op up: ${noopUpSeconds.toFixed(1)}s`);

  const modelDir = await writeNewModelVersion(outputs.apiImageName, scratchDir);
  await ours.setConfig("modelDir", modelDir.dir);
  started = performance.now();
  const up = ours.up();
  const versionPattern = new RegExp(`"version":"${modelDir.version.replace(/[.]/g, "\\.")}"`);
  await waitForPrediction(outputs.predictUrl, 300, versionPattern);
  const modelChangeServingSeconds = (performance.now() - started) / 1000;
  const modelChangeUpSeconds = await up;
  say(`model-only change: new version served after ${modelChangeServingSeconds.toFixed(1)}s, up done after ${modelChangeUpSeconds.toFixed(1)}s`);
  await ours.removeConfig("modelDir");
  await ours.up();

  await ours.setConfig("replicas", String(replicas + 1));
  const scaleUpSeconds = await ours.up();
  await ours.setConfig("replicas", String(replicas));
  const scaleDownSeconds = await ours.up();
  say(`replicas ${replicas} -> ${replicas + 1}: ${scaleUpSeconds.toFixed(1)}s; back: ${scaleDownSeconds.toFixed(1)}s`);

  await seed.down();
  const seedColdUpSeconds = await seed.up();
  say(`seed: docker-compose up to the first prediction: ${seedColdUpSeconds.toFixed(1)}s`);
  return { coldUpSeconds, noopUpSeconds, modelChangeServingSeconds, modelChangeUpSeconds, scaleUpSeconds, scaleDownSeconds, seedColdUpSeconds, replicas };
}

/** The built-in iris model copied out of the api image, with a new version in its model.json. */
async function writeNewModelVersion(apiImage: string, scratchDir: string): Promise<{ dir: string; version: string }> {
  const dir = join(scratchDir, "model-change");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(scratchDir, { recursive: true });
  const container = `bn-bench-model-${process.pid}`;
  await run("docker", ["create", "--name", container, apiImage], { timeoutSeconds: 60 });
  try {
    await run("docker", ["cp", `${container}:/opt/model`, dir], { timeoutSeconds: 60 });
  } finally {
    await run("docker", ["rm", "-f", container], { timeoutSeconds: 60, check: false });
  }
  const version = `1.0.1-bench${Date.now()}`;
  const metaFile = join(dir, "model.json");
  const meta = JSON.parse(readFileSync(metaFile, "utf8")) as Record<string, unknown>;
  writeFileSync(metaFile, JSON.stringify({ ...meta, version }, null, 2));
  await run("chmod", ["-R", "a+rX", dir], { timeoutSeconds: 30 });
  return { dir, version };
}
