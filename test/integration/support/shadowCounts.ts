/**
 * A candidate's shadow figures in its /metrics (api/modelserver/observability/metrics.py): the mirrored requests it
 * answered and agreed on, and the copies the kernel dropped before its shadow listener read them, with the bytes
 * still waiting. Every mirrored request is in exactly one of `answered` and `dropped` once nothing waits.
 */
import { expect } from "vitest";

export interface ShadowCounts {
  /** modelserver_shadow_requests_total (summed over versions). */
  readonly answered: number;
  /** modelserver_shadow_agreements_total. */
  readonly agreed: number;
  /** modelserver_shadow_dropped_total. */
  readonly dropped: number;
  /** modelserver_shadow_queue_bytes. */
  readonly queuedBytes: number;
}

/** The shadow figures in a Prometheus text (a sample that is absent counts 0). */
export function parseShadowCounts(metrics: string): ShadowCounts {
  const sum = (name: string) =>
    metrics
      .split("\n")
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((total, line) => total + Number(line.split(" ").pop()), 0);
  return {
    answered: sum("modelserver_shadow_requests_total"),
    agreed: sum("modelserver_shadow_agreements_total"),
    dropped: sum("modelserver_shadow_dropped_total"),
    queuedBytes: sum("modelserver_shadow_queue_bytes"),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The figures once the candidate has worked off every copy: nothing waits in its listener's socket and neither count
 * moved for a second (the copies it had already read were replayed). Bounded: after `maxMs` the last figures.
 */
export async function settledShadowCounts(read: () => ShadowCounts | Promise<ShadowCounts>, maxMs = 60_000): Promise<ShadowCounts> {
  const deadline = Date.now() + maxMs;
  let last = await read();
  while (Date.now() < deadline) {
    await pause(1_000);
    const now = await read();
    if (now.queuedBytes === 0 && now.answered === last.answered && now.dropped === last.dropped) return now;
    last = now;
  }
  return last;
}

/** What the candidate counted between two settled figures. */
export function shadowDelta(before: ShadowCounts, after: ShadowCounts): Omit<ShadowCounts, "queuedBytes"> {
  return { answered: after.answered - before.answered, agreed: after.agreed - before.agreed, dropped: after.dropped - before.dropped };
}

/**
 * Every one of `mirrored` requests was answered by the candidate or dropped by the kernel, and the agreement count is
 * `expectedAgreements` exactly when nothing was dropped; else within the dropped copies of it on either side.
 */
export function expectEveryMirroredRequestCounted(delta: Omit<ShadowCounts, "queuedBytes">, mirrored: number, expectedAgreements: number): void {
  const context = JSON.stringify({ ...delta, mirrored, expectedAgreements });
  expect(delta.answered + delta.dropped, context).toBe(mirrored);
  expect(delta.agreed, context).toBeLessThanOrEqual(expectedAgreements);
  expect(delta.agreed, context).toBeGreaterThanOrEqual(expectedAgreements - delta.dropped);
}
