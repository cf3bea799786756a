/**
 * The machine-wide lock for heavy work (`flock /tmp/ms-heavy.lock ...`, see the team rules). A suite that deploys,
 * loads or restarts the Docker daemon calls `holdHeavyLock()` first: when an ancestor process (the `flock` the
 * suite was started under) already holds the lock, nothing happens; otherwise a child `flock` takes it and keeps it
 * until `release()`, waiting at most `waitMs` for it.
 */
import { spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";

export const HEAVY_LOCK_FILE = "/tmp/ms-heavy.lock";

/** A held lock; `release` gives it back if this process took it. */
export interface HeldLock {
  /** "ancestor" when the suite was started under flock, "acquired" when the suite took the lock itself. */
  readonly how: "ancestor" | "acquired";
  release(): void;
}

/** PIDs holding a flock on `file`, from /proc/locks. */
export function flockHolders(file: string): number[] {
  const inode = statSync(file).ino;
  return readFileSync("/proc/locks", "utf8")
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1] === "FLOCK" && Number(fields[5]?.split(":").pop()) === inode)
    .map((fields) => Number(fields[4]));
}

/** This process and its ancestors, up to init. */
export function ancestry(pid = process.pid): number[] {
  const chain: number[] = [];
  let current = pid;
  while (current > 1 && chain.length < 64) {
    chain.push(current);
    const stat = readFileSync(`/proc/${current}/stat`, "utf8");
    current = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  }
  return chain;
}

/** Whether an ancestor of this process holds the heavy lock. */
export function heavyLockHeldByAncestor(): boolean {
  try {
    statSync(HEAVY_LOCK_FILE);
  } catch {
    return false;
  }
  const holders = new Set(flockHolders(HEAVY_LOCK_FILE));
  return ancestry().some((pid) => holders.has(pid));
}

/** Holds the heavy lock for this suite (see the module comment). Rejects when it is not free within `waitMs`. */
export async function holdHeavyLock(waitMs = 20 * 60_000): Promise<HeldLock> {
  if (heavyLockHeldByAncestor()) {
    return { how: "ancestor", release: () => undefined };
  }
  try {
    statSync(HEAVY_LOCK_FILE);
  } catch {
    writeFileSync(HEAVY_LOCK_FILE, "");
  }
  // The holder gives the lock back by itself within a second once this process is gone, even after a crash.
  const holder = spawn(
    "flock",
    ["--wait", String(Math.ceil(waitMs / 1000)), HEAVY_LOCK_FILE, "sh", "-c", `echo locked; while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`],
    { stdio: ["ignore", "pipe", "inherit"], detached: true },
  );
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("locked")) {
        resolve();
      }
    });
    holder.on("exit", (code) => reject(new Error(`could not take ${HEAVY_LOCK_FILE} within ${waitMs} ms (flock exited ${code})`)));
  });
  return {
    how: "acquired",
    release: () => {
      if (holder.pid !== undefined) {
        process.kill(-holder.pid, "SIGTERM"); // flock and the shell holding the lock with it
      }
    },
  };
}
