import * as command from "@pulumi/command";
import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { BASH, commandScript } from "../../commands/scripts.js";
import { engineCommandEnvironment, engineScript, type CommandEngine } from "../../engine/commandEngine.js";
import { managerEngine } from "./canaryGate.js";
import type { ModelServiceSpec } from "../../settings/spec.js";
import { PROXY_ROLLOUT_TIMEOUT_SECONDS } from "./rolloutPolicy.js";

/**
 * proxyRollout.sh: waits until every task of the proxy service runs the service's current spec (the provider does
 * not wait for a global service, whose tasks are replaced one node at a time after it returns).
 */
export const PROXY_ROLLOUT_SCRIPT = commandScript("proxyRollout.sh");

/** Inputs of `candidateProxyRollout`. */
export interface CandidateProxyRolloutInputs {
  readonly spec: ModelServiceSpec;
  /** The stack's engine; the wait uses the manager's when `swarm.managerHost` is set. */
  readonly engine: CommandEngine;
  readonly proxyService: docker.Service;
  /** Changes whenever the proxy service's spec does (its image, settings and nginx config). */
  readonly proxySpecHash: pulumi.Input<string>;
}

/**
 * With a candidate on a Swarm: the command that waits until every proxy task runs the proxy service's spec. Create
 * (and re-create, whenever the proxy's spec changes): after the proxy update, before the canary gate. Delete: when
 * the candidate is removed or promoted, after the proxy update without it; the command depends on the candidate's
 * service, so Pulumi deletes it first and the service after it: the candidate's tasks stop only once no proxy task
 * routes or mirrors to them, and `up` ends after that. A service without a candidate has no such command.
 */
export function candidateProxyRollout(name: string, inputs: CandidateProxyRolloutInputs, opts: pulumi.CustomResourceOptions): command.local.Command {
  const engine = managerEngine(inputs.spec, inputs.engine);
  const environment = engineCommandEnvironment(
    { PROXY_SERVICE: inputs.proxyService.name, TIMEOUT_SECONDS: String(PROXY_ROLLOUT_TIMEOUT_SECONDS) },
    engine,
  );
  return new command.local.Command(
    name,
    {
      create: engineScript(PROXY_ROLLOUT_SCRIPT, engine),
      delete: engineScript(`DELETE=1\n${PROXY_ROLLOUT_SCRIPT}`, engine),
      interpreter: BASH,
      environment,
      triggers: [inputs.proxyService.id, inputs.proxySpecHash],
    },
    opts,
  );
}
