#!/usr/bin/env bash
# Runs the canary gate on a Swarm (runtime swarm), through the manager's engine: finds a running task of the proxy
# service on the manager, expands `tasks.<service>` (Swarm's DNS name that resolves to every task's address inside
# the overlay network) into the `<task address>:<api port>` targets of the api and candidate services from inside
# that proxy task (the host never addresses a container), and runs canaryGateRun.sh (CANARY_GATE_RUN_SCRIPT) in it
# with the gate's script on standard input.
#
# Rollback: a failed gate has already taken the candidate's live share to 0% in the proxy task it ran in (the
# nginx-drop-candidate of canaryGate.sh); the other nodes' proxy tasks, and any proxy task that restarts, render the
# proxy service's spec. So this script then writes ROLLBACK_PROXY_ENV (`NGINX_CONF_B64=<the same config rendered
# with the candidate at 0% of live traffic>`) into the proxy service's spec, and Swarm rolls the proxy tasks as it rolls any
# proxy update: the weight lives in the spec, and every proxy task on every node runs 0% from then on, after any
# restart. Exits with the gate's status; its last line of output is the gate's JSON summary.
# Environment: API_SERVICE, CANDIDATE_SERVICE, PROXY_SERVICE (service names), CANDIDATE_REPLICAS, API_PORT,
# CANARY_GATE_RUN_SCRIPT (the text of canaryGateRun.sh), ROLLBACK_PROXY_ENV, the gate's thresholds (see
# canaryGateRun.sh), DOCKER_HOST (the manager), API_KEY (optional, secret).
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
: "${API_SERVICE:?}" "${CANDIDATE_SERVICE:?}" "${PROXY_SERVICE:?}" "${CANDIDATE_REPLICAS:?}" "${API_PORT:?}"
: "${CANARY_GATE_RUN_SCRIPT:?the text of canaryGateRun.sh}" "${ROLLBACK_PROXY_ENV:?the proxy config at 0%, as NAME=VALUE}"
say() { printf 'canary gate (swarm): %s\n' "$*" >&2; }

# The proxy's update must be over: the provider does not wait for a global service, and a proxy task replaced
# while the gate runs in it ends the gate (bounded wait).
state=""
for _ in $(seq 180); do
  state=$(docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$PROXY_SERVICE" </dev/null)
  [[ $state == updating || $state == rollback_started ]] || break
  sleep 1
done
if [[ -n $state && $state != completed ]]; then
  say "the update of $PROXY_SERVICE did not complete (state $state): its tasks do not run the config that routes to the candidate"
  exit 1
fi

# A proxy task on this node (bounded wait).
proxy=""
for _ in $(seq 60); do
  proxy=$(docker ps --filter "label=com.docker.swarm.service.name=$PROXY_SERVICE" --filter status=running --format '{{.Names}}' </dev/null | head -n 1)
  [[ -z $proxy ]] || break
  sleep 1
done
if [[ -z $proxy ]]; then
  say "no running task of $PROXY_SERVICE on the manager after 60 s; the gate runs in a proxy task there"
  exit 1
fi

# targets SERVICE COUNT: every task of SERVICE as `<address>:<api port>`, once all COUNT tasks are in Swarm's DNS
# (bounded wait).
targets() {
  local found=""
  for _ in $(seq 30); do
    found=$(docker exec "$proxy" getent ahostsv4 "tasks.$1" </dev/null | awk -v port="$API_PORT" '{ print $1 ":" port }' | sort -u | tr '\n' ' ' || true)
    if (($(wc -w <<<"$found") >= $2)); then
      printf '%s' "${found% }"
      return 0
    fi
    sleep 1
  done
  say "tasks.$1 resolves to $(wc -w <<<"$found") of $2 tasks in $proxy after 30 s: ${found:-nothing}"
  return 1
}
api_replicas=$(docker service inspect --format '{{.Spec.Mode.Replicated.Replicas}}' "$API_SERVICE" </dev/null)
STABLE_TARGETS=$(targets "$API_SERVICE" "$api_replicas")
CANDIDATE_TARGETS=$(targets "$CANDIDATE_SERVICE" "$CANDIDATE_REPLICAS")
export STABLE_TARGETS CANDIDATE_TARGETS PROXY_CONTAINER=$proxy
say "stable tasks: $STABLE_TARGETS; candidate tasks: $CANDIDATE_TARGETS"

status=0
bash -c "$CANARY_GATE_RUN_SCRIPT" || status=$?
if ((status != 0)); then
  say "the gate failed: writing the config with 0% candidate traffic into $PROXY_SERVICE's spec, so no proxy task on any node sends it live traffic, now or after a restart"
  docker service update --detach=false --env-add "$ROLLBACK_PROXY_ENV" "$PROXY_SERVICE" </dev/null >&2
  say "$PROXY_SERVICE runs the config with 0% candidate traffic"
fi
exit "$status"
