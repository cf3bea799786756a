/**
 * Helpers for integration tests that drive the real Pulumi engine through the Automation API, on a local
 * file backend of their own. Run them through scripts/test (it sources scripts/lib/env.sh, which puts the
 * CLI on PATH and keeps Pulumi offline).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation/index.js";

/** True when `pulumi plugin ls` lists the resource plugin at exactly that version. */
export function resourcePluginInstalled(name: string, version: string): boolean {
  try {
    const out = execFileSync("pulumi", ["plugin", "ls", "--json"], { encoding: "utf8" });
    const plugins = JSON.parse(out || "[]") as { name: string; kind: string; version: string }[];
    return plugins.some((p) => p.kind === "resource" && p.name === name && p.version === version);
  } catch {
    return false;
  }
}

/**
 * Throws unless the docker and command provider plugins that `package.json` pins are installed (scripts/setup
 * installs them). Suites call it first in `beforeAll`, so a missing plugin fails them instead of skipping them.
 */
export function requireProviderPlugins(repoRoot: string): void {
  const pins = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies;
  for (const name of ["docker", "command"]) {
    if (!resourcePluginInstalled(name, pins[`@pulumi/${name}`] ?? "")) {
      throw new Error(`the ${name} provider plugin ${pins[`@pulumi/${name}`]} is not installed: run scripts/setup`);
    }
  }
}

/** A stack on a throw-away file backend; `dispose` destroys what is left and removes the backend. */
export interface ScratchStack {
  stack: Stack;
  backendDir: string;
  dispose(): Promise<void>;
}

/** Creates stack `stackName` for the Pulumi program in `workDir` on a fresh local file backend. */
export async function createScratchStack(
  workDir: string,
  stackName: string,
  extraEnv: Record<string, string> = {},
): Promise<ScratchStack> {
  const backendDir = mkdtempSync(join(tmpdir(), "ms-pulumi-state-"));
  const envVars = {
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "model-service-test",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    ...extraEnv,
  };
  const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir }, { envVars });
  return {
    stack,
    backendDir,
    async dispose() {
      try {
        await stack.destroy({ onOutput: () => undefined });
        await stack.workspace.removeStack(stackName);
      } finally {
        rmSync(backendDir, { recursive: true, force: true });
      }
    },
  };
}
