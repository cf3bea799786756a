import * as pulumi from "@pulumi/pulumi";
import { commandScript } from "../commands/scripts.js";
import {
  DOCKER_CONFIG_NAMESPACE,
  engineEnvironment,
  engineEnvironmentIsSecret,
  engineFromConfig,
  isRemoteEngine,
  parseSshOpts,
  type DockerEngine,
} from "./dockerEngine.js";

/** engine.sh: points the docker CLI of a command at the engine in its environment. */
export const ENGINE_PRELUDE_SCRIPT = commandScript("engine.sh");

/**
 * How the commands of one `ModelService` reach the engine its docker resources use: the environment to add to a
 * command's and whether its script needs engine.sh first. With the default docker provider the engine is the stack
 * config's (`docker:host`, ...), known while the program runs; a local engine adds nothing, so a local stack's
 * commands keep their inputs. With an explicit `docker.Provider` it is read from the provider's own inputs.
 */
export interface CommandEngine {
  /**
   * Whether the engine may be another machine's (`ssh://`, `tcp://`; always with an explicit provider, whose host
   * is known only at deploy time): engine.sh runs first and the base image is copied there.
   */
  readonly remote: boolean;
  /** `DOCKER_HOST` and what engine.sh reads (a secret when it carries a private key). */
  readonly environment: pulumi.Input<Record<string, string>>;
  /** Plain `docker:host` when known while the program runs (for messages), else undefined. */
  readonly host?: string;
}

/** The engine of the docker provider's stack config (the default provider). */
export function stackConfigEngine(): DockerEngine {
  const config = new pulumi.Config(DOCKER_CONFIG_NAMESPACE);
  return engineFromConfig((key) => config.get(key));
}

/**
 * The engine the component's docker children use: `provider` (the component's `docker` provider from
 * `opts.provider(s)`), or the stack config's when it has none.
 */
export function commandEngine(provider: pulumi.ProviderResource | undefined): CommandEngine {
  if (provider === undefined) {
    const engine = stackConfigEngine();
    const environment = engineEnvironment(engine);
    return {
      remote: isRemoteEngine(engine),
      environment: engineEnvironmentIsSecret(environment) ? pulumi.secret(environment) : environment,
      host: engine.host,
    };
  }
  // The provider's inputs are set on it as outputs (sshOpts as the JSON text the provider receives).
  const inputs = provider as unknown as Partial<Record<keyof DockerEngine, pulumi.Output<string | undefined>>>;
  const text = (key: keyof DockerEngine): pulumi.Output<string | undefined> => inputs[key] ?? pulumi.output(undefined);
  const environment = pulumi
    .all([text("host"), text("sshOpts"), text("caMaterial"), text("certMaterial"), text("keyMaterial"), text("certPath")])
    .apply(([host, sshOpts, caMaterial, certMaterial, keyMaterial, certPath]) =>
      engineEnvironment({
        ...(host ? { host } : {}),
        ...(sshOpts && sshOpts !== "null" ? { sshOpts: parseSshOpts(sshOpts) } : {}),
        ...(caMaterial ? { caMaterial } : {}),
        ...(certMaterial ? { certMaterial } : {}),
        ...(keyMaterial ? { keyMaterial } : {}),
        ...(certPath ? { certPath } : {}),
      }),
    );
  return { remote: true, environment };
}

/** A command's script for `engine`: engine.sh first when the engine may be remote, else the script as it is. */
export function engineScript(script: string, engine: CommandEngine): string {
  return engine.remote ? `${ENGINE_PRELUDE_SCRIPT}${script}` : script;
}

/**
 * A command's environment for `engine`: `environment` plus the engine's. For a local stack-config engine it is
 * `environment` itself, unchanged.
 */
export function engineCommandEnvironment(
  environment: Record<string, pulumi.Input<string>>,
  engine: CommandEngine,
): pulumi.Input<Record<string, pulumi.Input<string>>> {
  const extra = engine.environment;
  if (!pulumi.Output.isInstance(extra) && Object.keys(extra).length === 0) {
    return environment;
  }
  return pulumi.all([pulumi.output(environment), pulumi.output(extra)]).apply(([own, engineOwn]) => ({ ...own, ...engineOwn }));
}
