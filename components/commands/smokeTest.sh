#!/usr/bin/env bash
# The post-deploy smoke test (smokeTest.ts): waits (bounded) until /ready answers 200 through the proxy, then sends
# one real POST /predict of the model's smoke-test instances and checks the answer: HTTP 200, a non-empty predictions
# list, the expected model name and version. Any failure fails pulumi up. The last line it prints is the answer.
# With PROXY_CONTAINER (runtime docker) curl runs inside the proxy container, through the engine the stack deploys to
# (docker exec), against the proxy's own listener: the service is proven to answer on the engine's host, wherever
# that is, without the deployer reaching the published port. Without it, curl runs here against SERVICE_URL.
# With API keys the request presents API_KEY in an Authorization header that curl reads from its standard input
# (never on a command line). With TLS curl does not verify the certificate: the test reaches the proxy on an
# address, not under the certificate's name, and validation has checked the certificate.
# Environment: SERVICE_URL, READY_TIMEOUT_SECONDS, PREDICT_TIMEOUT_SECONDS, PREDICT_BODY, EXPECTED_MODEL_NAME,
# EXPECTED_MODEL_VERSION, PROXY_CONTAINER (optional), API_KEY (optional, secret).
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
if [[ -z ${PROXY_CONTAINER:-} ]]; then
  command -v curl >/dev/null 2>&1 || { echo "smoke test: curl is required on the machine running pulumi" >&2; exit 1; }
fi
tls_flags=()
if [[ "$SERVICE_URL" == https://* ]]; then tls_flags=(--insecure); fi
# curl here, or in the proxy container; -i passes standard input through.
via() {
  if [[ -n ${PROXY_CONTAINER:-} ]]; then
    docker exec -i "$PROXY_CONTAINER" curl "${tls_flags[@]}" "$@"
  else
    curl "${tls_flags[@]}" "$@"
  fi
}
request() {
  if [[ -n "${API_KEY:-}" ]]; then
    printf 'header = "Authorization: Bearer %s"\n' "$API_KEY" | via --config - "$@"
  else
    via "$@" </dev/null
  fi
}
deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
until via --noproxy '*' --fail --silent --show-error --max-time 5 --output /dev/null "$SERVICE_URL/ready" </dev/null; do
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
  code=0
  response="$(request --noproxy '*' --silent --show-error --max-time "$PREDICT_TIMEOUT_SECONDS" \
      --header 'Content-Type: application/json' --data-binary "$PREDICT_BODY" \
      --write-out '\n%{http_code}' "$SERVICE_URL/predict")" || code=$?
  # curl's 7: the connection was refused; 52 and 56: it closed or was reset before an answer. On a Swarm a node's
  # proxy task may restart (stop-first) after /ready answered, and a proxy that stops resets the request it had just
  # accepted: ask again within the same deadline (a prediction changes nothing, so asking twice is safe).
  if ((code == 7 || code == 52 || code == 56)) && ((SECONDS < deadline)); then
    echo "smoke test: POST $SERVICE_URL/predict got no answer (curl exit $code), asking again" >&2
    sleep 0.5
    continue
  fi
  if ((code != 0)); then
    echo "smoke test: POST $SERVICE_URL/predict failed (curl exit $code)" >&2
    exit 1
  fi
  status="${response##*$'\n'}"
  body="${response%$'\n'*}"
  # A replica of the previous model may not take this model's instances (another number of features): 422 until
  # it is gone, within the same deadline.
  if [[ "$status" == 422 ]] && (( SECONDS < deadline )); then
    other_versions=$((other_versions + 1))
    sleep 0.2
    continue
  fi
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
echo "smoke test passed ($other_versions answers from replicas still being replaced); the answer to $PREDICT_BODY:"
printf '%s\n' "$body"
