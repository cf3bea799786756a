/**
 * The Docker engine a stack deploys to, as the docker provider is told about it: `docker:host` (`ssh://user@host`,
 * `tcp://host:2376`, a local socket, or nothing for the local engine), `docker:sshOpts` and TLS material. The
 * commands of a `ModelService` run the `docker` CLI on the machine running Pulumi; the functions here say which
 * environment makes that CLI reach the same engine as the provider (engine.sh reads it).
 */

/** Where the docker provider's resources go. */
export interface DockerEngine {
  /** `docker:host`; undefined for the local engine (or `DOCKER_HOST` of the environment, which commands inherit). */
  readonly host?: string;
  /** Extra `ssh` arguments for an `ssh://` host (`docker:sshOpts`). */
  readonly sshOpts?: readonly string[];
  /** PEM of the CA that signed a `tcp://` engine's certificate (`docker:caMaterial`). */
  readonly caMaterial?: string;
  /** PEM of the client certificate (`docker:certMaterial`). */
  readonly certMaterial?: string;
  /** PEM of the client key (`docker:keyMaterial`). */
  readonly keyMaterial?: string;
  /** Directory holding `ca.pem`, `cert.pem` and `key.pem` (`docker:certPath`). */
  readonly certPath?: string;
}

/** The stack config namespace of the docker provider. */
export const DOCKER_CONFIG_NAMESPACE = "docker";

/** Reads one key of the docker provider's stack config namespace. */
export type DockerConfigReader = (key: string) => string | undefined;

/**
 * The engine the docker provider's stack config chooses. `sshOpts` is a list in the config (YAML list or the
 * JSON text Pulumi stores for it).
 */
export function engineFromConfig(read: DockerConfigReader): DockerEngine {
  const text = (key: string): string | undefined => {
    const value = read(key);
    return value === undefined || value === "" ? undefined : value;
  };
  const sshOpts = text("sshOpts");
  return dropUndefined({
    host: text("host"),
    sshOpts: sshOpts === undefined ? undefined : parseSshOpts(sshOpts),
    caMaterial: text("caMaterial"),
    certMaterial: text("certMaterial"),
    keyMaterial: text("keyMaterial"),
    certPath: text("certPath"),
  });
}

/** `docker:sshOpts` as the provider stores it: a JSON list of strings. */
export function parseSshOpts(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`docker:sshOpts must be a list of strings, got ${JSON.stringify(text)}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((entry): entry is string => typeof entry === "string")) {
    throw new Error(`docker:sshOpts must be a list of strings, got ${text}`);
  }
  return parsed;
}

/** Whether the engine is another machine's (`ssh://`, `tcp://`, `http(s)://`) rather than a local socket. */
export function isRemoteEngine(engine: DockerEngine): boolean {
  return engine.host !== undefined && /^(ssh|tcp|https?):\/\//.test(engine.host);
}

/**
 * The environment that points the `docker` CLI of a command at `engine` (what engine.sh reads). Empty for the local
 * engine, so commands of a local stack keep exactly the inputs they had. `DOCKER_SSH_OPTS` holds one ssh argument
 * per line; the TLS material is passed as PEM text and written to a private directory by engine.sh.
 */
export function engineEnvironment(engine: DockerEngine): Record<string, string> {
  if (engine.host === undefined) {
    return {};
  }
  const tlsMaterial = engine.caMaterial !== undefined || engine.certMaterial !== undefined || engine.keyMaterial !== undefined;
  return dropUndefined({
    DOCKER_HOST: engine.host,
    DOCKER_SSH_OPTS: engine.sshOpts !== undefined && engine.sshOpts.length > 0 ? engine.sshOpts.join("\n") : undefined,
    DOCKER_TLS_CA_PEM: engine.caMaterial,
    DOCKER_TLS_CERT_PEM: engine.certMaterial,
    DOCKER_TLS_KEY_PEM: engine.keyMaterial,
    DOCKER_CERT_PATH: tlsMaterial ? undefined : engine.certPath,
    DOCKER_TLS_VERIFY: tlsMaterial || engine.certPath !== undefined ? "1" : undefined,
  });
}

/** Whether an engine environment carries a private key (the command's environment must then be a secret). */
export function engineEnvironmentIsSecret(environment: Record<string, string>): boolean {
  return environment.DOCKER_TLS_KEY_PEM !== undefined;
}

function dropUndefined<T extends Record<string, unknown>>(record: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
