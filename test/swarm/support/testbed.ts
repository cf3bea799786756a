/**
 * The Swarm test bed of scripts/swarm-testbed, seen from a test: its nodes (each a Docker daemon in a network
 * namespace the script made), the manager and the registry on loopback.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface TestbedNode {
  /** 1-based, as the script numbers them; node 1 is the manager. */
  readonly index: number;
  /** `unix://…/docker.sock` of the node's daemon. */
  readonly dockerHost: string;
  /** The node's address in its namespace, where it publishes ports in host mode. */
  readonly address: string;
}

export interface Testbed {
  readonly nodes: readonly TestbedNode[];
  readonly manager: TestbedNode;
  /** `127.0.0.1:<port>`, the same on the host and inside every node. */
  readonly registry: string;
  readonly registryUser: string;
  readonly registryPassword: string;
}

const script = (repoRoot: string): string => join(repoRoot, "scripts", "swarm-testbed");

/** Starts the test bed (idempotent) with `nodes` nodes and reads its settings. */
export function startTestbed(repoRoot: string, nodes: number): Testbed {
  execFileSync(script(repoRoot), ["up", String(nodes)], { stdio: ["ignore", "inherit", "inherit"], timeout: 300_000 });
  const env = Object.fromEntries(
    execFileSync(script(repoRoot), ["env"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  const hosts = env.MS_SWARM_NODE_HOSTS.split(",");
  const addresses = env.MS_SWARM_NODE_ADDRESSES.split(",");
  const all = hosts.map((dockerHost, i) => ({ index: i + 1, dockerHost, address: addresses[i] }));
  return {
    nodes: all,
    manager: all[0],
    registry: env.MS_SWARM_REGISTRY,
    registryUser: env.MS_SWARM_REGISTRY_USER,
    registryPassword: readFileSync(env.MS_SWARM_REGISTRY_PASSWORD_FILE, "utf8").trim(),
  };
}

/**
 * Set by `scripts/test` for its swarm suite: every file of the suite shares one test bed (and the images its nodes
 * pulled), and the suite removes it once at its end.
 */
export const KEEP_TESTBED_VARIABLE = "MS_SWARM_TESTBED_KEEP";

/** Removes the test bed, unless the suite running this file keeps it for its next file (KEEP_TESTBED_VARIABLE). */
export function stopTestbed(repoRoot: string): void {
  if (process.env[KEEP_TESTBED_VARIABLE] === "1") return;
  execFileSync(script(repoRoot), ["down"], { stdio: ["ignore", "inherit", "inherit"], timeout: 300_000 });
}

/** Cuts node `index` off the test bed's network (its link goes down): to the manager it is a node that stopped. */
export function disconnectNode(repoRoot: string, index: number): void {
  execFileSync(script(repoRoot), ["disconnect", String(index)], { stdio: ["ignore", "inherit", "inherit"] });
}

export function reconnectNode(repoRoot: string, index: number): void {
  execFileSync(script(repoRoot), ["reconnect", String(index)], { stdio: ["ignore", "inherit", "inherit"] });
}

/** `docker <args>` against one node's daemon. */
export function nodeDocker(node: TestbedNode, args: readonly string[]): string {
  return execFileSync("docker", ["-H", node.dockerHost, ...args], { encoding: "utf8", timeout: 60_000 }).trim();
}

/**
 * `docker inspect <args>` that leaves out objects gone since they were listed: the manager prunes old
 * tasks of a service (its task history limit) at any moment, so a task that `service ps` named can be
 * gone when `inspect` asks for it. Any other failure still throws.
 */
function inspectExisting(node: TestbedNode, args: readonly string[]): string {
  try {
    return nodeDocker(node, ["inspect", ...args]);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    const problems = (stderr ?? "").split("\n").filter((line) => line.trim() !== "");
    if (problems.length === 0 || !problems.every((line) => /^Error: No such object: /.test(line))) throw error;
    return (stdout ?? "").trim();
  }
}

/** The tasks of a service as the manager sees them: node ID, desired and current state. */
export interface ServiceTask {
  readonly id: string;
  readonly nodeId: string;
  readonly desiredState: string;
  readonly state: string;
  readonly image: string;
}

export function serviceTasks(manager: TestbedNode, service: string): ServiceTask[] {
  const ids = nodeDocker(manager, ["service", "ps", "-q", "--no-trunc", service]).split("\n").filter(Boolean);
  if (ids.length === 0) return [];
  const out = inspectExisting(manager, [
    "--format",
    "{{.ID}} {{.NodeID}} {{.DesiredState}} {{.Status.State}} {{.Spec.ContainerSpec.Image}}",
    ...ids,
  ]);
  return out.split("\n").filter(Boolean).map((line) => {
    const [id, nodeId, desiredState, state, image] = line.split(" ");
    return { id, nodeId, desiredState, state, image };
  });
}

/** Running tasks (desired and current state `running`). */
export function runningTasks(manager: TestbedNode, service: string): ServiceTask[] {
  return serviceTasks(manager, service).filter((task) => task.desiredState === "running" && task.state === "running");
}

/** The Swarm node ID of each test bed node, by index. */
export function nodeIds(nodes: readonly TestbedNode[]): Map<string, number> {
  return new Map(nodes.map((node) => [nodeDocker(node, ["info", "--format", "{{.Swarm.NodeID}}"]), node.index]));
}

/** Polls `check` every 250 ms until it returns true or `timeoutMs` passes; returns the ms it took, or undefined. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await check()) return Math.round(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}

/** What the registry holds: every repository with its tags (none after every manifest was deleted). */
export async function registryContents(testbed: Testbed): Promise<Record<string, string[]>> {
  const auth = `Basic ${Buffer.from(`${testbed.registryUser}:${testbed.registryPassword}`).toString("base64")}`;
  const get = async (path: string): Promise<unknown> => {
    const response = await fetch(`http://${testbed.registry}${path}`, { headers: { authorization: auth }, signal: AbortSignal.timeout(10_000) });
    if (response.status === 404) return {};
    if (!response.ok) throw new Error(`registry GET ${path}: HTTP ${response.status}`);
    return response.json();
  };
  const catalog = (await get("/v2/_catalog")) as { repositories?: string[] };
  const contents: Record<string, string[]> = {};
  for (const repository of catalog.repositories ?? []) {
    const tags = (await get(`/v2/${repository}/tags/list`)) as { tags?: string[] | null };
    contents[repository] = tags.tags ?? [];
  }
  return contents;
}

/**
 * Stack config (keys without the project namespace) of a ModelService on this test bed: runtime swarm, the test
 * bed's registry (secret) and manager, small api tasks, quick health monitoring.
 */
export function swarmStackConfig(testbed: Testbed, replicas: number, hostPort: number): Record<string, { value: string; secret?: boolean }> {
  return {
    runtime: { value: "swarm" },
    replicas: { value: String(replicas) },
    hostPort: { value: String(hostPort) },
    apiCpus: { value: "0.5" },
    gunicornThreads: { value: "1" },
    startupTimeoutSeconds: { value: "60" },
    registry: {
      value: JSON.stringify({ server: testbed.registry, username: testbed.registryUser, password: testbed.registryPassword, deleteFromRegistry: true }),
      secret: true,
    },
    swarm: { value: JSON.stringify({ managerHost: testbed.manager.dockerHost, address: testbed.manager.address, updateMonitorSeconds: 5 }) },
  };
}
