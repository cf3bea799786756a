/**
 * A consumer's Pulumi project driven the way its users drive it: the `pulumi` CLI in the project directory
 * (`pulumi stack init`, `up`, `preview`, `destroy`), on a throw-away local backend of its own. Works for any
 * language. Run through scripts/test (it sources scripts/lib/env.sh: PATH, offline settings).
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPOSITORY_ROOT } from "../../support/componentSource.js";

/** Result of one command. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; rejects with its whole output when it fails or outlives `timeoutMs`. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${command} ${args.join(" ")} (in ${options.cwd}) failed: ${error.message}\n${stdout}\n${stderr}`));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}

/** `npm install <tarball>` in a consumer project, as the README tells its users (the npm cache answers first). */
export async function installTarball(projectDir: string, tarball: string): Promise<void> {
  await runCommand("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: projectDir });
}

/** A fresh temporary directory for one consumer project. */
export function scratchDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ms-${prefix}-`));
}

/** Copies one of the consumer model fixtures (test/integration/fixtures/consumer-models/<name>) to `dest`. */
export function copyConsumerModel(name: string, dest: string): void {
  cpSync(join(REPOSITORY_ROOT, "test", "integration", "fixtures", "consumer-models", name), dest, { recursive: true });
}

/** A stack of a consumer project on its own backend. */
export class ConsumerStack {
  readonly backendDir = mkdtempSync(join(tmpdir(), "ms-pulumi-state-"));
  readonly env: NodeJS.ProcessEnv;
  /** Whether the stack may hold resources: set by `up`, cleared by a `destroy` that succeeded. */
  private deployed = false;

  constructor(
    readonly projectDir: string,
    readonly stackName: string,
    extraEnv: NodeJS.ProcessEnv = {},
  ) {
    this.env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${this.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "model-service-test",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      ...extraEnv,
    };
  }

  /** What every `pulumi` command printed (or failed with), except those run with `--show-secrets`. */
  readonly engineOutput: string[] = [];

  /** `pulumi <args>` in the project directory (with `--stack` where it applies). */
  async pulumi(args: readonly string[], timeoutMs?: number): Promise<CommandOutput> {
    const record = !args.includes("--show-secrets");
    try {
      const output = await runCommand("pulumi", [...args, "--non-interactive"], { cwd: this.projectDir, env: this.env, timeoutMs });
      if (record) {
        this.engineOutput.push(output.stdout, output.stderr);
      }
      return output;
    } catch (error) {
      if (record) {
        this.engineOutput.push(String(error));
      }
      throw error;
    }
  }

  async init(): Promise<void> {
    await this.pulumi(["stack", "init", this.stackName]);
  }

  /** `pulumi up` as CI runs it; resolves with the stack outputs and how long the update took. */
  async up(): Promise<{ outputs: Record<string, unknown>; seconds: number }> {
    const started = Date.now();
    this.deployed = true;
    await this.pulumi(["up", "--yes", "--skip-preview", "--stack", this.stackName], 900_000);
    const seconds = (Date.now() - started) / 1000;
    return { outputs: await this.outputs(), seconds };
  }

  async outputs(): Promise<Record<string, unknown>> {
    const { stdout } = await this.pulumi(["stack", "output", "--json", "--stack", this.stackName]);
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  /** `pulumi preview --expect-no-changes`: rejects (with the diff) when the preview shows any change. */
  async previewExpectingNoChanges(): Promise<CommandOutput> {
    return this.pulumi(["preview", "--expect-no-changes", "--diff", "--stack", this.stackName], 600_000);
  }

  async destroy(): Promise<void> {
    await this.pulumi(["destroy", "--yes", "--skip-preview", "--stack", this.stackName], 600_000);
    this.deployed = false;
  }

  /** Destroys what is left (if anything), removes the stack and the backend; for afterAll, so it never throws. */
  async dispose(): Promise<void> {
    try {
      if (this.deployed) {
        await this.destroy();
      }
      await this.pulumi(["stack", "rm", "--yes", "--stack", this.stackName]);
    } catch (error) {
      console.error(`cleanup of stack ${this.stackName} in ${this.projectDir}: ${String(error)}`);
    } finally {
      this.stopLeftoverProcesses();
      rmSync(this.backendDir, { recursive: true, force: true });
    }
  }

  /**
   * Stops plugin and language host processes that our pulumi commands started and left running: a
   * component package's Node.js language host can outlive `pulumi preview`, and a leftover would keep the
   * files of this run open (the shared test lock among them). Only processes with this stack's own backend
   * in their environment are touched.
   */
  private stopLeftoverProcesses(): void {
    const marker = `PULUMI_BACKEND_URL=file://${this.backendDir}`;
    for (const entry of readdirSync("/proc")) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === process.pid) {
        continue;
      }
      try {
        if (readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(marker)) {
          console.error(`stopping process ${pid} left running by stack ${this.stackName}`);
          process.kill(pid, "SIGTERM");
        }
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
  }
}

/** `POST <predictUrl>` with `instances` (and `apiKey` as a bearer token); resolves with the status and the parsed body. */
export async function predict(
  predictUrl: string,
  instances: unknown[],
  apiKey?: string,
): Promise<{ status: number; body: { predictions: unknown[]; model: { name: string; version: string } } }> {
  const response = await fetch(predictUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }) },
    body: JSON.stringify({ instances }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as { predictions: unknown[]; model: { name: string; version: string } } };
}
