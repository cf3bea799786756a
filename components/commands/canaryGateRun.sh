#!/usr/bin/env bash
# Runs the canary gate in the proxy container (runtime docker): the gate's script (CANARY_GATE_SCRIPT of
# canaryGate.ts) arrives on this script's standard input and goes on to `sh -s` in PROXY_CONTAINER, with the gate's
# environment passed by name (`-e NAME`, so values never show on a command line): STABLE_TARGETS, CANDIDATE_TARGETS,
# WINDOW_SECONDS, MAX_ERROR_RATE, MAX_P99_LATENCY_RATIO, MIN_AGREEMENT, MIN_REQUESTS, and POLL_SECONDS and API_KEY
# when set. Its output and exit status are the gate's: the last line is the gate's JSON summary, and a failed gate
# (which has already taken the candidate's live traffic back to 0%) fails `pulumi up` with the measured values.
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
: "${PROXY_CONTAINER:?the proxy container the gate runs in}"
flags=()
for name in STABLE_TARGETS CANDIDATE_TARGETS WINDOW_SECONDS MAX_ERROR_RATE MAX_P99_LATENCY_RATIO MIN_AGREEMENT MIN_REQUESTS; do
  flags+=(--env "$name")
done
for name in POLL_SECONDS API_KEY; do
  if [[ -n ${!name:-} ]]; then flags+=(--env "$name"); fi
done
echo "canary gate: running in $PROXY_CONTAINER" >&2
docker exec -i "${flags[@]}" "$PROXY_CONTAINER" sh -s
