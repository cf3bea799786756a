/**
 * Restarts the local Docker daemon the way scripts/setup runs it (same command line, detached, same log). It stops
 * every container on the machine, so callers must hold the heavy lock (`holdHeavyLock`); this module refuses to
 * run otherwise. Bounded: the old daemon must exit within 60 s and the new one answer within 60 s.
 */
import { spawn, execFileSync } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { heavyLockHeldByAncestor, type HeldLock } from "./heavyLock.js";

const DOCKERD_LOG = process.env.MS_DOCKERD_LOG ?? "/var/log/model-service-dockerd.log";

function dockerdPid(): number | undefined {
  try {
    return Number(execFileSync("pgrep", ["-x", "dockerd"], { encoding: "utf8" }).trim().split("\n")[0]);
  } catch {
    return undefined;
  }
}

function answers(): boolean {
  try {
    execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${what} not within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return Date.now() - started;
}

/** Restarts dockerd; resolves with the milliseconds until the new daemon answered. */
export async function restartDockerDaemon(lock: HeldLock): Promise<number> {
  if (lock.how !== "acquired" && !heavyLockHeldByAncestor()) {
    throw new Error("restarting dockerd needs the heavy lock (flock /tmp/ms-heavy.lock)");
  }
  const pid = dockerdPid();
  if (pid === undefined) {
    throw new Error("no dockerd process to restart (is Docker run by systemd or remotely?)");
  }
  const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((part) => part !== "");
  const started = Date.now();
  process.kill(pid, "SIGTERM");
  await waitFor(() => dockerdPid() === undefined, 60_000, "the old dockerd to exit");
  const log = openSync(DOCKERD_LOG, "a");
  const daemon = spawn(commandLine[0] ?? "dockerd", commandLine.slice(1), { detached: true, stdio: ["ignore", log, log] });
  daemon.unref();
  await waitFor(answers, 60_000, "the new dockerd to answer");
  return Date.now() - started;
}
