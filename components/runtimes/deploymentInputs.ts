import type * as pulumi from "@pulumi/pulumi";
import type { ModelApiImage } from "../images/apiImage.js";
import type { ModelServiceSpec } from "../settings/args.js";
import type { NginxImage } from "../images/proxyImage.js";

/** What every runtime's deployment (`deploySingleHost`, `deploySwarm`) gets from `ModelService`. */
export interface DeploymentInputs {
  /** The component's name: the first part of every child's logical name. */
  readonly name: string;
  readonly spec: ModelServiceSpec;
  /** `resourcePrefix` of the service: the first part of every Docker object name. */
  readonly prefix: string;
  readonly apiImage: ModelApiImage;
  readonly nginxImage: NginxImage;
  /** The rendered nginx.conf. */
  readonly nginxConfig: string;
  /** The component, parent of every resource. */
  readonly parent: pulumi.Resource;
}
