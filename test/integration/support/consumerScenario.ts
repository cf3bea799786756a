/**
 * The life of one consumer project on the real engine, the same for every language: made fresh in a temporary
 * directory from its layout (test/integration/fixtures/consumers/<layout>) plus its own model, prepared the
 * way the README tells its users (npm install, pulumi package add, ...), then `pulumi up`, a prediction through
 * nginx on loopback, a preview that must show no change, and `pulumi destroy` leaving nothing behind.
 */
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL_KEYS } from "../../../components/containers/labels.js";
import { REPOSITORY_ROOT } from "../../support/componentSource.js";
import { containerLogs, inspectField } from "./docker.js";
import { ConsumerStack, copyConsumerModel, predict, scratchDirectory } from "./consumerStack.js";
import { secretFindings, type SearchedSecret } from "./secretSearch.js";
import { packedModelService, type PackedPackage } from "./packedPackage.js";

export interface ConsumerScenario {
  /** What kind of project this is, for test titles. */
  readonly title: string;
  /** Directory under test/integration/fixtures/consumers. */
  readonly layout: string;
  /** Stack name (`pk-` prefix: this suite's Docker objects). */
  readonly stackName: string;
  /** Model fixture (test/integration/fixtures/consumer-models/<name>) and where the project keeps it. */
  readonly model: { readonly fixture: string; readonly dir: string };
  /** Makes the copied project ready for `pulumi up`, as its users would (install, package add, ...). */
  prepare(projectDir: string, packed: PackedPackage, stack: ConsumerStack): Promise<void>;
  /** Stack settings after `pulumi stack init` (secret config, ...). */
  configure?(stack: ConsumerStack): Promise<void>;
  /** Checks of the prepared project before it deploys (layout, resolution, generated SDK). */
  readonly checks?: Readonly<Record<string, (projectDir: string, packed: PackedPackage) => void | Promise<void>>>;
  /** Steps run as tests, in order, after `checks` and before the deploy (previews, failing updates, ...). */
  readonly beforeDeploy?: Readonly<Record<string, (stack: ConsumerStack) => Promise<void>>>;
  /** Checks of the deployed stack, run as tests after the deploy and its prediction. */
  readonly afterDeploy?: Readonly<Record<string, (stack: ConsumerStack) => Promise<void>>>;
  /** Secrets the deployed stack must not show in plain text anywhere (secretSearch.ts); searched after the deploy. */
  secrets?(stack: ConsumerStack): SearchedSecret[] | Promise<SearchedSecret[]>;

  /** What the deployed service must answer. */
  readonly expected: {
    readonly predictUrl: string;
    readonly replicas: number;
    readonly modelName: string;
    readonly modelVersion: string;
    readonly instances: unknown[];
    readonly predictions: unknown[];
    /**
     * The API key predictions must present, when the stack requires keys: the key (set by `configure` as secret
     * config), or the name of the secret stack output that holds a key the stack generated.
     */
    readonly apiKey?: string | { readonly output: string };
  };
}

function containersOf(stackName: string, component?: string): string[] {
  const filters = ["--filter", `label=${LABEL_KEYS.stack}=${stackName}`, ...(component ? ["--filter", `label=${LABEL_KEYS.component}=${component}`] : [])];
  return execFileSync("docker", ["ps", "-a", "--format", "{{.Names}}", ...filters], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line !== "");
}

function networksOf(stackName: string): string[] {
  return execFileSync("docker", ["network", "ls", "--format", "{{.Name}}", "--filter", `label=${LABEL_KEYS.stack}=${stackName}`], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line !== "");
}

/**
 * What the stack's containers say about themselves: state, the last health probes and the end of their logs.
 * Appended to a failed deploy's error, so an unhealthy replica names its own cause.
 */
async function containerDiagnostics(stackName: string): Promise<string> {
  const reports = await Promise.all(
    containersOf(stackName).map(async (container) => {
      const [state, logs] = await Promise.all([
        inspectField(container, "{{.State.Status}} exit={{.State.ExitCode}} health={{if .State.Health}}{{.State.Health.Status}} {{json .State.Health.Log}}{{end}}").catch(String),
        containerLogs(container).then(
          ({ stdout, stderr }) => `${stdout}${stderr}`.split("\n").slice(-40).join("\n"),
          String,
        ),
      ]);
      return `--- ${container}: ${state}\n${logs}`;
    }),
  );
  return reports.join("\n") || "(no containers of this stack)";
}

/** Declares the tests of one consumer scenario. */
export function describeConsumer(scenario: ConsumerScenario): void {
  describe(`ModelService in ${scenario.title}`, () => {
    let packed: PackedPackage;
    let projectDir: string;
    let stack: ConsumerStack;

    beforeAll(async () => {
      packed = packedModelService();
      projectDir = scratchDirectory(scenario.stackName);
      cpSync(join(REPOSITORY_ROOT, "test", "integration", "fixtures", "consumers", scenario.layout), projectDir, { recursive: true });
      copyConsumerModel(scenario.model.fixture, join(projectDir, scenario.model.dir));
      stack = new ConsumerStack(projectDir, scenario.stackName);
      const started = Date.now();
      await scenario.prepare(projectDir, packed, stack);
      console.log(`[${scenario.stackName}] project prepared as its users would: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await stack.init();
      await scenario.configure?.(stack);
    }, 900_000);

    afterAll(async () => {
      await stack?.dispose();
      if (projectDir !== undefined) {
        rmSync(projectDir, { recursive: true, force: true });
      }
    }, 600_000);

    for (const [name, check] of Object.entries(scenario.checks ?? {})) {
      it(name, () => check(projectDir, packed), 300_000);
    }

    for (const [name, step] of Object.entries(scenario.beforeDeploy ?? {})) {
      it(name, () => step(stack), 900_000);
    }

    /** The API key to present: given, or read from the stack's secret output. */
    const apiKeyOf = async (): Promise<string | undefined> => {
      const apiKey = scenario.expected.apiKey;
      if (apiKey === undefined || typeof apiKey === "string") {
        return apiKey;
      }
      const { stdout } = await stack.pulumi(["stack", "output", apiKey.output, "--show-secrets", "--stack", scenario.stackName]);
      return stdout.trim();
    };

    it("deploys its own model with its own options and answers a correct prediction through nginx", async () => {
      const { outputs, seconds } = await stack.up().catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n\ncontainers of stack ${scenario.stackName}:\n${await containerDiagnostics(scenario.stackName)}`);
      });
      console.log(`[${scenario.stackName}] first pulumi up: ${seconds.toFixed(1)} s`);
      expect(outputs.predictUrl).toBe(scenario.expected.predictUrl);
      expect(outputs.modelVersion).toBe(scenario.expected.modelVersion);
      expect(containersOf(scenario.stackName, "api")).toHaveLength(scenario.expected.replicas);
      const { status, body } = await predict(String(outputs.predictUrl), scenario.expected.instances, await apiKeyOf());
      expect(status).toBe(200);
      expect(body.predictions).toEqual(scenario.expected.predictions);
      expect(body.model).toEqual({ name: scenario.expected.modelName, version: scenario.expected.modelVersion });
    }, 900_000);

    for (const [name, step] of Object.entries(scenario.afterDeploy ?? {})) {
      it(name, () => step(stack), 300_000);
    }

    if (scenario.expected.apiKey !== undefined) {
      it("requires the API key and keeps it out of the state in plain text", async () => {
        const apiKey = (await apiKeyOf()) ?? "";
        expect(apiKey.length).toBeGreaterThanOrEqual(32);
        expect((await predict(scenario.expected.predictUrl, scenario.expected.instances.slice(0, 1))).status).toBe(401);
        expect((await predict(scenario.expected.predictUrl, scenario.expected.instances.slice(0, 1), `${apiKey.slice(1)}x`)).status).toBe(401);
        const { stdout } = await stack.pulumi(["stack", "export", "--stack", scenario.stackName]);
        expect(stdout).toContain("model-service:index:ModelService");
        expect(stdout).not.toContain(apiKey);
      }, 300_000);
    }

    const secrets = scenario.secrets;
    if (secrets !== undefined) {
      it("shows no secret in plain text: state, stack export, engine output, docker inspect, logs", async () => {
        const searched = await secrets(stack);
        expect(searched.length).toBeGreaterThan(0);
        const { stdout: exported } = await stack.pulumi(["stack", "export", "--stack", scenario.stackName]);
        const findings = secretFindings(searched, {
          backendDir: stack.backendDir,
          exported,
          engineOutput: stack.engineOutput.join("\n"),
          stackName: scenario.stackName,
        });
        expect(findings).toEqual([]);
      }, 300_000);
    }

    it("previews no change when nothing changed", async () => {
      const { stdout } = await stack.previewExpectingNoChanges();
      expect(stdout).not.toMatch(/\bto (create|update|delete|replace)\b/);
    }, 600_000);

    it("destroys everything it created", async () => {
      await stack.destroy();
      expect(containersOf(scenario.stackName)).toEqual([]);
      expect(networksOf(scenario.stackName)).toEqual([]);
    }, 600_000);
  });
}
