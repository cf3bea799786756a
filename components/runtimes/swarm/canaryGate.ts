import * as command from "@pulumi/command";
import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { BASH, commandScript } from "../../commands/scripts.js";
import { CANARY_GATE_SCRIPT, canaryGateThresholdEnvironment } from "../../commands/canaryGate.js";
import { CANARY_GATE_RUN_SCRIPT, canaryGateThresholds, canaryGateTriggers } from "../../commands/canaryGateCommand.js";
import { smokeTestSecretEnvironment } from "../../commands/smokeTest.js";
import { engineCommandEnvironment, engineScript, type CommandEngine } from "../../engine/commandEngine.js";
import { engineEnvironment, isRemoteEngine } from "../../engine/dockerEngine.js";
import { API_PORT } from "../../containers/addresses.js";
import type { CandidateSpec, ModelServiceSpec } from "../../settings/spec.js";
import { swarmRuntime } from "./serviceSpecs.js";
import { renderNginxConfig } from "../../nginx/config.js";
import { nginxConfigOptions } from "../../containers/proxyNginxConfig.js";
import { proxyEnvironment } from "../../containers/proxySettings.js";

/**
 * The canary gate on a Swarm (canaryGateSwarm.sh): through the manager's engine, in a proxy task on the manager,
 * with every api and candidate task as a target (`tasks.<service>` expanded inside the overlay network). A failed
 * gate writes the proxy config with the candidate at 0% of live traffic into the proxy service's spec: the spec,
 * not one nginx, holds the rollback, so every node's proxy runs it, after any restart too.
 */
export const CANARY_GATE_SWARM_SCRIPT = commandScript("canaryGateSwarm.sh");

/** The engine the gate's docker calls reach: the Swarm manager (`swarm.managerHost`), else the stack's engine. */
export function managerEngine(spec: ModelServiceSpec, engine: CommandEngine): CommandEngine {
  const host = swarmRuntime(spec).managerHost;
  if (host === undefined) {
    return engine;
  }
  return { remote: isRemoteEngine({ host }), environment: engineEnvironment({ host }), host };
}

/**
 * `NAME=VALUE` of the proxy's config variable after a failed gate: `spec`'s config with the candidate at 0% of live
 * traffic (its shadow share kept, as nginx-drop-candidate does on one proxy).
 */
export function rollbackProxyEnvironment(spec: ModelServiceSpec): string {
  if (spec.candidate === undefined) {
    throw new Error("a rollback config needs a candidate");
  }
  const config = renderNginxConfig(nginxConfigOptions({ ...spec, candidate: { ...spec.candidate, trafficPercent: 0 } }));
  const [[name, value]] = Object.entries(proxyEnvironment(config));
  return `${name}=${value}`;
}

/** The swarm gate's plain environment: the services, the candidate's replicas, the api port and the thresholds. */
export function swarmCanaryGateEnvironment(
  spec: ModelServiceSpec,
  candidate: CandidateSpec & Required<Pick<CandidateSpec, "gates">>,
  services: { readonly api: string; readonly candidate: string; readonly proxy: string },
): Record<string, string> {
  // The targets are found at run time; canaryGateRun.sh passes them on by name.
  const thresholds = canaryGateThresholdEnvironment(canaryGateThresholds(candidate));
  return {
    ...thresholds,
    API_PORT: String(API_PORT),
    API_SERVICE: services.api,
    CANDIDATE_REPLICAS: String(candidate.replicas),
    CANDIDATE_SERVICE: services.candidate,
    CANARY_GATE_RUN_SCRIPT,
    PROXY_SERVICE: services.proxy,
    ROLLBACK_PROXY_ENV: rollbackProxyEnvironment(spec),
  };
}

/** Inputs of `swarmCanaryGateCommand`. */
export interface SwarmCanaryGateInputs {
  readonly spec: ModelServiceSpec;
  readonly candidate: CandidateSpec & Required<Pick<CandidateSpec, "gates">>;
  readonly candidateImageRef: pulumi.Input<string>;
  readonly apiService: docker.Service;
  readonly candidateService: docker.Service;
  readonly proxyService: docker.Service;
  /** The stack's engine; the gate uses the manager's when `swarm.managerHost` is set. */
  readonly engine: CommandEngine;
}

/**
 * The gate's command on a Swarm. It re-runs on the same triggers as runtime docker's (the candidate's image, its
 * traffic shares, the gates); its stdout ends with the gate's JSON summary, and a failed gate fails `pulumi up`.
 */
export function swarmCanaryGateCommand(name: string, inputs: SwarmCanaryGateInputs, opts: pulumi.CustomResourceOptions): command.local.Command {
  const { spec, candidate } = inputs;
  const engine = managerEngine(spec, inputs.engine);
  const plain = swarmCanaryGateEnvironment(spec, candidate, { api: "", candidate: "", proxy: "" });
  return new command.local.Command(
    name,
    {
      create: engineScript(CANARY_GATE_SWARM_SCRIPT, engine),
      update: engineScript(CANARY_GATE_SWARM_SCRIPT, engine),
      interpreter: BASH,
      stdin: CANARY_GATE_SCRIPT,
      environment: engineCommandEnvironment(
        {
          ...plain,
          API_SERVICE: inputs.apiService.name,
          CANDIDATE_SERVICE: inputs.candidateService.name,
          PROXY_SERVICE: inputs.proxyService.name,
          ...smokeTestSecretEnvironment(spec),
        },
        engine,
      ),
      triggers: canaryGateTriggers(candidate, inputs.candidateImageRef),
    },
    opts,
  );
}
