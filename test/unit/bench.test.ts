/** The bench's pure parts: reading wrk's result line, medians, drift, the targets and the report table. */
import { describe, expect, it } from "vitest";
import { parseDockerStats, parseMemory } from "../../bench/src/dockerStats.js";
import type { MeasuredLoad } from "../../bench/src/loadRun.js";
import { loadMinutes, measuresSeed, parseModelOptions } from "../../bench/src/modelOptions.js";
import { missingPieces, modelChartScript, modelTable, modelTargets, summarizeModels, targetsTable as modelTargetsTable, type ModelSample, type ModelStack } from "../../bench/src/modelReport.js";
import { parseOptions } from "../../bench/src/options.js";
import { resultsTable, targetsTable } from "../../bench/src/report.js";
import { median, throughputDrift, worstSecondRatio } from "../../bench/src/stats.js";
import { checkTargets, summarize, type Sample } from "../../bench/src/summary.js";
import { parseWrkOutput, wholeSeconds } from "../../bench/src/wrkResult.js";

const wrkLine = (requests: number, p99us: number, timeline: [number, number][], status = 0) =>
  `Running 10s test\n  2 threads\nBENCH_RESULT ${JSON.stringify({
    requests,
    duration_us: 10_000_000,
    bytes: 1,
    errors: { connect: 0, read: 1, write: 0, status, timeout: 0 },
    latency_us: { p50: 1000, p90: 2000, p99: p99us, max: 9000, mean: 1200 },
    statuses: { "200": requests - status },
    timeline,
  })}\n`;

function load(requestsPerSecond: number, p99Ms: number, timeline: number[] = [], errors = 0): MeasuredLoad {
  return {
    requests: requestsPerSecond * 60,
    seconds: 60,
    requestsPerSecond,
    errors,
    errorsByKind: { connect: 0, read: 0, write: 0, status: errors, timeout: 0 },
    p50Ms: p99Ms / 4,
    p90Ms: p99Ms / 2,
    p99Ms,
    maxMs: p99Ms * 2,
    statuses: {},
    timeline,
    usage: [{ name: "c", cpuPercent: 50, memoryMiB: 100 }],
    loadAverage: 1,
  };
}

describe("wrk result line", () => {
  it("reads requests, errors, percentiles and the whole seconds of the timeline", () => {
    const result = parseWrkOutput(wrkLine(5000, 7000, [[102, 10], [100, 3], [101, 500], [104, 400], [105, 2]], 4));
    expect(result.requestsPerSecond).toBe(500);
    expect(result.errors).toBe(5);
    expect(result.p99Ms).toBe(7);
    expect(result.timeline).toEqual([500, 10, 0, 400]);
  });

  it("fails loudly when the script's line is missing", () => {
    expect(() => parseWrkOutput("unable to connect to 127.0.0.1:1 Connection refused\n")).toThrow(/no BENCH_RESULT line/);
  });

  it("drops partial first and last seconds", () => {
    expect(wholeSeconds([[1, 5], [2, 6]])).toEqual([]);
  });
});

describe("statistics", () => {
  it("median of odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("a cliff shows as a low last/first ratio and a low worst second", () => {
    const cliff = [...Array(20).fill(1000), ...Array(20).fill(300)];
    expect(throughputDrift(cliff, 10).ratio).toBeCloseTo(0.3);
    expect(worstSecondRatio(cliff)).toBeCloseTo(0.3 / 0.65, 1);
    expect(throughputDrift(Array(30).fill(500), 10).ratio).toBe(1);
  });
});

describe("docker stats", () => {
  it("reads CPU percent and memory in MiB", () => {
    const line = JSON.stringify({ Name: "bn-seed-api", CPUPerc: "93.51%", MemUsage: "1.5GiB / 23.4GiB" });
    expect(parseDockerStats(`${line}\n`)).toEqual([{ name: "bn-seed-api", cpuPercent: 93.51, memoryMiB: 1536 }]);
    expect(parseMemory("512KiB")).toBe(0.5);
    expect(parseMemory("12 parsecs")).toBeNaN();
  });
});

describe("summaries and targets", () => {
  const samples: Sample[] = [1, 2, 3].flatMap((round) => [
    { scenario: "nginx-c32", stack: "seed" as const, round, result: load(1000 + round, 100, [...Array(15).fill(1500), ...Array(15).fill(600)]) },
    { scenario: "nginx-c32", stack: "ours" as const, round, result: load(2500 + round, 40, Array(30).fill(2500)) },
    { scenario: "direct-1w", stack: "seed" as const, round, result: load(2000, 30) },
    { scenario: "direct-1w", stack: "ours" as const, round, result: load(1700, 30) },
    { scenario: "direct-2w-same", stack: "ours" as const, round, result: load(3000, 30) },
  ]);
  const summaries = summarize(samples, {});

  it("takes medians per scenario and stack", () => {
    const seed = summaries.find((summary) => summary.scenario === "nginx-c32" && summary.stack === "seed")!;
    expect(seed.requestsPerSecond).toBe(1002);
    expect(seed.rounds).toBe(3);
    expect(seed.worstDrift).toBeCloseTo(0.4);
  });

  it("checks every target and says by how much one is missed", () => {
    const checks = checkTargets(summaries, { coldUpSeconds: 45, noopUpSeconds: 7.5, modelChangeServingSeconds: 12 }, "direct-2w-same");
    const byName = Object.fromEntries(checks.map((check) => [check.target, check]));
    expect(byName["nginx c=32: ours / seed req/s"]!.met).toBe(true);
    expect(byName["nginx c=32: ours / seed p99"]!.met).toBe(true);
    expect(byName["direct, 1 worker: ours / seed (1 sync worker) req/s"]!.met).toBe(false);
    expect(byName["direct, 1 worker: ours / seed (1 sync worker) req/s"]!.shortBy).toMatch(/1\.06x short/);
    expect(byName["ours: nginx c=32 / direct with the same workers"]!.met).toBe(true);
    expect(byName["no-op up"]!.met).toBe(false);
    expect(byName["no-op up"]!.shortBy).toMatch(/1\.50x over/);
    expect(targetsTable(checks)).toContain("| no-op up | 7.50 s | <= 5.00 s | **no** |");
  });

  it("renders one row per scenario with the ratio of ours to the seed", () => {
    const table = resultsTable([{ id: "nginx-c32", title: "through nginx, c=32" }], summaries);
    expect(table).toContain("| through nginx, c=32 | 1002 | 2502 | 2.50x |");
  });
});

describe("options", () => {
  it("defaults to the issue's loads and quick shortens them", () => {
    expect(parseOptions([])).toMatchObject({ rounds: 3, nginxSeconds: 60, connections: [1, 8, 32, 128], outDir: "bench/results" });
    expect(parseOptions(["--quick"])).toMatchObject({ rounds: 2, nginxSeconds: 8, outDir: ".state/bench-quick" });
    expect(parseOptions(["--rounds", "5", "--no-deploy"])).toMatchObject({ rounds: 5, deploy: false });
  });

  it("rejects unknown options and bad values", () => {
    expect(() => parseOptions(["--fast"])).toThrow(/unknown option --fast/);
    expect(() => parseOptions(["--rounds", "0"])).toThrow(/--rounds: got 0/);
  });
});

describe("model kinds (npm run bench -- --models)", () => {
  const sample = (stack: ModelStack, phase: "on" | "off", round: number, connections: number, rps: number, p99: number): ModelSample => ({
    kind: "forest",
    phase,
    stack,
    seconds: 20,
    connections,
    round,
    result: load(rps, p99),
  });
  const samples = [
    sample("seed", "on", 1, 32, 600, 100),
    sample("on", "on", 1, 32, 1800, 40),
    sample("seed", "on", 2, 32, 700, 120),
    sample("on", "on", 2, 32, 1600, 60),
    sample("seed", "off", 1, 32, 800, 110),
    sample("off", "off", 1, 32, 900, 90),
    sample("on", "on", 1, 1, 300, 4),
    sample("off", "off", 1, 1, 300, 4.8),
  ];

  it("takes medians over rounds, the seed's over both batching phases", () => {
    const [c1, c32] = summarizeModels(samples);
    expect(c1).toMatchObject({ kind: "forest", seconds: 20, connections: 1 });
    expect(c32!.stacks.seed).toMatchObject({ runs: 3, requestsPerSecond: 700, p99Ms: 110 });
    expect(c32!.stacks.on).toMatchObject({ runs: 2, requestsPerSecond: 1700, p99Ms: 50 });
    expect(c32!.stacks.off).toMatchObject({ runs: 1, requestsPerSecond: 900 });
  });

  it("checks the issue's targets and says by how much they are missed", () => {
    const rows = summarizeModels(samples);
    const targets = modelTargets(rows);
    const byName = (part: string) => targets.find((target) => target.name.includes(part));
    expect(byName("c=32: ours (batching on) / seed req/s")?.measured).toBeCloseTo(1700 / 700);
    expect(byName("c=32: ours (batching on) / seed p99")?.measured).toBeCloseTo(50 / 110);
    expect(byName("c=1: p50 batching on / off")?.measured).toBeCloseTo(1 / 1.2);
    const table = modelTargetsTable(targets);
    expect(table).toContain("| forest, 20 s runs, c=32: ours (batching on) / seed req/s | 2.43 | >= 2.5 | **no** | 3% below |");
    expect(table).toContain("| forest, 20 s runs, c=32: ours (batching on) / seed p99 | 0.45 | <= 0.5 | yes | – |");
    expect(modelTable(rows)).toContain("| forest | 20 s | 32 | 700 | 1700 | 2.43x | 900 | 1.29x |");
  });

  it("names the pieces a bench stopped early did not measure", () => {
    expect(missingPieces({ kinds: ["forest"], batching: ["on", "off"], rounds: 2 }, samples)).toEqual(["forest, batching off: round 2 not measured"]);
    expect(missingPieces({ kinds: ["forest", "iris"], batching: ["on"], rounds: 2 }, samples)).toEqual(["iris, batching on: not measured"]);
    expect(missingPieces({ kinds: ["forest"], batching: ["on"], rounds: 2 }, samples)).toEqual([]);
  });

  it("plots every kind's seed and ours with batching on and off", () => {
    const script = modelChartScript(summarizeModels(samples), 20, "chart.png");
    expect(script).toContain("$forest_on << EOD\n1 300.0 4.00\n32 1700.0 50.00\nEOD");
    expect(script).toContain("title 'ours, batching off'");
  });

  it("parses its options and refuses what it does not know", () => {
    expect(parseModelOptions(["--models"])).toMatchObject({
      kinds: ["forest", "predictor", "iris"],
      batching: ["on", "off"],
      durations: [20, 60],
      connections: [1, 8, 32, 128],
      threads: 8,
      seedOnce: false,
      outDir: "bench/results/models",
    });
    const short = parseModelOptions(["--models", "--kinds", "forest", "--durations", "20", "--rounds", "2"]);
    expect(short).toMatchObject({ kinds: ["forest"], durations: [20], rounds: 2 });
    expect(loadMinutes(short)).toBeCloseTo((1 * 2 * 2 * 20 * 4 * 2) / 60);
    const long = parseModelOptions(["--models", "--kinds", "forest", "--rounds", "1", "--long-connections", "32"]);
    expect(long).toMatchObject({ connections: [1, 8, 32, 128], longConnections: [32] });
    expect(loadMinutes(long)).toBeCloseTo((2 * (20 * 4 + 60 * 1) * 2) / 60);
    const seedOnce = parseModelOptions(["--models", "--kinds", "forest", "--rounds", "2", "--long-connections", "32", "--seed-once"]);
    expect(seedOnce).toMatchObject({ seedOnce: true, batching: ["on", "off"] });
    expect([measuresSeed(seedOnce, 0), measuresSeed(seedOnce, 1)]).toEqual([true, false]);
    expect([measuresSeed(long, 0), measuresSeed(long, 1)]).toEqual([true, true]);
    expect(loadMinutes(seedOnce)).toBeCloseTo((2 * (20 * 4 + 60 * 1) * 3) / 60);
    expect(parseModelOptions(["--models", "--batching", "off", "--seed-once"]).seedOnce).toBe(true);
    expect(measuresSeed(parseModelOptions(["--models", "--batching", "off", "--seed-once"]), 0)).toBe(true);
    expect(() => parseModelOptions(["--models", "--kinds", "svm"])).toThrow(/--kinds: got svm/);
    expect(() => parseModelOptions(["--models", "--fast"])).toThrow(/unknown option --fast/);
  });
});
