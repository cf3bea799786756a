#!/usr/bin/env bash
# The post-deploy smoke test, run on the machine running Pulumi (smokeTest.ts): waits (bounded) until /ready
# answers 200 through the proxy, then sends one real POST /predict and checks the answer: HTTP 200, a non-empty
# predictions list, the expected model name and version. Any failure fails pulumi up. Needs bash and curl.
# With API keys the request presents API_KEY in an Authorization header that curl reads from a pipe (never on a
# command line). With TLS curl does not verify the certificate: the test reaches the proxy on its published
# address, not under the certificate's name, and validation has checked the certificate.
# Environment: SERVICE_URL, READY_TIMEOUT_SECONDS, PREDICT_TIMEOUT_SECONDS, PREDICT_BODY, EXPECTED_MODEL_NAME,
# EXPECTED_MODEL_VERSION, API_KEY (optional, secret).
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
command -v curl >/dev/null 2>&1 || { echo "smoke test: curl is required on the machine running pulumi" >&2; exit 1; }
tls_flags=()
if [[ "$SERVICE_URL" == https://* ]]; then tls_flags=(--insecure); fi
request() {
  if [[ -n "${API_KEY:-}" ]]; then
    curl "${tls_flags[@]}" --header @<(printf 'Authorization: Bearer %s
' "$API_KEY") "$@"
  else
    curl "${tls_flags[@]}" "$@"
  fi
}
deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
until curl "${tls_flags[@]}" --noproxy '*' --fail --silent --show-error --max-time 5 --output /dev/null "$SERVICE_URL/ready"; do
  if (( SECONDS >= deadline )); then
    echo "smoke test: $SERVICE_URL/ready did not answer 200 within ${READY_TIMEOUT_SECONDS}s" >&2
    exit 1
  fi
  sleep 1
done
predictions='"predictions"[[:space:]]*:[[:space:]]*\[[[:space:]]*[^][:space:]]'
name_field='"name"[[:space:]]*:[[:space:]]*"'
version_field='"version"[[:space:]]*:[[:space:]]*"'
# During a rollout the replicas being replaced still serve (Pulumi removes them after this test): keep asking
# until the expected model answers, and fail on any error or when it never does.
other_versions=0
while :; do
  if ! response="$(request --noproxy '*' --silent --show-error --max-time "$PREDICT_TIMEOUT_SECONDS" \
      --header 'Content-Type: application/json' --data-binary "$PREDICT_BODY" \
      --write-out '\n%{http_code}' "$SERVICE_URL/predict")"; then
    echo "smoke test: POST $SERVICE_URL/predict failed" >&2
    exit 1
  fi
  status="${response##*$'\n'}"
  body="${response%$'\n'*}"
  if [[ "$status" != 200 ]]; then
    echo "smoke test: POST $SERVICE_URL/predict answered HTTP $status: $body" >&2
    exit 1
  fi
  if ! [[ "$body" =~ $predictions ]]; then
    echo "smoke test: POST /predict answered without predictions: $body" >&2
    exit 1
  fi
  if [[ "$body" =~ $name_field"$EXPECTED_MODEL_NAME"\" && "$body" =~ $version_field"$EXPECTED_MODEL_VERSION"\" ]]; then
    break
  fi
  other_versions=$((other_versions + 1))
  if (( SECONDS >= deadline )); then
    echo "smoke test: expected model $EXPECTED_MODEL_NAME version $EXPECTED_MODEL_VERSION within ${READY_TIMEOUT_SECONDS}s, got: $body" >&2
    exit 1
  fi
  sleep 0.2
done
echo "smoke test passed ($other_versions answers from replicas still being replaced): $body"
