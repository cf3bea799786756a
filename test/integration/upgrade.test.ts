/**
 * Upgrading the package must not replace what a user deployed. The reference stack is deployed from the last
 * commit before the restructure into folders by concern (BASE_COMMIT), on the real Pulumi engine and Docker; then
 * the same program directory gets today's code, as `npm update` would give it, and `pulumi preview` must show no
 * replace and no delete: every resource keeps its type, name and parent, and its inputs. An `up` with today's code
 * then leaves every container as it was (same Docker IDs) and the service answers.
 *
 * The api and proxy images are built from today's `api/` and `nginx/` on both sides: what is measured is the
 * component's code. A server change (the api's Python) rebuilds the api image and rolls the replicas like any other
 * new api version; that is a change of the server, not of the component.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdHeavyLock, type HeldLock } from "./support/heavyLock.js";
import { createScratchStack, requireProviderPlugins, type ScratchStack } from "./support/pulumi.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** main before the restructure (the last release a user may have deployed with the flat `components/`). */
const BASE_COMMIT = "44d194731115b4245e7d2935ab8558514343f801";
const namespace = "model-service";
const quiet = { onOutput: () => undefined };
const API_KEY = "upgrade-test-key-0123456789abcdef0123456789";
const HOST_PORT = 18520;

/** Operations that would take a running resource away. */
const DESTRUCTIVE = new Set(["replace", "create-replacement", "delete-replaced", "delete", "discard", "discard-replaced"]);

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 });
}

/** Replaces the program directory's code with the checkout `source` of the repository (a commit, or the working tree). */
function installCode(appDir: string, source: "working-tree" | string): void {
  for (const entry of run("ls", ["-A"], appDir).split("\n")) {
    if (entry !== "" && entry !== "node_modules" && !entry.startsWith("Pulumi.")) {
      rmSync(join(appDir, entry), { recursive: true, force: true });
    }
  }
  if (source === "working-tree") {
    execFileSync("bash", ["-c", 'tar -C "$1" --exclude=./node_modules --exclude=./.git --exclude=./dist --exclude=./.state --exclude="./Pulumi.*.yaml" -cf - . | tar -C "$2" -xf -', "_", repoRoot, appDir]);
  } else {
    execFileSync("bash", ["-c", 'git -C "$1" archive "$2" | tar -C "$3" -xf -', "_", repoRoot, source, appDir]);
    // Today's image sources on both sides (see the header).
    for (const dir of ["api", "nginx"]) {
      rmSync(join(appDir, dir), { recursive: true, force: true });
      execFileSync("cp", ["-a", join(repoRoot, dir), join(appDir, dir)]);
    }
  }
  run("npm", ["run", "--silent", "build"], appDir);
}

function containerIds(stack: string): string[] {
  return run("docker", ["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}", "--filter", `label=model-service.stack=${stack}`], repoRoot)
    .split("\n")
    .filter((line) => line !== "")
    .sort();
}

describe("upgrade from the flat layout", () => {
  const name = `e2e-upgrade-${process.pid}`;
  let appDir = "";
  let scratch: ScratchStack | undefined;
  let lock: HeldLock | undefined;

  beforeAll(async () => {
    requireProviderPlugins(repoRoot);
    try {
      execFileSync("git", ["-C", repoRoot, "cat-file", "-e", `${BASE_COMMIT}^{commit}`], { stdio: "ignore" });
    } catch {
      throw new Error(`commit ${BASE_COMMIT} is not in this clone's history: the upgrade test needs a full clone of main`);
    }
    lock = await holdHeavyLock();
    appDir = mkdtempSync(join(tmpdir(), "ms-upgrade-"));
    symlinkSync(join(repoRoot, "node_modules"), join(appDir, "node_modules"));
    installCode(appDir, BASE_COMMIT);
    scratch = await createScratchStack(appDir, name);
    await scratch.stack.setAllConfig({
      [`${namespace}:replicas`]: { value: "2" },
      [`${namespace}:gunicornWorkers`]: { value: "1" },
      [`${namespace}:hostPort`]: { value: String(HOST_PORT) },
      [`${namespace}:apiKeys`]: { value: JSON.stringify([API_KEY]), secret: true },
      [`${namespace}:rateLimit`]: { value: JSON.stringify({ requestsPerSecond: 500 }) },
      [`${namespace}:environment`]: { value: JSON.stringify({ FEATURE_STORE_URL: "http://features.internal:9000" }) },
      [`${namespace}:labels`]: { value: JSON.stringify({ team: "ml-platform" }) },
    });
  }, 600_000);

  afterAll(async () => {
    try {
      await scratch?.dispose();
    } finally {
      if (appDir !== "") {
        rmSync(appDir, { recursive: true, force: true });
      }
      lock?.release();
    }
  }, 600_000);

  it("today's code previews the stack the old code deployed with no replace and no delete, then keeps every container", async () => {
    const stack = scratch!.stack;
    await stack.up(quiet);
    const before = containerIds(name);
    expect(before).toHaveLength(3);

    installCode(appDir, "working-tree");
    const events: EngineEvent[] = [];
    const preview = await stack.preview({ ...quiet, onEvent: (event) => events.push(event) });
    const steps = events
      .map((event) => event.resourcePreEvent?.metadata)
      .filter((step) => step !== undefined && step.op !== "same");
    const described = steps.map((step) => `${step!.op} ${step!.urn.split("::").pop()} (${step!.type}) ${(step!.diffs ?? []).join(", ")}`);
    console.log(`preview of the upgrade: ${JSON.stringify(preview.changeSummary)}\n${described.join("\n") || "no changes"}`);
    expect(steps.filter((step) => DESTRUCTIVE.has(step!.op)).map((step) => step!.urn)).toEqual([]);
    expect(preview.changeSummary.create ?? 0).toBe(0);

    await stack.up(quiet);
    expect(containerIds(name)).toEqual(before);
    const response = await fetch(`http://127.0.0.1:${HOST_PORT}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { predictions: unknown[] }).predictions).toEqual(["setosa"]);
  }, 1_200_000);
});
