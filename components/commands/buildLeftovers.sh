#!/usr/bin/env bash
# Removes the containers the classic builder leaves behind on the engine (the smoke test command runs it first, once
# the builds are done): the docker provider builds without the API's `rm` flag, so every Dockerfile step of a build,
# in every stage, leaves a created or exited container. Only builder containers go: stopped or never started, run
# from an image given by ID (as the builder does; `docker run` and the provider name theirs) that descends from
# BASE_IMAGE, the base of every image of this package. Running containers and everything else stay.
# Environment: BASE_IMAGE (unset: nothing to do).
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
if [[ -n ${BASE_IMAGE:-} ]] && base_id=$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE" 2>/dev/null); then
  declare -A parent=()
  while read -r image image_parent; do
    parent[$image]=$image_parent
  done < <(docker image ls --all --quiet --no-trunc | sort -u | xargs --no-run-if-empty docker image inspect --format '{{.Id}} {{.Parent}}')
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
  while read -r container config_image image_id; do
    if [[ $config_image == sha256:* ]] && descends_from_base "$image_id"; then leftovers+=("$container"); fi
  done < <(docker container ls --all --quiet --no-trunc --filter status=created --filter status=exited \
             | xargs --no-run-if-empty docker container inspect --format '{{.Id}} {{.Config.Image}} {{.Image}}')
  if (( ${#leftovers[@]} > 0 )); then
    docker container rm "${leftovers[@]}" >/dev/null
  fi
  echo "removed ${#leftovers[@]} containers the image builds left behind"
fi
