import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BASH, PROXY_FORGET_REMOVED_REPLICA_SCRIPT, PROXY_RELOAD_SCRIPT } from "../../components/proxyReload.js";

let binDir: string;
let callLog: string;

beforeEach(() => {
  binDir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-docker-"));
  callLog = path.join(binDir, "calls.log");
});

afterEach(() => {
  fs.rmSync(binDir, { recursive: true, force: true });
});

/** Puts a fake `docker` on PATH that logs its arguments; `inspect` prints `running`, `exec` exits with `execStatus`. */
function fakeDocker(running: "true" | "false" | "missing", execStatus = 0): void {
  const inspect = running === "missing" ? 'echo "Error: No such container" >&2; exit 1' : `echo ${running}`;
  fs.writeFileSync(
    path.join(binDir, "docker"),
    `#!/bin/bash\necho "$*" >> "${callLog}"\ncase "$1" in\n  container) ${inspect} ;;\n  exec) exit ${execStatus} ;;\nesac\n`,
    { mode: 0o755 },
  );
}

function run(script: string): { status: number | null; calls: string[]; output: string } {
  const result = spawnSync(BASH[0], [...BASH.slice(1), script], {
    env: { ...process.env, PATH: `${binDir}:${process.env.PATH}`, PROXY_CONTAINER: "iris-unit-proxy" },
    encoding: "utf8",
  });
  const calls = fs.existsSync(callLog) ? fs.readFileSync(callLog, "utf8").trim().split("\n") : [];
  return { status: result.status, calls, output: result.stdout + result.stderr };
}

describe("proxy reload script", () => {
  it("runs nginx-reload inside the proxy container", () => {
    fakeDocker("true");
    const result = run(PROXY_RELOAD_SCRIPT);
    expect(result.status).toBe(0);
    expect(result.calls).toEqual(["exec iris-unit-proxy nginx-reload"]);
  });

  it("fails the deployment when the reload fails", () => {
    fakeDocker("true", 1);
    expect(run(PROXY_RELOAD_SCRIPT).status).toBe(1);
  });
});

describe("removed replica script", () => {
  it("reloads nginx when the proxy is running", () => {
    fakeDocker("true");
    const result = run(PROXY_FORGET_REMOVED_REPLICA_SCRIPT);
    expect(result.status).toBe(0);
    expect(result.calls).toEqual([
      "container inspect --format {{.State.Running}} iris-unit-proxy",
      "exec iris-unit-proxy nginx-reload",
    ]);
  });

  it("does nothing when the proxy is stopped", () => {
    fakeDocker("false");
    const result = run(PROXY_FORGET_REMOVED_REPLICA_SCRIPT);
    expect(result.status).toBe(0);
    expect(result.calls).toEqual(["container inspect --format {{.State.Running}} iris-unit-proxy"]);
  });

  it("does nothing when the proxy is already gone (destroy)", () => {
    fakeDocker("missing");
    const result = run(PROXY_FORGET_REMOVED_REPLICA_SCRIPT);
    expect(result.status).toBe(0);
    expect(result.output).toContain("nothing to reload");
  });

  it("fails when a running proxy cannot reload", () => {
    fakeDocker("true", 1);
    expect(run(PROXY_FORGET_REMOVED_REPLICA_SCRIPT).status).toBe(1);
  });
});
