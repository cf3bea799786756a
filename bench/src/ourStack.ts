/**
 * Ours: the reference stack (index.ts) on a stack of its own, `Pulumi.<stack>.yaml` copied from an environment's
 * file with the bench's host port, driven with the pulumi CLI on the project's local backend.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./shell.js";

const NAMESPACE = "model-service";

export interface StackOutputs {
  readonly url: string;
  readonly predictUrl: string;
  readonly apiContainerNames: string[];
  readonly proxyContainerName: string;
  readonly apiImageName: string;
  readonly proxyImageName: string;
  readonly modelName: string;
  readonly modelVersion: string;
}

export class OurStack {
  constructor(
    private readonly root: string,
    readonly stack: string,
    /** The environment whose config is benched (`dev` reads Pulumi.dev.yaml). */
    readonly environment: string,
    readonly hostPort: number,
  ) {}

  private get configFile(): string {
    return join(this.root, `Pulumi.${this.stack}.yaml`);
  }

  /** The environment's config with the bench's host port; every other value as the environment has it. */
  writeConfig(): void {
    const source = readFileSync(join(this.root, `Pulumi.${this.environment}.yaml`), "utf8");
    const withPort = source.replace(/^(\s*model-service:hostPort:\s*).*$/m, `$1${this.hostPort}`);
    const text = withPort.includes(`${NAMESPACE}:hostPort:`) ? withPort : `${withPort.trimEnd()}\n  ${NAMESPACE}:hostPort: ${this.hostPort}\n`;
    writeFileSync(this.configFile, `# Written by the bench from Pulumi.${this.environment}.yaml; git-ignored.\n${text}`);
  }

  pulumi(args: readonly string[], timeoutSeconds: number) {
    return run("pulumi", [...args, "--stack", this.stack, "--non-interactive"], { cwd: this.root, timeoutSeconds });
  }

  async select(): Promise<void> {
    mkdirSync(join(this.root, ".state", "pulumi"), { recursive: true }); // the local file backend (env.sh)
    await run("pulumi", ["stack", "select", "--create", "--secrets-provider", "passphrase", this.stack, "--non-interactive"], {
      cwd: this.root,
      timeoutSeconds: 120,
    });
  }

  async setConfig(key: string, value: string): Promise<void> {
    await this.pulumi(["config", "set", `${NAMESPACE}:${key}`, value], 60);
  }

  async removeConfig(key: string): Promise<void> {
    await run("pulumi", ["config", "rm", `${NAMESPACE}:${key}`, "--stack", this.stack], { cwd: this.root, timeoutSeconds: 60, check: false });
  }

  /** `pulumi up`; returns its wall time in seconds. */
  async up(): Promise<number> {
    const result = await this.pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"], 1200);
    return result.seconds;
  }

  async outputs(): Promise<StackOutputs> {
    const result = await this.pulumi(["stack", "output", "--json"], 60);
    return JSON.parse(result.stdout) as StackOutputs;
  }

  async destroy(): Promise<void> {
    await this.pulumi(["destroy", "--yes", "--skip-preview", "--suppress-progress"], 600);
  }

  /** Destroys the resources, forgets the stack and removes its config file. */
  async remove(): Promise<void> {
    await this.destroy();
    await run("pulumi", ["stack", "rm", "--yes", this.stack, "--non-interactive"], { cwd: this.root, timeoutSeconds: 120, check: false });
    rmSync(this.configFile, { force: true });
  }
}
