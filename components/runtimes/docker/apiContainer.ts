import { fingerprint } from "../../images/contentHash.js";
import { hardenedContainerSettings, UPDATABLE_IN_PLACE, type HardenedSettings } from "../../containers/hardening.js";
import { apiHealthcheck } from "../../containers/healthchecks.js";
import { modelServiceLabels, type DockerLabel } from "../../containers/labels.js";
import type { ModelServiceSpec } from "../../settings/args.js";
import { apiEnvironment } from "../../containers/serviceSettings.js";
import { API_TMPFS_MB, API_USER } from "../../containers/users.js";

export { API_USER } from "../../containers/users.js";

/** Extra seconds the provider waits for health beyond the healthcheck's start period and retries. */
const HEALTH_WAIT_MARGIN_SECONDS = 30;

/** Seconds Docker waits beyond gunicorn's graceful timeout before it kills a stopping replica. */
const STOP_GRACE_MARGIN_SECONDS = 5;

/** The plain (Output-free) inputs of api replica `index`; image, name and network are added by `ModelService`. */
export interface ApiContainerSettings extends HardenedSettings {
  readonly envs: string[];
  readonly labels: DockerLabel[];
}

/** `modelDigest` (the api image's `modelDigest`) becomes a label, so a review of a preview can name the model that goes out. */
export function apiContainerSettings(spec: ModelServiceSpec, index: number, modelDigest?: string): ApiContainerSettings {
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
      // gunicorn drains for its graceful timeout (= its request timeout) and exits; Docker kills only after that.
      stopGraceSeconds: spec.gunicorn.timeoutSeconds + STOP_GRACE_MARGIN_SECONDS,
    }),
    envs: apiEnvironment(spec),
    labels: modelServiceLabels({
      project: spec.project,
      stack: spec.stack,
      service: spec.serviceName,
      component: "api",
      replica: index,
      ...(modelDigest === undefined ? {} : { modelDigest }),
      extra: spec.labels,
    }),
  };
}

/**
 * Fingerprint of everything that makes the provider replace an api container: the image it runs, its
 * network and every setting except those updated in place. It goes into the container name.
 */
export function apiContainerFingerprint(settings: ApiContainerSettings, imageRef: string, network: string): string {
  const replacing = Object.fromEntries(
    Object.entries(settings).filter(([key]) => !UPDATABLE_IN_PLACE.includes(key)),
  );
  return fingerprint({ image: imageRef, network, settings: replacing });
}
