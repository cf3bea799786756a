import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { contentTag, hashDirectory, hashFile } from "./contentHash.js";
import { buildImage } from "./dockerBuild.js";
import { modelDirectoryDigest } from "./modelDigest.js";
import type { RegistrySpec } from "../settings/spec.js";
import { childName, imageName } from "../containers/naming.js";
import { apiContextDir } from "./packagePaths.js";

/** Arguments of `ModelApiImage`; `ModelService` passes validated values. */
export interface ModelApiImageArgs {
  /** Base image for the api Dockerfile (build arg `BASE_IMAGE`). */
  readonly baseImage: string;
  /** Absolute path of a user model directory; omitted for the built-in iris model. */
  readonly modelDir?: string;
  /** Registry to push the final image to; without one it stays in the local engine. */
  readonly registry?: RegistrySpec;
  /**
   * A candidate's image (requires `modelDir`): the stable api image whose model is copied to `REFERENCE_MODEL_DIR`
   * beside the candidate's own, built with `api/Dockerfile.candidate`.
   */
  readonly reference?: { readonly imageName: pulumi.Input<string>; readonly contentTag: string };
}

/** Where a candidate's image holds the stable model (the api's `REFERENCE_MODEL_DIR`). */
export const REFERENCE_MODEL_DIR = "/opt/reference-model";

/** Ignore file the provider applies to the api context (`api/Dockerfile` is the standard name). */
const API_IGNORE_FILE = ".dockerignore";

/**
 * Ignore file the provider applies to a model directory built with `Dockerfile.model`: Docker's
 * per-Dockerfile convention `<Dockerfile name>.dockerignore`, looked up in the model directory. Put one
 * there to keep files (tests, caches) out of the image and out of the model digest.
 */
export const MODEL_DIR_IGNORE_FILE = "Dockerfile.model.dockerignore";

/**
 * The api image for one model. The built-in model is the api Dockerfile's `default` target. A user
 * model is the `runtime` target plus `api/Dockerfile.model`, which copies the model directory (its
 * build context) as the last layer: a model-only change rebuilds only that thin layer. The Dockerfile
 * lies outside the model directory; the provider adds it to the context it sends, no registry needed.
 * Tags derive from content hashes, so unchanged inputs keep the tag and show no diff.
 */
export class ModelApiImage extends pulumi.ComponentResource {
  /** Image name with its content tag, e.g. `model-service-api:3f2a...`. */
  readonly imageName: pulumi.Output<string>;
  /** What containers run: the pushed manifest digest, or the local image ID without a registry. */
  readonly imageRef: pulumi.Output<string>;
  /** The content-derived tag. */
  readonly contentTag: string;
  /**
   * `sha256:<hex>` identifying the model. For a user model it is the digest the api itself reports in
   * `/metadata` (`modelDirectoryDigest`). The built-in model is trained at build time, so its digest
   * is the content hash of the api build context that reproducibly produces it.
   */
  readonly modelDigest: string;
  /** The image that runs; for a user model the runtime image it builds on is built first. */
  readonly image: docker.Image;

  constructor(name: string, args: ModelApiImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("model-service:index:ModelApiImage", name, {}, opts);
    const contextDir = apiContextDir();
    const dockerfile = path.join(contextDir, "Dockerfile");
    const api = {
      context: hashDirectory(contextDir, API_IGNORE_FILE),
      dockerfile: hashFile(dockerfile),
      baseImage: args.baseImage,
    };

    if (args.modelDir === undefined) {
      this.contentTag = contentTag({ image: "api", target: "default", api });
      this.modelDigest = `sha256:${api.context}`;
      this.image = buildImage(
        childName(name, "default"),
        {
          context: contextDir,
          dockerfile,
          target: "default",
          args: { BASE_IMAGE: args.baseImage },
          imageName: imageName("api", this.contentTag, args.registry?.server),
          registry: args.registry,
        },
        { parent: this, dependsOn: opts?.dependsOn },
      );
    } else {
      const runtimeTag = contentTag({ image: "api-runtime", target: "runtime", api });
      const runtime = buildImage(
        childName(name, "runtime"),
        {
          context: contextDir,
          dockerfile,
          target: "runtime",
          args: { BASE_IMAGE: args.baseImage },
          imageName: imageName("api-runtime", runtimeTag),
        },
        { parent: this, dependsOn: opts?.dependsOn },
      );
      const reference = args.reference;
      const modelDockerfile = path.join(contextDir, reference === undefined ? "Dockerfile.model" : "Dockerfile.candidate");
      const modelHash = hashDirectory(args.modelDir, MODEL_DIR_IGNORE_FILE);
      this.contentTag = contentTag({
        image: "api",
        runtimeTag,
        modelDockerfile: hashFile(modelDockerfile),
        model: modelHash,
        ...(reference === undefined ? {} : { reference: reference.contentTag, referenceModelDir: REFERENCE_MODEL_DIR }),
      });
      this.modelDigest = modelDirectoryDigest(args.modelDir, MODEL_DIR_IGNORE_FILE);
      this.image = buildImage(
        childName(name, "model"),
        {
          context: args.modelDir,
          dockerfile: modelDockerfile,
          args: {
            API_RUNTIME_IMAGE: runtime.imageName,
            ...(reference === undefined ? {} : { REFERENCE_IMAGE: reference.imageName, REFERENCE_MODEL_DIR }),
          },
          imageName: imageName("api", this.contentTag, args.registry?.server),
          registry: args.registry,
        },
        { parent: this },
      );
    }

    this.imageName = this.image.imageName;
    this.imageRef = this.image.repoDigest;
    this.registerOutputs({
      imageName: this.imageName,
      imageRef: this.imageRef,
      contentTag: this.contentTag,
      modelDigest: this.modelDigest,
    });
  }
}
