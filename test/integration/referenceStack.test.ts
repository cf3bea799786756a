/**
 * End-to-end tests of the reference stack (index.ts + Pulumi.<stack>.yaml) on the real Pulumi engine and the
 * real Docker engine, through the Automation API on a throw-away local backend. Traffic goes only to the
 * loopback port the stack publishes.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "./support/pulumi.js";
import { ensureBuilt } from "../support/build.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const namespace = "model-service";
const quiet = { onOutput: () => undefined };
const setosa = [5.1, 3.5, 1.4, 0.2];
const virginica = [6.7, 3.0, 5.2, 2.3];

/** Names of the Docker objects of `kind` carrying our stack label. */
function labelled(kind: "container" | "network", stack: string): string[] {
  const args = kind === "container" ? ["ps", "-a", "--format", "{{.Names}}"] : ["network", "ls", "--format", "{{.Name}}"];
  const out = execFileSync("docker", [...args, "--filter", `label=model-service.stack=${stack}`], { encoding: "utf8" });
  return out.split("\n").filter((line) => line !== "");
}

async function stackFor(name: string): Promise<ScratchStack> {
  // Every test stack gets its own Pulumi.<stack>.yaml in the repo (git-ignored) and its own backend.
  ensureBuilt();
  return createScratchStack(repoRoot, name);
}

function removeStackConfigFile(name: string): void {
  rmSync(join(repoRoot, `Pulumi.${name}.yaml`), { force: true });
}

describe("reference stack: invalid config", () => {
  const name = `e2e-invalid-${process.pid}`;
  let scratch: ScratchStack;

  beforeAll(async () => {
    scratch = await stackFor(name);
  }, 180_000);

  afterAll(async () => {
    await scratch?.dispose();
    removeStackConfigFile(name);
  }, 180_000);

  it("fails preview naming every bad key and creates nothing", async () => {
    await scratch.stack.setAllConfig({
      [`${namespace}:replicas`]: { value: "0" },
      [`${namespace}:hostPort`]: { value: "99999" },
      [`${namespace}:hostAddress`]: { value: "localhost:80" },
    });
    const failure = await scratch.stack.preview(quiet).then(
      () => new Error("preview succeeded"),
      (error: unknown) => error as Error,
    );
    const message = String(failure.message);
    expect(message).toContain("Invalid ModelService arguments");
    expect(message).toMatch(/replicas: got 0; expected an integer from 1 to 32/);
    expect(message).toMatch(/hostPort: got 99999/);
    expect(message).toMatch(/hostAddress: got "localhost:80"/);
    expect(message).not.toMatch(/\n\s+at /); // a plain message, no stack trace
    const state = await scratch.stack.exportStack();
    expect(state.deployment.resources ?? []).toEqual([]);
    expect(labelled("container", name)).toEqual([]);
  }, 180_000);

  it("fails preview on an unknown key, naming it with its namespace", async () => {
    await scratch.stack.setAllConfig({
      [`${namespace}:replicas`]: { value: "2" },
      [`${namespace}:hostPort`]: { value: "8080" },
      [`${namespace}:hostAddress`]: { value: "127.0.0.1" },
      [`${namespace}:replica`]: { value: "3" },
    });
    await expect(scratch.stack.preview(quiet)).rejects.toThrow(/model-service:replica\b/);
  }, 180_000);
});


// Needs the docker and command provider plugins (scripts/setup reports when it cannot provide them).
describe("reference stack: deploy, change and destroy", () => {
  beforeAll(() => requireProviderPlugins(repoRoot));

  const name = `e2e-${process.pid}`;
  let scratch: ScratchStack;
  let url = "";

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, text: await response.text() };
  };

  beforeAll(async () => {
    scratch = await stackFor(name);
    await scratch.stack.setAllConfig({
      [`${namespace}:replicas`]: { value: "2" },
      [`${namespace}:hostPort`]: { value: "18470" },
      [`${namespace}:gunicornWorkers`]: { value: "1" },
    });
  }, 180_000);

  afterAll(async () => {
    await scratch?.dispose();
    removeStackConfigFile(name);
  }, 600_000);

  it("up serves correct iris answers through nginx on the loopback port", async () => {
    const result = await scratch.stack.up(quiet);
    url = String(result.outputs.url.value);
    expect(url).toBe("http://127.0.0.1:18470");
    const predict = await post("/predict", { instances: [setosa, virginica] });
    expect(predict.status).toBe(200);
    expect(predict.body.predictions).toEqual(["setosa", "virginica"]);
    const infer = await post("/v2/models/iris/infer", {
      id: "e2e-1",
      inputs: [{ name: "input-0", shape: [1, 4], datatype: "FP64", data: setosa }],
    });
    expect(infer.status).toBe(200);
    expect(infer.body.id).toBe("e2e-1");
    expect((await get("/ready")).status).toBe(200);
    const metrics = await get("/metrics");
    expect(metrics.text).toMatch(/^modelserver_predictions_total\b/m);
    expect(labelled("container", name)).toHaveLength(3);
  }, 900_000);

  it("preview of the unchanged stack shows no changes", async () => {
    const preview = await scratch.stack.preview(quiet);
    const changes = Object.entries(preview.changeSummary).filter(([op]) => op !== "same");
    expect(changes).toEqual([]);
  }, 300_000);

  it("replicas 2 -> 3 previews as creates only (plus the smoke check) and applies", async () => {
    await scratch.stack.setConfig(`${namespace}:replicas`, { value: "3" });
    const preview = await scratch.stack.preview(quiet);
    expect(preview.changeSummary.delete ?? 0).toBe(0);
    expect(preview.changeSummary.replace ?? 0).toBeLessThanOrEqual(1); // the smoke test re-runs; nothing else is replaced
    expect(preview.changeSummary.create).toBeGreaterThanOrEqual(1);
    await scratch.stack.up(quiet);
    expect(labelled("container", name)).toHaveLength(4);
    expect((await post("/predict", { instances: [setosa] })).status).toBe(200);
  }, 900_000);

  it("a model change previews as an image update plus api replacements and serves the new version", async () => {
    await scratch.stack.setAllConfig({
      [`${namespace}:modelDir`]: { value: join(repoRoot, "test/integration/fixtures/iris-rules") },
      [`${namespace}:smokeTestInstances`]: { value: JSON.stringify([setosa]) },
    });
    const preview = await scratch.stack.preview(quiet);
    expect(preview.changeSummary.replace ?? 0).toBeGreaterThanOrEqual(3);
    await scratch.stack.up(quiet);
    const metadata = JSON.parse((await get("/metadata")).text) as { version: string };
    expect(metadata.version).toBe("2.0.0");
    expect((await post("/predict", { instances: [virginica] })).body.predictions).toEqual(["virginica"]);
  }, 900_000);

  it("destroy leaves no container or network with our labels", async () => {
    await scratch.stack.destroy(quiet);
    expect(labelled("container", name)).toEqual([]);
    expect(labelled("network", name)).toEqual([]);
  }, 600_000);
});
