import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import { modelServiceLabels } from "../../containers/labels.js";
import type { DeploymentInputs } from "../index.js";
import { childName, networkName, proxyContainerName, tlsVolumeName } from "../../containers/naming.js";
import { API_NETWORK_ALIAS } from "../../containers/addresses.js";
import { API_CANDIDATE_NETWORK_ALIAS } from "../../containers/candidate.js";
import { apiContainerSettings } from "./apiContainer.js";
import { ModelServiceNetwork } from "./network.js";
import type { ModelApiImage } from "../../images/apiImage.js";
import type { CandidateSpec } from "../../settings/spec.js";
import { PROXY_APPLY_CONFIG_SCRIPT } from "../../commands/proxyConfig.js";
import { BASH } from "../../commands/scripts.js";
import { engineCommandEnvironment, engineScript } from "../../engine/commandEngine.js";
import { proxyContainerSettings } from "./proxyContainer.js";
import { apiReplicaName, apiReplicaRollout, candidateReplicaName, proxyRollout } from "./rolloutPolicy.js";
import { PROXY_TLS_FILES_SCRIPT, proxyTlsFilesStdin } from "../../commands/tlsFiles.js";

/** What `deployDocker` creates. */
export interface DockerDeployment {
  readonly network: ModelServiceNetwork;
  readonly apiContainers: docker.Container[];
  /** The candidate's replicas, in replica order; empty without a candidate. */
  readonly candidateContainers: docker.Container[];
  readonly proxyContainer: docker.Container;
  readonly proxyConfig: command.local.Command;
  readonly tlsVolume: docker.Volume | undefined;
  readonly tlsFiles: command.local.Command | undefined;
}

/** @deprecated use DockerDeployment */
export type SingleHostDeployment = DockerDeployment;

/**
 * The docker runtime: N api replicas on a private bridge network that are never published, the proxy (nginx) in
 * front of them published on `hostAddress:hostPort` (it finds the replicas through Docker's DNS on every request, so
 * replica changes need no reload), and its config applied in place. rolloutPolicy.ts says how a change is rolled out.
 */
export function deployDocker(inputs: DeploymentInputs): DockerDeployment {
  const { name, spec, prefix, proxyImage, nginxConfig, engine, parent } = inputs;
  const network = new ModelServiceNetwork(
    childName(name, "network"),
    {
      networkName: networkName(prefix),
      labels: modelServiceLabels({ project: spec.project, stack: spec.stack, service: spec.serviceName, component: "network" }),
    },
    { parent },
  );
  const replicas = (role: ReplicaRole | undefined): docker.Container[] =>
    role === undefined ? [] : Array.from({ length: role.replicas }, (_, index) => replica(inputs, role, index, network));
  const apiContainers = replicas(stableRole(inputs));
  const candidateContainers = replicas(candidateRole(inputs));

  const tlsVolume =
    spec.tls === undefined
      ? undefined
      : new docker.Volume(
          childName(name, "tls"),
          { name: tlsVolumeName(prefix), labels: modelServiceLabels({ project: spec.project, stack: spec.stack, service: spec.serviceName, component: "tls" }) },
          { parent },
        );
  const tlsFiles =
    spec.tls === undefined || tlsVolume === undefined
      ? undefined
      : new command.local.Command(
          childName(name, "tls-files"),
          {
            create: engineScript(PROXY_TLS_FILES_SCRIPT, engine),
            update: engineScript(PROXY_TLS_FILES_SCRIPT, engine),
            interpreter: BASH,
            stdin: proxyTlsFilesStdin(spec.tls),
            environment: engineCommandEnvironment(
              {
                TLS_VOLUME: tlsVolume.name,
                NGINX_IMAGE: proxyImage.imageRef,
                PROXY_CONTAINER: proxyContainerName(prefix, spec.hostPort),
              },
              engine,
            ),
            // A changed certificate or key (the secret stdin) rewrites the files; a new image or volume too.
            triggers: [tlsVolume.id],
          },
          { parent },
        );
  const proxyContainer = new docker.Container(
    // One resource per published port: a port change creates the new proxy before the old one goes.
    childName(name, `proxy-${spec.hostPort}`),
    {
      ...proxyContainerSettings(spec, nginxConfig, tlsVolume && tlsVolumeName(prefix)),
      name: proxyContainerName(prefix, spec.hostPort),
      image: proxyImage.imageRef,
      networksAdvanced: [{ name: network.networkName }],
    },
    { parent, ...(tlsFiles ? { dependsOn: [tlsFiles] } : {}), ...proxyRollout() },
  );
  const proxyConfig = new command.local.Command(
    childName(name, "proxy-config"),
    {
      create: engineScript(PROXY_APPLY_CONFIG_SCRIPT, engine),
      update: engineScript(PROXY_APPLY_CONFIG_SCRIPT, engine),
      interpreter: BASH,
      environment: engineCommandEnvironment({ PROXY_CONTAINER: proxyContainer.name, NGINX_CONF: nginxConfig }, engine),
      triggers: [proxyContainer.id],
    },
    // A new candidate answers before the config that routes to it is applied; a removed one goes only after the
    // config without it (Pulumi deletes removed resources last).
    { parent, ...(candidateContainers.length > 0 ? { dependsOn: candidateContainers } : {}) },
  );
  return { network, apiContainers, candidateContainers, proxyContainer, proxyConfig, tlsVolume, tlsFiles };
}

/** What tells a candidate replica from a stable one: its logical name, image, network alias and Docker name. */
interface ReplicaRole {
  readonly logicalName: "api" | "candidate";
  readonly image: ModelApiImage;
  readonly alias: string;
  readonly dockerName: typeof apiReplicaName;
  readonly replicas: number;
  readonly candidate?: CandidateSpec;
}

/** The stable replicas' role: reachable as `api`, shared by all of them, which nginx looks up per request. */
function stableRole(inputs: DeploymentInputs): ReplicaRole {
  return { logicalName: "api", image: inputs.apiImage, alias: API_NETWORK_ALIAS, dockerName: apiReplicaName, replicas: inputs.spec.replicas };
}

/** The candidate replicas' role: the candidate's image and environment, reachable as `api-candidate`. */
function candidateRole(inputs: DeploymentInputs): ReplicaRole | undefined {
  const { spec, candidateImage } = inputs;
  if (spec.candidate === undefined) return undefined;
  if (candidateImage === undefined) throw new Error("a candidate replica needs the candidate's image");
  const candidate = spec.candidate;
  return { logicalName: "candidate", image: candidateImage, alias: API_CANDIDATE_NETWORK_ALIAS, dockerName: candidateReplicaName, replicas: candidate.replicas, candidate };
}

/**
 * Replica `index` of `role`: never publishes a port; reachable on the private network by the role's alias and by
 * its own name. Replaced create-before-delete (see rolloutPolicy.ts).
 */
function replica(inputs: DeploymentInputs, role: ReplicaRole, index: number, network: ModelServiceNetwork): docker.Container {
  const { name, spec, prefix, parent } = inputs;
  const settings = apiContainerSettings(spec, index, role.image.modelDigest, role.candidate);
  const containerName = role.image.imageRef.apply((imageRef) => role.dockerName(prefix, index, settings, imageRef, networkName(prefix)));
  return new docker.Container(
    childName(name, `${role.logicalName}-${index}`),
    {
      ...settings,
      name: containerName,
      image: role.image.imageRef,
      networksAdvanced: [{ name: network.networkName, aliases: [role.alias, containerName] }],
    },
    { parent, ...apiReplicaRollout() },
  );
}
