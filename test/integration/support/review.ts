/**
 * Helpers for the review tests: run `model-service-review` and `pulumi preview --json` as the processes
 * users run, and normalise what varies between runs (digests) in a review.
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

/** Outcome of one process. */
export interface ProcessResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The built review CLI that both runners start. */
const reviewCliPath = (repoRoot: string): string => join(repoRoot, "dist/review/cli/main.js");

/** Runs the built review command (`npm run build` first) with `args`, feeding `input` on standard input. */
export function runReviewCli(repoRoot: string, args: readonly string[], env: Readonly<Record<string, string>>, input = ""): ProcessResult {
  return run(process.execPath, [reviewCliPath(repoRoot), ...args], repoRoot, env, input);
}

/**
 * `runReviewCli` without blocking the event loop (a test's load generator runs on meanwhile), bounded like it: the
 * process is killed after `timeoutMs`.
 */
export function runReviewCliAsync(repoRoot: string, args: readonly string[], env: Readonly<Record<string, string>>, timeoutMs = 300_000): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [reviewCliPath(repoRoot), ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") });
    });
  });
}

/** `pulumi preview --json --show-sames` of `stack` in `workDir`, as a CI job would run it. */
export function previewJson(workDir: string, stack: string, env: Readonly<Record<string, string>>): ProcessResult {
  return run("pulumi", ["preview", "--json", "--show-sames", "--non-interactive", "--stack", stack], workDir, env, "");
}

/**
 * The review with every `sha256:` digest replaced by `sha256:<digest N>`, numbered in order of first
 * appearance: the built-in model's digest follows the api sources, yet "before" and "after" stay
 * distinguishable.
 */
export function normaliseReview(markdown: string): string {
  const seen = new Map<string, number>();
  return markdown.replace(/sha256:[0-9a-f]{64}/g, (digest) => {
    if (!seen.has(digest)) {
      seen.set(digest, seen.size + 1);
    }
    return `sha256:<digest ${seen.get(digest)}>`;
  });
}

/**
 * `pulumi preview --json` output with this checkout's path (`repoRoot`, in build contexts and source positions)
 * replaced by `<repo>`, so a captured preview says nothing of the machine it was taken on.
 */
export function normalisePreviewJson(text: string, repoRoot: string): string {
  return text.split(repoRoot).join("<repo>");
}

function run(command: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>>, input: string): ProcessResult {
  const result = spawnSync(command, [...args], {
    cwd,
    env: { ...process.env, ...env },
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  if (result.error !== undefined) {
    throw result.error;
  }
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
