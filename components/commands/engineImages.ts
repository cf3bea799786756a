import * as command from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import { engineCommandEnvironment, engineScript, type CommandEngine } from "../engine/commandEngine.js";
import { imageRepository } from "../containers/naming.js";
import { BASH, commandScript } from "./scripts.js";

/** engineImages.sh: the base image onto another machine's engine, and the service's images off it on delete. */
export const ENGINE_IMAGES_SCRIPT = commandScript("engineImages.sh");

/**
 * With an engine on another machine: a command the image builds wait for that gets the base image there without a
 * registry (skipped when it is there already; else `docker save` here piped into `docker load` there, through the
 * same connection; else pulled there), and whose delete removes the package's images that no container uses and
 * the base image it copied: the provider's images are left in place by their own delete. Undefined for the local
 * engine, so a local stack keeps exactly its resources.
 */
export function engineImages(
  name: string,
  baseImage: string,
  registryServer: string | undefined,
  engine: CommandEngine,
  opts: pulumi.CustomResourceOptions,
): command.local.Command | undefined {
  if (!engine.remote) {
    return undefined;
  }
  const repositories = (["api", "api-runtime", "nginx"] as const).map((kind) => imageRepository(kind, kind === "api-runtime" ? undefined : registryServer));
  return new command.local.Command(
    name,
    {
      create: engineScript(ENGINE_IMAGES_SCRIPT, engine),
      update: engineScript(ENGINE_IMAGES_SCRIPT, engine),
      delete: engineScript(`DELETE=1\n${ENGINE_IMAGES_SCRIPT}`, engine),
      interpreter: BASH,
      environment: engineCommandEnvironment({ BASE_IMAGE: baseImage, IMAGE_REPOSITORIES: repositories.join(" ") }, engine),
      triggers: [baseImage],
    },
    opts,
  );
}
