/** Command-line options of `npm run bench -- --models` (the model kinds, batching on and off). Pure. */
import { flagValue } from "./options.js";

/** The model kinds: the default iris model, a random forest (joblib), a tree ensemble behind predictor.py. */
export const MODEL_KINDS = ["iris", "forest", "predictor"] as const;
export type ModelKindId = (typeof MODEL_KINDS)[number];

export const BATCHING_MODES = ["on", "off"] as const;
export type BatchingMode = (typeof BATCHING_MODES)[number];

export interface ModelBenchOptions {
  readonly kinds: readonly ModelKindId[];
  /** Batching modes of ours; each is one deploy (off: `batchMaxRows` 1). */
  readonly batching: readonly BatchingMode[];
  /** Rounds; each runs every load once against each stack, alternating which goes first. */
  readonly rounds: number;
  /** Seconds of the loads (each length is its own set of runs: 20 s and 60 s by default). */
  readonly durations: readonly number[];
  readonly connections: readonly number[];
  /** Connections of the runs longer than the first run length (default: the same as `connections`). */
  readonly longConnections: readonly number[];
  /** `gunicornThreads` of ours: requests one worker process can hold at once, so can batch. */
  readonly threads: number;
  /** Measure the seed only alongside the first batching mode (ours' batching does not change the seed's stack). */
  readonly seedOnce: boolean;
  readonly environment: string;
  readonly keep: boolean;
  readonly lock: boolean;
  readonly outDir: string;
  /** Re-render the report from this raw file (bench-models-raw.json or its .partial) instead of measuring. */
  readonly fromRaw?: string;
}

export const MODEL_USAGE = `npm run bench -- --models [options]
  --kinds LIST        model kinds, comma-separated, of ${MODEL_KINDS.join(",")} (default forest,predictor,iris)
  --batching LIST     on,off (default both)
  --rounds N          rounds (default 3)
  --durations LIST    seconds of each load, comma-separated (default 20,60)
  --connections LIST  connections through nginx (default 1,8,32,128)
  --long-connections LIST  connections of the run lengths after the first (default: --connections)
  --threads N         gunicornThreads of ours (default 8)
  --seed-once         measure the seed only with the first batching mode, not again with each (a third less load)
  --environment ENV   deploy ours with Pulumi.ENV.yaml (default dev), plus the model, threads and batching
  --keep              leave both stacks running
  --no-lock           do not take /tmp/ms-heavy.lock (only when it is wedged)
  --out DIR           results directory (default bench/results/models)
  --from-raw FILE     write the report and chart again from a raw file (also a .partial.json of a cut-short run)`;

const VALUE_FLAGS = ["--kinds", "--batching", "--rounds", "--durations", "--connections", "--long-connections", "--threads", "--environment", "--out", "--from-raw"];
const SWITCHES = ["--models", "--keep", "--no-lock", "--seed-once"];

export function parseModelOptions(argv: readonly string[]): ModelBenchOptions {
  argv.forEach((arg, index) => {
    const previous = argv[index - 1];
    if (!(previous !== undefined && VALUE_FLAGS.includes(previous)) && !VALUE_FLAGS.includes(arg) && !SWITCHES.includes(arg)) {
      throw new Error(`unknown option ${arg}\n${MODEL_USAGE}`);
    }
  });
  const value = (flag: string): string | undefined => flagValue(argv, flag, MODEL_USAGE);
  const integers = (flag: string, fallback: readonly number[], min: number, max: number): number[] => {
    const raw = value(flag);
    if (raw === undefined) {
      return [...fallback];
    }
    const parsed = raw.split(",").map(Number);
    if (parsed.length === 0 || !parsed.every((n) => Number.isInteger(n) && n >= min && n <= max)) {
      throw new Error(`${flag}: got ${raw}; expected integers from ${min} to ${max}, comma-separated\n${MODEL_USAGE}`);
    }
    return parsed;
  };
  const oneOf = <T extends string>(flag: string, allowed: readonly T[], fallback: readonly T[]): T[] => {
    const raw = value(flag);
    if (raw === undefined) {
      return [...fallback];
    }
    const parsed = raw.split(",");
    if (!parsed.every((item): item is T => (allowed as readonly string[]).includes(item))) {
      throw new Error(`${flag}: got ${raw}; expected some of ${allowed.join(",")}\n${MODEL_USAGE}`);
    }
    return parsed;
  };
  const connections = integers("--connections", [1, 8, 32, 128], 1, 1024);
  return {
    kinds: oneOf("--kinds", MODEL_KINDS, ["forest", "predictor", "iris"]),
    batching: oneOf("--batching", BATCHING_MODES, BATCHING_MODES),
    rounds: integers("--rounds", [3], 1, 20)[0]!,
    durations: integers("--durations", [20, 60], 5, 600),
    connections,
    longConnections: integers("--long-connections", connections, 1, 1024),
    threads: integers("--threads", [8], 1, 64)[0]!,
    seedOnce: argv.includes("--seed-once"),
    environment: value("--environment") ?? "dev",
    keep: argv.includes("--keep"),
    lock: !argv.includes("--no-lock"),
    outDir: value("--out") ?? "bench/results/models",
    ...(value("--from-raw") === undefined ? {} : { fromRaw: value("--from-raw") }),
  };
}

/** The connection counts of the runs of the `index`-th run length. */
export function connectionsOf(options: ModelBenchOptions, index: number): readonly number[] {
  return index === 0 ? options.connections : options.longConnections;
}

/** Whether the seed is measured alongside the `phaseIndex`-th batching mode. */
export function measuresSeed(options: ModelBenchOptions, phaseIndex: number): boolean {
  return phaseIndex === 0 || !options.seedOnce;
}

/** Minutes of load the options ask for: every (kind, batching, round, duration, connections) runs ours and, unless `seedOnce` skips it, the seed. */
export function loadMinutes(options: ModelBenchOptions): number {
  const seconds = options.durations.reduce((sum, d, index) => sum + d * connectionsOf(options, index).length, 0);
  const stackRuns = options.batching.reduce((sum, _mode, index) => sum + (measuresSeed(options, index) ? 2 : 1), 0);
  return (options.kinds.length * stackRuns * options.rounds * seconds) / 60;
}
