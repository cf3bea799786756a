/**
 * Renders a report, chart and table again from the samples a run kept (bench-raw.json, or the
 * bench-raw.partial.json a failed run leaves after its last complete round):
 *   node dist/bench/bench/src/rerender.js bench/results/bench-raw.partial.json "<command that made it>"
 * Floor, deploy speed and image sizes are shown when the file has them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { chartScript, writeChart } from "./chart.js";
import type { DeploySpeed } from "./deploySpeed.js";
import type { FloorResult } from "./floor.js";
import type { BenchOptions } from "./options.js";
import { renderReport, resultsTable, targetsTable } from "./report.js";
import { checkTargets, summarize, type Sample } from "./summary.js";

interface Raw {
  options: BenchOptions;
  config: { replicas: number; workers: number; threads: number; apiCpus: number; apiMemoryMb: number; proxyCpus: number };
  samples: Sample[];
  floor?: { seed: FloorResult; ours: FloorResult };
  deploy?: DeploySpeed;
  images?: { name: string; role: string; sizeMB: number }[];
}

const [file, command = "npm run bench"] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write("usage: node dist/bench/bench/src/rerender.js <bench-raw.json> [command]\n");
  process.exit(2);
}
const raw = JSON.parse(readFileSync(file, "utf8")) as Raw;
const outDir = dirname(file);
const ids = [...new Set(raw.samples.map((sample) => sample.scenario))];
const title = (id: string): string => {
  const nginx = /^nginx-c(\d+)$/.exec(id);
  if (nginx) return `through nginx, c=${nginx[1]}`;
  if (id === "direct-1w") return "gunicorn directly, 1 worker, c=32";
  const same = /^direct-(\d+)w-same$/.exec(id);
  if (same) return `ours directly, ${same[1]} workers (= its nginx stack), c=32`;
  if (id.startsWith("batch100")) return "through nginx, 100-row batches, c=8 (rows/s)";
  if (id.startsWith("v2")) return "through nginx, V2 infer, c=32";
  return id;
};
const scenarios = ids.map((id) => ({ id, title: title(id) }));
const summaries = summarize(raw.samples, Object.fromEntries(ids.map((id) => [id, id.startsWith("batch100") ? 100 : 1])));
const sameId = ids.find((id) => id.endsWith("-same")) ?? "direct-2w-same";
const targets = checkTargets(summaries, raw.deploy, sameId);
const loads = (stack: string) => raw.samples.filter((s) => s.stack === stack).map((s) => s.result.loadAverage);
const loadText = (stack: string) => `${[...loads(stack)].sort((a, b) => a - b)[Math.floor(loads(stack).length / 2)]?.toFixed(1)} (max ${Math.max(...loads(stack)).toFixed(1)})`;
const c = raw.config;
const report = renderReport({
  command,
  startedAt: "see bench-raw file",
  machine: "2 CPUs, the shared project machine",
  setup: [
    `rounds: ${raw.options.rounds}; through nginx ${raw.options.nginxSeconds} s per load, direct/batch/V2 ${raw.options.otherSeconds} s; wrk with 2 threads, one iris row per POST /predict unless noted`,
    "seed: bench/seed (the post's Dockerfiles on Debian, nginx.conf and docker-compose.yml with the three fixes); gunicorn -w 1 (sync), nginx worker_processes 1",
    `ours: the reference stack with Pulumi.${raw.options.environment}.yaml: ${c.replicas} replicas x ${c.workers} gunicorn workers x ${c.threads} threads, ${c.apiCpus} CPU and ${c.apiMemoryMb} MiB per replica, nginx ${c.proxyCpus} CPU`,
    raw.options.lock ? "each round held /tmp/ms-heavy.lock" : "run with --no-lock: /tmp/ms-heavy.lock was wedged (held by processes that never exit), so other work shared the machine",
    `machine load average (1 min) at the start of the runs: seed median ${loadText("seed")}, ours median ${loadText("ours")}`,
  ],
  scenarios,
  summaries,
  targets,
  images: raw.images ?? [],
  floor: raw.floor,
  deploy: raw.deploy,
  usageScenario: "nginx-c32",
  chartFile: "bench-chart.png",
});
writeFileSync(join(outDir, "bench-results.md"), report);
await writeChart(outDir, "bench-chart.png", chartScript(summaries, raw.samples, raw.options.connections, "bench-chart.png", "nginx-c32"));
process.stdout.write(`${resultsTable(scenarios, summaries)}\n\n${targetsTable(targets)}\n`);
