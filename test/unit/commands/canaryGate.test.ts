/**
 * The canary gate: its judgement (canaryGate.awk, run directly with the proxy image's kind of awk) on /metrics texts
 * rendered by the real api code (fixtures/canaryGate, made by make-fixtures.sh), and the whole script as the proxy
 * container runs it (`sh -s`, dash) against replicas on loopback ports that answer those texts. The rollback
 * command, nginx-drop-candidate, lives in the proxy image; here a stand-in on PATH records that it was run.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CANARY_GATE_AWK, CANARY_GATE_SCRIPT, CANARY_GATE_SHELL, canaryGateEnvironment, gateScript } from "../../../components/commands/canaryGate.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, "fixtures", "canaryGate");
const AWK_FILE = join(HERE, "..", "..", "..", "components", "commands", "canaryGate.awk");
// The proxy image's awk is mawk; use it here too when it is installed.
const AWK = spawnSync("mawk", ["-W", "version"]).status === 0 ? "mawk" : "awk";
const THRESHOLDS = { windowSeconds: 60, maxErrorRate: 0.05, maxP99LatencyRatio: 2, minAgreement: 0.95, minRequests: 100 };

interface Snapshot {
  readonly side: "stable" | "candidate";
  readonly replica: string;
  readonly start: string;
  readonly end: string;
}

/** The replicas of a scenario: their /metrics at the start and at the end of the window. */
function scenario(name: string): Snapshot[] {
  const files = readdirSync(join(FIXTURES, name)).filter((file) => file.endsWith("-start.prom")).sort();
  expect(files.length).toBeGreaterThan(0);
  return files.map((file) => {
    const [side, replica] = file.split("-") as ["stable" | "candidate", string];
    return {
      side,
      replica: `${side}-${replica}:8000`,
      start: readFileSync(join(FIXTURES, name, file), "utf8"),
      end: readFileSync(join(FIXTURES, name, file.replace("-start", "-end")), "utf8"),
    };
  });
}

/** The judgement's input: every start snapshot, then every end snapshot, each under its header line. */
function judgementInput(snapshots: Snapshot[]): string {
  const part = (phase: "start" | "end") => snapshots.map((s) => `# canary-gate ${phase} ${s.side} ${s.replica}\n${s[phase]}`).join("");
  return part("start") + part("end");
}

interface Judgement {
  readonly status: number | null;
  readonly lines: string[];
  readonly summary: Record<string, any>;
}

function judge(snapshots: Snapshot[], thresholds: Partial<typeof THRESHOLDS> & { minAgreement?: number | undefined } = {}): Judgement {
  const t = { ...THRESHOLDS, ...thresholds };
  const vars = {
    max_error_rate: t.maxErrorRate, max_p99_ratio: t.maxP99LatencyRatio, min_agreement: t.minAgreement ?? "",
    min_requests: t.minRequests, window_seconds: t.windowSeconds, elapsed_seconds: t.windowSeconds,
  };
  const args = Object.entries(vars).flatMap(([name, value]) => ["-v", `${name}=${value}`]);
  const result = spawnSync(AWK, [...args, "-f", AWK_FILE], { input: judgementInput(snapshots), encoding: "utf8" });
  expect(result.stderr).toBe("");
  const lines = result.stdout.trimEnd().split("\n");
  return { status: result.status, lines, summary: JSON.parse(lines[lines.length - 1]) };
}

// An independent reading of the same texts: Prometheus' increase() per replica and histogram_quantile(0.99, ...).
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text.split("\n").filter((line) => line.startsWith(`${name}{`)).map((line) => {
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    return { labels, value: Number(line.slice(line.lastIndexOf(" ") + 1)) };
  });
}

function increase(snapshots: Snapshot[], side: string, name: string, keep: (labels: Record<string, string>) => boolean = () => true): number {
  return snapshots.filter((s) => s.side === side).reduce((total, s) => {
    const sum = (text: string) => samples(text, name).filter((x) => keep(x.labels)).reduce((a, x) => a + x.value, 0);
    const delta = sum(s.end) - sum(s.start);
    return total + (delta < 0 ? sum(s.end) : delta);
  }, 0);
}

function p99(snapshots: Snapshot[], side: string): number {
  const bucket = "modelserver_model_request_duration_seconds_bucket";
  const bounds = [...new Set(snapshots.flatMap((s) => samples(s.end, bucket).map((x) => x.labels.le)))];
  const finite = bounds.filter((b) => b !== "+Inf").map(Number).sort((a, b) => a - b);
  const count = (le: string) => increase(snapshots, side, bucket, (labels) => Number(labels.le) === Number(le) || labels.le === le);
  const rank = 0.99 * count("+Inf");
  let [lower, previous] = [0, 0];
  for (const upper of finite) {
    const cumulative = count(String(upper));
    if (cumulative >= rank) {
      return lower + ((upper - lower) * (rank - previous)) / (cumulative - previous);
    }
    [lower, previous] = [upper, cumulative];
  }
  return lower;
}

describe("canary gate judgement (canaryGate.awk)", () => {
  it("passes a healthy candidate and reports what it measured, matching an independent reading of the texts", () => {
    const snapshots = scenario("healthy");
    const { status, lines, summary } = judge(snapshots);
    expect(status).toBe(0);
    expect(lines).toHaveLength(5);
    for (const line of lines.slice(0, 4)) expect(line).toMatch(/ vs (min|max) [\d.]+: pass$/);
    const requests = increase(snapshots, "candidate", "modelserver_model_requests_total");
    expect(requests).toBeGreaterThan(THRESHOLDS.minRequests);
    expect(summary).toMatchObject({ passed: true, verdict: "pass", failed: [], window_seconds: 60 });
    expect(summary.candidate).toMatchObject({
      version: "2.0.0",
      requests,
      server_errors: increase(snapshots, "candidate", "modelserver_model_requests_total", (l) => l.outcome === "server_error"),
      shadow_requests: increase(snapshots, "candidate", "modelserver_shadow_requests_total"),
      agreements: increase(snapshots, "candidate", "modelserver_shadow_agreements_total"),
    });
    expect(summary.stable).toMatchObject({ version: "1.0.0", requests: increase(snapshots, "stable", "modelserver_model_requests_total") });
    expect(summary.candidate.p99_seconds).toBeCloseTo(p99(snapshots, "candidate"), 6);
    expect(summary.stable.p99_seconds).toBeCloseTo(p99(snapshots, "stable"), 6);
    expect(summary.p99_ratio).toBeCloseTo(p99(snapshots, "candidate") / p99(snapshots, "stable"), 4);
    expect(summary.thresholds).toEqual({ max_error_rate: 0.05, max_p99_latency_ratio: 2, min_agreement: 0.95, min_requests: 100 });
  });

  it("fails a candidate that answers 30% of its live requests with a 5xx, on the error rate alone (4xx are the client's)", () => {
    const snapshots = scenario("failing");
    const { status, lines, summary } = judge(snapshots);
    expect(status).toBe(1);
    expect(summary).toMatchObject({ passed: false, verdict: "fail", failed: ["error_rate"] });
    const errors = increase(snapshots, "candidate", "modelserver_model_requests_total", (l) => l.outcome === "server_error");
    expect(summary.candidate.error_rate).toBeCloseTo(errors / summary.candidate.requests, 5);
    expect(summary.candidate.error_rate).toBeGreaterThan(0.25);
    expect(increase(snapshots, "candidate", "modelserver_model_requests_total", (l) => l.outcome === "client_error")).toBeGreaterThan(0);
    expect(lines.find((line) => line.startsWith("error rate"))).toMatch(/^error rate 0\.\d+ \(\d+ server errors of \d+; stable [\d.]+\) vs max 0\.05: FAIL$/);
    // The same candidate under a looser threshold passes.
    expect(judge(snapshots, { maxErrorRate: 0.5 }).status).toBe(0);
  });

  it("fails a candidate 3x slower than stable on the p99 latency ratio", () => {
    const snapshots = scenario("slow");
    const { status, lines, summary } = judge(snapshots);
    expect(status).toBe(1);
    expect(summary.failed).toEqual(["p99_ratio"]);
    expect(summary.p99_ratio).toBeCloseTo(p99(snapshots, "candidate") / p99(snapshots, "stable"), 4);
    expect(summary.p99_ratio).toBeGreaterThan(2.5);
    expect(lines.find((line) => line.startsWith("p99 latency ratio"))).toMatch(/candidate p99 [\d.]+ ms, stable p99 [\d.]+ ms\) vs max 2: FAIL$/);
  });

  it("fails a candidate whose predictions agree with stable's on too few shadow requests, and does not gate agreement without a minimum", () => {
    const snapshots = scenario("disagreeing");
    const { status, summary, lines } = judge(snapshots);
    expect(status).toBe(1);
    expect(summary.failed).toEqual(["agreement"]);
    expect(summary.candidate.agreement).toBeCloseTo(summary.candidate.agreements / summary.candidate.shadow_requests, 5);
    expect(summary.candidate.agreement).toBeCloseTo(0.7, 1);
    expect(lines[3]).toMatch(/^prediction agreement 0\.\d+ \(\d+ of \d+ shadow requests\) vs min 0\.95: FAIL$/);
    const ungated = judge(snapshots, { minAgreement: undefined });
    expect(ungated.status).toBe(0);
    expect(ungated.lines[3]).toMatch(/: not gated$/);
    expect(ungated.summary.thresholds.min_agreement).toBeNull();
  });

  it("does not judge a candidate with too little live traffic: not enough traffic (status 2)", () => {
    const { status, lines, summary } = judge(scenario("quiet"));
    expect(status).toBe(2);
    expect(summary).toMatchObject({ passed: false, verdict: "not enough traffic" });
    expect(summary.failed).toContain("requests");
    expect(lines[0]).toMatch(/^live candidate requests \d+ \(stable \d+\) vs min 100: FAIL \(not enough traffic\)$/);
    expect(judge(scenario("quiet"), { minRequests: 5, minAgreement: undefined }).status).toBe(0);
  });

  it("counts a replica that restarted in the window from zero, like Prometheus' increase()", () => {
    const snapshots = scenario("failing");
    // The candidate restarted: its end counters are the healthy run's, below its start ones.
    const restarted = snapshots.map((s) => (s.side === "candidate" ? { ...s, start: s.end, end: scenario("healthy").find((h) => h.replica === s.replica)!.start } : s));
    const { summary } = judge(restarted);
    expect(summary.candidate.requests).toBe(increase(restarted, "candidate", "modelserver_model_requests_total"));
    expect(summary.candidate.requests).toBeGreaterThan(0);
  });

  it("is passed to sh in single quotes, so it holds none", () => {
    expect(CANARY_GATE_AWK).not.toContain("'");
    expect(CANARY_GATE_AWK.startsWith("function label(")).toBe(true);
    expect(() => gateScript("print 'x'", "true")).toThrow(/single quote/);
    expect(CANARY_GATE_SCRIPT.startsWith(`CANARY_GATE_AWK='${CANARY_GATE_AWK}'\nset -eu\n`)).toBe(true);
  });
});

let servers: Server[] = [];
let work = "";

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "canary-gate-test-"));
});

afterEach(() => {
  for (const server of servers) server.close();
  servers = [];
  rmSync(work, { recursive: true, force: true });
});

/**
 * A replica on a free loopback port: /metrics answers its start text the first time, its end text afterwards (or,
 * with `second`, that text the second time).
 */
async function startReplica(snapshot: Snapshot, seen: { authorization?: string }, second?: string): Promise<string> {
  let calls = 0;
  const server = createServer((request, response) => {
    seen.authorization = request.headers.authorization;
    if (request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    calls += 1;
    const text = calls === 1 ? snapshot.start : calls === 2 && second !== undefined ? second : snapshot.end;
    response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(text);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A stand-in for the proxy image's nginx-drop-candidate that records each run. */
function dropCandidateOnPath(): string {
  const bin = join(work, "bin");
  execFileSync("mkdir", ["-p", bin]);
  writeFileSync(join(bin, "nginx-drop-candidate"), `#!/bin/sh\necho run >> "${join(work, "dropped")}"\necho "nginx-drop-candidate: removed 1 line(s)" >&2\n`);
  chmodSync(join(bin, "nginx-drop-candidate"), 0o755);
  return bin;
}

interface GateRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly dropped: number;
  readonly authorization?: string;
}

/** Runs CANARY_GATE_SCRIPT with `sh -s` (as `docker exec -i <proxy> sh -s` does) against the scenario's replicas. */
async function runGate(
  name: string,
  thresholds: Partial<typeof THRESHOLDS>,
  extra: Record<string, string> = {},
  unreachable = false,
  firstPoll?: string,
): Promise<GateRun> {
  const seen: { authorization?: string } = {};
  const snapshots = scenario(name);
  // firstPoll: the scenario whose end texts the candidate answers on the first poll only.
  const second = (s: Snapshot) => (firstPoll !== undefined && s.side === "candidate" ? scenario(firstPoll).find((f) => f.replica === s.replica)!.end : undefined);
  const targets = await Promise.all(snapshots.map((s) => startReplica(s, seen, second(s))));
  const stable = targets.filter((_, i) => snapshots[i].side === "stable");
  const candidate = targets.filter((_, i) => snapshots[i].side === "candidate");
  if (unreachable) candidate.push("127.0.0.1:9"); // the discard port: nothing listens there
  const env = {
    PATH: `${dropCandidateOnPath()}:${process.env.PATH}`,
    POLL_SECONDS: "1",
    ...canaryGateEnvironment({ ...THRESHOLDS, ...thresholds }, stable, candidate),
    ...extra,
  };
  const child = spawn(CANARY_GATE_SHELL[0], CANARY_GATE_SHELL.slice(1), { env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  child.stdin.end(CANARY_GATE_SCRIPT);
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const droppedFile = join(work, "dropped");
  const dropped = existsSync(droppedFile) ? readFileSync(droppedFile, "utf8").trim().split("\n").length : 0;
  return { status, stdout, stderr, dropped, authorization: seen.authorization };
}

function summaryOf(run: GateRun): Record<string, any> {
  return JSON.parse(run.stdout.trimEnd().split("\n").pop()!);
}

describe("canary gate script (sh -s in the proxy container)", () => {
  it("passes a healthy candidate after the window, prints every measure and ends with the JSON summary; no rollback", async () => {
    const run = await runGate("healthy", { windowSeconds: 2 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.dropped).toBe(0);
    expect(run.stdout).toMatch(/^live candidate requests \d+ \(stable \d+\) vs min 100: pass$/m);
    expect(run.stdout).toMatch(/^p99 latency ratio [\d.]+ .* vs max 2: pass$/m);
    expect(summaryOf(run)).toMatchObject({ passed: true, window_seconds: 2 });
    expect(summaryOf(run).elapsed_seconds).toBeGreaterThanOrEqual(2);
    expect(run.authorization).toBeUndefined();
  });

  it("rolls a failing candidate back (nginx-drop-candidate), ends the window early and fails with the measured values", async () => {
    const run = await runGate("failing", { windowSeconds: 30 });
    expect(run.status).toBe(1);
    expect(run.dropped).toBe(1);
    expect(summaryOf(run)).toMatchObject({ passed: false, failed: ["error_rate"] });
    expect(summaryOf(run).elapsed_seconds).toBeLessThan(30);
    expect(run.stdout).toContain("fails on two polls in a row");
    expect(run.stderr).toMatch(/canary gate: FAILED: error rate 0\.\d+ \(\d+ server errors of \d+; stable [\d.]+\) vs max 0\.05: FAIL/);
    expect(run.stderr).toContain("nginx-drop-candidate: removed 1 line(s)");
  });

  it("does not end the window early on a failure seen on one poll alone, and judges the window as a whole", async () => {
    // Poll 1 compares the healthy start with the failing run's end (30% errors); the later polls, the healthy end.
    const run = await runGate("healthy", { windowSeconds: 3 }, {}, false, "failing");
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/canary gate: [12]s of 3s: live candidate requests .*; failing now: error rate 0\.\d+ .* vs max 0\.05: FAIL$/m);
    expect(run.stdout).not.toContain("two polls in a row");
    expect(run.dropped).toBe(0);
    expect(summaryOf(run)).toMatchObject({ passed: true, failed: [] });
  });

  it("rolls back a candidate without enough traffic at the end of the window", async () => {
    const run = await runGate("quiet", { windowSeconds: 2 });
    expect(run.status).toBe(1);
    expect(run.dropped).toBe(1);
    expect(summaryOf(run).verdict).toBe("not enough traffic");
    expect(summaryOf(run).elapsed_seconds).toBeGreaterThanOrEqual(2);
    expect(run.stderr).toMatch(/FAILED: not enough traffic in \d+s: live candidate requests \d+ \(stable \d+\) vs min 100: FAIL/);
  });

  it("rolls back when a replica's /metrics cannot be read", async () => {
    const run = await runGate("healthy", { windowSeconds: 2 }, {}, true);
    expect(run.status).toBe(1);
    expect(run.dropped).toBe(1);
    expect(run.stderr).toContain("FAILED: cannot read /metrics of the candidate replica 127.0.0.1:9");
  });

  it("presents API_KEY as a bearer token on /metrics", async () => {
    const run = await runGate("healthy", { windowSeconds: 1 }, { API_KEY: "gate-key-0123456789abcdef0123456789" });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.authorization).toBe("Bearer gate-key-0123456789abcdef0123456789");
  });
});
