import type * as pulumi from "@pulumi/pulumi";
import { API_TMPFS_MB, API_USER, hardenedContainerSettings, type HardenedSettings } from "../../containers/hardening.js";
import { apiHealthcheck } from "../../containers/healthchecks.js";
import { modelServiceLabels, type DockerLabel } from "../../containers/labels.js";
import type { CandidateSpec, ModelServiceSpec } from "../../settings/spec.js";
import { candidateApiEnvironment, candidateCpuShares } from "../../containers/candidate.js";
import { apiEnvironment, apiStopGraceSeconds } from "../../containers/apiEnvironment.js";
import { dockerEnvs } from "./envs.js";

/** Extra seconds the provider waits for health beyond the healthcheck's start period and retries. */
const HEALTH_WAIT_MARGIN_SECONDS = 30;

/** The plain (Output-free) inputs of api replica `index`; image, name and network are added by `deployDocker`. */
export interface ApiContainerSettings extends HardenedSettings {
  readonly envs: pulumi.Input<string>[];
  readonly labels: DockerLabel[];
  /** A candidate replica's CPU weight (see `candidateCpuShares`); stable replicas keep Docker's default. */
  readonly cpuShares?: number;
}

/**
 * `modelDigest` (the api image's `modelDigest`) becomes a label, so a review of a preview can name the model that
 * goes out. With `candidate`: the settings of candidate replica `index`, the stable replicas' own but for the
 * candidate's model identity and role.
 */
export function apiContainerSettings(spec: ModelServiceSpec, index: number, modelDigest?: string, candidate?: CandidateSpec): ApiContainerSettings {
  const healthcheck = apiHealthcheck(spec.startupTimeoutSeconds);
  return {
    ...hardenedContainerSettings({
      user: API_USER,
      resources: spec.api,
      tmpfsSizeMb: API_TMPFS_MB,
      restartPolicy: spec.restartPolicy,
      logging: spec.logging,
      healthcheck,
      healthyWithinSeconds: spec.startupTimeoutSeconds + HEALTH_WAIT_MARGIN_SECONDS,
      stopGraceSeconds: apiStopGraceSeconds(spec),
    }),
    envs: dockerEnvs(candidate === undefined ? apiEnvironment(spec) : candidateApiEnvironment(spec, candidate)),
    labels: modelServiceLabels({
      project: spec.project,
      stack: spec.stack,
      service: spec.serviceName,
      component: candidate === undefined ? "api" : "api-candidate",
      replica: index,
      ...(modelDigest === undefined ? {} : { modelDigest }),
      extra: spec.labels,
    }),
    ...(candidate === undefined ? {} : { cpuShares: candidateCpuShares(candidate) }),
  };
}
