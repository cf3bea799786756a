import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { RegistrySpec } from "../settings/spec.js";

/** One image build, as this package does all of them. */
export interface ImageBuild {
  /** Absolute build context directory. */
  readonly context: string;
  /** Absolute path of the Dockerfile; it may lie outside `context` (the provider adds it to the context it sends). */
  readonly dockerfile: string;
  /** Dockerfile stage to build. */
  readonly target?: string;
  /** Build args (`--build-arg`). */
  readonly args: Record<string, pulumi.Input<string>>;
  /** Full image name with its content-derived tag. */
  readonly imageName: string;
  /** Push the image here; without a registry the image only exists in the local engine. */
  readonly registry?: RegistrySpec;
}

/** The Docker platform of this machine, e.g. `linux/amd64`; set explicitly so the provider need not guess (and log) it. */
export function dockerPlatform(nodeArch: string = process.arch): string {
  const dockerArch: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x" };
  return `linux/${dockerArch[nodeArch] ?? nodeArch}`;
}

/**
 * Builds an image with the classic builder (`BuilderV1`): it uses base images already in the local
 * engine and never needs a registry, which BuildKit would contact for every `FROM`.
 */
export function buildImage(name: string, build: ImageBuild, opts: pulumi.CustomResourceOptions): docker.Image {
  return new docker.Image(
    name,
    {
      imageName: build.imageName,
      build: {
        context: build.context,
        dockerfile: build.dockerfile,
        target: build.target,
        args: sortedArgs(build.args),
        builderVersion: docker.types.enums.BuilderVersion.BuilderV1,
        platform: dockerPlatform(),
      },
      skipPush: build.registry === undefined,
      registry: build.registry && {
        server: build.registry.server,
        username: build.registry.username,
        password: build.registry.password,
      },
    },
    opts,
  );
}

function sortedArgs(args: Record<string, pulumi.Input<string>>): Record<string, pulumi.Input<string>> {
  return Object.fromEntries(Object.keys(args).sort().map((key) => [key, args[key]]));
}

