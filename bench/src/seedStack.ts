/** The seed post's stack (bench/seed/), run by Debian's docker-compose under its own project name and ports. */
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { run, sleep } from "./shell.js";

export interface SeedStackPorts {
  /** Host port of the seed's nginx (on 127.0.0.1). */
  readonly nginx: number;
  /** Host port of the seed's gunicorn (the compose file publishes it), on 127.0.0.1. */
  readonly api: number;
}

export class SeedStack {
  readonly project: string;
  readonly apiContainer: string;
  readonly nginxContainer: string;

  constructor(
    private readonly seedDir: string,
    readonly prefix: string,
    readonly ports: SeedStackPorts,
    private readonly baseImage: string,
  ) {
    this.project = prefix;
    this.apiContainer = `${prefix}-api`;
    this.nginxContainer = `${prefix}-nginx`;
  }

  get predictUrl(): string {
    return `http://127.0.0.1:${this.ports.nginx}/predict`;
  }

  get directPredictUrl(): string {
    return `http://127.0.0.1:${this.ports.api}/predict`;
  }

  /** Image names docker-compose gives the two services. */
  get images(): { api: string; nginx: string } {
    return { api: `${this.project}_api`, nginx: `${this.project}_nginx` };
  }

  /** The seed serves the very model file ours serves: copied out of our api image into its build context. */
  async copyModelFrom(apiImage: string): Promise<void> {
    const models = join(this.seedDir, "api", "models");
    const scratch = join(this.seedDir, "api", ".model-copy");
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(models, { recursive: true });
    const container = `${this.prefix}-model-copy-${process.pid}`;
    await run("docker", ["create", "--name", container, apiImage], { timeoutSeconds: 60 });
    try {
      await run("docker", ["cp", `${container}:/opt/model`, scratch], { timeoutSeconds: 60 });
      copyFileSync(join(scratch, "model.joblib"), join(models, "model.joblib"));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      await run("docker", ["rm", "-f", container], { timeoutSeconds: 60, check: false });
    }
  }

  private compose(args: readonly string[], timeoutSeconds: number) {
    return run("docker-compose", ["-p", this.project, "-f", join(this.seedDir, "docker-compose.yml"), ...args], {
      env: {
        SEED_PREFIX: this.prefix,
        SEED_API_PORT: String(this.ports.api),
        SEED_NGINX_PORT: String(this.ports.nginx),
        BASE_IMAGE: this.baseImage,
      },
      timeoutSeconds,
    });
  }

  async build(): Promise<void> {
    await this.compose(["build", "-q"], 1800);
  }

  /**
   * `docker-compose up -d` and wait for the first prediction through nginx (of `body`, JSON text; default one iris
   * row); returns the seconds that took.
   */
  async up(body?: string): Promise<number> {
    const started = performance.now();
    await this.compose(["up", "-d", "--no-build"], 300);
    await waitForPrediction(this.predictUrl, 120, undefined, body);
    return (performance.now() - started) / 1000;
  }

  async down(): Promise<void> {
    await this.compose(["down", "--remove-orphans", "--timeout", "10"], 300);
  }
}

/** Polls `POST url` with `body` (JSON text; default one iris row) until it answers 200 (and, when given, the answer matches). */
export async function waitForPrediction(url: string, timeoutSeconds: number, expect?: RegExp, body?: string): Promise<string> {
  const deadline = performance.now() + timeoutSeconds * 1000;
  let last = "";
  while (performance.now() < deadline) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: body ?? JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] }),
        signal: AbortSignal.timeout(5000),
      });
      last = `${response.status} ${await response.text()}`;
      if (response.status === 200 && (expect === undefined || expect.test(last))) {
        return last;
      }
    } catch (error) {
      last = String(error);
    }
    await sleep(0.2);
  }
  throw new Error(`${url} did not answer a prediction${expect ? ` matching ${expect}` : ""} within ${timeoutSeconds}s; last: ${last}`);
}
