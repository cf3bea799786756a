/** The in-process floor: bench/floor/floor.py run inside each stack's own api image (no server, no network). */
import { join } from "node:path";
import { run } from "./shell.js";

export interface FloorResult {
  /** Flask test client, one POST /predict with one row, microseconds. */
  readonly requestUs: number;
  /** One `model.predict` on the bare estimator, microseconds. */
  readonly predictUs: number;
  /** Ours only: the app's whole prediction step (predictions + probabilities + labels), microseconds. */
  readonly serveUs?: number;
}

export async function measureFloor(benchDir: string, image: string, stack: "seed" | "ours", quick: boolean): Promise<FloorResult> {
  const [rounds, calls] = quick ? [3, 300] : [5, 1000];
  const result = await run(
    "docker",
    ["run", "--rm", "--network", "none", "--read-only", "--tmpfs", "/tmp", "-v", `${join(benchDir, "floor")}:/bench-floor:ro`,
      "--entrypoint", "python3", image, "/bench-floor/floor.py", stack, String(rounds), String(calls)],
    { timeoutSeconds: 900 },
  );
  const line = result.stdout.trim().split("\n").reverse().find((candidate) => candidate.startsWith("{"));
  if (line === undefined) {
    throw new Error(`floor.py printed no result:\n${result.stdout}${result.stderr}`);
  }
  const parsed = JSON.parse(line) as { request_us: number; predict_us: number; serve_us?: number };
  return { requestUs: parsed.request_us, predictUs: parsed.predict_us, ...(parsed.serve_us === undefined ? {} : { serveUs: parsed.serve_us }) };
}
