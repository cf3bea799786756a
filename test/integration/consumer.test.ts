/**
 * examples/consumer as another team would use model-service: from the packed tarball (`npm pack`), not from
 * relative source imports, in a copy of the project outside this repository.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedModelService, tarballFiles } from "./support/packedPackage.js";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "./support/pulumi.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: "utf8" });

let workDir: string;
let consumerDir: string;
let tarball: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "ms-consumer-"));
  tarball = packedModelService().tarball;
  consumerDir = join(workDir, "consumer");
  cpSync(join(repoRoot, "examples", "consumer"), consumerDir, {
    recursive: true,
    filter: (source) => !/(node_modules|dist|\.state)$/.test(source),
  });
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball], consumerDir);
  run("npm", ["run", "--silent", "build"], consumerDir);
}, 600_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe("the packed model-service package", () => {
  it("ships both builds of the library with their types and both build contexts, without tests or source maps", () => {
    const files = tarballFiles(tarball);
    for (const file of [
      "dist/components/index.js",
      "dist/components/index.d.ts",
      "dist/cjs/package.json",
      "dist/cjs/components/index.js",
      "dist/cjs/components/index.d.ts",
      "api/Dockerfile",
      "api/Dockerfile.model",
      "nginx/Dockerfile",
    ]) {
      expect(files).toContain(file);
    }
    expect(files.filter((file) => /^(api\/tests|test|examples|scripts|dist\/index)\b|\.map$/.test(file))).toEqual([]);
  });

  it("installs into the consumer and its program compiles against the exported types", () => {
    const installed = join(consumerDir, "node_modules", pkg.name);
    expect(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).version).toBe(pkg.version);
    expect(existsSync(join(consumerDir, "dist", "index.js"))).toBe(true);
    // The import resolves to the installed package, not to this repository's sources.
    const resolved = run("node", ["--input-type=module", "-e", `console.log(import.meta.resolve("${pkg.name}"))`], consumerDir).trim();
    expect(resolved).toBe(`file://${join(installed, "dist", "components", "index.js")}`);
  });
});


// Needs the docker and command provider plugins: scripts/setup installs them, and without them this fails, never skips.
describe("examples/consumer on the real engine", () => {
  let scratch: ScratchStack;

  beforeAll(async () => {
    requireProviderPlugins(repoRoot);
    scratch = await createScratchStack(consumerDir, "consumer");
  }, 120_000);

  afterAll(async () => {
    await scratch?.dispose();
  }, 600_000);

  it("deploys its own model with its own options and answers a prediction", async () => {
    const result = await scratch.stack.up({ onOutput: () => undefined });
    expect(result.outputs.url.value).toBe("http://127.0.0.1:18081");
    expect(result.outputs.apiContainerNames.value).toHaveLength(1);
    const response = await fetch(String(result.outputs.predictUrl.value), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: [[0.9, 0.1], [0.1, 0.9]] }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { predictions: string[]; model: { name: string } };
    expect(response.status).toBe(200);
    expect(body.predictions).toEqual(["churns", "stays"]);
    expect(body.model.name).toBe(result.outputs.modelName.value);
  }, 900_000);

  it("destroys everything it created", async () => {
    await scratch.stack.destroy({ onOutput: () => undefined });
    const left = run("docker", ["ps", "-a", "--filter", "label=model-service.stack=consumer", "--format", "{{.Names}}"], workDir);
    expect(left.trim()).toBe("");
  }, 600_000);
});
