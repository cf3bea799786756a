/**
 * `model-service-review` on REAL Swarm previews: the reference stack with `runtime: swarm` deployed once on the
 * Swarm test bed (scripts/swarm-testbed), then previewed twice without deploying again, a scale 2 -> 3 and a model
 * change, each as `pulumi preview --json --show-sames` piped into the command as CI runs it. The reviews must name
 * the api and proxy services, the replica counts and the model versions before and after, and match their golden
 * files, which the unit tests also review from the captured previews. REVIEW_UPDATE_GOLDEN=1 rewrites both (the
 * preview JSON with this checkout's path replaced by `<repo>`).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdHeavyLock, type HeldLock } from "../integration/support/heavyLock.js";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "../integration/support/pulumi.js";
import { normalisePreviewJson, normaliseReview, previewJson, runReviewCli } from "../integration/support/review.js";
import { NAMESPACE } from "../integration/support/rollouts.js";
import { startTestbed, stopTestbed, swarmStackConfig, type Testbed } from "./support/testbed.js";
import { ensureBuilt } from "../support/build.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const goldenDir = join(repoRoot, "test/unit/review/golden");
const updateGolden = process.env.REVIEW_UPDATE_GOLDEN === "1";
/** A fixed stack name: it is part of the Swarm service names the golden reviews show. */
const STACK = "swr-review";
const PORT = 18490;
const API_SERVICE = `model-${STACK}-api`;
const PROXY_SERVICE = `model-${STACK}-proxy`;

describe("review of a deployed Swarm stack", () => {
  let lock: HeldLock;
  let testbed: Testbed;
  let scratch: ScratchStack;
  let env: Record<string, string>;

  /** Sets `config` on top of the deployed config, reviews `pulumi preview --json --show-sames`, then restores it. */
  const reviewWith = async (name: string, config: Record<string, string>): Promise<string> => {
    await scratch.stack.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) => [`${NAMESPACE}:${key}`, { value }])));
    try {
      const preview = previewJson(repoRoot, STACK, env);
      expect(preview.status, preview.stderr).toBe(0);
      const review = runReviewCli(repoRoot, ["-"], env, preview.stdout);
      expect(review.stderr).toBe("");
      expect(review.status, review.stdout).toBe(2);
      const golden = join(goldenDir, `${name}.md`);
      if (updateGolden || !existsSync(golden)) {
        writeFileSync(join(goldenDir, `${name}.preview.json`), normalisePreviewJson(preview.stdout, repoRoot));
        writeFileSync(golden, normaliseReview(review.stdout));
      }
      expect(normaliseReview(review.stdout)).toBe(readFileSync(golden, "utf8"));
      return review.stdout;
    } finally {
      await scratch.stack.setAllConfig({ [`${NAMESPACE}:replicas`]: { value: "2" } });
      const added = Object.keys(config).filter((key) => key !== "replicas");
      if (added.length > 0) {
        await scratch.stack.removeAllConfig(added.map((key) => `${NAMESPACE}:${key}`));
      }
    }
  };

  beforeAll(async () => {
    requireProviderPlugins(repoRoot);
    lock = await holdHeavyLock();
    ensureBuilt();
    testbed = startTestbed(repoRoot, 3);
    rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
    scratch = await createScratchStack(repoRoot, STACK);
    env = {
      PULUMI_BACKEND_URL: `file://${scratch.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "model-service-test",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    await scratch.stack.setAllConfig(
      Object.fromEntries(Object.entries(swarmStackConfig(testbed, 2, PORT)).map(([key, value]) => [`${NAMESPACE}:${key}`, value])),
    );
    const result = await scratch.stack.up({ onOutput: () => undefined });
    expect(result.outputs.apiServiceName.value).toBe(API_SERVICE);
    expect(result.outputs.proxyServiceName.value).toBe(PROXY_SERVICE);
  }, 1_200_000);

  afterAll(async () => {
    try {
      await scratch?.dispose();
    } finally {
      rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
      stopTestbed(repoRoot);
      lock?.release();
    }
  }, 900_000);

  it("scale 2 -> 3: names both services, the api tasks 2 -> 3 without task restarts, the proxy tasks unchanged", async () => {
    const review = await reviewWith("swarm-scale", { replicas: "3" });
    expect(review).toContain("| replicas | 2 | 3 (+1) |");
    expect(review).toContain("| proxy tasks | one per node (global) | unchanged |");
    expect(review).toContain("| model version | `1.0.0` | unchanged |");
    expect(review).toContain(`- api service \`${API_SERVICE}\`: scaled 2 → 3 tasks, no task restarts`);
    expect(review).toContain(`- proxy service \`${PROXY_SERVICE}\`: unchanged`);
    expect(review).toContain("**Rollout risk:** no dropped requests expected");
  }, 300_000);

  it("model change: the model version 1.0.0 -> 2.0.0 and a rolling, start-first update of the api service", async () => {
    const review = await reviewWith("swarm-model-change", {
      modelDir: join(repoRoot, "test/integration/fixtures/iris-rules"),
      smokeTestInstances: JSON.stringify([[5.1, 3.5, 1.4, 0.2]]),
    });
    expect(review).toMatch(/\| model version \| `1\.0\.0` \| `2\.0\.0` \|/);
    expect(review).toContain("| replicas | 2 | unchanged |");
    expect(review).toContain("| proxy tasks | one per node (global) | unchanged |");
    expect(review).toMatch(new RegExp(`- api service \`${API_SERVICE}\`: rolling update, one task at a time, start-first \\(image, modelVersion`));
    expect(review).toContain(`- proxy service \`${PROXY_SERVICE}\`: unchanged`);
    expect(review).not.toContain("replaced");
  }, 300_000);
});
