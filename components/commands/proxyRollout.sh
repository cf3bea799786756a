#!/usr/bin/env bash
# Waits (bounded) until every task of the proxy service runs the service's current spec, through the Swarm
# manager's engine (runtime swarm, with a candidate: components/runtimes/swarm/proxyRollout.ts). The provider waits
# for a replicated service only; a global proxy service (publishMode host, one task per node) is still being rolled,
# one node at a time, when the provider returns. Done when the service's update is no longer in progress and, on
# every ready node, every running proxy task carries the service's container spec and every task meant to run runs.
# Swarm resets the update status when the spec changes, so the spec comparison, not the status alone, tells a
# rollout that has not started yet.
# Create and update: after a proxy update, so the canary gate watches traffic that every node routes alike. Delete
# (DELETE=1): when the candidate goes, before its service is deleted, so no proxy task still routes or mirrors to it.
# A proxy update that Swarm paused or rolled back fails the wait on create and update; on delete it is reported and
# the candidate goes (its proxies fall back on stable), so a destroy is not held up by it.
# Environment: PROXY_SERVICE, TIMEOUT_SECONDS, DELETE (1 on delete), DOCKER_HOST (the manager) and what engine.sh reads.
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
: "${PROXY_SERVICE:?}" "${TIMEOUT_SECONDS:?}"
say() { printf 'proxy rollout: %s\n' "$*" >&2; }

if ! out=$(docker service inspect --format '{{.ID}}' "$PROXY_SERVICE" 2>&1 </dev/null); then
  if grep -qi 'no such service' <<<"$out"; then
    say "$PROXY_SERVICE does not exist: no proxy task routes to the candidate"
    exit 0
  fi
  say "cannot inspect $PROXY_SERVICE: $out"
  exit 1
fi

# pending STATE: prints what is still missing, nothing once every proxy task runs the current spec.
pending() {
  local spec ready nodes tasks node desired current task_spec waiting=0 stale=0 running=0
  if [[ $1 == updating || $1 == rollback_started ]]; then
    echo "its update is $1"
    return
  fi
  spec=$(docker service inspect --format '{{json .Spec.TaskTemplate.ContainerSpec}} {{.Spec.TaskTemplate.ForceUpdate}}' "$PROXY_SERVICE" </dev/null)
  mapfile -t nodes < <(docker node ls --quiet </dev/null)
  ready=" $(docker node inspect --format '{{if eq .Status.State "ready"}}{{.ID}}{{end}}' "${nodes[@]}" </dev/null | tr '\n' ' ') "
  mapfile -t tasks < <(docker service ps --quiet --no-trunc "$PROXY_SERVICE" </dev/null)
  # Two lines a task: node, desired and current state; its container spec. A task pruned meanwhile is left out.
  while read -r node desired current && read -r task_spec; do
    [[ $ready == *" $node "* ]] || continue
    if [[ $current == running ]]; then
      running=$((running + 1))
      [[ $task_spec == "$spec" ]] || stale=$((stale + 1))
    elif [[ $desired == running ]]; then
      waiting=$((waiting + 1))
    fi
  done < <(docker inspect --format $'{{.NodeID}} {{.DesiredState}} {{.Status.State}}\n{{json .Spec.ContainerSpec}} {{.Spec.ForceUpdate}}' "${tasks[@]}" 2>/dev/null </dev/null || true)
  if ((stale > 0 || waiting > 0 || running == 0)); then
    echo "$stale running task(s) on the previous spec, $waiting task(s) not running yet, $running running"
  fi
}

started=$SECONDS
while :; do
  state=$(docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$PROXY_SERVICE" </dev/null)
  # Paused: Swarm goes no further without an operator.
  [[ $state != paused && $state != rollback_paused ]] || break
  missing=$(pending "$state")
  [[ -n $missing ]] || break
  if ((SECONDS - started >= TIMEOUT_SECONDS)); then
    say "$PROXY_SERVICE: not every proxy task runs its spec after ${TIMEOUT_SECONDS}s: $missing"
    exit 1
  fi
  sleep 1
done
if [[ $state == paused || $state == rollback_paused || $state == rollback_completed ]]; then
  if [[ ${DELETE:-0} == 1 ]]; then
    say "$PROXY_SERVICE's last update ended $state: the candidate goes, and a proxy task that still names it sends its requests to stable"
    exit 0
  fi
  say "$PROXY_SERVICE's update ended $state: its tasks do not run the config of this deployment"
  exit 1
fi
echo "proxy rollout: every task of $PROXY_SERVICE runs its spec (waited $((SECONDS - started))s)"
