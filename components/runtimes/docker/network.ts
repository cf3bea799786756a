import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerLabel } from "../../containers/labels.js";
import { childName } from "../../containers/naming.js";

/** Arguments of `ModelServiceNetwork`. */
export interface ModelServiceNetworkArgs {
  /** Docker name of the network; keep it stable, renaming replaces the network and every container on it. */
  readonly networkName: string;
  /** Labels of the network (only this package's fixed labels: a changed label would replace the network). */
  readonly labels: readonly DockerLabel[];
}

/**
 * The private bridge network the api replicas and the proxy share. It publishes nothing by itself:
 * only the proxy container publishes a port on the host. Not `internal`, so replicas can still reach
 * outside services (a model may need them).
 */
export class ModelServiceNetwork extends pulumi.ComponentResource {
  /** Docker name of the network, what containers attach to. */
  readonly networkName: pulumi.Output<string>;
  readonly network: docker.Network;

  constructor(name: string, args: ModelServiceNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("model-service:index:ModelServiceNetwork", name, {}, opts);
    this.network = new docker.Network(
      childName(name, "bridge"),
      { name: args.networkName, driver: "bridge", internal: false, labels: [...args.labels] },
      { parent: this },
    );
    this.networkName = this.network.name;
    this.registerOutputs({ networkName: this.networkName });
  }
}
