#!/usr/bin/env bash
# Removes the containers the classic builder leaves behind on the engine (the smoke test command runs it first,
# once the builds are done): the docker provider builds without the API's `rm` flag, so every Dockerfile step of a build leaves a
# created or exited container. Only containers of this service's builds go: stopped or never started, run from an
# image given by ID (as the builder does; a user's `docker run` names its image) that is one of the layers of
# BUILT_IMAGES (`docker history`). Nothing else on the engine is touched.
# Environment: BUILT_IMAGES (the images the service runs, separated by spaces; unset: nothing to do).
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
if [[ -n ${BUILT_IMAGES:-} ]]; then
  declare -A layers=()
  for image in $BUILT_IMAGES; do
    while read -r layer; do
      [[ $layer == sha256:* ]] && layers[$layer]=1
    done < <(docker image history --quiet --no-trunc "$image" 2>/dev/null || true)
  done
  leftovers=()
  while read -r container config_image image_id; do
    [[ $config_image == sha256:* && -n ${layers[$image_id]:-} ]] && leftovers+=("$container")
  done < <(docker container ls --all --quiet --filter status=created --filter status=exited \
             | xargs --no-run-if-empty docker container inspect --format '{{.Id}} {{.Config.Image}} {{.Image}}')
  if (( ${#leftovers[@]} > 0 )); then
    docker container rm "${leftovers[@]}" >/dev/null
  fi
  echo "removed ${#leftovers[@]} containers the image builds left behind"
fi
