import * as pulumi from "@pulumi/pulumi";
import { commandScript } from "./scripts.js";
import type { ModelServiceSpec } from "../settings/spec.js";
import { serviceUrl } from "../containers/addresses.js";
import { isKnownNow, withSecrecy } from "../settings/inputChecks.js";

/**
 * The post-deploy smoke test (smokeTest.sh), run on the machine running Pulumi: wait (bounded) until `/ready`
 * answers 200 through nginx on the published address, then send one real `POST /predict` and check
 * the answer (HTTP 200, a non-empty `predictions` list, the expected model name and version). Any
 * failure fails `pulumi up`. Needs bash and curl.
 *
 * With API keys, the prediction presents `API_KEY` (a Pulumi secret) in an Authorization header that curl reads
 * from a pipe, so the key never shows on a command line. With TLS, curl does not verify the certificate: the test
 * reaches the proxy on loopback, not under the certificate's name, and validation has checked the certificate.
 */
export const SMOKE_TEST_SCRIPT = commandScript("smokeTest.sh");

/** The smoke test's secret inputs: the first API key, when keys are required (a Pulumi secret in the state). */
export function smokeTestSecretEnvironment(spec: ModelServiceSpec): Record<string, pulumi.Output<string>> {
  const key = spec.apiKeys?.keys[0];
  return key === undefined ? {} : { API_KEY: pulumi.Output.isInstance(key) ? withSecrecy(key as pulumi.Output<string>, true) : pulumi.secret(key) };
}

/** Seconds the prediction may take beyond gunicorn's own timeout. */
const PREDICT_TIMEOUT_MARGIN_SECONDS = 5;

/**
 * The smoke test's inputs, passed as environment variables (sorted, deterministic); plain strings, except the
 * request body when the rows are an Output.
 */
export function smokeTestEnvironment(spec: ModelServiceSpec): Record<string, pulumi.Input<string>> {
  const { instances } = spec.smokeTest;
  const body = (rows: unknown): string => JSON.stringify({ instances: rows });
  return {
    EXPECTED_MODEL_NAME: spec.modelName,
    EXPECTED_MODEL_VERSION: spec.modelVersion,
    PREDICT_BODY: isKnownNow(instances) ? body(instances) : pulumi.output(instances).apply(body),
    PREDICT_TIMEOUT_SECONDS: String(spec.gunicorn.timeoutSeconds + PREDICT_TIMEOUT_MARGIN_SECONDS),
    READY_TIMEOUT_SECONDS: String(spec.smokeTest.timeoutSeconds),
    SERVICE_URL: serviceUrl(spec),
  };
}
