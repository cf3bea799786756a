/** The Markdown report of one bench run. Pure: everything it shows is passed in. */
import type { DeploySpeed } from "./deploySpeed.js";
import type { FloorResult } from "./floor.js";
import { find, type ScenarioSummary, type TargetCheck } from "./summary.js";

export interface ScenarioInfo {
  readonly id: string;
  readonly title: string;
}

export interface ReportInput {
  readonly command: string;
  readonly startedAt: string;
  readonly machine: string;
  readonly setup: readonly string[];
  readonly scenarios: readonly ScenarioInfo[];
  readonly summaries: readonly ScenarioSummary[];
  readonly targets: readonly TargetCheck[];
  readonly images: readonly { name: string; role: string; sizeMB: number }[];
  readonly floor?: { seed: FloorResult; ours: FloorResult };
  readonly deploy?: DeploySpeed;
  readonly usageScenario: string;
  readonly chartFile: string;
}

const n = (value: number | undefined, digits = 0) => (value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits));
const latency = (summary: ScenarioSummary | undefined) =>
  summary === undefined ? "–" : `${n(summary.p50Ms, 1)} / ${n(summary.p90Ms, 1)} / ${n(summary.p99Ms, 1)} / ${n(summary.maxMs, 0)}`;

/** The main table: one row per scenario, seed and ours side by side. */
export function resultsTable(scenarios: readonly ScenarioInfo[], summaries: readonly ScenarioSummary[]): string {
  const rows = scenarios.map((scenario) => {
    const seed = find(summaries, scenario.id, "seed");
    const ours = find(summaries, scenario.id, "ours");
    const rows = scenario.id.startsWith("batch");
    const rate = (summary: ScenarioSummary | undefined) => n(rows ? summary?.rowsPerSecond : summary?.requestsPerSecond);
    const ratio = seed && ours ? `${n(ours.requestsPerSecond / seed.requestsPerSecond, 2)}x` : "–";
    const drift = (summary: ScenarioSummary | undefined) => (summary === undefined ? "–" : n(summary.worstDrift, 2));
    return `| ${scenario.title} | ${rate(seed)} | ${rate(ours)} | ${ratio} | ${latency(seed)} | ${latency(ours)} | ${seed?.errors ?? "–"} / ${ours?.errors ?? "–"} | ${drift(seed)} / ${drift(ours)} |`;
  });
  return [
    "| load | seed req/s | ours req/s | ours/seed | seed p50 / p90 / p99 / max ms | ours p50 / p90 / p99 / max ms | errors seed / ours | last 10 s / first 10 s seed / ours |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

export function targetsTable(targets: readonly TargetCheck[]): string {
  return [
    "| target | measured | required | met | short by |",
    "|---|---:|---:|:---:|---|",
    ...targets.map((target) => `| ${target.target} | ${target.measured} | ${target.required} | ${target.met ? "yes" : "**no**"} | ${target.shortBy || "–"} |`),
  ].join("\n");
}

export function renderReport(input: ReportInput): string {
  const sections: string[] = [
    "# Bench: the seed's stack against ours",
    "",
    `Produced by \`${input.command}\`, started ${input.startedAt}, on ${input.machine}.`,
    "Every figure is a median over the rounds (runs alternate between the stacks within each round); traffic",
    "goes to 127.0.0.1 only. Batch rows are rows/s. `last 10 s / first 10 s` is the worst round's ratio",
    "of the mean throughput in the run's last 10 seconds to its first 10 seconds (a cliff shows as a low value).",
    "",
    ...input.setup.map((line) => `- ${line}`),
    "",
    resultsTable(input.scenarios, input.summaries),
    "",
    `![throughput and p99 against connections](${input.chartFile})`,
    "",
    "## Targets (issue 11)",
    "",
    targetsTable(input.targets),
    "",
    `## CPU and memory per container (docker stats, sampled during ${input.usageScenario})`,
    "",
    "| stack | container | CPU % (100 = one core) | memory MiB |",
    "|---|---|---:|---:|",
    ...(["seed", "ours"] as const).flatMap((stack) =>
      (find(input.summaries, input.usageScenario, stack)?.usage ?? []).map((usage) => `| ${stack} | ${usage.name} | ${n(usage.cpuPercent)} | ${n(usage.memoryMiB)} |`),
    ),
    "",
    "## Images",
    "",
    "| image | role | size MB |",
    "|---|---|---:|",
    ...input.images.map((image) => `| ${image.name} | ${image.role} | ${n(image.sizeMB)} |`),
  ];
  if (input.floor) {
    const { seed, ours } = input.floor;
    sections.push(
      "",
      "## In-process floor (no server, no network; median per call, µs)",
      "",
      "| | seed | ours |",
      "|---|---:|---:|",
      `| Flask test client, POST /predict, one row | ${n(seed.requestUs)} | ${n(ours.requestUs)} |`,
      `| model.predict on the bare estimator, one row | ${n(seed.predictUs)} | ${n(ours.predictUs)} |`,
      `| the app's prediction step (predictions + probabilities + labels) | – | ${n(ours.serveUs)} |`,
    );
  }
  if (input.deploy) {
    const d = input.deploy;
    sections.push(
      "",
      "## Deploy speed (ours: the reference stack with `pulumi up`; images already built)",
      "",
      "| step | seconds |",
      "|---|---:|",
      `| cold \`up\` to the first prediction | ${n(d.coldUpSeconds, 1)} |`,
      `| no-op \`up\` | ${n(d.noopUpSeconds, 1)} |`,
      `| model-only change: until the new version answers | ${n(d.modelChangeServingSeconds, 1)} |`,
      `| model-only change: the whole \`up\` (old replicas gone, smoke test passed) | ${n(d.modelChangeUpSeconds, 1)} |`,
      `| replicas ${d.replicas} -> ${d.replicas + 1} | ${n(d.scaleUpSeconds, 1)} |`,
      `| replicas ${d.replicas + 1} -> ${d.replicas} | ${n(d.scaleDownSeconds, 1)} |`,
      `| seed: \`docker-compose up -d\` to the first prediction | ${n(d.seedColdUpSeconds, 1)} |`,
    );
  }
  return sections.join("\n") + "\n";
}
