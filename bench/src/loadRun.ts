/** One bounded wrk run against 127.0.0.1, with a docker stats sample of the stack's containers in its middle. */
import { readFileSync } from "node:fs";
import { parseWrkOutput, type LoadResult } from "./wrkResult.js";
import { parseDockerStats, type ContainerUsage } from "./dockerStats.js";
import { run, sleep } from "./shell.js";

export interface LoadSpec {
  /** Full URL on 127.0.0.1. */
  readonly url: string;
  /** File holding the JSON body POSTed by every request. */
  readonly bodyFile: string;
  readonly connections: number;
  readonly seconds: number;
  /** Containers whose CPU and memory are sampled during the run. */
  readonly containers: readonly string[];
}

export interface MeasuredLoad extends LoadResult {
  readonly usage: readonly ContainerUsage[];
  /** The machine's 1-minute load average when the run started (how busy the shared machine was). */
  readonly loadAverage: number;
}

const WRK_THREADS = 2;
const WRK_TIMEOUT_SECONDS = 10;

export async function measureLoad(spec: LoadSpec, luaScript: string): Promise<MeasuredLoad> {
  if (!spec.url.startsWith("http://127.0.0.1:")) {
    throw new Error(`the bench only sends traffic to 127.0.0.1, not ${spec.url}`);
  }
  const loadAverage = Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  const threads = Math.min(WRK_THREADS, spec.connections);
  const wrk = run(
    "wrk",
    [
      `-t${threads}`,
      `-c${spec.connections}`,
      `-d${spec.seconds}s`,
      `--timeout`,
      `${WRK_TIMEOUT_SECONDS}s`,
      "-s",
      luaScript,
      spec.url,
    ],
    { env: { BENCH_BODY_FILE: spec.bodyFile }, timeoutSeconds: spec.seconds + 30 },
  );
  const usage = sampleMidway(spec);
  const [output, sampled] = await Promise.all([wrk, usage]);
  return { ...parseWrkOutput(output.stdout), usage: sampled, loadAverage };
}

/** `docker stats --no-stream` (which itself takes about 2 s) started 60% into the run. */
async function sampleMidway(spec: LoadSpec): Promise<ContainerUsage[]> {
  if (spec.containers.length === 0) {
    return [];
  }
  await sleep(Math.max(1, spec.seconds * 0.6 - 1));
  const stats = await run("docker", ["stats", "--no-stream", "--format", "{{json .}}", ...spec.containers], {
    timeoutSeconds: 30,
    check: false,
  });
  return stats.status === 0 ? parseDockerStats(stats.stdout) : [];
}
