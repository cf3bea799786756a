/**
 * `npm run bench`: the seed post's stack (bench/seed, docker-compose) and ours (the reference stack, pulumi up)
 * under the same loads, alternating, several rounds; writes bench/results/ and prints the table.
 * Every load is bounded in time and sent to 127.0.0.1 only; each round holds the machine's heavy lock.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeChart, chartScript } from "./chart.js";
import { measureDeploySpeed, type DeploySpeed } from "./deploySpeed.js";
import { measureFloor, type FloorResult } from "./floor.js";
import { measureLoad } from "./loadRun.js";
import { benchModels } from "./modelBench.js";
import { parseOptions, type BenchOptions } from "./options.js";
import { OurStack, type StackOutputs } from "./ourStack.js";
import { renderReport, resultsTable, targetsTable, type ScenarioInfo } from "./report.js";
import { SeedStack, waitForPrediction } from "./seedStack.js";
import { HeavyLock, run, say, step, withLock } from "./shell.js";
import { median } from "./stats.js";
import { checkTargets, summarize, type Sample, type StackName } from "./summary.js";

const PORTS = { seedNginx: 19300, seedApi: 19301, ours: 19302, oursDirect1: 19303, oursDirectSame: 19304 } as const;
const STACK_NAME = "bn-bench";
const SEED_PREFIX = "bn-seed";
const DIRECT_PREFIX = "bn-bench-direct";
const LOCK_FILE = "/tmp/ms-heavy.lock";
const BATCH_ROWS = 100;

interface Scenario extends ScenarioInfo {
  readonly stacks: readonly StackName[];
  readonly connections: number;
  readonly seconds: number;
  readonly body: string;
  readonly url: (stack: StackName) => string;
  readonly containers: (stack: StackName) => string[];
  readonly rows: number;
}

const IRIS_ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
  [5.9, 3.0, 4.2, 1.5],
  [6.3, 2.8, 5.1, 1.5],
];

async function main(): Promise<void> {
  // Compiled to dist/bench/bench/src/main.js: the repository is four levels up.
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
  if (process.argv.includes("--models")) {
    await benchModels(process.argv.slice(2), root); // model kinds, batching on and off (modelBench.ts)
    return;
  }
  const options = parseOptions(process.argv.slice(2));
  const benchDir = join(root, "bench");
  const outDir = resolve(root, options.outDir);
  const scratch = join(root, ".state", "bench-scratch");
  mkdirSync(outDir, { recursive: true });
  mkdirSync(scratch, { recursive: true });
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const lock = new HeavyLock(LOCK_FILE, options.lock);
  const ours = new OurStack(root, STACK_NAME, options.environment, PORTS.ours);
  const baseImage = process.env.MS_BASE_IMAGE ?? "debian:bookworm-slim";
  const seed = new SeedStack(join(benchDir, "seed"), SEED_PREFIX, { nginx: PORTS.seedNginx, api: PORTS.seedApi }, baseImage);

  step(`Deploy ours: stack ${STACK_NAME} from Pulumi.${options.environment}.yaml on 127.0.0.1:${PORTS.ours}`);
  ours.writeConfig();
  await ours.select();
  await run("npm", ["run", "--silent", "build"], { cwd: root, timeoutSeconds: 300 });
  // One lock for both deployments (image builds): every separate lock waits behind other people's runs again.
  const outputs = await withLock(lock, "deploy both stacks", async () => {
    await ours.up();
    const deployed = await ours.outputs();
    say(`${deployed.predictUrl}: ${deployed.apiContainerNames.length} replicas, proxy ${deployed.proxyContainerName}`);
    step(`Deploy the seed: docker-compose project ${SEED_PREFIX}, nginx on 127.0.0.1:${PORTS.seedNginx}, gunicorn on 127.0.0.1:${PORTS.seedApi}`);
    await seed.copyModelFrom(deployed.apiImageName);
    await seed.build();
    await seed.down();
    await seed.up();
    return deployed;
  });
  const config = await stackConfig(ours);

  const cleanUp = async () => {
    if (options.keep) {
      return;
    }
    step("Clean up");
    await removeDirect(directContainers);
    await seed.down();
    await ours.remove();
  };
  const directContainers: DirectContainer[] = [];
  try {
    await measure(options, root, lock, ours, seed, outputs, config, directContainers, startedAt);
  } catch (error) {
    await cleanUp().catch((cleanupError: unknown) => say(`clean up failed too: ${String(cleanupError)}`));
    throw error;
  }
  await cleanUp();
}

async function measure(
  options: BenchOptions,
  root: string,
  lock: HeavyLock,
  ours: OurStack,
  seed: SeedStack,
  outputs: StackOutputs,
  config: OurConfig,
  directContainers: DirectContainer[],
  startedAt: string,
): Promise<void> {
  const benchDir = join(root, "bench");
  const outDir = resolve(root, options.outDir);
  const scratch = join(root, ".state", "bench-scratch");
  const totalWorkers = config.replicas * config.workers;
  step(`Ours directly: the api image published on loopback (1 worker; ${totalWorkers} workers)`);
  const direct1 = await startDirect(outputs.apiImageName, "1w", PORTS.oursDirect1, 1, config.threads);
  directContainers.push(direct1);
  const directSame = await startDirect(outputs.apiImageName, `${totalWorkers}w`, PORTS.oursDirectSame, totalWorkers, config.threads);
  directContainers.push(directSame);

  const bodies = writeBodies(scratch);
  const scenarios = buildScenarios(options, seed, outputs, bodies, [direct1, directSame], totalWorkers);
  const samples: Sample[] = [];
  const loadScript = join(benchDir, "load", "post-json.lua");
  const minutes = (scenarios.reduce((sum, s) => sum + s.seconds * s.stacks.length, 0) / 60).toFixed(1);
  for (let round = 1; round <= options.rounds; round++) {
    const order: StackName[] = round % 2 === 1 ? ["seed", "ours"] : ["ours", "seed"];
    step(`Round ${round} of ${options.rounds} (${order.join(" first, then ")}; about ${minutes} min of load)`);
    await withLock(lock, `round ${round}`, async () => {
      for (const stack of order) {
        await measureLoad({ url: scenarios[0]!.url(stack), bodyFile: bodies.one, connections: 8, seconds: 3, containers: [] }, loadScript); // warm-up
      }
      for (const scenario of scenarios) {
        for (const stack of order.filter((candidate) => scenario.stacks.includes(candidate))) {
          const result = await measureLoad(
            { url: scenario.url(stack), bodyFile: scenario.body, connections: scenario.connections, seconds: scenario.seconds, containers: scenario.containers(stack) },
            loadScript,
          );
          samples.push({ scenario: scenario.id, stack, round, result });
          say(
            `${scenario.title.padEnd(44)} ${stack.padEnd(4)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${result.p99Ms.toFixed(1).padStart(7)} ms  errors ${result.errors}`,
          );
        }
      }
    });
    // Kept after every round, so the measured samples survive a failure in a later step.
    writeFileSync(join(outDir, "bench-raw.partial.json"), JSON.stringify({ options, config, samples }, null, 1) + "\n");
  }

  const images = await imageSizes([
    [seed.images.api, "seed api"],
    [seed.images.nginx, "seed nginx"],
    [outputs.apiImageName, "ours api"],
    [outputs.proxyImageName, "ours nginx"],
  ]);
  await removeDirect(directContainers.splice(0));
  const { floor, deploy } = await withLock(lock, "floor and deploy speed", async () => {
    step("In-process floor");
    const floor: { seed: FloorResult; ours: FloorResult } = {
      seed: await measureFloor(benchDir, seed.images.api, "seed", options.quick),
      ours: await measureFloor(benchDir, outputs.apiImageName, "ours", options.quick),
    };
    say(`seed: request ${floor.seed.requestUs.toFixed(0)} us, predict ${floor.seed.predictUs.toFixed(0)} us; ours: request ${floor.ours.requestUs.toFixed(0)} us, predict ${floor.ours.predictUs.toFixed(0)} us`);
    let deploy: DeploySpeed | undefined;
    if (options.deploy) {
      step("Deploy speed");
      deploy = await measureDeploySpeed(ours, seed, scratch, config.replicas);
    }
    return { floor, deploy };
  });

  step(`Results in ${relative(root, outDir) || "."}`);
  const rowsPerRequest = Object.fromEntries(scenarios.map((scenario) => [scenario.id, scenario.rows]));
  const summaries = summarize(samples, rowsPerRequest);
  const targets = checkTargets(summaries, deploy, `direct-${totalWorkers}w-same`);
  const command = ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  const chartFile = "bench-chart.png";
  const report = renderReport({
    command,
    startedAt,
    machine: `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "unknown"}), Linux ${release()}`,
    setup: [
      `rounds: ${options.rounds}; through nginx ${options.nginxSeconds} s per load, direct/batch/V2 ${options.otherSeconds} s; wrk with 2 threads, one iris row per POST /predict unless noted`,
      `seed: bench/seed (the post's Dockerfiles on Debian, nginx.conf and docker-compose.yml with the three fixes); gunicorn -w 1 (sync), nginx worker_processes 1`,
      `ours: the reference stack with Pulumi.${options.environment}.yaml: ${config.replicas} replicas x ${config.workers} gunicorn workers x ${config.threads} threads, ${config.apiCpus} CPU and ${config.apiMemoryMb} MiB per replica, nginx ${config.proxyCpus} CPU`,
      `direct: each stack's own api image published on 127.0.0.1 (docker-proxy, as nginx is); ours without CPU limit, like the seed's`,
      options.lock
        ? `each round held ${LOCK_FILE}`
        : `run with --no-lock: ${LOCK_FILE} was wedged (held by processes that never exit), so other work may have shared the machine`,
      `machine load average (1 min) at the start of the runs: seed median ${loadSummary(samples, "seed")}, ours median ${loadSummary(samples, "ours")}`,
    ],
    scenarios,
    summaries,
    targets,
    images,
    floor,
    deploy,
    usageScenario: "nginx-c32",
    chartFile,
  });
  writeFileSync(join(outDir, "bench-results.md"), report);
  writeFileSync(join(outDir, "bench-raw.json"), JSON.stringify({ command, startedAt, options, config, samples, floor, deploy, images }, null, 1) + "\n");
  rmSync(join(outDir, "bench-raw.partial.json"), { force: true });
  await writeChart(outDir, chartFile, chartScript(summaries, samples, options.connections, chartFile, "nginx-c32"));
  process.stdout.write(`\n${resultsTable(scenarios, summaries)}\n\n${targetsTable(targets)}\n\n`);
  say(`report: ${join(outDir, "bench-results.md")}; chart: ${join(outDir, chartFile)}`);
}

function loadSummary(samples: readonly Sample[], stack: StackName): string {
  const loads = samples.filter((sample) => sample.stack === stack).map((sample) => sample.result.loadAverage);
  return loads.length === 0 ? "n/a" : `${median(loads).toFixed(1)} (max ${Math.max(...loads).toFixed(1)})`;
}

interface OurConfig {
  replicas: number;
  workers: number;
  threads: number;
  apiCpus: number;
  apiMemoryMb: number;
  proxyCpus: number;
}

/** The stack's effective settings: its config, else the ModelService defaults. */
async function stackConfig(ours: OurStack): Promise<OurConfig> {
  const { MODEL_SERVICE_DEFAULTS, defaultGunicornWorkers } = await import("../../components/settings/fields.js");
  const result = await ours.pulumi(["config", "--json"], 60);
  const values = JSON.parse(result.stdout) as Record<string, { value: string }>;
  const get = (key: string, fallback: number) => Number(values[`model-service:${key}`]?.value ?? fallback);
  const apiCpus = get("apiCpus", MODEL_SERVICE_DEFAULTS.apiCpus);
  return {
    replicas: get("replicas", MODEL_SERVICE_DEFAULTS.replicas),
    workers: get("gunicornWorkers", defaultGunicornWorkers(apiCpus)),
    threads: get("gunicornThreads", MODEL_SERVICE_DEFAULTS.gunicornThreads),
    apiCpus,
    apiMemoryMb: get("apiMemoryMb", MODEL_SERVICE_DEFAULTS.apiMemoryMb),
    proxyCpus: get("proxyCpus", MODEL_SERVICE_DEFAULTS.proxyCpus),
  };
}

interface DirectContainer {
  readonly name: string;
  readonly url: string;
}

/** Our api image on its own, published on 127.0.0.1 only, with `workers` gunicorn workers. */
async function startDirect(image: string, label: string, port: number, workers: number, threads: number): Promise<DirectContainer> {
  const name = `${DIRECT_PREFIX}-${label}`;
  await run("docker", ["rm", "-f", name], { timeoutSeconds: 60, check: false });
  await run(
    "docker",
    ["run", "-d", "--name", name, "--read-only", "--tmpfs", "/tmp", "-e", `GUNICORN_WORKERS=${workers}`, "-e", `GUNICORN_THREADS=${threads}`,
      "-p", `127.0.0.1:${port}:8000`, image],
    { timeoutSeconds: 60 },
  );
  const url = `http://127.0.0.1:${port}/predict`;
  await waitForPrediction(url, 120);
  return { name, url };
}

async function removeDirect(containers: readonly DirectContainer[]): Promise<void> {
  for (const container of containers) {
    await run("docker", ["rm", "-f", container.name], { timeoutSeconds: 60, check: false });
  }
}

function writeBodies(scratch: string): { one: string; batch: string; v2: string } {
  const one = join(scratch, "one-row.json");
  const batch = join(scratch, "batch.json");
  const v2 = join(scratch, "v2-one-row.json");
  writeFileSync(one, JSON.stringify({ instances: [IRIS_ROWS[0]] }));
  writeFileSync(batch, JSON.stringify({ instances: Array.from({ length: BATCH_ROWS }, (_, index) => IRIS_ROWS[index % IRIS_ROWS.length]) }));
  writeFileSync(v2, JSON.stringify({ inputs: [{ name: "input-0", shape: [1, 4], datatype: "FP64", data: IRIS_ROWS[0] }] }));
  return { one, batch, v2 };
}

function buildScenarios(
  options: BenchOptions,
  seed: SeedStack,
  outputs: StackOutputs,
  bodies: { one: string; batch: string; v2: string },
  [direct1, directSame]: readonly [DirectContainer, DirectContainer],
  totalWorkers: number,
): Scenario[] {
  const oursContainers = [...outputs.apiContainerNames, outputs.proxyContainerName];
  const seedContainers = [seed.apiContainer, seed.nginxContainer];
  const throughNginx = (stack: StackName) => (stack === "seed" ? seed.predictUrl : outputs.predictUrl);
  const stackContainers = (stack: StackName) => (stack === "seed" ? seedContainers : oursContainers);
  const both: StackName[] = ["seed", "ours"];
  return [
    ...options.connections.map((connections) => ({
      id: `nginx-c${connections}`,
      title: `through nginx, c=${connections}`,
      stacks: both,
      connections,
      seconds: options.nginxSeconds,
      body: bodies.one,
      url: throughNginx,
      containers: stackContainers,
      rows: 1,
    })),
    {
      id: "direct-1w",
      title: "gunicorn directly, 1 worker, c=32",
      stacks: both,
      connections: 32,
      seconds: options.otherSeconds,
      body: bodies.one,
      url: (stack: StackName) => (stack === "seed" ? seed.directPredictUrl : direct1.url),
      containers: (stack: StackName) => [stack === "seed" ? seed.apiContainer : direct1.name],
      rows: 1,
    },
    {
      id: `direct-${totalWorkers}w-same`,
      title: `ours directly, ${totalWorkers} workers (= its nginx stack), c=32`,
      stacks: ["ours"],
      connections: 32,
      seconds: options.otherSeconds,
      body: bodies.one,
      url: () => directSame.url,
      containers: () => [directSame.name],
      rows: 1,
    },
    {
      id: "batch100-c8",
      title: `through nginx, ${BATCH_ROWS}-row batches, c=8 (rows/s)`,
      stacks: both,
      connections: 8,
      seconds: options.otherSeconds,
      body: bodies.batch,
      url: throughNginx,
      containers: stackContainers,
      rows: BATCH_ROWS,
    },
    {
      id: "v2-c32",
      title: "through nginx, V2 infer, c=32",
      stacks: ["ours"],
      connections: 32,
      seconds: options.otherSeconds,
      body: bodies.v2,
      url: () => `${outputs.url}/v2/models/${outputs.modelName ?? "iris"}/infer`,
      containers: () => oursContainers,
      rows: 1,
    },
  ];
}

async function imageSizes(images: readonly [string, string][]): Promise<{ name: string; role: string; sizeMB: number }[]> {
  return Promise.all(
    images.map(async ([name, role]) => {
      const result = await run("docker", ["image", "inspect", "-f", "{{.Size}}", name], { timeoutSeconds: 30 });
      return { name, role, sizeMB: Number(result.stdout.trim()) / 1e6 };
    }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`\nbench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
