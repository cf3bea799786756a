import type { Environment } from "../../containers/apiEnvironment.js";

/**
 * A container environment as `docker.Container` takes it: `NAME=value` entries sorted by name. The one place the
 * docker runtime writes environments; the entries' order is part of the container's inputs.
 */
export function dockerEnvs(environment: Readonly<Environment>): string[] {
  return Object.keys(environment)
    .sort()
    .map((name) => `${name}=${environment[name]}`);
}
