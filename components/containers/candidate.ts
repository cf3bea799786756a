/**
 * Runtime-neutral facts about a candidate model's replicas: the alias the proxy reaches them by, the service as
 * they serve it (the candidate's model, name, version and replica count; every other setting the stable
 * replicas' own), and their api environment (the stable one's plus `MODEL_ROLE=candidate` and `REFERENCE_MODEL_DIR`).
 */
import type { CandidateSpec, ModelServiceSpec } from "../settings/spec.js";
import { REFERENCE_MODEL_DIR } from "../images/apiImage.js";
import { apiEnvironment, type Environment } from "./apiEnvironment.js";
import { apiVariable } from "./environmentContract.js";

/** Network alias every candidate replica shares; the proxy's candidate upstream is `api-candidate:8000`. */
export const API_CANDIDATE_NETWORK_ALIAS = "api-candidate";

/**
 * CPU weight (Docker's `--cpu-shares`) of a candidate replica that answers no live request: the lowest there is, so
 * it computes its shadow requests on CPU time that stable and the proxy leave idle, never on theirs.
 */
export const SHADOW_ONLY_CPU_SHARES = 2;
/** CPU weight of a candidate replica that answers live requests: Docker's default, the stable replicas' own. */
export const LIVE_CPU_SHARES = 1024;

/** The role the api reports for a candidate replica (`MODEL_ROLE`, one of the contract's values). */
const CANDIDATE_ROLE = "candidate";

/** The contract must know the variables and the role, or the api would not read them. */
for (const name of ["MODEL_ROLE", "REFERENCE_MODEL_DIR"]) {
  if (!apiVariable(name).reserved) {
    throw new Error(`api/environment.json: ${name} is set by the component, so it must be reserved`);
  }
}

/** `spec` as the candidate's replicas serve it: the candidate's model, name, version and replica count. */
export function candidateServiceSpec(spec: ModelServiceSpec, candidate: CandidateSpec): ModelServiceSpec {
  return {
    ...spec,
    model: { kind: "directory", dir: candidate.modelDir },
    modelName: candidate.modelName,
    modelVersion: candidate.modelVersion,
    replicas: candidate.replicas,
  };
}

/** The environment of a candidate replica: the stable replicas' settings with the candidate's model identity and role. */
export function candidateApiEnvironment(spec: ModelServiceSpec, candidate: CandidateSpec): Environment {
  const environment: Environment = {
    ...apiEnvironment(candidateServiceSpec(spec, candidate)),
    MODEL_ROLE: CANDIDATE_ROLE,
    REFERENCE_MODEL_DIR,
  };
  return Object.fromEntries(
    Object.keys(environment)
      .sort()
      .map((name) => [name, environment[name]]),
  );
}

/**
 * The CPU weight of a candidate replica: the lowest while it answers no live request (shadow traffic yields to
 * the clients' requests), stable's once it does (its latency is compared with stable's). Docker updates it in
 * place, so a change of the live share restarts nothing.
 */
export function candidateCpuShares(candidate: CandidateSpec): number {
  return candidate.trafficPercent > 0 ? LIVE_CPU_SHARES : SHADOW_ONLY_CPU_SHARES;
}
