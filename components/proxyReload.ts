/**
 * Scripts that make nginx re-resolve the `api` alias (`nginx-reload` in the proxy image, see
 * docs/contracts.md), so replica changes never need a new proxy container. Both run with bash through
 * `command.local.Command`; the proxy container's name comes in `PROXY_CONTAINER`.
 */

/** Interpreter of every script in this package. */
export const BASH: string[] = ["bash", "-c"];

/** Run after the set of api containers changed (replicas added or replaced). */
export const PROXY_RELOAD_SCRIPT = `set -euo pipefail
docker exec "$PROXY_CONTAINER" nginx-reload
echo "nginx in $PROXY_CONTAINER re-resolved the api replicas"
`;

/**
 * Run after an api replica's container was removed (scale-down or replacement): Pulumi deletes old
 * containers only at the end of a deployment, after the reload above, so nginx must forget the
 * removed address once more. Nothing to do when the proxy is gone too (e.g. \`pulumi destroy\`).
 */
export const PROXY_FORGET_REMOVED_REPLICA_SCRIPT = `set -euo pipefail
if [ "$(docker container inspect --format '{{.State.Running}}' "$PROXY_CONTAINER" 2>/dev/null)" = "true" ]; then
  docker exec "$PROXY_CONTAINER" nginx-reload
  echo "nginx in $PROXY_CONTAINER dropped the removed api replica"
else
  echo "proxy $PROXY_CONTAINER is not running; nothing to reload"
fi
`;
