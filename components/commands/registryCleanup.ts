import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { RegistrySpec } from "../settings/args.js";
import { BASH } from "./proxyConfig.js";

/**
 * Deletes a pushed image's manifest from its registry when Pulumi deletes the image: the Docker provider's own
 * delete leaves registries alone. It runs where Pulumi runs, with curl, against the registry's HTTP API
 * (`DELETE /v2/<repository>/manifests/<digest>`): `http://` for a loopback registry as Docker itself allows, else
 * `https://`. The credentials reach curl on its standard input (`--config -`), never on a command line. A manifest
 * that is already gone (404) counts as deleted. The registry frees the layers in its own garbage collection.
 */
export const REGISTRY_DELETE_SCRIPT = `set -euo pipefail
command -v curl >/dev/null 2>&1 || { echo "registry cleanup: curl is required on the machine running pulumi" >&2; exit 1; }
name=\${IMAGE_REF%@*}
digest=\${IMAGE_REF##*@}
host=\${name%%/*}
repository=\${name#*/}
case $host in
  127.*|localhost|localhost:*) scheme=http ;;
  *) scheme=https ;;
esac
url="$scheme://$host/v2/$repository/manifests/$digest"
status=$( {
    if [[ -n \${REGISTRY_USERNAME:-} ]]; then printf 'user = "%s:%s"\\n' "$REGISTRY_USERNAME" "\${REGISTRY_PASSWORD:-}"; fi
  } | curl --config - --silent --show-error --noproxy '*' --max-time 30 --request DELETE --output /dev/null --write-out '%{http_code}' \\
      --header 'Accept: application/vnd.docker.distribution.manifest.v2+json' "$url")
case $status in
  202|200) echo "registry cleanup: deleted $IMAGE_REF" ;;
  404) echo "registry cleanup: $IMAGE_REF was already gone" ;;
  *) echo "registry cleanup: DELETE $url answered HTTP $status" >&2; exit 1 ;;
esac
`;

/**
 * With `registry.deleteFromRegistry`: one command per pushed image whose delete removes the manifest `imageRef`
 * (`<server>/<repository>@sha256:<digest>`). It is created with the image and replaced with it, so a new model
 * deletes the old image once everything that ran it is gone, and `pulumi destroy` deletes them all.
 */
export function registryCleanup(
  name: string,
  registry: RegistrySpec | undefined,
  imageRef: pulumi.Output<string>,
  opts: pulumi.CustomResourceOptions,
): command.local.Command | undefined {
  if (registry === undefined || !registry.deleteFromRegistry) {
    return undefined;
  }
  return new command.local.Command(
    name,
    {
      create: "true",
      delete: REGISTRY_DELETE_SCRIPT,
      interpreter: BASH,
      environment: {
        IMAGE_REF: imageRef,
        ...(registry.username === undefined ? {} : { REGISTRY_USERNAME: registry.username }),
        ...(registry.password === undefined ? {} : { REGISTRY_PASSWORD: pulumi.secret(registry.password) }),
      },
      triggers: [imageRef],
    },
    opts,
  );
}
