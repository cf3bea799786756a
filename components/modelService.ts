import * as command from "@pulumi/command";
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { sha256Hex } from "./images/contentHash.js";
import { ModelApiImage } from "./images/apiImage.js";
import { inspectModelDirectory } from "./settings/modelDirectory.js";
import type { ModelServiceArgs } from "./settings/args.js";
import type { ModelServiceSpec } from "./settings/spec.js";
import { childName, networkName, resourcePrefix } from "./containers/naming.js";
import { renderNginxConfig } from "./nginx/config.js";
import { ProxyImage } from "./images/proxyImage.js";
import { pulumiProjectDirectory } from "./settings/modelDirectory.js";
import { registryCleanup } from "./commands/registryCleanup.js";
import { serviceUrl } from "./containers/addresses.js";
import { nginxConfigOptions } from "./containers/proxyNginxConfig.js";
import { BASH } from "./commands/scripts.js";
import type { ModelServiceNetwork } from "./runtimes/docker/network.js";
import { BUILD_LEFTOVERS_SCRIPT, SMOKE_TEST_SCRIPT, smokeTestEnvironment, smokeTestSecretEnvironment } from "./commands/smokeTest.js";
import { commandEngine, engineCommandEnvironment, engineScript } from "./engine/commandEngine.js";
import { engineImages } from "./commands/engineImages.js";
import { canaryGateCommand, canaryGateSummary, gatesCandidate } from "./commands/canaryGateCommand.js";
import { swarmCanaryGateCommand } from "./runtimes/swarm/canaryGate.js";
import { deployDocker, deploySwarm, type DockerDeployment, type SwarmDeployment } from "./runtimes/index.js";
import { resolveModelServiceSpec } from "./settings/validation.js";
import { checkResourceOptions, dockerServiceName, withChildOptions } from "./settings/resourceOptions.js";

/** The resources and settings one `ModelService` is made of (see its getters). */
interface ModelServiceParts {
  readonly spec: ModelServiceSpec;
  readonly apiImage: ModelApiImage;
  readonly proxyImage: ProxyImage;
  /** Runtime `docker`. */
  readonly docker?: DockerDeployment;
  /** Runtime `swarm`. */
  readonly swarm?: SwarmDeployment;
  readonly registryCleanups: command.local.Command[];
  /** With an engine on another machine: the base image copied there, and the images removed from it on delete. */
  readonly engineImages?: command.local.Command;
  readonly smokeTest: command.local.Command;
  /** With a candidate: its image. */
  readonly candidateImage?: ModelApiImage;
  /** With a gated candidate that gets traffic: the gate's command. */
  readonly canaryGate?: command.local.Command;
}

/**
 * Held beside each service instead of in instance fields: the schema of the component package lists every
 * instance field as an output, and these are not values other languages could receive.
 */
const SERVICE_PARTS = new WeakMap<ModelService, ModelServiceParts>();

/**
 * An ML model's prediction API on Docker: the api image for the model, N api replicas (gunicorn +
 * Flask) on a private network that are never published, the proxy (nginx) in front of them published on
 * `hostPort` (it finds the replicas through Docker's DNS on every request, so replica changes need no
 * reload), and a smoke test through the proxy that fails `pulumi up` when the service does not answer.
 * With `runtime: docker` (the default) they are containers on one engine and the proxy's config is applied
 * in place; with `runtime: swarm` they are Swarm services on an overlay network, the images are pushed
 * to the registry and run by digest. docs/rollouts.md says what each kind of change does.
 *
 * Everything goes to the Docker engine the stack chose: the docker provider's stack config (`docker:host`,
 * `docker:sshOpts`, TLS material) or a `docker.Provider` in `opts.providers`. The commands it runs with the `docker`
 * CLI reach the same engine, and on another machine's engine the base image is copied there first (docs/remote.md).
 *
 * Args are validated when the component is constructed: invalid args throw
 * `ModelServiceConfigError` before any resource is registered.
 */
export class ModelService extends pulumi.ComponentResource {
  /** Base URL of the service on the host, e.g. `http://127.0.0.1:8080` (loopback when published on 0.0.0.0). */
  readonly url: pulumi.Output<string>;
  /** `POST` endpoint for predictions, `<url>/predict`. */
  readonly predictUrl: pulumi.Output<string>;
  /** Docker names of the api replicas, in replica order (empty on a Swarm: its tasks are named by Swarm). */
  readonly apiContainerNames: pulumi.Output<string[]>;
  /** Docker name of the proxy container (empty on a Swarm: see `proxyServiceName`). */
  readonly proxyContainerName: pulumi.Output<string>;
  /** api image name with its content tag. */
  readonly apiImageName: pulumi.Output<string>;
  /** What the api replicas run: the pushed manifest digest, or the local image ID without a registry. */
  readonly apiImageRef: pulumi.Output<string>;
  /** Proxy image name with its content tag. */
  readonly proxyImageName: pulumi.Output<string>;
  /** What the proxy runs: the pushed manifest digest, or the local image ID without a registry. */
  readonly proxyImageRef: pulumi.Output<string>;
  /** Model name the api reports. */
  readonly modelName: pulumi.Output<string>;
  /** Model version the api reports. */
  readonly modelVersion: pulumi.Output<string>;
  /** `sha256:<hex>` of the model: for `modelDir` the digest the api reports in `/metadata`; for the built-in model the content hash of the api build context that produces it. */
  readonly modelDigest: pulumi.Output<string>;
  /** Docker name of the private network (an overlay network on a Swarm). */
  readonly networkName: pulumi.Output<string>;
  /** Where the service runs: `docker` or `swarm`. */
  readonly runtime: pulumi.Output<string>;
  /** On a Swarm, the name of the api service; empty with runtime `docker`. */
  readonly apiServiceName: pulumi.Output<string>;
  /** On a Swarm, the name of the proxy service; empty with runtime `docker`. */
  readonly proxyServiceName: pulumi.Output<string>;
  /** Version of the candidate model; empty without a candidate. */
  readonly candidateModelVersion: pulumi.Output<string>;
  /** `sha256:<hex>` of the candidate model, as the api reports it; empty without a candidate. */
  readonly candidateModelDigest: pulumi.Output<string>;
  /** Docker names of the candidate's replicas, in replica order; empty without a candidate. */
  readonly candidateContainerNames: pulumi.Output<string[]>;
  /**
   * The last canary gate's verdict, one line of JSON with the measured values and thresholds; empty without gates or
   * before a gate ran.
   */
  readonly canaryGateResult: pulumi.Output<string>;


  // The properties above are the component's outputs in every language (`pulumi package get-schema` reads
  // them from this class). The parts below are for TypeScript callers only, so they are getters, which the
  // schema leaves out.

  /** The complete, validated settings this service was built from. */
  get spec(): ModelServiceSpec {
    return this.parts().spec;
  }
  /** The api image for the model. */
  get apiImage(): ModelApiImage {
    return this.parts().apiImage;
  }
  /** The proxy image (nginx). */
  get proxyImage(): ProxyImage {
    return this.parts().proxyImage;
  }
  /** @deprecated use proxyImage */
  get nginxImage(): ProxyImage {
    return this.proxyImage;
  }
  /** Runtime `docker`: the private network of the replicas and the proxy. */
  get network(): ModelServiceNetwork {
    return this.dockerPart("network").network;
  }
  /** Runtime `docker`: the api replicas, in replica order. */
  get apiContainers(): docker.Container[] {
    return this.dockerPart("apiContainers").apiContainers;
  }
  /** Runtime `docker`: the proxy container. */
  get proxyContainer(): docker.Container {
    return this.dockerPart("proxyContainer").proxyContainer;
  }
  /** Runtime `docker`: applies the rendered nginx config to the running proxy in place (a graceful reload, no new container). */
  get proxyConfig(): command.local.Command {
    return this.dockerPart("proxyConfig").proxyConfig;
  }
  /** Runtime `docker` with TLS: the volume the certificate and key are uploaded into. */
  get tlsVolume(): docker.Volume | undefined {
    return this.parts().docker?.tlsVolume;
  }
  /** Runtime `docker` with TLS: writes the certificate and key into `tlsVolume` (and reloads a running proxy when they change). */
  get tlsFiles(): command.local.Command | undefined {
    return this.parts().docker?.tlsFiles;
  }
  /** Runtime `swarm`: the overlay network, the api and proxy services and the manager's provider. */
  get swarmDeployment(): SwarmDeployment | undefined {
    return this.parts().swarm;
  }
  /** With `registry.deleteFromRegistry`: the commands that delete the pushed images from the registry. */
  get registryCleanups(): command.local.Command[] {
    return this.parts().registryCleanups;
  }
  /**
   * With a docker engine on another machine (`docker:host` or a `docker.Provider` in `opts`): the command that copies
   * the base image there before the builds, and removes the package's images from it when the service is destroyed.
   */
  get engineImages(): command.local.Command | undefined {
    return this.parts().engineImages;
  }
  /** The post-deploy smoke test. */
  get smokeTest(): command.local.Command {
    return this.parts().smokeTest;
  }
  /** With a candidate: the candidate model's api image. */
  get candidateImage(): ModelApiImage | undefined {
    return this.parts().candidateImage;
  }
  /** Runtime `docker`: the candidate's replicas, in replica order (empty without a candidate). */
  get candidateContainers(): docker.Container[] {
    return this.dockerPart("candidateContainers").candidateContainers;
  }
  /** With gates and traffic to the candidate: the command that runs the canary gate after the smoke test. */
  get canaryGate(): command.local.Command | undefined {
    return this.parts().canaryGate;
  }

  private dockerPart(part: string): DockerDeployment {
    const deployment = this.parts().docker;
    if (deployment === undefined) {
      throw new Error(`ModelService.${part} exists with runtime docker only; this service runs on a Swarm (see swarmDeployment)`);
    }
    return deployment;
  }

  private parts(): ModelServiceParts {
    const parts = SERVICE_PARTS.get(this);
    if (parts === undefined) {
      throw new Error("ModelService parts are read before its constructor finished");
    }
    return parts;
  }


  constructor(name: string, args: ModelServiceArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    checkResourceOptions(name, opts);
    const spec = resolveModelServiceSpec(args, {
      serviceName: dockerServiceName(name, opts?.aliases),
      stack: pulumi.getStack(),
      project: pulumi.getProject(),
      projectDir: pulumiProjectDirectory(),
      inspectModelDirectory,
    });
    // Resource options reach the children as settings/resourceOptions.ts defines.
    super("model-service:index:ModelService", name, {}, withChildOptions(opts));
    const prefix = resourcePrefix(spec.serviceName, spec.stack);
    // Every docker child inherits the component's docker provider (or the default one, configured by `docker:*`
    // stack config); the commands reach the same engine through their environment.
    const engine = commandEngine(this.getProvider("docker::"));
    const baseImageOnEngine = engineImages(childName(name, "engine-images"), spec.baseImage, spec.registry?.server, engine, { parent: this });
    const imageOpts = { parent: this, ...(baseImageOnEngine ? { dependsOn: [baseImageOnEngine] } : {}) };

    const apiImage = new ModelApiImage(
      childName(name, "api-image"),
      {
        baseImage: spec.baseImage,
        modelDir: spec.model.kind === "directory" ? spec.model.dir : undefined,
        registry: spec.registry,
      },
      imageOpts,
    );
    // The child names keep "nginx": they are part of the URNs of deployed images.
    const proxyImage = new ProxyImage(
      childName(name, "nginx-image"),
      { baseImage: spec.baseImage, registry: spec.registry },
      imageOpts,
    );
    // The candidate's image: its model on the same runtime image, with the stable model beside it.
    const candidateImage =
      spec.candidate === undefined
        ? undefined
        : new ModelApiImage(
            childName(name, "candidate-image"),
            {
              baseImage: spec.baseImage,
              modelDir: spec.candidate.modelDir,
              registry: spec.registry,
              reference: { imageName: apiImage.imageName, contentTag: apiImage.contentTag },
            },
            imageOpts,
          );
    const registryCleanups = [
      registryCleanup(childName(name, "api-image-cleanup"), spec.registry, apiImage.imageRef, { parent: this }),
      registryCleanup(childName(name, "nginx-image-cleanup"), spec.registry, proxyImage.imageRef, { parent: this }),
      // Only with a candidate, so a service without one keeps its resources.
      ...(candidateImage === undefined
        ? []
        : [registryCleanup(childName(name, "candidate-image-cleanup"), spec.registry, candidateImage.imageRef, { parent: this })]),
    ].filter((cleanup): cleanup is command.local.Command => cleanup !== undefined);

    const nginxConfig = renderNginxConfig(nginxConfigOptions(spec));
    const inputs = { name, spec, prefix, apiImage, candidateImage, proxyImage, nginxConfig, engine, parent: this };
    const dockerDeployment = spec.runtime.kind === "docker" ? deployDocker(inputs) : undefined;
    const swarm = spec.runtime.kind === "swarm" ? deploySwarm({ ...inputs, imagesInUseAfter: registryCleanups }) : undefined;

    const smokeTest = new command.local.Command(
      childName(name, "smoke-test"),
      {
        create: engineScript(`${BUILD_LEFTOVERS_SCRIPT}${SMOKE_TEST_SCRIPT}`, engine),
        update: engineScript(`${BUILD_LEFTOVERS_SCRIPT}${SMOKE_TEST_SCRIPT}`, engine),
        interpreter: BASH,
        environment: engineCommandEnvironment(
          {
            ...smokeTestEnvironment(spec),
            ...smokeTestSecretEnvironment(spec),
            // Runtime docker: curl runs in the proxy container, on the engine's host.
            ...(dockerDeployment ? { PROXY_CONTAINER: dockerDeployment.proxyContainer.name } : {}),
            BASE_IMAGE: spec.baseImage,
          },
          engine,
        ),
        // Whatever serves the traffic changed: images, replicas or services, the proxy or its config.
        triggers: servingIdentity(apiImage, proxyImage, nginxConfig, dockerDeployment, swarm),
      },
      {
        parent: this,
        dependsOn: dockerDeployment ? [dockerDeployment.proxyConfig, ...dockerDeployment.apiContainers] : swarm ? [swarm.apiService, swarm.proxyService] : [],
      },
    );
    // After the smoke test: watch the candidate on live traffic, and roll it back to 0% when a gate fails.
    const canaryGate =
      swarm?.candidateService !== undefined && candidateImage !== undefined && gatesCandidate(spec.candidate)
        ? swarmCanaryGateCommand(
            childName(name, "canary-gate"),
            {
              spec,
              candidate: spec.candidate,
              candidateImageRef: candidateImage.imageRef,
              apiService: swarm.apiService,
              candidateService: swarm.candidateService,
              proxyService: swarm.proxyService,
              engine,
            },
            { parent: this, dependsOn: [smokeTest, ...(swarm.proxyRollout === undefined ? [] : [swarm.proxyRollout])] },
          )
        : dockerDeployment !== undefined && candidateImage !== undefined && gatesCandidate(spec.candidate)
        ? canaryGateCommand(
            childName(name, "canary-gate"),
            {
              spec,
              candidate: spec.candidate,
              candidateImageRef: candidateImage.imageRef,
              apiContainers: dockerDeployment.apiContainers,
              candidateContainers: dockerDeployment.candidateContainers,
              proxyContainer: dockerDeployment.proxyContainer,
              engine,
            },
            { parent: this, dependsOn: [smokeTest] },
          )
        : undefined;
    SERVICE_PARTS.set(this, {
      spec,
      apiImage,
      proxyImage,
      docker: dockerDeployment,
      swarm,
      registryCleanups,
      engineImages: baseImageOnEngine,
      smokeTest,
      candidateImage,
      canaryGate,
    });

    this.url = pulumi.output(serviceUrl(spec));
    this.predictUrl = pulumi.output(`${serviceUrl(spec)}/predict`);
    this.apiContainerNames = dockerDeployment
      ? pulumi.all(dockerDeployment.apiContainers.map((container) => container.name))
      : pulumi.output([]);
    this.proxyContainerName = dockerDeployment ? dockerDeployment.proxyContainer.name : pulumi.output("");
    this.apiImageName = apiImage.imageName;
    this.apiImageRef = apiImage.imageRef;
    this.proxyImageName = proxyImage.imageName;
    this.proxyImageRef = proxyImage.imageRef;
    this.modelName = pulumi.output(spec.modelName);
    this.modelVersion = pulumi.output(spec.modelVersion);
    this.modelDigest = pulumi.output(apiImage.modelDigest);
    this.networkName = dockerDeployment ? dockerDeployment.network.networkName : swarm ? swarm.network.name : pulumi.output(networkName(prefix));
    this.runtime = pulumi.output(spec.runtime.kind);
    this.apiServiceName = swarm ? swarm.apiService.name : pulumi.output("");
    this.proxyServiceName = swarm ? swarm.proxyService.name : pulumi.output("");
    this.candidateModelVersion = pulumi.output(spec.candidate?.modelVersion ?? "");
    this.candidateModelDigest = pulumi.output(candidateImage?.modelDigest ?? "");
    this.candidateContainerNames = dockerDeployment
      ? pulumi.all(dockerDeployment.candidateContainers.map((container) => container.name))
      : pulumi.output([]);
    this.canaryGateResult = canaryGate ? canaryGate.stdout.apply(canaryGateSummary) : pulumi.output("");
    this.registerOutputs({
      url: this.url,
      predictUrl: this.predictUrl,
      apiContainerNames: this.apiContainerNames,
      proxyContainerName: this.proxyContainerName,
      apiImageName: this.apiImageName,
      apiImageRef: this.apiImageRef,
      proxyImageName: this.proxyImageName,
      proxyImageRef: this.proxyImageRef,
      modelName: this.modelName,
      modelVersion: this.modelVersion,
      modelDigest: this.modelDigest,
      networkName: this.networkName,
      runtime: this.runtime,
      apiServiceName: this.apiServiceName,
      proxyServiceName: this.proxyServiceName,
      candidateModelVersion: this.candidateModelVersion,
      candidateModelDigest: this.candidateModelDigest,
      candidateContainerNames: this.candidateContainerNames,
      canaryGateResult: this.canaryGateResult,
    });
  }
}

/**
 * What the smoke test re-runs for: the images, the replicas and the proxy container or the two Swarm services and
 * their task spec, and the nginx config.
 */
function servingIdentity(
  apiImage: ModelApiImage,
  proxyImage: ProxyImage,
  nginxConfig: string,
  dockerDeployment: DockerDeployment | undefined,
  swarm: SwarmDeployment | undefined,
): pulumi.Input<unknown>[] {
  const serving =
    dockerDeployment !== undefined
      ? [
          pulumi.all(dockerDeployment.apiContainers.map((container) => container.id)),
          dockerDeployment.proxyContainer.id,
          // Only with a candidate, so a service without one keeps its triggers.
          ...(dockerDeployment.candidateContainers.length > 0 ? [pulumi.all(dockerDeployment.candidateContainers.map((container) => container.id))] : []),
        ]
      : swarm !== undefined
        ? [swarm.apiService.id, swarm.proxyService.id, swarm.taskSpecHash]
        : [];
  return [apiImage.imageRef, proxyImage.imageRef, ...serving, sha256Hex(nginxConfig)];
}
