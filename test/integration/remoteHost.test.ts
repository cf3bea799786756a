/**
 * The reference stack on another machine's Docker engine, over SSH, chosen by stack config alone (`docker:host`,
 * `docker:sshOpts`): the remote test bed (scripts/remote-testbed) is a dockerd and an sshd in a network namespace this
 * test makes, reached only at the address it gives them, with a key pair it makes. The service is published on that
 * address, so the steady load goes there; everything else (the smoke test, the proxy config, the TLS files, the
 * base image) goes through the engine's SSH connection. Checks the issue's "Done when": the prediction answered on
 * that host, a no-op preview, a model change and a scale 2 -> 3 under load with 0 failed requests, a proxy setting
 * applied in place, TLS, destroy leaving nothing of the stack there and nothing created here; two services on two
 * engines in one program with an explicit docker.Provider; the three engine errors (one line each, the check adding
 * at most its own time limit to what a failing preview costs anyway). Prints the remote timings and the previews'
 * times (the local figures to compare them with are the rollout test's, in the same run).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as https from "node:https";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ConfigMap } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_CHECK_TIMEOUT_SECONDS } from "../../components/engine/engineCheck.js";
import { makeTestCertificate } from "../unit/support/tlsFixtures.js";
import { holdHeavyLock, type HeldLock } from "./support/heavyLock.js";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "./support/pulumi.js";
import { NAMESPACE, rolloutBaseConfig, runRolloutStep, type RolloutStep, type StepResult } from "./support/rollouts.js";
import { summariseFailures } from "./support/steadyLoad.js";
import { ensureBuilt } from "../support/build.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const TESTBED = join(repoRoot, "scripts", "remote-testbed");
const STACK = `e2e-remote-${process.pid}`;
const PORT = 18720;
const LOAD = { connections: 4, pauseMs: 10, tailMs: 2_000 };
const SETOSA = [5.1, 3.5, 1.4, 0.2];
const quiet = { onOutput: () => undefined };

type TestbedEnv = Record<string, string>;

function testbed(...args: string[]): string {
  return execFileSync(TESTBED, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

function parseEnv(text: string): TestbedEnv {
  return Object.fromEntries(
    text
      .split("\n")
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

/** The docker provider's settings for the test bed, with `key` as the identity. */
function sshOpts(env: TestbedEnv, key = env.MS_REMOTE_SSH_KEY): string[] {
  return ["-i", key, "-o", "IdentitiesOnly=yes", "-o", `UserKnownHostsFile=${env.MS_REMOTE_KNOWN_HOSTS}`, "-o", "StrictHostKeyChecking=yes"];
}

function engineConfig(env: TestbedEnv, host = env.MS_REMOTE_DOCKER_HOST, key = env.MS_REMOTE_SSH_KEY): ConfigMap {
  return {
    "docker:host": { value: host },
    ...Object.fromEntries(sshOpts(env, key).map((value, index) => [`docker:sshOpts[${index}]`, { value }])),
  };
}

/** `docker ARGS` on the remote host, over the test bed's ssh (arguments quoted for its shell). */
function remoteDocker(env: TestbedEnv, ...args: string[]): string {
  const quoted = args.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(" ");
  return execFileSync("ssh", ["-F", env.MS_REMOTE_SSH_CONFIG, env.MS_REMOTE_ADDRESS, `docker ${quoted}`], { encoding: "utf8" });
}

function lines(text: string): string[] {
  return text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
}

/** Names of this machine's containers, networks and volumes. */
function localObjects(): string[] {
  const list = (args: string[]) => lines(execFileSync("docker", args, { encoding: "utf8" }));
  return [
    ...list(["container", "ls", "--all", "--format", "container {{.Names}}"]),
    ...list(["network", "ls", "--format", "network {{.Name}}"]),
    ...list(["volume", "ls", "--format", "volume {{.Name}}"]),
  ];
}

function httpsGet(url: string, certificate: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // The test certificate names 127.0.0.1 and localhost; the test bed's address is checked by the chain alone.
    const request = https.get(url, { ca: certificate, checkServerIdentity: () => undefined, timeout: 10_000 }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
  });
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, Math.round((performance.now() - started) / 100) / 10];
}

describe("the reference stack on a remote Docker host over SSH", () => {
  let lock: HeldLock | undefined;
  let env: TestbedEnv;
  let scratch: ScratchStack;
  let localBefore: string[];
  const timings: Record<string, number> = {};
  const results: StepResult[] = [];
  const prefix = `model-${STACK}`;

  beforeAll(async () => {
    requireProviderPlugins(repoRoot);
    lock = await holdHeavyLock();
    ensureBuilt();
    env = parseEnv(testbed("up"));
    localBefore = localObjects();
    scratch = await createScratchStack(repoRoot, STACK);
    await scratch.stack.setAllConfig(
      {
        ...rolloutBaseConfig(PORT),
        [`${NAMESPACE}:hostAddress`]: { value: env.MS_REMOTE_ADDRESS },
        ...engineConfig(env),
      },
      true,
    );
  }, 900_000);

  afterAll(async () => {
    const table = Object.entries(timings).map(([step, seconds]) => `| ${step} | ${seconds} s |`);
    console.log(`\nRemote (SSH test bed) deploy timings, one run:\n| step | remote |\n|---|---|\n${table.join("\n")}\n`);
    for (const r of results) console.log(`${r.step.name}: up ${r.upSeconds.toFixed(1)} s, ${summariseFailures(r.duringUp)}`);
    try {
      await scratch?.dispose();
    } finally {
      rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
      testbed("down");
      lock?.release();
    }
  }, 900_000);

  it("deploys there, and the smoke test's prediction is answered on the remote host", async () => {
    const [result, seconds] = await timed(() => scratch.stack.up(quiet));
    timings["first up"] = seconds;
    const prediction = JSON.parse(String(result.outputs.smokeTestPrediction.value)) as { predictions: unknown[]; model: { name: string } };
    expect(prediction.model.name).toBe("iris");
    expect(prediction.predictions).toEqual(["setosa"]);
    const running = lines(remoteDocker(env, "container", "ls", "--format", "{{.Names}}"));
    expect(running.filter((name) => name.startsWith(prefix)).sort()).toHaveLength(3);
    // The builds left no stopped or created container behind on that engine.
    expect(lines(remoteDocker(env, "container", "ls", "--all", "--quiet", "--filter", "status=exited", "--filter", "status=created"))).toEqual([]);
    // The api image exists there and not here.
    expect(lines(remoteDocker(env, "image", "ls", "--quiet", "--no-trunc"))).toContain(String(result.outputs.apiImageRef.value));
    expect(spawnSync("docker", ["image", "inspect", String(result.outputs.apiImageRef.value)]).status).not.toBe(0);
    const answer = await fetch(`http://${env.MS_REMOTE_ADDRESS}:${PORT}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: [SETOSA] }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(answer.status).toBe(200);
  }, 1_200_000);

  it("previews no change when nothing changed, and a no-op up changes nothing", async () => {
    const preview = await scratch.stack.preview(quiet);
    expect(Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n > 0)).toEqual([]);
    const [result, seconds] = await timed(() => scratch.stack.up(quiet));
    timings["no-op up"] = seconds;
    expect(Object.entries(result.summary.resourceChanges ?? {}).filter(([op, n]) => op !== "same" && n > 0)).toEqual([]);
  }, 300_000);

  const steps: RolloutStep[] = [
    {
      name: "model change (1.0.0 -> 2.0.0)",
      config: { modelDir: join(repoRoot, "test", "integration", "fixtures", "iris-rules"), smokeTestInstances: JSON.stringify([SETOSA]) },
      versionAfter: "2.0.0",
    },
    { name: "replicas 2 -> 3", config: { replicas: "3" }, versionAfter: "2.0.0" },
  ];
  for (const step of steps) {
    it(`${step.name} under steady load on the remote host: 0 failed requests`, async () => {
      const result = await runRolloutStep(scratch.stack, step, PORT, { ...LOAD, host: env.MS_REMOTE_ADDRESS });
      results.push(result);
      if (step.name.startsWith("model change")) timings["model change"] = Math.round(result.upSeconds * 10) / 10;
      const context = `${step.name}: ${summariseFailures(result.duringUp)}`;
      expect(result.upError, context).toBeUndefined();
      expect(result.duringUp.ok, context).toBeGreaterThan(20);
      expect(result.duringUp.non2xx + result.duringUp.connectionErrors, context).toBe(0);
      const metadata = await fetch(`http://${env.MS_REMOTE_ADDRESS}:${PORT}/metadata`, { signal: AbortSignal.timeout(10_000) });
      expect(((await metadata.json()) as { version: string }).version).toBe(step.versionAfter);
    }, 1_200_000);
  }

  it("applies a proxy setting in place: the remote proxy container stays and runs the new config", async () => {
    const proxyBefore = lines(remoteDocker(env, "container", "ls", "--quiet", "--no-trunc", "--filter", `name=${prefix}-proxy`));
    await scratch.stack.setConfig(`${NAMESPACE}:rateLimit`, { value: JSON.stringify({ requestsPerSecond: 100000, burst: 100000 }) });
    const preview = await scratch.stack.preview(quiet);
    expect(preview.changeSummary.replace ?? 0).toBeLessThanOrEqual(1); // the smoke test re-runs
    expect(preview.changeSummary.update).toBe(1); // the proxy config command
    await scratch.stack.up(quiet);
    expect(lines(remoteDocker(env, "container", "ls", "--quiet", "--no-trunc", "--filter", `name=${prefix}-proxy`))).toEqual(proxyBefore);
    expect(remoteDocker(env, "exec", proxyBefore[0], "cat", "/tmp/nginx/nginx.conf")).toContain("limit_req");
  }, 600_000);

  it("serves HTTPS with TLS on, the certificate written on the remote host", async () => {
    const tls = makeTestCertificate();
    await scratch.stack.setConfig(`${NAMESPACE}:tls`, { value: JSON.stringify(tls), secret: true });
    const result = await scratch.stack.up(quiet);
    expect(result.outputs.url.value).toBe(`https://${env.MS_REMOTE_ADDRESS}:${PORT}`);
    const answer = await httpsGet(`https://${env.MS_REMOTE_ADDRESS}:${PORT}/metadata`, tls.certificate);
    expect(answer.status).toBe(200);
    expect(lines(remoteDocker(env, "volume", "ls", "--format", "{{.Name}}"))).toContain(`${prefix}-tls`);
  }, 600_000);

  it("deploys two services to two engines (local and remote) in one program with an explicit docker.Provider", async () => {
    const programDir = join(repoRoot, "test", "integration", "fixtures", "two-engines");
    const twoEngines = await createScratchStack(programDir, `e2e-two-engines-${process.pid}`);
    try {
      await twoEngines.stack.setAllConfig(
        {
          "model-service-two-engines:remoteHost": { value: env.MS_REMOTE_DOCKER_HOST },
          "model-service-two-engines:remoteSshOpts": { value: JSON.stringify(sshOpts(env)) },
          "model-service-two-engines:nearPort": { value: String(PORT + 2) },
          "model-service-two-engines:farPort": { value: String(PORT + 3) },
          "model-service-two-engines:farAddress": { value: env.MS_REMOTE_ADDRESS },
        },
        false,
      );
      const result = await twoEngines.stack.up(quiet);
      const near = String(result.outputs.nearProxy.value);
      const far = String(result.outputs.farProxy.value);
      expect(lines(execFileSync("docker", ["container", "ls", "--format", "{{.Names}}"], { encoding: "utf8" }))).toContain(near);
      expect(lines(remoteDocker(env, "container", "ls", "--format", "{{.Names}}"))).toContain(far);
      expect(lines(execFileSync("docker", ["container", "ls", "--all", "--format", "{{.Names}}"], { encoding: "utf8" }))).not.toContain(far);
      expect(lines(remoteDocker(env, "container", "ls", "--all", "--format", "{{.Names}}"))).not.toContain(near);
      expect(String(result.outputs.nearPrediction.value)).toContain('"predictions"');
      expect(String(result.outputs.farPrediction.value)).toContain('"predictions"');
    } finally {
      await twoEngines.dispose();
    }
    expect(lines(remoteDocker(env, "container", "ls", "--all", "--format", "{{.Names}}")).filter((name) => name.startsWith("far-"))).toEqual([]);
  }, 1_200_000);

  it("destroy leaves no container, network, volume or image of the stack on the remote engine, and nothing was created here", async () => {
    await scratch.stack.destroy(quiet);
    expect(lines(remoteDocker(env, "container", "ls", "--all", "--format", "{{.Names}}"))).toEqual([]);
    expect(lines(remoteDocker(env, "network", "ls", "--format", "{{.Name}}")).sort()).toEqual(["bridge", "host", "none"]);
    expect(lines(remoteDocker(env, "volume", "ls", "--quiet"))).toEqual([]);
    expect(lines(remoteDocker(env, "image", "ls", "--format", "{{.Repository}}")).filter((repository) => repository.startsWith("model-service-"))).toEqual([]);
    expect(lines(remoteDocker(env, "image", "ls", "--quiet", "--filter", "dangling=true"))).toEqual([]);
    const createdHere = localObjects().filter((object) => !localBefore.includes(object) && object.includes(STACK));
    expect(createdHere).toEqual([]);
  }, 600_000);

  /** A preview of the reference stack with `config` that must fail: how long it took and all it printed. */
  async function failedPreview(config: ConfigMap, name: string): Promise<{ seconds: number; text: string }> {
    const errors = await createScratchStack(repoRoot, `e2e-remote-error-${process.pid}`);
    try {
      await errors.stack.setAllConfig(config, true);
      let output = "";
      const started = performance.now();
      const error = await errors.stack.preview({ onOutput: (text) => (output += text) }).then(
        () => undefined,
        (failure: unknown) => failure as Error,
      );
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      console.log(`preview with ${name}: failed after ${seconds} s`);
      expect(error, `the preview with ${name} must fail`).toBeDefined();
      return { seconds, text: `${output}\n${String(error?.message)}` };
    } finally {
      await errors.dispose();
      rmSync(join(repoRoot, `Pulumi.e2e-remote-error-${process.pid}.yaml`), { force: true });
    }
  }

  // What a failing preview costs here without any engine contact (Pulumi and Node starting, on a shared machine).
  let baselineSeconds = 0;
  it("a preview that fails on bad stack config, before any engine is asked: the baseline", async () => {
    const { seconds, text } = await failedPreview({ [`${NAMESPACE}:replicas`]: { value: "0" } }, "bad stack config (baseline)");
    expect(text).toMatch(/replicas: got 0; expected/);
    baselineSeconds = seconds;
  }, 180_000);

  const failures: [string, (env: TestbedEnv) => ConfigMap, RegExp, (() => void)?, (() => void)?][] = [
    ["an unreachable host", (e) => engineConfig(e, "ssh://root@10.215.0.99"), /Docker engine ssh:\/\/root@10\.215\.0\.99: cannot reach the host/],
    ["a refused key", (e) => engineConfig(e, e.MS_REMOTE_DOCKER_HOST, e.MS_REMOTE_REFUSED_SSH_KEY), /Docker engine ssh:\/\/root@10\.215\.0\.2: ssh refused the key/],
    [
      "a host without Docker",
      (e) => engineConfig(e),
      /Docker engine ssh:\/\/root@10\.215\.0\.2: the host answers, but no Docker engine runs there/,
      () => testbed("stop-docker"),
      () => testbed("start-docker"),
    ],
  ];
  for (const [name, config, message, before, after] of failures) {
    it(`fails preview with one line naming the host for ${name}, the check bounded in time`, async () => {
      before?.();
      try {
        const { seconds, text } = await failedPreview(config(env), name);
        expect(lines(text).filter((line) => message.test(line)).length, text.slice(-2000)).toBeGreaterThan(0);
        expect(text).not.toMatch(/goroutine \d+|panic:|\n\s+at .+\.js:\d+/);
        // The engine check gives up after ENGINE_CHECK_TIMEOUT_SECONDS; the rest is the baseline's.
        expect(seconds - baselineSeconds).toBeLessThan(ENGINE_CHECK_TIMEOUT_SECONDS);
      } finally {
        after?.();
      }
    }, 180_000);
  }
});
