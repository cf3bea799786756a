/** Running the commands the bench drives (docker, docker-compose, pulumi, wrk), each bounded in time. */
import { execFile, spawn, type ChildProcess } from "node:child_process";

export interface RunOptions {
  /** Extra environment on top of the bench's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory. */
  readonly cwd?: string;
  /** The command is killed after this many seconds (every command the bench runs is bounded). */
  readonly timeoutSeconds: number;
  /** Fail when the exit status is not 0 (default true). */
  readonly check?: boolean;
}

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Runs `command args...` and collects its output; throws on a non-zero status unless `check: false`. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        timeout: options.timeoutSeconds * 1000,
        killSignal: "SIGKILL",
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const seconds = (performance.now() - started) / 1000;
        const status = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        const result = { status, stdout: String(stdout), stderr: String(stderr), seconds };
        if (status !== 0 && options.check !== false) {
          const reason = error?.killed ? `killed after ${options.timeoutSeconds}s` : `exit status ${status}`;
          reject(new Error(`${command} ${args.join(" ")}: ${reason}\n${result.stderr.slice(-3000)}${result.stdout.slice(-2000)}`));
          return;
        }
        resolve(result);
      },
    );
  });
}

/** Prints one progress line. */
export function say(message: string): void {
  process.stdout.write(`    ${message}\n`);
}

/** Prints a step heading. */
export function step(message: string): void {
  process.stdout.write(`\n==> ${message}\n`);
}

export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/**
 * The machine-wide lock for heavy work (`flock /tmp/ms-heavy.lock`), held by a `flock ... cat` child until
 * `release` closes its stdin. If the bench dies, the child's stdin closes and the lock is released.
 */
export class HeavyLock {
  private child: ChildProcess | undefined;

  /** `enabled: false` makes acquire and release do nothing (`--no-lock`). */
  constructor(
    private readonly path: string,
    readonly enabled = true,
  ) {}

  async acquire(timeoutSeconds: number): Promise<void> {
    if (!this.enabled) {
      return;
    }
    const child = spawn("flock", ["--timeout", String(timeoutSeconds), this.path, "sh", "-c", "echo locked; exec cat >/dev/null"], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("locked")) {
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`could not take ${this.path} within ${timeoutSeconds}s (flock exit ${code})`)));
    });
  }

  async release(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    child.stdin!.end();
    await exited;
  }
}

/** Runs `work` while holding `lock`. */
export async function withLock<T>(lock: HeavyLock, label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  await lock.acquire(3600);
  const waited = (performance.now() - started) / 1000;
  say(lock.enabled ? `${label}: holding the heavy lock${waited >= 1 ? ` (waited ${waited.toFixed(0)}s for it)` : ""}` : `${label}: without the heavy lock (--no-lock)`);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
