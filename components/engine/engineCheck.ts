import { spawnSync } from "node:child_process";
import { stacklessRunError } from "../settings/stacklessError.js";
import { ENGINE_PRELUDE_SCRIPT } from "./commandEngine.js";
import { engineEnvironment, type DockerEngine } from "./dockerEngine.js";

/** Seconds the check may take in all: `pulumi preview` must fail well within 30 s. */
export const ENGINE_CHECK_TIMEOUT_SECONDS = 20;
/** Seconds ssh may take to connect. */
const SSH_CONNECT_TIMEOUT_SECONDS = 5;

/** What running `docker version` against the engine gave. */
export interface EngineProbe {
  /** Exit status; null when it was killed. */
  readonly status: number | null;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/**
 * One line that names the engine and what failed, or undefined when the probe succeeded. Distinguishes a host that
 * cannot be reached, a key (or host key) that ssh refuses, and a host that answers but runs no Docker engine.
 */
export function describeEngineFailure(host: string, probe: EngineProbe): string | undefined {
  if (probe.status === 0 && !probe.timedOut) {
    return undefined;
  }
  const what = engineFailure(probe);
  return `Docker engine ${host}: ${what}`;
}

function engineFailure(probe: EngineProbe): string {
  const text = probe.stderr;
  if (probe.timedOut) {
    return `no answer within ${ENGINE_CHECK_TIMEOUT_SECONDS}s (is the host up and reachable?)`;
  }
  const unreachable = /connect to host \S+ port \d+: ([^\n"\\]+)/.exec(text) ?? /Could not resolve hostname \S+: ([^\n"\\]+)/.exec(text);
  if (unreachable) {
    return `cannot reach the host: ${unreachable[1].trim()}`;
  }
  if (/Permission denied \(|Too many authentication failures|Authentication failed/.test(text)) {
    return "ssh refused the key (check docker:sshOpts -i <key> and the user in docker:host)";
  }
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(text)) {
    return "ssh does not know the host's key (add it to known_hosts, or name a file with -o UserKnownHostsFile in docker:sshOpts)";
  }
  if (/Cannot connect to the Docker daemon|docker\.sock|docker: (command )?not found|dial-stdio/.test(text)) {
    return "the host answers, but no Docker engine runs there (is dockerd running, and the docker CLI installed?)";
  }
  if (/certificate|x509|tls:/i.test(text)) {
    return `TLS failed: ${lastLine(text)}`;
  }
  const refused = /(connection refused|i\/o timeout|no route to host|network is unreachable)/i.exec(text);
  if (refused) {
    return `cannot reach the engine: ${refused[1]}`;
  }
  return lastLine(text) || `docker version exited with status ${String(probe.status)}`;
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return (lines[lines.length - 1] ?? "").slice(0, 300);
}

/** The engine as the check reaches it: ssh never prompts and gives up on a silent host early. */
export function probeEngine(engine: DockerEngine): DockerEngine {
  if (engine.host === undefined || !engine.host.startsWith("ssh://")) {
    return engine;
  }
  return { ...engine, sshOpts: ["-o", "BatchMode=yes", "-o", `ConnectTimeout=${SSH_CONNECT_TIMEOUT_SECONDS}`, ...(engine.sshOpts ?? [])] };
}

/**
 * Asks the engine for its version with the docker CLI, as the commands reach it (engine.sh), and throws a
 * `pulumi.RunError` (reported without a stack trace) with one line naming the host and what failed. Run it at the
 * start of a program, before any resource: the provider's own errors come later and less plainly.
 */
export function checkDockerEngine(engine: DockerEngine): void {
  if (engine.host === undefined) {
    return;
  }
  const result = spawnSync("bash", ["-c", `${ENGINE_PRELUDE_SCRIPT}docker version --format '{{.Server.Version}}'`], {
    env: { ...process.env, ...engineEnvironment(probeEngine(engine)) },
    timeout: ENGINE_CHECK_TIMEOUT_SECONDS * 1000,
    killSignal: "SIGKILL",
    encoding: "utf8",
  });
  const timedOut = result.error !== undefined && (result.error as NodeJS.ErrnoException).code === "ETIMEDOUT";
  const failure = describeEngineFailure(engine.host, { status: result.status, stderr: result.stderr ?? "", timedOut });
  if (failure !== undefined) {
    throw stacklessRunError(failure);
  }
}
