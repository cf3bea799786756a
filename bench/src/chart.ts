/** The PNG chart (gnuplot): req/s and p99 against connections for both stacks, and req/s over time at c=32. */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { run } from "./shell.js";
import { find, type Sample, type ScenarioSummary } from "./summary.js";

/** gnuplot data blocks and script for the chart. Pure. */
export function chartScript(summaries: readonly ScenarioSummary[], samples: readonly Sample[], connections: readonly number[], pngFile: string, timelineScenario: string): string {
  const curve = (stack: "seed" | "ours") =>
    connections
      .map((c) => find(summaries, `nginx-c${c}`, stack))
      .filter((summary): summary is ScenarioSummary => summary !== undefined)
      .map((summary) => `${summary.scenario.slice("nginx-c".length)} ${summary.requestsPerSecond.toFixed(1)} ${summary.p99Ms.toFixed(2)}`)
      .join("\n");
  const timeline = (stack: "seed" | "ours") => {
    const sample = samples.find((candidate) => candidate.scenario === timelineScenario && candidate.stack === stack);
    return (sample?.result.timeline ?? []).map((count, second) => `${second + 1} ${count}`).join("\n");
  };
  return [
    `$seed << EOD\n${curve("seed")}\nEOD`,
    `$ours << EOD\n${curve("ours")}\nEOD`,
    `$seedtime << EOD\n${timeline("seed")}\nEOD`,
    `$ourstime << EOD\n${timeline("ours")}\nEOD`,
    `set terminal pngcairo size 1500,480 font "sans,10"`,
    `set output "${pngFile}"`,
    "set multiplot layout 1,3",
    "set grid",
    "set key top left",
    ...connectionsAxis(connections),
    "set ylabel 'requests/s (median)'",
    "set yrange [0:*]",
    "set title 'throughput'",
    "plot $seed using 1:2 with linespoints lw 2 pt 7 title 'seed', $ours using 1:2 with linespoints lw 2 pt 7 title 'ours'",
    "set ylabel 'p99 latency, ms (median)'",
    "set title 'p99 latency'",
    "set logscale y 10",
    "set yrange [*:*]",
    "plot $seed using 1:3 with linespoints lw 2 pt 7 title 'seed', $ours using 1:3 with linespoints lw 2 pt 7 title 'ours'",
    "unset logscale x",
    "set xrange [*:*]",
    "unset logscale y",
    "set xtics autofreq",
    "set yrange [0:*]",
    `set xlabel 'second of the run (${timelineScenario}, first round)'`,
    "set ylabel 'responses in that second'",
    "set title 'throughput over time (a cliff shows here)'",
    "plot $seedtime using 1:2 with lines lw 2 title 'seed', $ourstime using 1:2 with lines lw 2 title 'ours'",
    "unset multiplot",
    "",
  ].join("\n");
}

export async function writeChart(resultsDir: string, pngName: string, script: string): Promise<void> {
  const scriptFile = resolve(resultsDir, ".chart.gnuplot");
  writeFileSync(scriptFile, script);
  await run("gnuplot", [scriptFile], { cwd: resultsDir, timeoutSeconds: 60 });
}

/** The x axis every chart shares every chart shares: connections on a log2 scale, one tick per measured level. */
export function connectionsAxis(connections: readonly number[]): string[] {
  return [
    "set logscale x 2",
    `set xtics (${connections.join(", ")})`,
    `set xrange [${Math.min(...connections) * 0.7}:${Math.max(...connections) * 1.4}]`,
    "set xlabel 'connections (through nginx)'",
  ];
}

