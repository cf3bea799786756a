/**
 * `model-service-review` on REAL previews: the reference stack deployed once on the real Docker engine, then
 * previewed with one change at a time (previews are cheap, deployments are not), each reviewed by the
 * command as CI runs it, through the Automation API (`--stack`) or from `pulumi preview --json`. Reviews are
 * compared with golden files (digests normalised); REVIEW_UPDATE_GOLDEN=1 rewrites them.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchStack, type ScratchStack } from "./support/pulumi.js";
import { normaliseReview, previewJson, runReviewCli, type ProcessResult } from "./support/review.js";
import { ensureBuilt } from "../support/build.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Golden reviews, shared with the unit tests, which review the captured previews beside them. */
const goldenDir = join(repoRoot, "test/unit/review/golden");
const updateGolden = process.env.REVIEW_UPDATE_GOLDEN === "1";
const namespace = "model-service";
const quiet = { onOutput: () => undefined };
/** Stack names start with rv- and ports lie in 19100-19199: this suite's share of the machine. */
const STACK = "rv-review";
const PORT = 19100;
const FEATURE_STORE_TOKEN = "rv-feature-store-token-6c1f";
const REGISTRY_PASSWORD = "rv-registry-password-93ad";
const BASE_CONFIG = {
  [`${namespace}:replicas`]: { value: "2" },
  [`${namespace}:hostPort`]: { value: String(PORT) },
  [`${namespace}:gunicornWorkers`]: { value: "1" },
  [`${namespace}:apiMemoryMb`]: { value: "256" },
};

/** Compares a review with its golden file (or writes it with REVIEW_UPDATE_GOLDEN=1). */
function expectGolden(markdown: string, name: string): void {
  const file = join(goldenDir, `${name}.md`);
  const normalised = normaliseReview(markdown);
  if (updateGolden || !existsSync(file)) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(file, normalised);
  }
  expect(normalised).toBe(readFileSync(file, "utf8"));
}

function removeLabelled(stack: string): void {
  const ids = execFileSync("docker", ["ps", "-aq", "--filter", `label=model-service.stack=${stack}`], { encoding: "utf8" }).split("\n").filter(Boolean);
  if (ids.length > 0) {
    execFileSync("docker", ["rm", "-f", ...ids]);
  }
  const networks = execFileSync("docker", ["network", "ls", "-q", "--filter", `label=model-service.stack=${stack}`], { encoding: "utf8" }).split("\n").filter(Boolean);
  for (const network of networks) {
    execFileSync("docker", ["network", "rm", network]);
  }
}

describe("review of the deployed reference stack", () => {
  let scratch: ScratchStack;
  let env: Record<string, string>;

  /** The review of the current config, by the command running the preview itself. */
  const reviewByStack = (): ProcessResult => runReviewCli(repoRoot, ["--stack", STACK], env);
  /** The review of `pulumi preview --json --show-sames` piped into the command. */
  const reviewOfJson = (): { preview: ProcessResult; review: ProcessResult } => {
    const preview = previewJson(repoRoot, STACK, env);
    return { preview, review: runReviewCli(repoRoot, ["-"], env, preview.stdout) };
  };
  /** Runs `body` with `config` set on top of the base config; with REVIEW_UPDATE_GOLDEN=1 also captures the preview JSON as `<name>.preview.json`. */
  const withConfig = async (name: string, config: Record<string, { value: string; secret?: boolean }>, body: () => Promise<void> | void) => {
    await scratch.stack.setAllConfig(config);
    try {
      await body();
      if (updateGolden) {
        writeFileSync(join(goldenDir, `${name}.preview.json`), previewJson(repoRoot, STACK, env).stdout);
      }
    } finally {
      if (Object.keys(config).length > 0) {
        await scratch.stack.removeAllConfig(Object.keys(config));
      }
      await scratch.stack.setAllConfig(BASE_CONFIG);
    }
  };

  beforeAll(async () => {
    ensureBuilt();
    removeLabelled(STACK);
    rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
    scratch = await createScratchStack(repoRoot, STACK);
    env = {
      PULUMI_BACKEND_URL: `file://${scratch.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "model-service-test",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    await scratch.stack.setAllConfig(BASE_CONFIG);
    await scratch.stack.up(quiet);
  }, 900_000);

  afterAll(async () => {
    await scratch?.dispose();
    rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
    removeLabelled(STACK);
  }, 600_000);

  it("no-op: says 'no changes' and nothing else, exit 0", async () => {
    await withConfig("no-op", {}, () => {
      const review = reviewByStack();
      expect(review.stderr).toBe("");
      expect(review.stdout).toBe(`### Pulumi preview of \`${STACK}\`: no changes\n`);
      expect(review.status).toBe(0);
      expectGolden(review.stdout, "no-op");
    });
  }, 300_000);

  it("model change: version and digest before → after, replicas replaced new-first, no risk; same review from JSON", async () => {
    await withConfig(
      "model-change",
      {
        [`${namespace}:modelDir`]: { value: join(repoRoot, "test/integration/fixtures/iris-rules") },
        [`${namespace}:smokeTestInstances`]: { value: JSON.stringify([[5.1, 3.5, 1.4, 0.2]]) },
      },
      () => {
        const review = reviewByStack();
        expect(review.status).toBe(2);
        expect(review.stdout).toMatch(/\| model version \| `1\.0\.0` \| `2\.0\.0` \|/);
        expect(review.stdout).toContain("**Rollout risk:** no dropped requests expected");
        expectGolden(review.stdout, "model-change");
        const fromJson = reviewOfJson();
        expect(fromJson.review.status, `${fromJson.review.stdout}${fromJson.review.stderr}${fromJson.preview.stderr}`).toBe(2);
        expect(fromJson.review.stdout).toBe(review.stdout);
        if (updateGolden) {
          // The text preview users see today, shown beside this review in the README.
          const text = execFileSync("pulumi", ["preview", "--diff", "--non-interactive", "--color", "never", "--stack", STACK], {
            cwd: repoRoot,
            env: { ...process.env, ...env },
            encoding: "utf8",
          });
          writeFileSync(join(goldenDir, "model-change.preview.txt"), text);
        }
      },
    );
  }, 300_000);

  it("replicas 2 → 3: one replica added, nothing replaced", async () => {
    await withConfig("replicas-up", { [`${namespace}:replicas`]: { value: "3" } }, () => {
      const review = reviewByStack();
      expect(review.status).toBe(2);
      expect(review.stdout).toContain("| replicas | 2 | 3 (+1) |");
      expect(review.stdout).toContain("- api-2: created");
      expect(review.stdout).not.toContain("replaced");
      expectGolden(review.stdout, "replicas-up");
    });
  }, 300_000);

  it("replicas 2 → 1: one replica deleted, warns that replicas go to 1", async () => {
    await withConfig("replicas-down", { [`${namespace}:replicas`]: { value: "1" } }, () => {
      const review = reviewByStack();
      expect(review.status).toBe(2);
      expect(review.stdout).toContain("| replicas | 2 | 1 (−1) |");
      expect(review.stdout).toContain("- api-1: deleted");
      expect(review.stdout).toContain("replicas go to 1 (from 2)");
      expectGolden(review.stdout, "replicas-down");
    });
  }, 300_000);

  it("a proxy setting (rate limit): the nginx.conf lines that change and the proxy's replacement", async () => {
    await withConfig("proxy-rate-limit", { [`${namespace}:rateLimit`]: { value: JSON.stringify({ requestsPerSecond: 50, burst: 100 }) } }, () => {
      const review = reviewByStack();
      expect(review.status).toBe(2);
      expect(review.stdout).toMatch(/\+ limit_req_zone .*rate=50r\/s/);
      expectGolden(review.stdout, "proxy-rate-limit");
    });
  }, 300_000);

  it("the published port: warns exactly that it changes", async () => {
    await withConfig("published-port", { [`${namespace}:hostPort`]: { value: String(PORT + 1) } }, () => {
      const review = reviewByStack();
      expect(review.status).toBe(2);
      expect(review.stdout).toContain(`the published port changes: ${PORT} → ${PORT + 1}`);
      expectGolden(review.stdout, "published-port");
    });
  }, 300_000);

  it("secret settings: masked in the review whichever way it reads the preview", async () => {
    await withConfig(
      "secret-settings",
      {
        [`${namespace}:environment`]: { value: JSON.stringify({ FEATURE_STORE_TOKEN: FEATURE_STORE_TOKEN }), secret: true },
        [`${namespace}:registry`]: {
          value: JSON.stringify({ server: "registry.rv.invalid:5000", username: "rv-ci", password: REGISTRY_PASSWORD }),
          secret: true,
        },
      },
      () => {
        const review = reviewByStack();
        expect(review.status).toBe(2);
        // A variable set with --secret makes the containers' environment a Pulumi secret as a whole.
        expect(review.stdout).toContain("- api `environment`: `(plain variables)` → [secret]");
        const fromJson = reviewOfJson();
        expect(fromJson.review.status, `${fromJson.review.stdout}${fromJson.review.stderr}${fromJson.preview.stderr}`).toBe(2);
        for (const output of [review.stdout, review.stderr, fromJson.review.stdout, fromJson.review.stderr]) {
          expect(output).not.toContain(FEATURE_STORE_TOKEN);
          expect(output).not.toContain(REGISTRY_PASSWORD);
        }
        // The engine itself masks the registry password, a Pulumi secret, in the raw preview.
        expect(fromJson.preview.stdout).not.toContain(REGISTRY_PASSWORD);
        expectGolden(review.stdout, "secret-settings");
      },
    );
  }, 300_000);

  it("invalid config: the error named and nothing else, exit 1", async () => {
    await withConfig("invalid-config", { [`${namespace}:replicas`]: { value: "0" } }, () => {
      const review = reviewByStack();
      expect(review.status).toBe(1);
      expect(review.stdout).toMatch(new RegExp(`^### Pulumi preview of \`${STACK}\` failed\n`));
      expect(review.stdout).toContain("replicas: got 0; expected an integer from 1 to 32");
      expect(review.stdout).not.toMatch(/ModelService `|Containers|Rollout/);
      expectGolden(review.stdout, "invalid-config");
    });
  }, 300_000);
});

describe("review of a program with another resource beside the ModelService", () => {
  const workDir = join(repoRoot, "test/integration/fixtures/review-program");
  const stackName = "rv-other";
  let scratch: ScratchStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    ensureBuilt();
    scratch = await createScratchStack(workDir, stackName);
    env = {
      PULUMI_BACKEND_URL: `file://${scratch.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "model-service-test",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
  }, 300_000);

  afterAll(async () => {
    await scratch?.dispose();
    rmSync(join(workDir, `Pulumi.${stackName}.yaml`), { force: true });
  }, 300_000);

  it("lists the other resource in the generic list and the new ModelService on its own", () => {
    const review = runReviewCli(repoRoot, ["--stack", stackName, "--cwd", workDir], env);
    expect(review.status).toBe(2);
    expect(review.stdout).toContain("#### ModelService `churn` (new)");
    expect(review.stdout).toContain("#### Other resources (1)\n\n- create `docker:index/volume:Volume` `feature-cache`");
    expectGolden(review.stdout, "other-resource");
    if (updateGolden) {
      writeFileSync(join(goldenDir, "other-resource.preview.json"), previewJson(workDir, stackName, env).stdout);
    }
  }, 300_000);
});
