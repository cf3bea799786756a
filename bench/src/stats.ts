/** Small statistics over repeated measurements. Pure. */

/** The median; NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Mean of the per-second throughput in the first and in the last `windowSeconds` of a timeline. */
export interface ThroughputDrift {
  readonly firstWindow: number;
  readonly lastWindow: number;
  /** lastWindow / firstWindow; 1 means no change, below 1 a drop. */
  readonly ratio: number;
}

/** Compares the first and the last `windowSeconds` of a per-second timeline (a cliff shows as a low ratio). */
export function throughputDrift(timeline: readonly number[], windowSeconds: number): ThroughputDrift {
  const window = Math.min(windowSeconds, Math.floor(timeline.length / 2));
  if (window < 1) {
    return { firstWindow: Number.NaN, lastWindow: Number.NaN, ratio: Number.NaN };
  }
  const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const firstWindow = mean(timeline.slice(0, window));
  const lastWindow = mean(timeline.slice(timeline.length - window));
  return { firstWindow, lastWindow, ratio: firstWindow > 0 ? lastWindow / firstWindow : Number.NaN };
}

/** The lowest per-second throughput of a timeline relative to its median second (1 = flat; a cliff is far below). */
export function worstSecondRatio(timeline: readonly number[]): number {
  if (timeline.length === 0) {
    return Number.NaN;
  }
  const typical = median(timeline);
  return typical > 0 ? Math.min(...timeline) / typical : Number.NaN;
}
