/**
 * The canary part of a service's review: the candidate's version and digest, its share of live traffic and of
 * shadow traffic before and after, the sticky header, and the gates. Read from the candidate's replicas or its Swarm
 * service (their environment and model-digest label), the proxy's nginx config (candidateRoutingOf) and the gate
 * command.
 */
import { candidateRoutingOf, type CandidateRouting } from "../components/nginx/candidateRouting.js";
import { mapValue, modelDigestLabel, type SettingValue } from "./containerSettings.js";
import { existsAfter, existsBefore, type PlannedStep, type PropertyMap } from "./previewDocument.js";

/** A value before and after; a side is absent where there is no candidate (or it is unknown). */
export interface Change<T> {
  readonly before?: T;
  readonly after?: T;
}

/** What the review says about a service's candidate. */
export interface CanaryReview {
  readonly version: Change<SettingValue>;
  readonly digest: Change<SettingValue>;
  /** Percent of live requests the candidate answers; 0 on a side with a config but no candidate weight. */
  readonly trafficPercent: Change<number>;
  /** Percent of prediction requests mirrored to the candidate. */
  readonly shadowPercent: Change<number>;
  /** The sticky header after the change; absent: random per request. */
  readonly stickyHeader?: string;
  /** The gates after the change, as one line; absent without a gate. */
  readonly gates?: string;
}

/** The steps the canary review reads. */
export interface CanarySteps {
  /** The candidate's replica containers, or its Swarm service. */
  readonly candidateReplicas: readonly PlannedStep[];
  /** Reads a variable of the candidate's environment from its step's inputs (a container's, or a Swarm task's). */
  readonly environmentOf: (inputs: PropertyMap | undefined, name: string) => SettingValue | undefined;
  /** The step that carries the nginx config (proxy-config command, or the Swarm proxy service), if the preview lists it. */
  readonly proxyConfig?: PlannedStep;
  readonly canaryGate?: PlannedStep;
  /** Reads the nginx config from a step's inputs. */
  readonly nginxConfigOf: (inputs: PropertyMap | undefined) => string | undefined;
}

/** The canary review, or `undefined` when the service has no candidate on either side. */
export function canaryReview(steps: CanarySteps): CanaryReview | undefined {
  const before = steps.candidateReplicas.filter(existsBefore);
  const after = steps.candidateReplicas.filter(existsAfter);
  const routingBefore = routing(steps, "before");
  const routingAfter = routing(steps, "after");
  if (before.length === 0 && after.length === 0 && routingBefore === undefined && routingAfter === undefined) {
    return undefined;
  }
  const first = <T>(values: (T | undefined)[]): T | undefined => values.find((value) => value !== undefined);
  const sides = <T>(b: T | undefined, a: T | undefined): Change<T> => ({ ...(b === undefined ? {} : { before: b }), ...(a === undefined ? {} : { after: a }) });
  const gate = steps.canaryGate !== undefined && existsAfter(steps.canaryGate) ? gatesText(steps.canaryGate.newInputs) : undefined;
  return {
    version: sides(
      first(before.map((step) => steps.environmentOf(step.oldInputs, "MODEL_VERSION"))),
      first(after.map((step) => steps.environmentOf(step.newInputs, "MODEL_VERSION"))),
    ),
    digest: sides(first(before.map((step) => modelDigestLabel(step.oldInputs))), first(after.map((step) => modelDigestLabel(step.newInputs)))),
    trafficPercent: sides(routingBefore?.trafficPercent ?? (before.length > 0 ? undefined : 0), routingAfter?.trafficPercent ?? (after.length > 0 ? undefined : 0)),
    shadowPercent: sides(routingBefore?.shadowPercent ?? (before.length > 0 ? undefined : 0), routingAfter?.shadowPercent ?? (after.length > 0 ? undefined : 0)),
    ...(routingAfter?.stickyHeader === undefined ? {} : { stickyHeader: routingAfter.stickyHeader }),
    ...(gate === undefined ? {} : { gates: gate }),
  };
}

function routing(steps: CanarySteps, side: "before" | "after"): CandidateRouting | undefined {
  const step = steps.proxyConfig;
  if (step === undefined || (side === "before" ? !existsBefore(step) : !existsAfter(step))) {
    return undefined;
  }
  const config = steps.nginxConfigOf(side === "before" ? step.oldInputs : step.newInputs);
  return config === undefined ? undefined : candidateRoutingOf(config);
}

/** The gate command's thresholds as one line. */
function gatesText(inputs: PropertyMap | undefined): string | undefined {
  const read = (name: string): string | undefined => {
    const value = mapValue(inputs, "environment", name);
    return value?.kind === "value" ? value.text : undefined;
  };
  const window = read("WINDOW_SECONDS");
  if (window === undefined) {
    return undefined;
  }
  const agreement = read("MIN_AGREEMENT");
  return [
    `window ${window} s`,
    `error rate ≤ ${read("MAX_ERROR_RATE") ?? "?"}`,
    `p99 latency ratio ≤ ${read("MAX_P99_LATENCY_RATIO") ?? "?"}`,
    ...(agreement === undefined || agreement === "" ? [] : [`agreement ≥ ${agreement}`]),
    `at least ${read("MIN_REQUESTS") ?? "?"} live requests`,
  ].join(", ");
}

/**
 * The rollout-risk note of a canary change, e.g. "10% of live traffic moves to 2.0.0", or "live traffic to 2.0.0
 * goes from 10% to 50%" when the same candidate keeps a share; undefined when no share changes.
 */
export function canaryRiskNote(canary: CanaryReview): string | undefined {
  const text = (value: SettingValue | undefined): string | undefined => (value?.kind === "value" ? value.text : undefined);
  const versionBefore = text(canary.version.before);
  const versionAfter = text(canary.version.after);
  const version = versionAfter ?? versionBefore ?? "the candidate";
  const sameCandidate = versionBefore !== undefined && versionAfter !== undefined && versionBefore === versionAfter;
  const notes: string[] = [];
  const { before: liveBefore = 0, after: liveAfter = 0 } = canary.trafficPercent;
  if (liveAfter !== liveBefore || (liveAfter > 0 && versionBefore !== undefined && versionAfter !== undefined && !sameCandidate)) {
    notes.push(
      liveAfter === 0
        ? `live traffic leaves ${versionBefore ?? version}: stable answers every request`
        : liveBefore > 0 && sameCandidate
          ? `live traffic to ${version} goes from ${liveBefore}% to ${liveAfter}%`
          : `${liveAfter}% of live traffic moves to ${version}`,
    );
  }
  const { before: shadowBefore = 0, after: shadowAfter = 0 } = canary.shadowPercent;
  if (shadowAfter !== shadowBefore) {
    notes.push(
      shadowAfter > 0
        ? `${shadowAfter}% of predictions are mirrored to ${version} as shadow traffic (clients keep stable's answers)`
        : `shadow traffic to ${versionBefore ?? version} stops`,
    );
  }
  return notes.length === 0 ? undefined : notes.join("; ");
}
