/**
 * How the docker runtime rolls out a change, without a failed request.
 *
 * api replicas are replaced create-before-delete: a replica's Docker name carries a fingerprint of everything that
 * forces its replacement, so the new container can start beside the old one. It takes traffic only once its model
 * is loaded and warmed up (its healthcheck, which the provider waits for); the old one then stops gracefully
 * (gunicorn finishes what it has in flight, nginx retries refused connections on another replica). Settings Docker
 * updates in place (`UPDATABLE_IN_PLACE`) stay out of the fingerprint: changing them replaces nothing.
 *
 * The proxy publishes the host port, which cannot be bound twice: it is replaced delete-before-create (a new image,
 * published address or limit), and its config is applied in place by `proxy-config` (a graceful nginx reload).
 * A new published port is a new proxy resource, created before the old one goes.
 */
import type * as pulumi from "@pulumi/pulumi";
import { fingerprint } from "../../images/contentHash.js";
import { NOT_UPDATABLE_IN_PLACE, UPDATABLE_IN_PLACE } from "../../containers/hardening.js";
import { apiContainerName, candidateContainerName } from "../../containers/naming.js";
import type { ApiContainerSettings } from "./apiContainer.js";

/**
 * Fingerprint of everything that makes the provider replace an api container: the image it runs, its
 * network and every setting except those updated in place. It goes into the container name.
 */
export function apiContainerFingerprint(settings: ApiContainerSettings, imageRef: string, network: string): string {
  const replacing = Object.fromEntries(
    Object.entries(settings).filter(([key]) => !UPDATABLE_IN_PLACE.includes(key)),
  );
  return fingerprint({ image: imageRef, network, settings: replacing });
}

/** Docker name of api replica `index`: it changes with everything that replaces the replica. */
export function apiReplicaName(prefix: string, index: number, settings: ApiContainerSettings, imageRef: string, network: string): string {
  return apiContainerName(prefix, index, apiContainerFingerprint(settings, imageRef, network));
}

/** Docker name of candidate replica `index`: like `apiReplicaName`, it changes with everything that replaces the replica. */
export function candidateReplicaName(prefix: string, index: number, settings: ApiContainerSettings, imageRef: string, network: string): string {
  return candidateContainerName(prefix, index, apiContainerFingerprint(settings, imageRef, network));
}

/** Resource options of an api replica. */
export function apiReplicaRollout(): pulumi.CustomResourceOptions {
  return {
    // The provider defaults to delete-first; the changing name makes create-first safe: no gap in service.
    deleteBeforeReplace: false,
    replaceOnChanges: [...NOT_UPDATABLE_IN_PLACE],
  };
}

/** Resource options of the proxy container. */
export function proxyRollout(): pulumi.CustomResourceOptions {
  return {
    // The port cannot be bound twice: a replacement with the same port (new image) removes the old proxy first.
    deleteBeforeReplace: true,
    replaceOnChanges: [...NOT_UPDATABLE_IN_PLACE],
    // The config it starts with; later config changes are applied in place by `proxy-config` (a reload).
    ignoreChanges: ["envs"],
  };
}
