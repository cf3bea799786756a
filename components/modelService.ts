import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { apiContainerFingerprint, apiContainerSettings } from "./apiContainer.js";
import { NOT_UPDATABLE_IN_PLACE } from "./containerHardening.js";
import { sha256Hex } from "./contentHash.js";
import { modelServiceLabels } from "./labels.js";
import { ModelApiImage } from "./modelApiImage.js";
import { inspectModelDirectory } from "./modelDirectory.js";
import type { ModelServiceArgs, ModelServiceSpec } from "./modelServiceArgs.js";
import { ModelServiceNetwork } from "./modelServiceNetwork.js";
import { apiContainerName, childName, networkName, proxyContainerName, resourcePrefix, tlsVolumeName } from "./naming.js";
import { renderNginxConfig } from "./nginxConfig.js";
import { NginxImage } from "./nginxImage.js";
import { proxyContainerSettings } from "./proxyContainer.js";
import { BASH, PROXY_APPLY_CONFIG_SCRIPT } from "./proxyConfig.js";
import { API_NETWORK_ALIAS, nginxConfigOptions, serviceUrl } from "./serviceSettings.js";
import { SMOKE_TEST_SCRIPT, smokeTestEnvironment, smokeTestSecretEnvironment } from "./smokeTest.js";
import { PROXY_TLS_FILES_SCRIPT, proxyTlsFilesStdin } from "./proxyTls.js";
import { pulumiProjectDirectory } from "./projectDirectory.js";
import { resolveModelServiceSpec } from "./validation.js";

/** The resources and settings one `ModelService` is made of (see its getters). */
interface ModelServiceParts {
  readonly spec: ModelServiceSpec;
  readonly apiImage: ModelApiImage;
  readonly nginxImage: NginxImage;
  readonly network: ModelServiceNetwork;
  readonly apiContainers: docker.Container[];
  readonly proxyContainer: docker.Container;
  readonly proxyConfig: command.local.Command;
  readonly tlsVolume: docker.Volume | undefined;
  readonly tlsFiles: command.local.Command | undefined;
  readonly smokeTest: command.local.Command;
}

/**
 * Held beside each service instead of in instance fields: the schema of the component package lists every
 * instance field as an output, and these are not values other languages could receive.
 */
const SERVICE_PARTS = new WeakMap<ModelService, ModelServiceParts>();

/**
 * An ML model's prediction API on Docker: the api image for the model, N api replicas (gunicorn +
 * Flask) on a private network that are never published, nginx in front of them published on
 * `hostAddress:hostPort` (it finds the replicas through Docker's DNS on every request, so replica
 * changes need no reload), its config applied in place, and a smoke test through nginx that fails
 * `pulumi up` when the service does not answer. docs/rollouts.md says what each kind of change does.
 *
 * Args are validated when the component is constructed: invalid args throw
 * `ModelServiceConfigError` before any resource is registered.
 */
export class ModelService extends pulumi.ComponentResource {
  /** Base URL of the service on the host, e.g. `http://127.0.0.1:8080` (loopback when published on 0.0.0.0). */
  readonly url: pulumi.Output<string>;
  /** `POST` endpoint for predictions, `<url>/predict`. */
  readonly predictUrl: pulumi.Output<string>;
  /** Docker names of the api replicas, in replica order. */
  readonly apiContainerNames: pulumi.Output<string[]>;
  /** Docker name of the nginx container. */
  readonly proxyContainerName: pulumi.Output<string>;
  /** api image name with its content tag. */
  readonly apiImageName: pulumi.Output<string>;
  /** What the api replicas run: the pushed manifest digest, or the local image ID without a registry. */
  readonly apiImageRef: pulumi.Output<string>;
  /** nginx image name with its content tag. */
  readonly proxyImageName: pulumi.Output<string>;
  /** What the proxy runs: the pushed manifest digest, or the local image ID without a registry. */
  readonly proxyImageRef: pulumi.Output<string>;
  /** Model name the api reports. */
  readonly modelName: pulumi.Output<string>;
  /** Model version the api reports. */
  readonly modelVersion: pulumi.Output<string>;
  /** `sha256:<hex>` of the model: for `modelDir` the digest the api reports in `/metadata`; for the built-in model the content hash of the api build context that produces it. */
  readonly modelDigest: pulumi.Output<string>;
  /** Docker name of the private network. */
  readonly networkName: pulumi.Output<string>;


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
  /** The nginx image. */
  get nginxImage(): NginxImage {
    return this.parts().nginxImage;
  }
  /** The private network of the replicas and the proxy. */
  get network(): ModelServiceNetwork {
    return this.parts().network;
  }
  /** The api replicas, in replica order. */
  get apiContainers(): docker.Container[] {
    return this.parts().apiContainers;
  }
  /** The nginx container. */
  get proxyContainer(): docker.Container {
    return this.parts().proxyContainer;
  }
  /** Applies the rendered nginx config to the running proxy in place (a graceful reload, no new container). */
  get proxyConfig(): command.local.Command {
    return this.parts().proxyConfig;
  }
  /** With TLS: the volume the certificate and key are uploaded into. */
  get tlsVolume(): docker.Volume | undefined {
    return this.parts().tlsVolume;
  }
  /** With TLS: writes the certificate and key into `tlsVolume` (and reloads a running proxy when they change). */
  get tlsFiles(): command.local.Command | undefined {
    return this.parts().tlsFiles;
  }
  /** The post-deploy smoke test. */
  get smokeTest(): command.local.Command {
    return this.parts().smokeTest;
  }

  private parts(): ModelServiceParts {
    const parts = SERVICE_PARTS.get(this);
    if (parts === undefined) {
      throw new Error("ModelService parts are read before its constructor finished");
    }
    return parts;
  }


  constructor(name: string, args: ModelServiceArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    const spec = resolveModelServiceSpec(args, {
      serviceName: name,
      stack: pulumi.getStack(),
      project: pulumi.getProject(),
      projectDir: pulumiProjectDirectory(),
      inspectModelDirectory,
    });
    super("model-service:index:ModelService", name, {}, opts);
    const prefix = resourcePrefix(spec.serviceName, spec.stack);

    const network = new ModelServiceNetwork(
      childName(name, "network"),
      {
        networkName: networkName(prefix),
        labels: modelServiceLabels({ project: spec.project, stack: spec.stack, service: spec.serviceName, component: "network" }),
      },
      { parent: this },
    );
    const apiImage = new ModelApiImage(
      childName(name, "api-image"),
      {
        baseImage: spec.baseImage,
        modelDir: spec.model.kind === "directory" ? spec.model.dir : undefined,
        registry: spec.registry,
      },
      { parent: this },
    );
    const nginxImage = new NginxImage(
      childName(name, "nginx-image"),
      { baseImage: spec.baseImage, registry: spec.registry },
      { parent: this },
    );

    const apiContainers = Array.from({ length: spec.replicas }, (_, index) => this.apiReplica(name, spec, prefix, index, apiImage, network));

    const nginxConfig = renderNginxConfig(nginxConfigOptions(spec));
    const tlsVolume =
      spec.tls === undefined
        ? undefined
        : new docker.Volume(
            childName(name, "tls"),
            { name: tlsVolumeName(prefix), labels: modelServiceLabels({ project: spec.project, stack: spec.stack, service: spec.serviceName, component: "tls" }) },
            { parent: this },
          );
    const tlsFiles =
      spec.tls === undefined || tlsVolume === undefined
        ? undefined
        : new command.local.Command(
            childName(name, "tls-files"),
            {
              create: PROXY_TLS_FILES_SCRIPT,
              update: PROXY_TLS_FILES_SCRIPT,
              interpreter: BASH,
              stdin: proxyTlsFilesStdin(spec.tls),
              environment: {
                TLS_VOLUME: tlsVolume.name,
                NGINX_IMAGE: nginxImage.imageRef,
                PROXY_CONTAINER: proxyContainerName(prefix, spec.hostPort),
              },
              // A changed certificate or key (the secret stdin) rewrites the files; a new image or volume too.
              triggers: [tlsVolume.id],
            },
            { parent: this },
          );
    const proxyContainer = new docker.Container(
      // One resource per published port: a port change creates the new proxy before the old one goes.
      childName(name, `proxy-${spec.hostPort}`),
      {
        ...proxyContainerSettings(spec, nginxConfig, tlsVolume && tlsVolumeName(prefix)),
        name: proxyContainerName(prefix, spec.hostPort),
        image: nginxImage.imageRef,
        networksAdvanced: [{ name: network.networkName }],
      },
      {
        parent: this,
        ...(tlsFiles ? { dependsOn: [tlsFiles] } : {}),
        // The port cannot be bound twice: a replacement with the same port (new image) removes the old proxy first.
        deleteBeforeReplace: true,
        replaceOnChanges: [...NOT_UPDATABLE_IN_PLACE],
        // The config it starts with; later config changes are applied in place by `proxyConfig` (a reload).
        ignoreChanges: ["envs"],
      },
    );
    const proxyConfig = new command.local.Command(
      childName(name, "proxy-config"),
      {
        create: PROXY_APPLY_CONFIG_SCRIPT,
        update: PROXY_APPLY_CONFIG_SCRIPT,
        interpreter: BASH,
        environment: { PROXY_CONTAINER: proxyContainer.name, NGINX_CONF: nginxConfig },
        triggers: [proxyContainer.id],
      },
      { parent: this },
    );
    const smokeTest = new command.local.Command(
      childName(name, "smoke-test"),
      {
        create: SMOKE_TEST_SCRIPT,
        update: SMOKE_TEST_SCRIPT,
        interpreter: BASH,
        environment: { ...smokeTestEnvironment(spec), ...smokeTestSecretEnvironment(spec) },
        // Whatever serves the traffic changed: images, replicas, the proxy container or its config.
        triggers: [
          apiImage.imageRef,
          nginxImage.imageRef,
          apiContainerIds(apiContainers),
          proxyContainer.id,
          sha256Hex(nginxConfig),
        ],
      },
      { parent: this, dependsOn: [proxyConfig, ...apiContainers] },
    );
    SERVICE_PARTS.set(this, { spec, apiImage, nginxImage, network, apiContainers, proxyContainer, proxyConfig, tlsVolume, tlsFiles, smokeTest });

    this.url = pulumi.output(serviceUrl(spec));
    this.predictUrl = pulumi.output(`${serviceUrl(spec)}/predict`);
    this.apiContainerNames = pulumi.all(apiContainers.map((container) => container.name));
    this.proxyContainerName = proxyContainer.name;
    this.apiImageName = apiImage.imageName;
    this.apiImageRef = apiImage.imageRef;
    this.proxyImageName = nginxImage.imageName;
    this.proxyImageRef = nginxImage.imageRef;
    this.modelName = pulumi.output(spec.modelName);
    this.modelVersion = pulumi.output(spec.modelVersion);
    this.modelDigest = pulumi.output(apiImage.modelDigest);
    this.networkName = network.networkName;
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
    });
  }

  /**
   * api replica `index`: never publishes a port; reachable on the private network as `api` (shared by
   * all replicas, which nginx looks up per request) and by its own name. Replaced create-before-delete
   * (its name changes with everything that forces a replacement): the new replica only accepts
   * connections once its model is loaded and warmed up, and the old one stops gracefully (gunicorn
   * finishes what it has in flight; nginx retries refused connections on another replica).
   */
  private apiReplica(
    name: string,
    spec: ModelServiceSpec,
    prefix: string,
    index: number,
    apiImage: ModelApiImage,
    network: ModelServiceNetwork,
  ): docker.Container {
    const settings = apiContainerSettings(spec, index, apiImage.modelDigest);
    const containerName = apiImage.imageRef.apply((imageRef) =>
      apiContainerName(prefix, index, apiContainerFingerprint(settings, imageRef, networkName(prefix))),
    );
    return new docker.Container(
      childName(name, `api-${index}`),
      {
        ...settings,
        name: containerName,
        image: apiImage.imageRef,
        networksAdvanced: [{ name: network.networkName, aliases: [API_NETWORK_ALIAS, containerName] }],
      },
      {
        parent: this,
        // The provider defaults to delete-first; the changing name makes create-first safe: no gap in service.
        deleteBeforeReplace: false,
        replaceOnChanges: [...NOT_UPDATABLE_IN_PLACE],
      },
    );
  }
}

/** The IDs of the api containers, one Output (a change of any replica re-runs the smoke test). */
function apiContainerIds(containers: readonly docker.Container[]): pulumi.Output<string[]> {
  return pulumi.all(containers.map((container) => container.id));
}
