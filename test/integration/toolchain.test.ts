/**
 * The offline Pulumi toolchain that scripts/setup builds, exercised for real: the CLI, the Node.js language
 * host and the dynamic-provider plugin run `up`, `preview` and `destroy` through the Automation API.
 * The provider-plugin check needs the docker and command plugins and says so when they are missing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "./support/pulumi.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const programDir = join(fixtures, "engine-program");
const quiet = { onOutput: () => undefined };

describe("offline Pulumi engine", () => {
  let scratch: ScratchStack;
  let workDir: string;
  let ownedFile: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), "ms-engine-"));
    ownedFile = join(workDir, "owned.txt");
    scratch = await createScratchStack(programDir, "engine-check");
    await scratch.stack.setConfig("path", { value: ownedFile });
  }, 120_000);

  afterAll(async () => {
    await scratch?.dispose();
    rmSync(workDir, { recursive: true, force: true });
  }, 120_000);

  it("up creates the resource and exports its output", async () => {
    const result = await scratch.stack.up(quiet);
    expect(result.summary.result).toBe("succeeded");
    expect(result.summary.resourceChanges).toEqual({ create: 2 });
    expect(result.outputs.path.value).toBe(ownedFile);
    expect(readFileSync(ownedFile, "utf8")).toBe("hello");
  }, 180_000);

  it("preview of the unchanged program shows no changes", async () => {
    const preview = await scratch.stack.preview(quiet);
    expect(preview.changeSummary).toEqual({ same: 2 });
  }, 180_000);

  it("a config change previews as exactly one update and applies", async () => {
    await scratch.stack.setConfig("content", { value: "changed" });
    const preview = await scratch.stack.preview(quiet);
    expect(preview.changeSummary).toEqual({ same: 1, update: 1 });
    const result = await scratch.stack.up(quiet);
    expect(result.summary.resourceChanges).toEqual({ same: 1, update: 1 });
    expect(readFileSync(ownedFile, "utf8")).toBe("changed");
  }, 180_000);

  it("destroy removes what up created", async () => {
    const result = await scratch.stack.destroy(quiet);
    expect(result.summary.resourceChanges).toEqual({ delete: 2 });
    expect(existsSync(ownedFile)).toBe(false);
  }, 180_000);
});


// Needs the provider plugins; scripts/setup reports when it could not provide them (see docs/toolchain.md).
describe("docker and command provider plugins", () => {
  beforeAll(() => requireProviderPlugins(join(fixtures, "../../..")));

  const networkName = `ms-providers-check-${process.pid}`;
  let scratch: ScratchStack;

  beforeAll(async () => {
    scratch = await createScratchStack(join(fixtures, "providers-program"), "providers-check");
    await scratch.stack.setConfig("networkName", { value: networkName });
  }, 120_000);

  afterAll(async () => {
    await scratch?.dispose();
  }, 120_000);

  it("up creates a real Docker network and runs a local command against it", async () => {
    const result = await scratch.stack.up(quiet);
    expect(result.outputs.inspected.value).toBe(networkName);
    expect(execFileSync("docker", ["network", "inspect", "--format", "{{.Name}}", networkName], { encoding: "utf8" }).trim())
      .toBe(networkName);
  }, 300_000);

  it("preview shows no changes, destroy removes the network", async () => {
    const preview = await scratch.stack.preview(quiet);
    expect(preview.changeSummary).toEqual({ same: 3 });
    await scratch.stack.destroy(quiet);
    expect(() => execFileSync("docker", ["network", "inspect", networkName], { stdio: "ignore" })).toThrow();
  }, 300_000);
});
