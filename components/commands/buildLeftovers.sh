#!/usr/bin/env bash
# Removes the containers the classic builder leaves behind on the engine (the smoke test command runs it first, once
# the builds are done): the docker provider builds without the API's `rm` flag, so every Dockerfile step of a build,
# in every stage, leaves a created or exited container.
# The engine may be shared: other stacks and people build on it at the same time, and a build step's container is
# created or exited while that build still copies into it or commits it. So only containers whose step is over go:
# stopped or never started, run from an image given by ID (as the builder does; `docker run` and the provider name
# theirs) that descends from BASE_IMAGE, the base of every image of this package, AND committed: some image names
# it as the container it was made from. Running containers, steps still in progress and everything else stay.
# Engines that do not say which container made an image (Docker 25 and later leave the field out) keep every
# container: nothing is removed there. A container that goes before it is removed (a build removing its own) or
# that cannot be removed is reported and never fails the deploy: this is housekeeping.
# Environment: BASE_IMAGE (unset: nothing to do).
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
if [[ -n ${BASE_IMAGE:-} ]] && base_id=$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE" 2>/dev/null); then
  # Containers first, images second: a container committed in between counts as committed, never the reverse.
  stopped=$(docker container ls --all --quiet --no-trunc --filter status=created --filter status=exited \
              | xargs --no-run-if-empty docker container inspect --format '{{.Id}}|{{.Config.Image}}|{{.Image}}' 2>/dev/null || true)
  declare -A parent=() committed=()
  while IFS='|' read -r image image_parent made_by; do
    parent[$image]=$image_parent
    [[ $made_by =~ ^[0-9a-f]{64}$ ]] && committed[$made_by]=1
  done < <(docker image ls --all --quiet --no-trunc | sort -u \
             | xargs --no-run-if-empty docker image inspect --format '{{.Id}}|{{.Parent}}|{{.Container}}' 2>/dev/null || true)
  descends_from_base() {
    local image=$1 steps=0
    while [[ -n $image && $steps -lt 1000 ]]; do
      [[ $image == "$base_id" ]] && return 0
      image=${parent[$image]:-}
      steps=$((steps + 1))
    done
    return 1
  }
  leftovers=()
  while IFS='|' read -r container config_image image_id; do
    if [[ -n $container && $config_image == sha256:* && -n ${committed[$container]:-} ]] && descends_from_base "$image_id"; then
      leftovers+=("$container")
    fi
  done <<<"$stopped"
  removed=0
  for container in "${leftovers[@]}"; do
    if output=$(docker container rm "$container" 2>&1); then
      removed=$((removed + 1))
    elif [[ $output != *"No such container"* ]]; then
      echo "build leftovers: could not remove container $container (left in place): $output" >&2
    fi
  done
  echo "removed $removed containers the image builds left behind"
fi
