/**
 * Small helpers to drive the docker CLI from integration tests. Generic: nothing here knows about nginx or the api.
 *
 * Conventions for callers: name every object with a test specific prefix, label it (so `removeLabelled` can clean
 * up in afterAll even after a failure), and publish ports on 127.0.0.1 only (`publish: ["127.0.0.1::8080"]`).
 */
import { spawn } from "node:child_process";

/** Outcome of one docker CLI call. */
export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of one docker CLI call. */
export interface DockerCallOptions {
  /** Written to the command's stdin, which is then closed. */
  readonly input?: string;
  /** The CLI process is killed after this many milliseconds (default 120 000). */
  readonly timeoutMs?: number;
  /** Extra environment for the CLI process (e.g. `DOCKER_BUILDKIT`). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A docker CLI call that exited non-zero (or was killed on timeout). */
export class DockerCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: CommandResult,
  ) {
    super(`docker ${args.join(" ")} exited ${result.exitCode}:\n${result.stderr.trim() || result.stdout.trim()}`);
    this.name = "DockerCommandError";
  }
}

const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_ERROR_ARG_LENGTH = 200;

/** Runs `docker <args>` and resolves with its exit code and output, whatever the exit code. */
export function runDocker(args: readonly string[], options: DockerCallOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", [...args], {
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const timeoutNote = timedOut ? `\n(killed after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms)` : "";
      resolve({
        exitCode: code ?? -1,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8") + timeoutNote,
      });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Runs `docker <args>`; resolves with trimmed stdout, rejects with `DockerCommandError` on a non-zero exit. */
export async function docker(args: readonly string[], options: DockerCallOptions = {}): Promise<string> {
  const result = await runDocker(args, options);
  if (result.exitCode !== 0) {
    throw new DockerCommandError(args.map(shortenForError), result);
  }
  return result.stdout.trim();
}

/** What `buildImage` builds. */
export interface BuildImageOptions {
  /** Build context directory. */
  readonly contextDir: string;
  /** Image tag, e.g. `model-service/nginx:test`. */
  readonly tag: string;
  /** Dockerfile path (default: `Dockerfile` in the context). */
  readonly dockerfile?: string;
  /** `--build-arg` values. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Labels put on the image. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Multi-stage target. */
  readonly target?: string;
  /** Default 10 minutes. */
  readonly timeoutMs?: number;
}

/** Builds an image with the classic builder (`DOCKER_BUILDKIT=0`), reusing the layer cache. */
export async function buildImage(options: BuildImageOptions): Promise<void> {
  const args = [
    "build",
    "--tag",
    options.tag,
    ...(options.dockerfile === undefined ? [] : ["--file", options.dockerfile]),
    ...(options.target === undefined ? [] : ["--target", options.target]),
    ...keyValueFlags("--build-arg", options.buildArgs),
    ...keyValueFlags("--label", options.labels),
    options.contextDir,
  ];
  await docker(args, { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: options.timeoutMs ?? 600_000 });
}

/** Creates a bridge network. */
export async function createNetwork(name: string, labels: Readonly<Record<string, string>> = {}): Promise<void> {
  await docker(["network", "create", "--driver", "bridge", ...keyValueFlags("--label", labels), name]);
}

/** How `runContainer` / `runContainerToCompletion` start a container. */
export interface ContainerOptions {
  /** Container name. */
  readonly name?: string;
  readonly image: string;
  /** Network to attach to (`--network`). */
  readonly network?: string;
  /** DNS aliases on that network. */
  readonly networkAliases?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  /** `--publish` values; use `127.0.0.1::<containerPort>` for a random loopback port. */
  readonly publish?: readonly string[];
  /** `--read-only` root file system. */
  readonly readOnly?: boolean;
  /** `--tmpfs` mounts, e.g. `/tmp`. */
  readonly tmpfs?: readonly string[];
  /** `--user`, e.g. `10002:10002`. */
  readonly user?: string;
  /** `--add-host` entries: host name to IP address. */
  readonly addHosts?: Readonly<Record<string, string>>;
  /** Overrides the image's entrypoint. */
  readonly entrypoint?: string;
  /** Any other `docker run` flags, placed before the image. */
  readonly extraRunArgs?: readonly string[];
  /** Arguments after the image (the command). */
  readonly command?: readonly string[];
}

/** Starts a detached container and resolves with its id. */
export async function runContainer(options: ContainerOptions): Promise<string> {
  return docker(["run", "--detach", ...containerRunArgs(options)]);
}

/** Runs a container in the foreground (`--rm`) and resolves with its exit code and output. */
export function runContainerToCompletion(options: ContainerOptions, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CommandResult> {
  return runDocker(["run", "--rm", ...containerRunArgs(options)], { timeoutMs });
}

function containerRunArgs(options: ContainerOptions): string[] {
  return [
    ...(options.name === undefined ? [] : ["--name", options.name]),
    ...(options.network === undefined ? [] : ["--network", options.network]),
    ...(options.networkAliases ?? []).flatMap((alias) => ["--network-alias", alias]),
    ...keyValueFlags("--env", options.env),
    ...keyValueFlags("--label", options.labels),
    ...(options.publish ?? []).flatMap((publish) => ["--publish", publish]),
    ...(options.readOnly === true ? ["--read-only"] : []),
    ...(options.tmpfs ?? []).flatMap((mount) => ["--tmpfs", mount]),
    ...(options.user === undefined ? [] : ["--user", options.user]),
    ...Object.entries(options.addHosts ?? {}).flatMap(([host, ip]) => ["--add-host", `${host}:${ip}`]),
    ...(options.entrypoint === undefined ? [] : ["--entrypoint", options.entrypoint]),
    ...(options.extraRunArgs ?? []),
    options.image,
    ...(options.command ?? []),
  ];
}

/** The host port a published container port is bound to on 127.0.0.1. */
export async function publishedLoopbackPort(container: string, containerPort: number): Promise<number> {
  const bindings = (await docker(["port", container, `${containerPort}/tcp`])).split("\n");
  const loopback = bindings.map((line) => /^127\.0\.0\.1:(\d+)$/.exec(line.trim())).find((match) => match !== null);
  if (loopback === undefined || loopback === null) {
    throw new Error(`container ${container} does not publish ${containerPort}/tcp on 127.0.0.1: ${bindings.join(", ")}`);
  }
  return Number(loopback[1]);
}

/** The container's IPv4 address on `network`. */
export async function containerIp(container: string, network: string): Promise<string> {
  const ip = await docker(["inspect", "--format", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container]);
  if (ip === "") {
    throw new Error(`container ${container} has no address on network ${network}`);
  }
  return ip;
}

/** The gateway address of a network (where connections from the host appear to come from). */
export async function networkGateway(network: string): Promise<string> {
  return docker(["network", "inspect", "--format", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", network]);
}

/** Runs a command in a running container, as the container's user; resolves whatever the exit code. */
export function execInContainer(container: string, command: readonly string[], options: DockerCallOptions = {}): Promise<CommandResult> {
  return runDocker(["exec", ...(options.input === undefined ? [] : ["--interactive"]), container, ...command], options);
}

/** The container's stdout and stderr so far, kept apart. */
export async function containerLogs(container: string): Promise<CommandResult> {
  return runDocker(["logs", container]);
}

/** A field of `docker inspect --format`, e.g. `{{.State.Health.Status}}`. */
export async function inspectField(objectName: string, format: string): Promise<string> {
  return docker(["inspect", "--format", format, objectName]);
}

/**
 * Force-removes every container, then every network, carrying the label `key=value`. Never throws: it runs in
 * afterAll hooks, where a failure must not hide the test's own error. Returns what it could not remove.
 */
export async function removeLabelled(label: string): Promise<string[]> {
  const failures: string[] = [];
  const containers = await listIds(["ps", "--all", "--quiet", "--filter", `label=${label}`]);
  if (containers.length > 0) {
    const result = await runDocker(["rm", "--force", "--volumes", ...containers]);
    if (result.exitCode !== 0) {
      failures.push(result.stderr.trim());
    }
  }
  const networks = await listIds(["network", "ls", "--quiet", "--filter", `label=${label}`]);
  for (const network of networks) {
    const result = await runDocker(["network", "rm", network]);
    if (result.exitCode !== 0) {
      failures.push(result.stderr.trim());
    }
  }
  return failures;
}

async function listIds(args: readonly string[]): Promise<string[]> {
  const result = await runDocker(args);
  return result.exitCode === 0 ? result.stdout.split("\n").filter((line) => line.trim() !== "") : [];
}

function keyValueFlags(flag: string, values: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(values ?? {}).flatMap(([key, value]) => [flag, `${key}=${value}`]);
}

function shortenForError(arg: string): string {
  return arg.length > MAX_ERROR_ARG_LENGTH ? `${arg.slice(0, MAX_ERROR_ARG_LENGTH)}...` : arg;
}
