/** `docker stats --format '{{json .}}'` lines to CPU and memory per container. Pure. */

export interface ContainerUsage {
  readonly name: string;
  /** CPU in percent of one core (docker's figure: 200 = two cores busy). */
  readonly cpuPercent: number;
  /** Memory in MiB as docker stats reports it (the cgroup's usage without the page cache). */
  readonly memoryMiB: number;
}

interface StatsLine {
  Name: string;
  CPUPerc: string;
  MemUsage: string;
}

const UNITS: Record<string, number> = {
  B: 1 / (1024 * 1024),
  KiB: 1 / 1024,
  kB: 1000 / (1024 * 1024),
  MiB: 1,
  MB: 1e6 / (1024 * 1024),
  GiB: 1024,
  GB: 1e9 / (1024 * 1024),
};

export function parseDockerStats(output: string): ContainerUsage[] {
  return output
    .split("\n")
    .filter((line) => line.trim().startsWith("{"))
    .map((line) => {
      const stats = JSON.parse(line) as StatsLine;
      return { name: stats.Name, cpuPercent: parseFloat(stats.CPUPerc), memoryMiB: parseMemory(stats.MemUsage.split("/")[0]!.trim()) };
    });
}

/** "123.4MiB" -> 123.4; NaN when the unit is unknown. */
export function parseMemory(text: string): number {
  const match = /^([\d.]+)\s*([A-Za-z]+)$/.exec(text);
  if (match === null) {
    return Number.NaN;
  }
  const factor = UNITS[match[2]!];
  return factor === undefined ? Number.NaN : parseFloat(match[1]!) * factor;
}
