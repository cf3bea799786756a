import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { contentTag, hashDirectory, hashFile } from "./contentHash.js";
import { buildImage } from "./dockerBuild.js";
import type { RegistrySpec } from "../settings/spec.js";
import { childName, imageName } from "../containers/naming.js";
import { nginxContextDir } from "./packagePaths.js";

/** Arguments of `ProxyImage`; `ModelService` passes validated values. */
export interface ProxyImageArgs {
  /** Base image for the proxy image's Dockerfile (build arg `BASE_IMAGE`). */
  readonly baseImage: string;
  /** Registry to push the image to; without one it stays in the local engine. */
  readonly registry?: RegistrySpec;
}

/**
 * The proxy image built from the package's `nginx/` directory. Its configuration is not baked in: the
 * proxy container receives the rendered nginx.conf in `NGINX_CONF_B64`, so config changes never
 * rebuild the image. The tag derives from the content of `nginx/` and the base image.
 */
export class ProxyImage extends pulumi.ComponentResource {
  /** Image name with its content tag, e.g. `model-service-nginx:9b1c...`. */
  readonly imageName: pulumi.Output<string>;
  /** What the proxy container runs: the pushed manifest digest, or the local image ID without a registry. */
  readonly imageRef: pulumi.Output<string>;
  /** The content-derived tag. */
  readonly contentTag: string;
  readonly image: docker.Image;

  constructor(name: string, args: ProxyImageArgs, opts?: pulumi.ComponentResourceOptions) {
    // The type token keeps the class's old name: it is part of the URN of every deployed proxy image (and its
    // child), so changing it would replace them.
    super("model-service:index:NginxImage", name, {}, opts);
    const contextDir = nginxContextDir();
    const dockerfile = path.join(contextDir, "Dockerfile");
    // "nginx" in the tag's input and the repository name (`model-service-nginx`) stays: it names deployed images.
    this.contentTag = contentTag({
      image: "nginx",
      context: hashDirectory(contextDir, ".dockerignore"),
      dockerfile: hashFile(dockerfile),
      baseImage: args.baseImage,
    });
    this.image = buildImage(
      childName(name, "image"),
      {
        context: contextDir,
        dockerfile,
        args: { BASE_IMAGE: args.baseImage },
        imageName: imageName("nginx", this.contentTag, args.registry?.server),
        registry: args.registry,
      },
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.imageName = this.image.imageName;
    this.imageRef = this.image.repoDigest;
    this.registerOutputs({ imageName: this.imageName, imageRef: this.imageRef, contentTag: this.contentTag });
  }
}

/** @deprecated use ProxyImage */
export const NginxImage = ProxyImage;
/** @deprecated use ProxyImage */
export type NginxImage = ProxyImage;
/** @deprecated use ProxyImageArgs */
export type NginxImageArgs = ProxyImageArgs;
