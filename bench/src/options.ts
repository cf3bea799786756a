/** Command-line options of `npm run bench`. Pure. */

export interface BenchOptions {
  /** Development run: short loads, two rounds, results under .state/bench-quick (not bench/results). */
  readonly quick: boolean;
  /** Rounds; each round runs every load once against each stack, alternating which stack goes first. */
  readonly rounds: number;
  /** Seconds of each through-nginx load. */
  readonly nginxSeconds: number;
  /** Seconds of each direct, batch and V2 load. */
  readonly otherSeconds: number;
  /** Connections of the through-nginx loads. */
  readonly connections: readonly number[];
  /** The environment whose Pulumi.<env>.yaml ours is deployed with. */
  readonly environment: string;
  /** Measure deploy speed (destroys and re-creates ours once). */
  readonly deploy: boolean;
  /** Leave both stacks running at the end. */
  readonly keep: boolean;
  /**
   * Take /tmp/ms-heavy.lock for every heavy step (default). `--no-lock` is for a lock that is wedged (held by a
   * process that never exits): the report then records that, and every run records the machine's load.
   */
  readonly lock: boolean;
  /** Where the report, chart and raw figures go (relative to the repository). */
  readonly outDir: string;
}

export const USAGE = `npm run bench [-- options]
  --quick             short loads (8 s through nginx, 6 s others), 2 rounds; results in .state/bench-quick/
  --rounds N          rounds (default 3; --quick 2)
  --seconds N         seconds of each through-nginx load (default 60)
  --other-seconds N   seconds of each direct, batch and V2 load (default 30)
  --environment ENV   deploy ours with Pulumi.ENV.yaml (default dev)
  --no-deploy         skip the deploy-speed measurements
  --keep              leave both stacks running
  --no-lock           do not take /tmp/ms-heavy.lock (only when it is wedged; the report says so)
  --out DIR           results directory (default bench/results)`;

/** The value after `flag` in `argv`; undefined when the flag is absent, an error (with `usage`) when it has none. */
export function flagValue(argv: readonly string[], flag: string, usage: string): string | undefined {
  const index = argv.indexOf(flag);
  if (index < 0) {
    return undefined;
  }
  const next = argv[index + 1];
  if (next === undefined || next.startsWith("--")) {
    throw new Error(`${flag} needs a value\n${usage}`);
  }
  return next;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes("--quick");
  const value = (flag: string): string | undefined => flagValue(argv, flag, USAGE);
  const integer = (flag: string, fallback: number, min: number, max: number): number => {
    const raw = value(flag);
    if (raw === undefined) {
      return fallback;
    }
    const parsed = Number(raw);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new Error(`${flag}: got ${raw}; expected an integer from ${min} to ${max}\n${USAGE}`);
    }
    return parsed;
  };
  const known = new Set(["--quick", "--rounds", "--seconds", "--other-seconds", "--environment", "--no-deploy", "--keep", "--no-lock", "--out"]);
  argv.forEach((arg, index) => {
    const previous = argv[index - 1];
    const isValue = previous !== undefined && ["--rounds", "--seconds", "--other-seconds", "--environment", "--out"].includes(previous);
    if (!isValue && !known.has(arg)) {
      throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  });
  return {
    quick,
    rounds: integer("--rounds", quick ? 2 : 3, 1, 20),
    nginxSeconds: integer("--seconds", quick ? 8 : 60, 5, 600),
    otherSeconds: integer("--other-seconds", quick ? 6 : 30, 5, 600),
    connections: [1, 8, 32, 128],
    environment: value("--environment") ?? "dev",
    deploy: !argv.includes("--no-deploy"),
    keep: argv.includes("--keep"),
    lock: !argv.includes("--no-lock"),
    outDir: value("--out") ?? (quick ? ".state/bench-quick" : "bench/results"),
  };
}
