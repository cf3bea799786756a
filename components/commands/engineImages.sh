#!/usr/bin/env bash
# The images of a service on another machine's engine (engineImages.ts). Create: the base image reaches that engine
# without a registry: skipped when the engine has it; else copied from this machine's engine through the same
# connection (docker save | docker load); else pulled by the engine. Nothing for this machine's engine (an explicit
# provider's host is known only here). Delete (DELETE=1): removes the images of this
# package's repositories that no container uses, the untagged images of their earlier build stages, and the base
# image when this command copied it.
# Environment: BASE_IMAGE, IMAGE_REPOSITORIES (separated by spaces), DELETE (1 on delete), DOCKER_HOST and what
# engine.sh reads; PULUMI_COMMAND_STDOUT (set by the command provider on delete: what create printed).
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
local_docker() { env -u DOCKER_HOST -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH -u DOCKER_CONTEXT docker "$@"; }
if [[ ${DOCKER_HOST:-unix://} == unix://* ]]; then
  echo "the engine is this machine's: its images stay as they are"
elif [[ ${DELETE:-0} == 1 ]]; then
  # The untagged images of earlier build stages (the api's model training) descend from the base image too.
  stage_images=()
  if base_id=$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE" 2>/dev/null); then
    declare -A parent=()
    while read -r image image_parent; do parent[$image]=$image_parent; done \
      < <(docker image ls --all --quiet --no-trunc | sort -u | xargs --no-run-if-empty docker image inspect --format '{{.Id}} {{.Parent}}')
    while read -r image; do
      ancestor=$image
      while [[ -n $ancestor && $ancestor != "$base_id" ]]; do ancestor=${parent[$ancestor]:-}; done
      if [[ $ancestor == "$base_id" ]]; then stage_images+=("$image"); fi
    done < <(docker image ls --quiet --no-trunc --filter dangling=true)
  fi
  for repository in $IMAGE_REPOSITORIES; do
    while read -r image; do
      if docker image rm "$image" >/dev/null 2>&1; then echo "removed $image from $DOCKER_HOST"; else echo "kept $image on $DOCKER_HOST: a container uses it"; fi
    done < <(docker image ls --format '{{.Repository}}:{{.Tag}}' "$repository")
  done
  for image in "${stage_images[@]}"; do
    if docker image rm "$image" >/dev/null 2>&1; then echo "removed build stage image $image from $DOCKER_HOST"; fi
  done
  if [[ ${PULUMI_COMMAND_STDOUT:-} == *"copied $BASE_IMAGE"* ]]; then
    docker image rm "$BASE_IMAGE" >/dev/null 2>&1 && echo "removed $BASE_IMAGE from $DOCKER_HOST" || echo "kept $BASE_IMAGE on $DOCKER_HOST: in use"
  fi
elif docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  echo "base image $BASE_IMAGE is on $DOCKER_HOST already"
elif local_docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  echo "base image $BASE_IMAGE: docker save here | docker load on $DOCKER_HOST"
  local_docker image save "$BASE_IMAGE" | docker image load
  echo "copied $BASE_IMAGE to $DOCKER_HOST"
else
  echo "base image $BASE_IMAGE: not on this machine either, $DOCKER_HOST pulls it"
  docker image pull "$BASE_IMAGE"
fi
