/** Summaries, tables, targets and the chart of `npm run bench -- --models`. Pure. */
import type { MeasuredLoad } from "./loadRun.js";
import type { BatchingMode, ModelBenchOptions, ModelKindId } from "./modelOptions.js";
import { median } from "./stats.js";
import { connectionsAxis } from "./chart.js";

/** Which stack a run measured: the seed, or ours with batching on or off. */
export type ModelStack = "seed" | "on" | "off";

export interface ModelSample {
  readonly kind: ModelKindId;
  /** Ours' batching while this sample ran (the seed's runs are taken in both phases). */
  readonly phase: BatchingMode;
  readonly stack: ModelStack;
  readonly seconds: number;
  readonly connections: number;
  readonly round: number;
  readonly result: MeasuredLoad;
}

export interface Figures {
  readonly runs: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

export interface ModelRow {
  readonly kind: ModelKindId;
  readonly seconds: number;
  readonly connections: number;
  readonly stacks: Partial<Record<ModelStack, Figures>>;
}

const STACKS: readonly ModelStack[] = ["seed", "on", "off"];

/** Medians over rounds (the seed's over both phases) for every (kind, run length, connections). */
export function summarizeModels(samples: readonly ModelSample[]): ModelRow[] {
  const rows: ModelRow[] = [];
  const keys = new Map<string, { kind: ModelKindId; seconds: number; connections: number }>();
  for (const sample of samples) {
    keys.set(`${sample.kind}/${sample.seconds}/${sample.connections}`, sample);
  }
  for (const { kind, seconds, connections } of keys.values()) {
    const stacks: Partial<Record<ModelStack, Figures>> = {};
    for (const stack of STACKS) {
      const runs = samples.filter((s) => s.kind === kind && s.seconds === seconds && s.connections === connections && s.stack === stack);
      if (runs.length > 0) {
        stacks[stack] = {
          runs: runs.length,
          requestsPerSecond: median(runs.map((run) => run.result.requestsPerSecond)),
          p50Ms: median(runs.map((run) => run.result.p50Ms)),
          p99Ms: median(runs.map((run) => run.result.p99Ms)),
          errors: runs.reduce((sum, run) => sum + run.result.errors, 0),
        };
      }
    }
    rows.push({ kind, seconds, connections, stacks });
  }
  return rows.sort((a, b) => a.kind.localeCompare(b.kind) || a.seconds - b.seconds || a.connections - b.connections);
}

/**
 * The (kind, batching, round) pieces the options asked for that have no sample of ours: what a bench stopped early
 * (rendered with --from-raw from its .partial.json) did not measure. Empty when the run was complete.
 */
export function missingPieces(options: Pick<ModelBenchOptions, "kinds" | "batching" | "rounds">, samples: readonly ModelSample[]): string[] {
  const missing: string[] = [];
  for (const kind of options.kinds) {
    for (const phase of options.batching) {
      const rounds = Array.from({ length: options.rounds }, (_unused, index) => index + 1).filter(
        (round) => !samples.some((s) => s.kind === kind && s.phase === phase && s.stack !== "seed" && s.round === round),
      );
      if (rounds.length > 0) {
        missing.push(`${kind}, batching ${phase}: ${rounds.length === options.rounds ? "not measured" : `round ${rounds.join(", ")} not measured`}`);
      }
    }
  }
  return missing;
}

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? "–" : value.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);

export function modelTable(rows: readonly ModelRow[]): string {
  const lines = [
    "| model | run | c | seed req/s | batching on req/s | on / seed | batching off req/s | off / seed | p50 ms seed / on / off | p99 ms seed / on / off | p99 on / seed | errors seed / on / off |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    const { seed, on, off } = row.stacks;
    const x = (value: number | undefined) => (value === undefined ? "–" : `${value.toFixed(2)}x`);
    lines.push(
      `| ${row.kind} | ${row.seconds} s | ${row.connections} | ${fixed(seed?.requestsPerSecond, 0)} | ${fixed(on?.requestsPerSecond, 0)} | ` +
        `${x(ratio(on?.requestsPerSecond, seed?.requestsPerSecond))} | ${fixed(off?.requestsPerSecond, 0)} | ${x(ratio(off?.requestsPerSecond, seed?.requestsPerSecond))} | ` +
        `${fixed(seed?.p50Ms, 1)} / ${fixed(on?.p50Ms, 1)} / ${fixed(off?.p50Ms, 1)} | ${fixed(seed?.p99Ms, 1)} / ${fixed(on?.p99Ms, 1)} / ${fixed(off?.p99Ms, 1)} | ` +
        `${x(ratio(on?.p99Ms, seed?.p99Ms))} | ${seed?.errors ?? "–"} / ${on?.errors ?? "–"} / ${off?.errors ?? "–"} |`,
    );
  }
  return lines.join("\n");
}

export interface ModelTarget {
  readonly name: string;
  readonly measured: number | undefined;
  readonly bound: number;
  /** `min`: measured must be at least the bound; `max`: at most. */
  readonly kind: "min" | "max";
}

/** The issue's targets, for every run length measured. */
export function modelTargets(rows: readonly ModelRow[]): ModelTarget[] {
  const targets: ModelTarget[] = [];
  for (const row of rows) {
    const { seed, on, off } = row.stacks;
    const at = `${row.kind}, ${row.seconds} s runs`;
    if (row.connections === 32 && (row.kind === "forest" || row.kind === "predictor")) {
      targets.push({ name: `${at}, c=32: ours (batching on) / seed req/s`, measured: ratio(on?.requestsPerSecond, seed?.requestsPerSecond), bound: 2.5, kind: "min" });
      targets.push({ name: `${at}, c=32: ours (batching on) / seed p99`, measured: ratio(on?.p99Ms, seed?.p99Ms), bound: 0.5, kind: "max" });
    }
    if (row.connections === 32 && row.kind === "iris") {
      targets.push({ name: `${at}, c=32: ours (batching on) / seed req/s`, measured: ratio(on?.requestsPerSecond, seed?.requestsPerSecond), bound: 2, kind: "min" });
    }
    if (row.connections === 1) {
      targets.push({ name: `${at}, c=1: p50 batching on / off`, measured: ratio(on?.p50Ms, off?.p50Ms), bound: 1.1, kind: "max" });
    }
    if (on !== undefined) {
      targets.push({ name: `${at}, c=${row.connections}: ours' errors, batching on`, measured: on.errors, bound: 0, kind: "max" });
    }
  }
  return targets;
}

export function targetsTable(targets: readonly ModelTarget[]): string {
  const lines = ["| target | measured | required | met | by how much |", "|---|---:|---:|:---:|---|"];
  for (const target of targets) {
    const { measured, bound } = target;
    const met = measured !== undefined && (target.kind === "min" ? measured >= bound : measured <= bound);
    const gap = measured === undefined ? "not measured" : met ? "–" : shortBy(target);
    lines.push(`| ${target.name} | ${measured === undefined ? "–" : Number.isInteger(measured) ? measured : measured.toFixed(2)} | ${target.kind === "min" ? ">=" : "<="} ${bound} | ${met ? "yes" : "**no**"} | ${gap} |`);
  }
  return lines.join("\n");
}

function shortBy(target: ModelTarget): string {
  const measured = target.measured!;
  if (target.bound === 0) {
    return `${measured} over`;
  }
  return target.kind === "min"
    ? `${((1 - measured / target.bound) * 100).toFixed(0)}% below`
    : `${((measured / target.bound - 1) * 100).toFixed(0)}% above`;
}

/** gnuplot script: per model kind, req/s and p99 against connections for the seed and ours with batching on and off. */
export function modelChartScript(rows: readonly ModelRow[], seconds: number, pngFile: string): string {
  const kinds = [...new Set(rows.map((row) => row.kind))];
  const connections = [...new Set(rows.map((row) => row.connections))].sort((a, b) => a - b);
  const blocks: string[] = [];
  const plots: string[] = [];
  for (const kind of kinds) {
    for (const stack of STACKS) {
      const data = rows
        .filter((row) => row.kind === kind && row.seconds === seconds && row.stacks[stack] !== undefined)
        .map((row) => `${row.connections} ${row.stacks[stack]!.requestsPerSecond.toFixed(1)} ${row.stacks[stack]!.p99Ms.toFixed(2)}`);
      blocks.push(`$${kind}_${stack} << EOD\n${data.join("\n")}\nEOD`);
    }
    const curves = (column: number) =>
      STACKS.map((stack) => `$${kind}_${stack} using 1:${column} with linespoints lw 2 pt 7 title '${stack === "seed" ? "seed" : `ours, batching ${stack}`}'`).join(", ");
    plots.push(
      `set title '${kind}: throughput (${seconds} s runs)'`,
      "set ylabel 'requests/s (median)'",
      "unset logscale y",
      "set yrange [0:*]",
      `plot ${curves(2)}`,
      `set title '${kind}: p99 latency (${seconds} s runs)'`,
      "set ylabel 'p99 ms (median)'",
      "set logscale y 10",
      "set yrange [*:*]",
      `plot ${curves(3)}`,
    );
  }
  return [
    ...blocks,
    `set terminal pngcairo size 1100,${360 * kinds.length} font "sans,10"`,
    `set output "${pngFile}"`,
    `set multiplot layout ${kinds.length},2`,
    "set grid",
    "set key top left",
    ...connectionsAxis(connections),
    ...plots,
    "unset multiplot",
    "",
  ].join("\n");
}
