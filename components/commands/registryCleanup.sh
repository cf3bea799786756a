#!/usr/bin/env bash
# Deletes a pushed image's manifest from its registry (DELETE /v2/<repository>/manifests/<digest>): http:// for a
# loopback registry, as Docker itself allows, else https://. Run by the registry cleanup command
# (registryCleanup.ts) when Pulumi deletes the image. The credentials reach curl on its standard input
# (--config -), never on a command line. A manifest that is already gone (404) counts as deleted.
# Environment: IMAGE_REF (<server>/<repository>@sha256:<digest>), REGISTRY_USERNAME and REGISTRY_PASSWORD (optional).
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
command -v curl >/dev/null 2>&1 || { echo "registry cleanup: curl is required on the machine running pulumi" >&2; exit 1; }
name=${IMAGE_REF%@*}
digest=${IMAGE_REF##*@}
host=${name%%/*}
repository=${name#*/}
case $host in
  127.*|localhost|localhost:*) scheme=http ;;
  *) scheme=https ;;
esac
url="$scheme://$host/v2/$repository/manifests/$digest"
status=$( {
    if [[ -n ${REGISTRY_USERNAME:-} ]]; then printf 'user = "%s:%s"\n' "$REGISTRY_USERNAME" "${REGISTRY_PASSWORD:-}"; fi
  } | curl --config - --silent --show-error --noproxy '*' --max-time 30 --request DELETE --output /dev/null --write-out '%{http_code}' \
      --header 'Accept: application/vnd.docker.distribution.manifest.v2+json' "$url")
case $status in
  202|200) echo "registry cleanup: deleted $IMAGE_REF" ;;
  404) echo "registry cleanup: $IMAGE_REF was already gone" ;;
  *) echo "registry cleanup: DELETE $url answered HTTP $status" >&2; exit 1 ;;
esac
