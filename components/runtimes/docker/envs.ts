import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../../containers/apiEnvironment.js";
import { isKnownNow } from "../../settings/inputChecks.js";

/**
 * A container environment as `docker.Container` takes it: `NAME=value` entries sorted by name. The one place the
 * docker runtime writes environments; the entries' order is part of the container's inputs.
 */
export function dockerEnvs(environment: Readonly<Environment>): pulumi.Input<string>[] {
  return Object.keys(environment)
    .sort()
    .map((name) => {
      const value = environment[name];
      // A value known now stays a string, so a program without Outputs gives the same inputs as ever.
      return isKnownNow(value) ? `${name}=${value}` : pulumi.interpolate`${name}=${value}`;
    });
}
