import * as pulumi from "@pulumi/pulumi";
import type { ModelServiceSpec } from "../settings/args.js";
import { serviceUrl } from "../containers/addresses.js";

/**
 * The post-deploy smoke test, run on the machine running Pulumi: wait (bounded) until `/ready`
 * answers 200 through nginx on the published address, then send one real `POST /predict` and check
 * the answer (HTTP 200, a non-empty `predictions` list, the expected model name and version). Any
 * failure fails `pulumi up`. Needs bash and curl.
 *
 * With API keys, the prediction presents `API_KEY` (a Pulumi secret) in an Authorization header that curl reads
 * from a pipe, so the key never shows on a command line. With TLS, curl does not verify the certificate: the test
 * reaches the proxy on loopback, not under the certificate's name, and validation has checked the certificate.
 */
export const SMOKE_TEST_SCRIPT = `set -euo pipefail
command -v curl >/dev/null 2>&1 || { echo "smoke test: curl is required on the machine running pulumi" >&2; exit 1; }
tls_flags=()
if [[ "$SERVICE_URL" == https://* ]]; then tls_flags=(--insecure); fi
request() {
  if [[ -n "\${API_KEY:-}" ]]; then
    curl "\${tls_flags[@]}" --header @<(printf 'Authorization: Bearer %s\n' "$API_KEY") "$@"
  else
    curl "\${tls_flags[@]}" "$@"
  fi
}
deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
until curl "\${tls_flags[@]}" --noproxy '*' --fail --silent --show-error --max-time 5 --output /dev/null "$SERVICE_URL/ready"; do
  if (( SECONDS >= deadline )); then
    echo "smoke test: $SERVICE_URL/ready did not answer 200 within \${READY_TIMEOUT_SECONDS}s" >&2
    exit 1
  fi
  sleep 1
done
predictions='"predictions"[[:space:]]*:[[:space:]]*\\[[[:space:]]*[^][:space:]]'
name_field='"name"[[:space:]]*:[[:space:]]*"'
version_field='"version"[[:space:]]*:[[:space:]]*"'
# During a rollout the replicas being replaced still serve (Pulumi removes them after this test): keep asking
# until the expected model answers, and fail on any error or when it never does.
other_versions=0
while :; do
  if ! response="$(request --noproxy '*' --silent --show-error --max-time "$PREDICT_TIMEOUT_SECONDS" \\
      --header 'Content-Type: application/json' --data-binary "$PREDICT_BODY" \\
      --write-out '\\n%{http_code}' "$SERVICE_URL/predict")"; then
    echo "smoke test: POST $SERVICE_URL/predict failed" >&2
    exit 1
  fi
  status="\${response##*$'\\n'}"
  body="\${response%$'\\n'*}"
  if [[ "$status" != 200 ]]; then
    echo "smoke test: POST $SERVICE_URL/predict answered HTTP $status: $body" >&2
    exit 1
  fi
  if ! [[ "$body" =~ $predictions ]]; then
    echo "smoke test: POST /predict answered without predictions: $body" >&2
    exit 1
  fi
  if [[ "$body" =~ $name_field"$EXPECTED_MODEL_NAME"\\" && "$body" =~ $version_field"$EXPECTED_MODEL_VERSION"\\" ]]; then
    break
  fi
  other_versions=$((other_versions + 1))
  if (( SECONDS >= deadline )); then
    echo "smoke test: expected model $EXPECTED_MODEL_NAME version $EXPECTED_MODEL_VERSION within \${READY_TIMEOUT_SECONDS}s, got: $body" >&2
    exit 1
  fi
  sleep 0.2
done
echo "smoke test passed ($other_versions answers from replicas still being replaced): $body"
`;

/** The smoke test's secret inputs: the first API key, when keys are required (a Pulumi secret in the state). */
export function smokeTestSecretEnvironment(spec: ModelServiceSpec): Record<string, pulumi.Output<string>> {
  const key = spec.apiKeys?.keys[0];
  return key === undefined ? {} : { API_KEY: pulumi.secret(key) };
}

/** Seconds the prediction may take beyond gunicorn's own timeout. */
const PREDICT_TIMEOUT_MARGIN_SECONDS = 5;

/** The smoke test's inputs, passed as environment variables (plain, sorted, deterministic). */
export function smokeTestEnvironment(spec: ModelServiceSpec): Record<string, string> {
  return {
    EXPECTED_MODEL_NAME: spec.modelName,
    EXPECTED_MODEL_VERSION: spec.modelVersion,
    PREDICT_BODY: JSON.stringify({ instances: spec.smokeTest.instances }),
    PREDICT_TIMEOUT_SECONDS: String(spec.gunicorn.timeoutSeconds + PREDICT_TIMEOUT_MARGIN_SECONDS),
    READY_TIMEOUT_SECONDS: String(spec.smokeTest.timeoutSeconds),
    SERVICE_URL: serviceUrl(spec),
  };
}
