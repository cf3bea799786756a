/**
 * The reference stack configured with `pulumi config set --secret` values (API keys, and a database URL under
 * `environment`), on the real engine and Docker: the service answers with the key and 401 without, and neither
 * secret is in plain text in the state files, the stack export or the engine output; the key is in no
 * `docker inspect` and no log either (the URL is, by nature, in the api's environment).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "./support/pulumi.js";
import { secretFindings } from "./support/secretSearch.js";
import { ensureBuilt } from "../support/build.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const namespace = "model-service";
const API_KEY = randomBytes(32).toString("hex");
const DATABASE_PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
const DATABASE_URL = `postgres://svc:${DATABASE_PASSWORD}@db.internal:5432/features`;
const PORT = 18530;

describe("reference stack with --secret config", () => {
  beforeAll(() => requireProviderPlugins(repoRoot));

  const name = `e2e-secrets-${process.pid}`;
  let scratch: ScratchStack;
  const engineOutput: string[] = [];
  const collect = { onOutput: (text: string) => engineOutput.push(text) };

  beforeAll(async () => {
    ensureBuilt();
    scratch = await createScratchStack(repoRoot, name);
    await scratch.stack.setAllConfig({
      [`${namespace}:replicas`]: { value: "1" },
      [`${namespace}:gunicornWorkers`]: { value: "1" },
      [`${namespace}:hostPort`]: { value: String(PORT) },
      [`${namespace}:apiKeys`]: { value: JSON.stringify([API_KEY]), secret: true },
      [`${namespace}:environment`]: { value: JSON.stringify({ DATABASE_URL, MODE: "fast" }), secret: true },
    });
  }, 300_000);

  afterAll(async () => {
    await scratch?.dispose();
    rmSync(join(repoRoot, `Pulumi.${name}.yaml`), { force: true });
  }, 600_000);

  const predict = (apiKey?: string) =>
    fetch(`http://127.0.0.1:${PORT}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }) },
      body: JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] }),
      signal: AbortSignal.timeout(10_000),
    });

  it("deploys, answers with the key and 401 without it", async () => {
    await scratch.stack.preview(collect);
    await scratch.stack.up(collect);
    expect((await predict(API_KEY)).status).toBe(200);
    expect((await predict()).status).toBe(401);
  }, 900_000);

  it("keeps both secrets out of the state, the export and the engine output, and the key out of Docker", async () => {
    // The CLI's export as a user runs it: the Automation API's exportStack adds --show-secrets.
    const exported = execFileSync("pulumi", ["stack", "export", "--stack", name, "--non-interactive"], {
      cwd: repoRoot,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PULUMI_BACKEND_URL: `file://${scratch.backendDir}`, PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "model-service-test" },
    });
    expect(exported).toContain("model-service:index:ModelService");
    const findings = secretFindings(
      [
        { name: "the API key", plaintext: API_KEY },
        { name: "the database password", plaintext: DATABASE_PASSWORD, reachesContainers: true },
      ],
      { backendDir: scratch.backendDir, exported, engineOutput: engineOutput.join(""), stackName: name },
    );
    expect(findings).toEqual([]);
  }, 300_000);
});
