/**
 * `npm run bench -- --models`: the seed's stack and ours serving the same model file, for model kinds the api has
 * no special path for (a random forest in model.joblib, a tree ensemble behind predictor.py) and the default iris
 * model, with ours' adaptive batching on and off. Through nginx only, at every connection count and run length,
 * alternating which stack goes first, several rounds; writes bench/results/models/.
 *
 * Each (kind, batching) is one deploy of ours (`modelDir`, `gunicornThreads`, `batchMaxRows` 1 for off); the seed
 * is rebuilt with the kind's model.joblib and measured in both phases. Every piece of load holds the heavy lock
 * for at most one run length times the connection counts times two stacks.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join, relative, resolve } from "node:path";
import { writeChart } from "./chart.js";
import { measureLoad } from "./loadRun.js";
import { connectionsOf, loadMinutes, measuresSeed, parseModelOptions, type ModelBenchOptions, type ModelKindId } from "./modelOptions.js";
import { missingPieces, modelChartScript, modelTable, modelTargets, summarizeModels, targetsTable, type ModelSample, type ModelStack } from "./modelReport.js";
import { OurStack } from "./ourStack.js";
import { SeedStack, waitForPrediction } from "./seedStack.js";
import { HeavyLock, run, say, step, withLock } from "./shell.js";

const PORTS = { seedNginx: 19310, seedApi: 19311, ours: 19312 } as const;
const STACK_NAME = "bn-models";
const SEED_PREFIX = "bn-mseed";
const LOCK_FILE = "/tmp/ms-heavy.lock";
const IRIS_ROW = [5.1, 3.5, 1.4, 0.2];

interface ModelKind {
  readonly id: ModelKindId;
  /** The model directory ours serves; undefined: the built-in iris model. */
  readonly modelDir?: string;
  /** One row for it. */
  readonly row: readonly number[];
}

function modelKind(root: string, id: ModelKindId): ModelKind {
  if (id === "iris") {
    return { id, row: IRIS_ROW };
  }
  const modelDir = join(root, "bench", "models", id);
  const meta = JSON.parse(readFileSync(join(modelDir, "model.json"), "utf8")) as { example: number[][] };
  return { id, modelDir, row: meta.example[0]! };
}

export async function benchModels(argv: readonly string[], root: string): Promise<void> {
  const options = parseModelOptions(argv);
  const outDir = resolve(root, options.outDir);
  const scratch = join(root, ".state", "bench-scratch");
  mkdirSync(outDir, { recursive: true });
  mkdirSync(scratch, { recursive: true });
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  if (options.fromRaw !== undefined) {
    const raw = JSON.parse(readFileSync(resolve(root, options.fromRaw), "utf8")) as { command: string; startedAt?: string; options: ModelBenchOptions; samples: ModelSample[] };
    await writeResults(raw.options, root, outDir, raw.command, raw.startedAt ?? "unknown", raw.samples);
    return;
  }
  const lock = new HeavyLock(LOCK_FILE, options.lock);
  const ours = new OurStack(root, STACK_NAME, options.environment, PORTS.ours);
  const seed = new SeedStack(join(root, "bench", "seed"), SEED_PREFIX, { nginx: PORTS.seedNginx, api: PORTS.seedApi }, process.env.MS_BASE_IMAGE ?? "debian:bookworm-slim");
  say(`${loadMinutes(options).toFixed(0)} minutes of load, plus one deploy of ours per kind and batching mode`);

  ours.writeConfig();
  await ours.select();
  await run("npm", ["run", "--silent", "build"], { cwd: root, timeoutSeconds: 300 });
  await ours.setConfig("gunicornThreads", String(options.threads));
  const samples: ModelSample[] = [];
  const command = ["npm run bench --", ...argv].join(" ");
  try {
    for (const id of options.kinds) {
      const kind = modelKind(root, id);
      const body = join(scratch, `${id}-one-row.json`);
      writeFileSync(body, JSON.stringify({ instances: [kind.row] }));
      for (const [phaseIndex, phase] of options.batching.entries()) {
        const predictUrl = await withLock(lock, `deploy ${id}, batching ${phase}`, async () => {
          step(`Deploy ours: ${id}, batching ${phase}, ${options.threads} threads`);
          await (kind.modelDir === undefined ? ours.removeConfig("modelDir") : ours.setConfig("modelDir", kind.modelDir));
          await (phase === "off" ? ours.setConfig("batchMaxRows", "1") : ours.removeConfig("batchMaxRows"));
          await ours.up();
          const outputs = await ours.outputs();
          await waitForPrediction(outputs.predictUrl, 120, undefined, readFileSync(body, "utf8"));
          if (phaseIndex === 0) {
            step(`Deploy the seed with the same model.joblib`);
            await seedModel(seed, root, kind, outputs.apiImageName);
            await seed.build();
            await seed.down();
            await seed.up(readFileSync(body, "utf8"));
          }
          return outputs.predictUrl;
        });
        const urls: Record<"seed" | "ours", string> = { seed: seed.predictUrl, ours: predictUrl };
        for (let round = 1; round <= options.rounds; round++) {
          for (const [durationIndex, seconds] of options.durations.entries()) {
            const alternating: ("seed" | "ours")[] = (round + durationIndex + phaseIndex) % 2 === 1 ? ["seed", "ours"] : ["ours", "seed"];
            const order = alternating.filter((stack) => stack === "ours" || measuresSeed(options, phaseIndex));
            await withLock(lock, `${id}, batching ${phase}, round ${round}, ${seconds} s runs (${order.join(" first, then ")})`, async () => {
              for (const stack of order) {
                await measureLoad({ url: urls[stack], bodyFile: body, connections: 8, seconds: 3, containers: [] }, loadScript(root)); // warm-up
              }
              for (const connections of connectionsOf(options, durationIndex)) {
                for (const stack of order) {
                  const result = await measureLoad({ url: urls[stack], bodyFile: body, connections, seconds, containers: [] }, loadScript(root));
                  const named: ModelStack = stack === "seed" ? "seed" : phase;
                  samples.push({ kind: id, phase, stack: named, seconds, connections, round, result });
                  say(
                    `${id.padEnd(9)} ${String(seconds).padStart(3)} s c=${String(connections).padEnd(4)} ${(stack === "seed" ? "seed" : `ours ${phase}`).padEnd(8)} ` +
                      `${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(1).padStart(6)} ms  p99 ${result.p99Ms.toFixed(1).padStart(7)} ms  errors ${result.errors}`,
                  );
                }
              }
            });
            writeFileSync(join(outDir, "bench-models-raw.partial.json"), JSON.stringify({ command, startedAt, options, samples }, null, 1) + "\n");
          }
        }
      }
    }
  } finally {
    if (!options.keep) {
      step("Clean up");
      await seed.down().catch((error: unknown) => say(`seed down failed: ${String(error)}`));
      await ours.remove().catch((error: unknown) => say(`ours remove failed: ${String(error)}`));
    }
  }
  await writeResults(options, root, outDir, command, startedAt, samples);
}

function loadScript(root: string): string {
  return join(root, "bench", "load", "post-json.lua");
}

/** The seed serves the kind's model.joblib (iris: the one in our api image). */
async function seedModel(seed: SeedStack, root: string, kind: ModelKind, apiImage: string): Promise<void> {
  if (kind.modelDir === undefined) {
    await seed.copyModelFrom(apiImage);
    return;
  }
  const models = join(root, "bench", "seed", "api", "models");
  mkdirSync(models, { recursive: true });
  copyFileSync(join(kind.modelDir, "model.joblib"), join(models, "model.joblib"));
}

async function writeResults(
  options: ModelBenchOptions,
  root: string,
  outDir: string,
  command: string,
  startedAt: string,
  samples: readonly ModelSample[],
): Promise<void> {
  step(`Results in ${relative(root, outDir)}`);
  const rows = summarizeModels(samples);
  const table = modelTable(rows);
  const targets = targetsTable(modelTargets(rows));
  const loads = samples.map((sample) => sample.result.loadAverage).sort((a, b) => a - b);
  const chartFile = "bench-models-chart.png";
  const report = [
    "# Model kinds, batching on and off: the seed's stack against ours",
    "",
    `Command: \`${command}\` (started ${startedAt}; ${cpus().length} CPUs, ${cpus()[0]?.model.trim() ?? "unknown"}, Linux ${release()}).`,
    "",
    `- loads: wrk -t2 through each stack's nginx, one row per POST /predict, ${options.rounds} round(s), run lengths ${options.durations.join(" and ")} s, ` +
      `alternating which stack goes first; medians over rounds (the seed's over ${options.seedOnce ? `the runs alongside batching ${options.batching[0]}` : "both batching phases"})`,
    `- seed: bench/seed, gunicorn -w 1 (sync), serving the same model.joblib (for predictor: the file predictor.py loads)`,
    `- ours: Pulumi.${options.environment}.yaml with modelDir, gunicornThreads ${options.threads}; batching on: the defaults; off: batchMaxRows 1`,
    ...(missingPieces(options, samples).length === 0
      ? []
      : [`- **stopped before the end**: ${missingPieces(options, samples).join("; ")} (made from the runs finished by then)`]),
    `- machine load average (1 min) at the start of the runs: median ${loads[Math.floor(loads.length / 2)]?.toFixed(1) ?? "n/a"}, max ${loads.at(-1)?.toFixed(1) ?? "n/a"}`,
    "",
    table,
    "",
    targets,
    "",
    `![throughput and p99 against connections](${chartFile})`,
    "",
  ].join("\n");
  writeFileSync(join(outDir, "bench-models.md"), report);
  writeFileSync(join(outDir, "bench-models-raw.json"), JSON.stringify({ command, startedAt, options, samples }, null, 1) + "\n");
  rmSync(join(outDir, "bench-models-raw.partial.json"), { force: true });
  await writeChart(outDir, chartFile, modelChartScript(rows, options.durations[0]!, chartFile));
  process.stdout.write(`\n${table}\n\n${targets}\n\n`);
}

