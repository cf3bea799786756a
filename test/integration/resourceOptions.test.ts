/**
 * Resource options of a ModelService on the real engine and Docker (docs/reference.md, "Resource options"): a
 * transform given to the component reaches every child (a label on every container and the network, a build arg on
 * every image), and renaming a deployed service with an alias replaces, creates and deletes nothing.
 */
import { expect } from "vitest";
import { docker } from "./support/docker.js";
import { describeConsumer } from "./support/consumerScenario.js";
import { installTarball } from "./support/consumerStack.js";

const STACK = "pk-options";
const LABEL = "com.example.cost-centre";

/** The stack's Docker objects of one kind, by the stack label. */
async function labelled(kind: "container" | "network"): Promise<string[]> {
  const args = kind === "container" ? ["ps", "-a", "--format", "{{.Names}}"] : ["network", "ls", "--format", "{{.Name}}"];
  return (await docker([...args, "--filter", `label=model-service.stack=${STACK}`])).split("\n").filter((line) => line !== "");
}

const containerIds = async (): Promise<string> => docker(["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}", "--filter", `label=model-service.stack=${STACK}`]);

describeConsumer({
  title: "a TypeScript stack giving it resource options",
  layout: "typescript-options",
  stackName: STACK,
  model: { fixture: "doubler", dir: "models/doubler" },
  async prepare(projectDir, packed) {
    await installTarball(projectDir, packed.tarball);
  },
  expected: {
    predictUrl: "http://127.0.0.1:19206/predict",
    replicas: 1,
    modelName: "doubler",
    modelVersion: "1.0.0",
    instances: [[1], [2.5]],
    predictions: [2, 5],
  },
  afterDeploy: {
    "transforms: the transform's label is on every container and the network, its build arg on every image": async (stack) => {
      const containers = await labelled("container");
      const networks = await labelled("network");
      expect(containers.length).toBe(2);
      expect(networks.length).toBe(1);
      for (const name of [...containers, ...networks]) {
        expect((await docker(["inspect", "--format", `{{index .${containers.includes(name) ? "Config." : ""}Labels "${LABEL}"}}`, name])).trim(), name).toBe("ml-42");
      }
      const { stdout } = await stack.pulumi(["stack", "export", "--stack", STACK]);
      const images = (JSON.parse(stdout) as { deployment: { resources: { type: string; inputs?: { build?: { args?: Record<string, string> } } }[] } }).deployment.resources.filter(
        (resource) => resource.type === "docker:index/image:Image",
      );
      // The api image (its model layer and the runtime below it) and the proxy image.
      expect(images.length).toBe(3);
      expect(images.map((image) => image.inputs?.build?.args?.COST_CENTRE)).toEqual(["ml-42", "ml-42", "ml-42"]);
    },
    "aliases: renaming the deployed service with an alias previews and applies without a replace, create or delete": async (stack) => {
      const before = await containerIds();
      await stack.pulumi(["config", "set", "name", "doubler-renamed", "--stack", STACK]);
      await stack.pulumi(["config", "set", "renamedFrom", "doubler", "--stack", STACK]);
      const { stdout: preview } = await stack.pulumi(["preview", "--diff", "--stack", STACK], 600_000);
      expect(preview).not.toMatch(/\b\d+ to (create|delete|replace)\b/);
      expect(preview).toMatch(/\d+ unchanged/);
      const { stdout: up } = await stack.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK], 600_000);
      expect(up).not.toMatch(/\b\d+ (created|deleted|replaced)\b/);
      expect(await containerIds()).toBe(before);
      const { stdout } = await stack.pulumi(["stack", "export", "--stack", STACK]);
      expect(stdout).toContain("model-service:index:ModelService::doubler-renamed");
      expect(stdout).not.toContain("model-service:index:ModelService::doubler\"");
    },
  },
});
