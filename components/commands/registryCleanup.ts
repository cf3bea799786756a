import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { RegistrySpec } from "../settings/spec.js";
import { BASH, commandScript } from "./scripts.js";

/**
 * Deletes a pushed image's manifest from its registry when Pulumi deletes the image: the Docker provider's own
 * delete leaves registries alone. registryCleanup.sh runs where Pulumi runs, with curl, against the registry's HTTP API
 * (`DELETE /v2/<repository>/manifests/<digest>`): `http://` for a loopback registry as Docker itself allows, else
 * `https://`. The credentials reach curl on its standard input (`--config -`), never on a command line. A manifest
 * that is already gone (404) counts as deleted. The registry frees the layers in its own garbage collection.
 */
export const REGISTRY_DELETE_SCRIPT = commandScript("registryCleanup.sh");

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
