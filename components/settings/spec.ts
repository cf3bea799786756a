import type * as pulumi from "@pulumi/pulumi";
import type { ApiKeysSpec } from "./apiKeys.js";
import type { ClientTimeouts, JsonValue, RestartPolicy, SwarmPublishMode } from "./args.js";
import type { TlsSpec } from "./tlsMaterial.js";

/**
 * What `ModelService` resolves its Args to: every field checked and defaulted (settings/validation.ts), the one
 * description of a service that the images, containers and runtimes are built from.
 */

/** Built-in model identity: the iris classifier trained at image build time (api/train_iris.py). */
export const BUILTIN_MODEL_NAME = "iris";
export const BUILTIN_MODEL_VERSION = "1.0.0";

/** One iris measurement row (sepal length/width, petal length/width in cm), the default smoke-test input. */
export const BUILTIN_MODEL_SMOKE_TEST_INSTANCES: readonly JsonValue[] = [[5.1, 3.5, 1.4, 0.2]];

/** Where the served model comes from. */
export type ModelSource =
  | { readonly kind: "builtin" }
  | { readonly kind: "directory"; /** Absolute path of the model directory. */ readonly dir: string };

/** CPU and memory limits of one container. */
export interface ContainerResources {
  readonly memoryMb: number;
  readonly cpus: number;
}

/** A registry after validation. */
export interface RegistrySpec {
  readonly server: string;
  readonly username?: pulumi.Input<string>;
  readonly password?: pulumi.Input<string>;
  readonly deleteFromRegistry: boolean;
}

/** Where the service runs, after validation. */
export type RuntimeSpec = DockerRuntimeSpec | SwarmRuntimeSpec;

/** One Docker engine. */
export interface DockerRuntimeSpec {
  readonly kind: "docker";
}

/** A Docker Swarm, every setting defaulted. */
export interface SwarmRuntimeSpec {
  readonly kind: "swarm";
  readonly managerHost?: string;
  readonly address: string;
  readonly publishMode: SwarmPublishMode;
  readonly proxyReplicas: number;
  readonly apiConstraints: readonly string[];
  readonly maxReplicasPerNode: number;
  readonly apiReservation: ContainerResources;
  readonly updateMonitorSeconds: number;
}

/** The gates of a candidate, every member defaulted. */
export interface CanaryGatesSpec {
  readonly windowSeconds: number;
  readonly maxErrorRate: number;
  readonly maxP99LatencyRatio: number;
  /** Absent: agreement is measured but not gated. */
  readonly minAgreement?: number;
  readonly minRequests: number;
}

/** A candidate model beside the stable one, after validation. */
export interface CandidateSpec {
  /** Absolute path of the candidate's model directory. */
  readonly modelDir: string;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly replicas: number;
  /** Percent of live requests it answers, 0 to 100 with at most two decimals. */
  readonly trafficPercent: number;
  /** Percent of prediction requests mirrored to it, 0 to 100 with at most two decimals. */
  readonly shadowPercent: number;
  /** Header whose value picks the version; absent: random per request. */
  readonly stickyHeader?: string;
  readonly gates?: CanaryGatesSpec;
}

/** The complete, defaulted and checked description of one service, produced by `resolveModelServiceSpec`. */
export interface ModelServiceSpec {
  /** The component's name; first half of every Docker object name. */
  readonly serviceName: string;
  /** The Pulumi stack, as given by the engine. */
  readonly stack: string;
  /** The Pulumi project, as given by the engine. */
  readonly project: string;
  readonly model: ModelSource;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly replicas: number;
  readonly gunicorn: { readonly workers: number; readonly threads: number; readonly timeoutSeconds: number };
  readonly maxBodyBytes: number;
  readonly maxBatchSize: number;
  /** Adaptive batching in each worker: most rows per model call (1: off) and the longest wait for announced requests. */
  readonly batching: { readonly maxRows: number; readonly maxWaitMicroseconds: number };
  readonly startupTimeoutSeconds: number;
  readonly api: ContainerResources;
  readonly proxy: ContainerResources;
  readonly hostAddress: string;
  readonly hostPort: number;
  readonly rateLimit?: { readonly requestsPerSecond: number; readonly burst: number };
  /** Extra api environment, keys sorted; a value may be an Output (checked when known). */
  readonly environment: Readonly<Record<string, pulumi.Input<string>>>;
  /** Extra container labels, keys sorted; a value may be an Output (checked when known). */
  readonly labels: Readonly<Record<string, pulumi.Input<string>>>;
  readonly baseImage: string;
  readonly registry?: RegistrySpec;
  readonly restartPolicy: RestartPolicy;
  readonly logging: { readonly maxSize: string; readonly maxFiles: number };
  /** The rows may be an Output (checked when known). */
  readonly smokeTest: { readonly instances: pulumi.Input<readonly JsonValue[]>; readonly timeoutSeconds: number };
  readonly clientTimeouts: Readonly<Required<ClientTimeouts>>;
  readonly maxConnectionsPerClient: number;
  /** Present when API keys are required. */
  readonly apiKeys?: ApiKeysSpec;
  /** Present when nginx serves HTTPS. */
  readonly tls?: TlsSpec;
  readonly runtime: RuntimeSpec;
  /** Present when a candidate model runs beside the stable one. */
  readonly candidate?: CandidateSpec;
}
