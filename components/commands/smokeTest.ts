import * as pulumi from "@pulumi/pulumi";
import { commandScript } from "./scripts.js";
import type { ModelServiceSpec } from "../settings/spec.js";
import { serviceUrl } from "../containers/addresses.js";
import { isKnownNow, withSecrecy } from "../settings/inputChecks.js";
import { NGINX_LISTEN_PORT } from "../nginx/options.js";

/**
 * The post-deploy smoke test (smokeTest.sh): wait (bounded) until `/ready` answers 200 through nginx, then send one
 * real `POST /predict` of the model's smoke-test instances and check the answer (HTTP 200, a non-empty `predictions`
 * list, the expected model name and version). Any failure fails `pulumi up`; the last line it prints is the answer.
 * Runtime docker: curl runs inside the proxy container through the engine the stack deploys to, so the service is
 * proven to answer on that engine's host without the deployer reaching the published port. Runtime swarm: curl runs
 * here against the published address.
 *
 * With API keys, the prediction presents `API_KEY` (a Pulumi secret) in an Authorization header that curl reads
 * from its standard input, so the key never shows on a command line. With TLS, curl does not verify the
 * certificate: the test reaches the proxy on an address, not under the certificate's name, and validation has
 * checked the certificate.
 */
export const SMOKE_TEST_SCRIPT = commandScript("smokeTest.sh");

/**
 * Run before the smoke test, once the builds are done (buildLeftovers.sh): removes the created and exited containers the classic builder
 * left on the engine for images that descend from `BASE_IMAGE`, and nothing else.
 */
export const BUILD_LEFTOVERS_SCRIPT = commandScript("buildLeftovers.sh");

/**
 * Where the smoke test sends its requests. Runtime docker: the proxy's own listener, from inside the proxy container
 * (`PROXY_CONTAINER`), so it holds on any engine. Runtime swarm: the service's published address, from here.
 */
export function smokeTestUrl(spec: ModelServiceSpec): string {
  if (spec.runtime.kind === "docker") {
    return `${spec.tls === undefined ? "http" : "https"}://127.0.0.1:${NGINX_LISTEN_PORT}`;
  }
  return serviceUrl(spec);
}

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
    SERVICE_URL: smokeTestUrl(spec),
  };
}
