/**
 * buildLeftovers.sh (run by the smoke test command) on the real Docker engine, which other builds share: it removes
 * the containers a finished classic build left behind, and never a container whose build step is still in progress
 * (created and being copied into, or exited and not yet committed), nor a running one. CI runs this engine's builds
 * beside the Swarm suite's, and a cleanup that removed another build's containers failed `up` there ("You cannot
 * remove a running container").
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILD_LEFTOVERS_SCRIPT } from "../../components/commands/smokeTest.js";
import { docker, removeLabelled, runDocker } from "./support/docker.js";

const BASE_IMAGE = process.env.BASE_IMAGE ?? "debian:bookworm-slim";
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const TAG = `ms-leftovers-test:${RUN_ID}`;
const LABEL = "model-service.test=build-leftovers";

/** The containers that made the layers of `image` down to the base: what its classic build left behind. */
async function buildContainers(image: string): Promise<string[]> {
  const base = await docker(["image", "inspect", "--format", "{{.Id}}", BASE_IMAGE]);
  const made: string[] = [];
  for (let id = await docker(["image", "inspect", "--format", "{{.Id}}", image]); id !== "" && id !== base; ) {
    const [parent, container] = (await docker(["image", "inspect", "--format", "{{.Parent}}|{{.Container}}", id])).split("|");
    if (container !== "") made.push(container);
    id = parent;
  }
  return made;
}

async function exists(container: string): Promise<boolean> {
  return (await runDocker(["container", "inspect", "--format", "{{.Id}}", container])).exitCode === 0;
}

describe("build leftovers on a shared engine", () => {
  const context = mkdtempSync(join(tmpdir(), "ms-leftovers-"));
  let leftovers: string[] = [];
  let inProgress: Record<string, string> = {};

  beforeAll(async () => {
    // A build of its own (the run id defeats the layer cache), with the provider's missing `rm` flag.
    writeFileSync(
      join(context, "Dockerfile"),
      [`FROM ${BASE_IMAGE}`, `ENV MS_LEFTOVERS_RUN=${RUN_ID}`, "COPY Dockerfile /leftovers-test", "RUN cat /leftovers-test > /dev/null", ""].join("\n"),
    );
    await docker(["build", "--rm=false", "--tag", TAG, context], { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 300_000 });
    leftovers = await buildContainers(TAG);
    // Containers as a build in progress has them: from an image given by ID that descends from the base, made by no
    // image yet. Created (a step still copying into it), exited (a step not yet committed), and one still running.
    const parent = await docker(["image", "inspect", "--format", "{{.Parent}}", TAG]);
    inProgress = {
      created: await docker(["container", "create", "--label", LABEL, parent, "true"]),
      exited: await docker(["container", "run", "--label", LABEL, "--detach", parent, "true"]),
      running: await docker(["container", "run", "--label", LABEL, "--detach", parent, "sleep", "300"]),
    };
    await docker(["container", "wait", inProgress.exited]);
  }, 600_000);

  afterAll(async () => {
    await removeLabelled(LABEL);
    if (leftovers.length > 0) await runDocker(["container", "rm", "--force", ...leftovers]);
    await runDocker(["image", "rm", "--force", TAG]);
    rmSync(context, { recursive: true, force: true });
  }, 120_000);

  it("removes what the finished build left and keeps every step in progress, exiting 0", async () => {
    // ENV and RUN each left a container (COPY commits without one on this engine).
    expect(leftovers.length).toBeGreaterThanOrEqual(2);
    for (const container of leftovers) expect(await exists(container), container).toBe(true);

    const stdout = execFileSync("bash", ["-c", BUILD_LEFTOVERS_SCRIPT], { encoding: "utf8", env: { ...process.env, BASE_IMAGE }, timeout: 120_000 });

    const removed = Number(/removed (\d+) containers the image builds left behind/.exec(stdout)?.[1]);
    expect(removed, stdout).toBeGreaterThanOrEqual(leftovers.length);
    for (const container of leftovers) expect(await exists(container), `leftover ${container}`).toBe(false);
    for (const [state, container] of Object.entries(inProgress)) expect(await exists(container), `${state} ${container}`).toBe(true);
  }, 180_000);

  it("does nothing without a base image it can find", async () => {
    const stdout = execFileSync("bash", ["-c", BUILD_LEFTOVERS_SCRIPT], { encoding: "utf8", env: { ...process.env, BASE_IMAGE: "ms-no-such-base:never" } });
    expect(stdout).toBe("");
    for (const container of Object.values(inProgress)) expect(await exists(container)).toBe(true);
  });
});
