#!/bin/sh
# The canary gate: watches a candidate's live traffic beside stable's for WINDOW_SECONDS and rolls the candidate back
# when it does worse than the thresholds allow. Runs inside the proxy container (`docker exec -i <proxy> sh -s`,
# the text of CANARY_GATE_SCRIPT in canaryGate.ts: this file after CANARY_GATE_AWK, the program of canaryGate.awk),
# where every replica's api answers and nginx-drop-candidate is installed; it needs only sh, curl and awk.
#
# It reads /metrics of every replica at the start of the window and then every POLL_SECONDS until the window ends,
# and judges the increases (canaryGate.awk): live candidate requests against MIN_REQUESTS, the candidate's error
# rate (5xx / live requests) against MAX_ERROR_RATE, its p99 latency over stable's against MAX_P99_LATENCY_RATIO
# and, with MIN_AGREEMENT, its prediction agreement with stable on shadow requests. A measure that fails with
# enough traffic on two polls in a row ends the window early. It prints one line per measure ("measured vs
# threshold: pass/FAIL") and, last, one line of JSON. All hold: exit 0. Any fails, or a replica's /metrics cannot be read: it runs
# nginx-drop-candidate (the candidate's live traffic goes back to 0% in place) and exits 1, the measured values
# against the thresholds in the message.
# Environment: STABLE_TARGETS, CANDIDATE_TARGETS (space-separated host:port of each replica's api), WINDOW_SECONDS,
# MAX_ERROR_RATE (0-1), MAX_P99_LATENCY_RATIO, MIN_AGREEMENT (0-1, empty: not gated), MIN_REQUESTS,
# POLL_SECONDS (optional, 5), API_KEY (optional, secret: /metrics needs it when API keys are on; curl reads it from
# its standard input, never from a command line), CANARY_GATE_AWK (the judgement's awk program).
# Everything above the first command is left out of the text the command runs.

set -eu
# dash (the proxy image's sh) has no pipefail; no pipeline below depends on the status of any but its last command.
# shellcheck disable=SC3040
if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi

: "${CANDIDATE_TARGETS:?host:port of each candidate replica}" "${WINDOW_SECONDS:?}" "${MAX_ERROR_RATE:?}" \
  "${MAX_P99_LATENCY_RATIO:?}" "${MIN_REQUESTS:?}" "${CANARY_GATE_AWK:?the program of canaryGate.awk}"
STABLE_TARGETS=${STABLE_TARGETS:-}
MIN_AGREEMENT=${MIN_AGREEMENT:-}
poll_seconds=${POLL_SECONDS:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/canary-gate.XXXXXX")
trap 'rm -rf "$work"' EXIT

say() { printf 'canary gate: %s\n' "$*"; }

# fetch TARGET FILE: the replica's /metrics into FILE; three tries, a second apart.
fetch() {
  tries=0
  while :; do
    if [ -n "${API_KEY:-}" ]; then
      if printf 'header = "Authorization: Bearer %s"\n' "$API_KEY" \
        | curl --config - --noproxy '*' --fail --silent --show-error --max-time 5 --output "$2" "http://$1/metrics"; then
        return 0
      fi
    elif curl --noproxy '*' --fail --silent --show-error --max-time 5 --output "$2" "http://$1/metrics" </dev/null; then
      return 0
    fi
    tries=$((tries + 1))
    [ "$tries" -lt 3 ] || return 1
    sleep 1
  done
}

# snapshot PHASE FILE: every replica's /metrics under a header line naming the phase, side and replica.
snapshot() {
  : >"$2"
  for side in stable candidate; do
    if [ "$side" = stable ]; then targets=$STABLE_TARGETS; else targets=$CANDIDATE_TARGETS; fi
    for target in $targets; do
      if ! fetch "$target" "$work/replica"; then
        unreadable="$side replica $target"
        return 1
      fi
      printf '# canary-gate %s %s %s\n' "$1" "$side" "$target" >>"$2"
      cat "$work/replica" >>"$2"
    done
  done
}

# judge ELAPSED: canaryGate.awk on the start and the latest snapshot into $work/verdict; returns its exit status.
judge() {
  awk -v max_error_rate="$MAX_ERROR_RATE" -v max_p99_ratio="$MAX_P99_LATENCY_RATIO" -v min_agreement="$MIN_AGREEMENT" \
    -v min_requests="$MIN_REQUESTS" -v window_seconds="$WINDOW_SECONDS" -v elapsed_seconds="$1" \
    "$CANARY_GATE_AWK" "$work/start" "$work/latest" >"$work/verdict"
}

# failures: the measures that fail, on one line.
failures() { grep -e ': FAIL' "$work/verdict" | tr '\n' '|' | sed 's/|$//; s/|/ | /g'; }

# roll_back REASON: no more live traffic to the candidate, then fail with REASON and the measures.
roll_back() {
  say "FAIL: $1; rolling the candidate back to 0% of live traffic (nginx-drop-candidate)"
  if ! nginx-drop-candidate </dev/null; then
    say "the rollback failed too: nginx-drop-candidate exited non-zero; the candidate may still get live traffic" >&2
  fi
  [ ! -s "$work/verdict" ] || cat "$work/verdict"
  say "FAILED: $1" >&2
  exit 1
}

say "watching candidate [$CANDIDATE_TARGETS] against stable [$STABLE_TARGETS] for ${WINDOW_SECONDS}s (thresholds: error rate <= $MAX_ERROR_RATE, p99 ratio <= $MAX_P99_LATENCY_RATIO, agreement >= ${MIN_AGREEMENT:-not gated}, live requests >= $MIN_REQUESTS)"
started=$(date +%s)
failing_polls=0
snapshot start "$work/start" || roll_back "cannot read /metrics of the $unreadable"
while :; do
  elapsed=$(($(date +%s) - started))
  left=$((WINDOW_SECONDS - elapsed))
  if [ "$left" -gt 0 ]; then sleep "$((left < poll_seconds ? left : poll_seconds))"; fi
  elapsed=$(($(date +%s) - started))
  snapshot end "$work/latest" || roll_back "cannot read /metrics of the $unreadable after ${elapsed}s"
  status=0
  judge "$elapsed" || status=$?
  if [ "$elapsed" -ge "$WINDOW_SECONDS" ]; then break; fi
  # A failure seen on two polls in a row ends the window early; one alone may be a burst.
  if [ "$status" -eq 1 ]; then failing_polls=$((failing_polls + 1)); else failing_polls=0; fi
  if [ "$failing_polls" -ge 2 ]; then
    say "a measure fails on two polls in a row, after ${elapsed}s of ${WINDOW_SECONDS}s, with enough traffic to judge: ending the window early"
    break
  fi
  if [ "$status" -eq 0 ]; then
    say "${elapsed}s of ${WINDOW_SECONDS}s: $(head -n 1 "$work/verdict")"
  else
    say "${elapsed}s of ${WINDOW_SECONDS}s: $(head -n 1 "$work/verdict"); failing now: $(failures)"
  fi
done
case $status in
  0)
    say "passed after ${elapsed}s"
    cat "$work/verdict"
    ;;
  1) roll_back "$(failures)" ;;
  2) roll_back "not enough traffic in ${elapsed}s: $(failures)" ;;
  *) roll_back "the judgement (canaryGate.awk) failed with status $status" ;;
esac
