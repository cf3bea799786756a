/**
 * The shadow-traffic bench (`npm run bench:canary`): what mirroring every prediction to a candidate costs clients.
 * One stack with a candidate (iris-rules 2.0.0) beside the built-in model, measured with the same closed-loop load
 * (keep-alive connections, POST /predict through the proxy on 127.0.0.1) with shadow off, at 100%, and off again,
 * in the same run, at two load levels: closed loop (each connection sends its next request when the previous answer
 * arrives: the box's capacity) and a fixed rate well below it. Prints client p50/p99 of each phase and level, the
 * ratio of shadow on to off (the median of the on phases over the median of the off ones, and the percentiles of all
 * on answers over those of all off answers), and where the CPU went at each level (CPU seconds of the proxy, the
 * stable replicas and the candidate, read from their cgroups, of Docker's daemons and shims, and the host's busy
 * share); writes bench/results/canary-shadow.md.
 *
 * `CANARY_BENCH_ROUNDS` (default 3) sets how many shadow phases alternate with the off ones (one more);
 * `CANARY_BENCH_RATE_REQUESTS` (default 3,000) how many requests the fixed-rate level of each phase sends.
 *
 * `CANARY_BENCH_EXPERIMENT` varies what the candidate does during the shadow phases, to tell the proxy's share of
 * the cost from the candidate's: `paused` (`docker pause`: the copies are sent and dropped by the kernel, the
 * candidate computes nothing) or `idle` (every thread of the candidate's processes moved to the idle scheduling
 * class from the host with `chrt --idle`: it computes only on CPU time nothing else wants).
 */
import { execFileSync } from "node:child_process";
import * as http from "node:http";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { createScratchStack } from "../../test/integration/support/pulumi.js";
import { NAMESPACE, rolloutBaseConfig } from "../../test/integration/support/rollouts.js";
import { ensureBuilt } from "../../test/support/build.js";
import { median } from "../src/stats.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PORT = 18740;
const STACK = `bench-canary-${process.pid}`;
const CONNECTIONS = Number(process.env.CANARY_BENCH_CONNECTIONS ?? 8);
const REQUESTS = Number(process.env.CANARY_BENCH_REQUESTS ?? 4000);
const BODY = JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] });
/** The fixed-rate level: requests per second and how many (well below what the closed loop reaches). */
const RATE_PER_SECOND = Number(process.env.CANARY_BENCH_RATE ?? 100);
/** What the candidate does during the shadow phases (see the module comment): "" (serve), "paused" or "idle". */
const EXPERIMENT = process.env.CANARY_BENCH_EXPERIMENT ?? "";
if (!["", "paused", "idle"].includes(EXPERIMENT)) throw new Error(`CANARY_BENCH_EXPERIMENT: ${EXPERIMENT} is not paused or idle`);
const RATE_REQUESTS = Number(process.env.CANARY_BENCH_RATE_REQUESTS ?? 3000);

/** One POST /predict on `agent`: its latency in ms, or null when it failed. */
function predictOnce(agent: http.Agent): Promise<number | null> {
  return new Promise((resolve) => {
    const started = performance.now();
    const outgoing = http.request(
      { host: "127.0.0.1", port: PORT, method: "POST", path: "/predict", agent, timeout: 30_000, headers: { "Content-Type": "application/json", "Content-Length": String(BODY.length) } },
      (incoming) => {
        incoming.resume();
        incoming.on("end", () => resolve(incoming.statusCode === 200 ? performance.now() - started : null));
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error("timeout")));
    outgoing.on("error", () => resolve(null));
    outgoing.end(BODY);
  });
}

/** Client latencies in ms of `count` POST /predict on `connections` keep-alive sockets, closed loop; bounded at 5 minutes. */
async function latencies(count: number, connections: number): Promise<{ ms: number[]; failed: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const ms: number[] = [];
  let failed = 0;
  let next = 0;
  const deadline = Date.now() + 300_000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count && Date.now() < deadline) {
        next += 1;
        const latency = await predictOnce(agent);
        if (latency === null) failed += 1;
        else ms.push(latency);
      }
    }),
  );
  agent.destroy();
  return { ms, failed };
}

/** Client latencies in ms of `count` POST /predict started at `perSecond` a second (open loop) on keep-alive sockets; bounded at 2 minutes. */
async function latenciesAtRate(count: number, perSecond: number): Promise<{ ms: number[]; failed: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS * 4 });
  const ms: number[] = [];
  let failed = 0;
  const started = performance.now();
  const deadline = Date.now() + 120_000;
  const pending: Promise<void>[] = [];
  for (let index = 0; index < count && Date.now() < deadline; index += 1) {
    const wait = started + (index * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      predictOnce(agent).then((latency) => {
        if (latency === null) failed += 1;
        else ms.push(latency);
      }),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  return { ms, failed };
}

/** CPU nanoseconds a container has used (its cgroup v1 cpuacct, or v2 cpu.stat); null when neither is readable. */
function containerCpuNs(name: string): number | null {
  const id = execFileSync("docker", ["inspect", "--format", "{{.Id}}", name], { encoding: "utf8" }).trim();
  const v1 = `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`;
  if (existsSync(v1)) return Number(readFileSync(v1, "utf8"));
  const v2 = `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`;
  if (existsSync(v2)) return Number(/usage_usec (\d+)/.exec(readFileSync(v2, "utf8"))?.[1] ?? NaN) * 1000;
  return null;
}

/** Processes of the container runtime that every container's log lines and I/O go through. */
const DAEMONS = new Set(["dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v2"]);
/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU nanoseconds used so far by the Docker daemon, containerd and the container shims (from /proc/<pid>/stat). */
function daemonCpuNs(): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!DAEMONS.has(name)) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // The process ended while it was read.
    }
  }
  return (ticks / USER_HZ) * 1e9;
}

/** Busy and total jiffies of the host (all CPUs), from /proc/stat. */
function hostJiffies(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - fields[3] - fields[4], total };
}

interface CpuGroups {
  readonly [group: string]: readonly string[];
}

/** CPU seconds of each group of containers, of the container runtime's daemons and the host's busy share while `run` runs. */
async function cpuDuring<T>(
  groups: CpuGroups,
  run: () => Promise<T>,
): Promise<{ result: T; seconds: Record<string, number | null>; daemons: number; hostBusy: number }> {
  const read = () => Object.fromEntries(Object.entries(groups).map(([group, names]) => [group, names.map(containerCpuNs)]));
  const before = read();
  const daemonsBefore = daemonCpuNs();
  const hostBefore = hostJiffies();
  const result = await run();
  const hostAfter = hostJiffies();
  const daemonsAfter = daemonCpuNs();
  const after = read();
  const seconds = Object.fromEntries(
    Object.keys(groups).map((group) => {
      const used = after[group].map((value, index) => (value === null || before[group][index] === null ? null : value - (before[group][index] as number)));
      return [group, used.some((value) => value === null) ? null : (used as number[]).reduce((sum, value) => sum + value, 0) / 1e9];
    }),
  );
  const hostBusy = (hostAfter.busy - hostBefore.busy) / (hostAfter.total - hostBefore.total);
  return { result, seconds, daemons: (daemonsAfter - daemonsBefore) / 1e9, hostBusy };
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

interface Phase {
  readonly name: string;
  readonly level: string;
  readonly p50: number;
  readonly p99: number;
  readonly n: number;
  readonly failed: number;
  /** Every answer's latency in ms, for the percentiles of all phases of one kind together. */
  readonly ms: readonly number[];
}

/** How many phases with shadow at 100%; one more with it off. */
const ROUNDS = Number(process.env.CANARY_BENCH_ROUNDS ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`CANARY_BENCH_ROUNDS: ${process.env.CANARY_BENCH_ROUNDS} is not a whole number above 0`);
/** Off and on alternate, so a drift of the shared machine falls on both: off (1), 100% (1), off (2), ..., off (ROUNDS + 1). */
const PHASES: readonly (readonly [string, number])[] = Array.from({ length: 2 * ROUNDS + 1 }, (_, index) =>
  index % 2 === 0 ? [`shadow off (${index / 2 + 1})`, 0] : [`shadow 100% (${(index + 1) / 2})`, 100],
);

/**
 * Waits until the candidate has replayed what earlier loads left in its socket buffer (its containers used less than
 * 1% of a CPU over the last second), so that one level's copies do not fall on the next level's measurement;
 * bounded at 60 s. Returns the seconds waited.
 */
async function candidateIdle(names: readonly string[]): Promise<number> {
  const started = performance.now();
  const used = () => names.reduce((sum, name) => sum + (containerCpuNs(name) ?? 0), 0);
  let before = used();
  while (performance.now() - started < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = used();
    if (now - before < 10_000_000) break;
    before = now;
  }
  return (performance.now() - started) / 1000;
}

/** Applies `EXPERIMENT` to the candidate's containers for one shadow phase; returns what ends it. */
function startExperiment(candidates: readonly string[]): () => void {
  if (EXPERIMENT === "paused") {
    execFileSync("docker", ["pause", ...candidates]);
    return () => execFileSync("docker", ["unpause", ...candidates]);
  }
  if (EXPERIMENT === "idle") {
    for (const name of candidates) {
      const pids = execFileSync("docker", ["top", name, "-eo", "pid"], { encoding: "utf8" }).split("\n").slice(1).map((line) => line.trim()).filter(Boolean);
      for (const pid of pids) execFileSync("chrt", ["--idle", "-a", "-p", "0", pid]);
    }
  }
  return () => undefined; // idle stays: in the off phases the candidate has nothing to compute
}

it("measures client latency with shadow traffic off, at 100% and off again", async () => {
  ensureBuilt();
  const scratch = await createScratchStack(repoRoot, STACK);
  const candidate = (shadowPercent: number) => ({
    value: JSON.stringify({ modelDir: join(repoRoot, "test", "integration", "fixtures", "iris-rules"), trafficPercent: 0, shadowPercent }),
  });
  const closedLoop = `closed loop, ${CONNECTIONS} connections`;
  const fixedRate = `${RATE_PER_SECOND} requests/s`;
  const phases: Phase[] = [];
  const cpuRows: string[] = [];
  const drained: number[] = [];
  const record = (name: string, level: string, { ms, failed }: { ms: number[]; failed: number }) => {
    phases.push({ name, level, p50: percentile(ms, 50), p99: percentile(ms, 99), n: ms.length, failed, ms });
    console.log(`${name}, ${level}: p50 ${percentile(ms, 50).toFixed(2)} ms, p99 ${percentile(ms, 99).toFixed(2)} ms over ${ms.length} answers, ${failed} failed`);
  };
  try {
    await scratch.stack.setAllConfig({ ...rolloutBaseConfig(PORT), [`${NAMESPACE}:candidate`]: candidate(0) });
    await scratch.stack.up({ onOutput: () => undefined });
    for (const [name, shadow] of PHASES) {
      if (phases.length > 0) {
        await scratch.stack.setConfig(`${NAMESPACE}:candidate`, candidate(shadow));
        await scratch.stack.up({ onOutput: () => undefined });
      }
      const outputs = await scratch.stack.outputs();
      const groups: CpuGroups = {
        proxy: [outputs.proxyContainerName.value as string],
        stable: outputs.apiContainerNames.value as string[],
        candidate: outputs.candidateContainerNames.value as string[],
      };
      const endExperiment = shadow > 0 ? startExperiment(groups.candidate) : () => undefined;
      await latencies(500, CONNECTIONS); // warm-up, not counted
      drained.push(await candidateIdle(groups.candidate));
      const cpuRow = (level: string, used: Awaited<ReturnType<typeof cpuDuring>>) => {
        const cpu = (group: string) => (used.seconds[group] === null ? "n/a" : (used.seconds[group] as number).toFixed(2));
        cpuRows.push(`| ${name} | ${level} | ${cpu("proxy")} | ${cpu("stable")} | ${cpu("candidate")} | ${used.daemons.toFixed(2)} | ${(used.hostBusy * 100).toFixed(0)}% |`);
      };
      const closed = await cpuDuring(groups, () => latencies(REQUESTS, CONNECTIONS));
      record(name, closedLoop, closed.result);
      cpuRow(closedLoop, closed);
      drained.push(await candidateIdle(groups.candidate));
      const steady = await cpuDuring(groups, () => latenciesAtRate(RATE_REQUESTS, RATE_PER_SECOND));
      record(name, fixedRate, steady.result);
      cpuRow(fixedRate, steady);
      endExperiment();
    }
  } finally {
    await scratch.dispose();
    rmSync(join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
  }
  const ratios = (level: string): string => {
    const of = (shadow: number) => phases.filter((phase) => phase.level === level && PHASES.some(([name, percent]) => name === phase.name && percent === shadow));
    const [off, on] = [of(0), of(100)];
    const ratio = (key: "p50" | "p99") => (median(on.map((phase) => phase[key])) / median(off.map((phase) => phase[key]))).toFixed(3);
    const pooled = (p: number) => (percentile(on.flatMap((phase) => phase.ms), p) / percentile(off.flatMap((phase) => phase.ms), p)).toFixed(3);
    return `p50 x${ratio("p50")}, p99 x${ratio("p99")}; over all answers of the phases together: p50 x${pooled(50)}, p99 x${pooled(99)}`;
  };
  const experiment = EXPERIMENT === "" ? "" : ` CANARY_BENCH_EXPERIMENT=${EXPERIMENT}`;
  const command = `CANARY_BENCH_ROUNDS=${ROUNDS} CANARY_BENCH_RATE_REQUESTS=${RATE_REQUESTS}${experiment} npm run bench:canary`;
  const report = [
    "# Shadow traffic: client latency",
    "",
    `Made by \`${command}\` on ${new Date().toISOString().slice(0, 10)} (${process.platform}, ${cpus().length} CPUs): the reference`,
    `stack (2 replicas of 0.5 CPU) with a candidate of 1 replica (0.5 CPU, no live share: CPU weight 2), POST /predict through the proxy on 127.0.0.1 at two`,
    `levels per phase: ${REQUESTS} requests closed loop on ${CONNECTIONS} keep-alive connections (after 500 of warm-up), then ${RATE_REQUESTS}`,
    `started at a fixed ${RATE_PER_SECOND} requests/s. Before each level the bench waits until the candidate has replayed what the`,
    `previous one left in its socket buffer (its CPU under 1% for a second): ${drained.map((seconds) => seconds.toFixed(0)).join(", ")} s.`,
    ...(EXPERIMENT === "" ? [] : ["", `Experiment \`CANARY_BENCH_EXPERIMENT=${EXPERIMENT}\`: during the shadow phases the candidate was ${EXPERIMENT === "paused" ? "paused (`docker pause`)" : "in the idle scheduling class (`chrt --idle`, every thread)"}.`]),
    "",
    "| phase | load | answers | failed | p50 (ms) | p99 (ms) |",
    "|---|---|---|---|---|---|",
    ...phases.map((phase) => `| ${phase.name} | ${phase.level} | ${phase.n} | ${phase.failed} | ${phase.p50.toFixed(2)} | ${phase.p99.toFixed(2)} |`),
    "",
    `Shadow 100% against shadow off, the median of the ${PHASES.filter(([, shadow]) => shadow > 0).length} phases on over the median of the ${PHASES.filter(([, shadow]) => shadow === 0).length} off:`,
    "",
    `- ${closedLoop}: ${ratios(closedLoop)}`,
    `- ${fixedRate}: ${ratios(fixedRate)}`,
    "",
    `CPU seconds used during each level of each phase (containers: their cgroups; Docker: dockerd, containerd and the`,
    `container shims, which carry every container's log lines), and the host's busy share of its ${cpus().length} CPUs:`,
    "",
    "| phase | load | proxy | stable replicas | candidate | Docker | host busy |",
    "|---|---|---|---|---|---|---|",
    ...cpuRows,
    "",
  ].join("\n");
  mkdirSync(join(repoRoot, "bench", "results"), { recursive: true });
  writeFileSync(join(repoRoot, "bench", "results", "canary-shadow.md"), report);
  console.log(`\n${report}`);
  expect(phases.every((phase) => phase.failed === 0)).toBe(true);
});
