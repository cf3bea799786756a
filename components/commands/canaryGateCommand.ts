import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import { commandScript, BASH } from "./scripts.js";
import { CANARY_GATE_SCRIPT, canaryGateTargetEnvironment, canaryGateThresholdEnvironment, type CanaryGateThresholds } from "./canaryGate.js";
import { smokeTestSecretEnvironment } from "./smokeTest.js";
import { engineCommandEnvironment, engineScript, type CommandEngine } from "../engine/commandEngine.js";
import { API_PORT } from "../containers/addresses.js";
import type { CandidateSpec, ModelServiceSpec } from "../settings/spec.js";

/**
 * The canary gate as a Pulumi command (runtime docker): canaryGateRun.sh runs the gate (canaryGate.ts) in the proxy
 * container after the proxy config and the smoke test, whenever a change sends traffic to the candidate.
 */
export const CANARY_GATE_RUN_SCRIPT = commandScript("canaryGateRun.sh");

/** Whether `candidate` gets a gate: it has gates and some live or shadow traffic. */
export function gatesCandidate(candidate: CandidateSpec | undefined): candidate is CandidateSpec & Required<Pick<CandidateSpec, "gates">> {
  return candidate?.gates !== undefined && (candidate.trafficPercent > 0 || candidate.shadowPercent > 0);
}

/**
 * What re-runs the gate: the candidate's image, its shares of live and shadow traffic and the thresholds. The
 * targets (replica names) are in the environment, so a replaced replica re-runs it too.
 */
export function canaryGateTriggers(candidate: CandidateSpec, candidateImageRef: pulumi.Input<string>): pulumi.Input<unknown>[] {
  return [candidateImageRef, String(candidate.trafficPercent), String(candidate.shadowPercent), JSON.stringify(candidate.gates ?? {})];
}

/** The gate's thresholds for `candidate`: its gates; a shadow-only candidate has no live requests to count, so it is judged on agreement alone. */
export function canaryGateThresholds(candidate: CandidateSpec & Required<Pick<CandidateSpec, "gates">>): CanaryGateThresholds {
  const gates = candidate.gates;
  return { ...gates, minRequests: candidate.trafficPercent > 0 ? gates.minRequests : 0 };
}

/** The replicas the gate reads, as the proxy reaches them: `<container name>:<api port>`. */
function targets(containers: readonly docker.Container[]): pulumi.Output<string[]> {
  return pulumi.all(containers.map((container) => container.name)).apply((names) => names.map((name) => `${name}:${API_PORT}`));
}

/** Inputs of `canaryGateCommand`. */
export interface CanaryGateCommandInputs {
  readonly spec: ModelServiceSpec;
  readonly candidate: CandidateSpec & Required<Pick<CandidateSpec, "gates">>;
  readonly candidateImageRef: pulumi.Input<string>;
  readonly apiContainers: readonly docker.Container[];
  readonly candidateContainers: readonly docker.Container[];
  readonly proxyContainer: docker.Container;
  readonly engine: CommandEngine;
}

/**
 * The gate's command. Its stdout ends with the gate's JSON summary; when a gate fails, the command fails (and with
 * it `pulumi up`) after the gate has taken the candidate's live traffic back to 0% in place.
 */
export function canaryGateCommand(name: string, inputs: CanaryGateCommandInputs, opts: pulumi.CustomResourceOptions): command.local.Command {
  const { spec, candidate, engine } = inputs;
  const thresholds = canaryGateThresholds(candidate);
  const targetEnvironment = pulumi
    .all([targets(inputs.apiContainers), targets(inputs.candidateContainers)])
    .apply(([stable, candidates]) => canaryGateTargetEnvironment(stable, candidates));
  return new command.local.Command(
    name,
    {
      create: engineScript(CANARY_GATE_RUN_SCRIPT, engine),
      update: engineScript(CANARY_GATE_RUN_SCRIPT, engine),
      interpreter: BASH,
      stdin: CANARY_GATE_SCRIPT,
      environment: engineCommandEnvironment(
        {
          // The thresholds are plain values, so a preview (and the review) shows them; only the targets wait for the containers.
          ...canaryGateThresholdEnvironment(thresholds),
          ...environmentInputs(targetEnvironment, Object.keys(canaryGateTargetEnvironment([], []))),
          ...smokeTestSecretEnvironment(spec),
          PROXY_CONTAINER: inputs.proxyContainer.name,
        },
        engine,
      ),
      triggers: canaryGateTriggers(candidate, inputs.candidateImageRef),
    },
    opts,
  );
}

/** The gate's target variables one by one (names from `canaryGateTargetEnvironment` itself), each an Output of the record known later. */
function environmentInputs(environment: pulumi.Output<Record<string, string>>, names: readonly string[]): Record<string, pulumi.Input<string>> {
  return Object.fromEntries(names.map((name) => [name, environment.apply((all) => all[name] ?? "")]));
}

/** The gate's JSON summary: the last line of its output that is a JSON object; "" when there is none (or no output yet). */
export function canaryGateSummary(stdout: string | undefined): string {
  const lines = (stdout ?? "").split("\n").map((line) => line.trim());
  return [...lines].reverse().find((line) => line.startsWith("{") && line.endsWith("}")) ?? "";
}
