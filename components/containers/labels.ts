import type * as pulumi from "@pulumi/pulumi";

/** Label keys this component sets start with this prefix; user labels may not use it. */
export const RESERVED_LABEL_PREFIX = "model-service.";

/** The part of a service a Docker object belongs to, recorded in the `model-service.component` label. */
export type ServiceComponent = "api" | "api-candidate" | "proxy" | "network" | "tls";

/** The label keys every object carries, so tests and operators can find and clean up a service's objects. */
export const LABEL_KEYS = {
  project: "model-service.project",
  stack: "model-service.stack",
  service: "model-service.service",
  component: "model-service.component",
  replica: "model-service.replica",
  /** The `sha256:` digest of the model an api container serves (`ModelService.modelDigest`). */
  modelDigest: "model-service.model-digest",
} as const;

/** Which object the labels are for. */
export interface LabelTarget {
  readonly project: string;
  readonly stack: string;
  readonly service: string;
  readonly component: ServiceComponent;
  /** Replica index, for api and candidate containers only. */
  readonly replica?: number;
  /** Digest of the served model, for api containers only: previews and `docker ps --filter label=...` show it. */
  readonly modelDigest?: string;
  /** User labels added on top (already validated not to use the reserved prefix). */
  readonly extra?: Readonly<Record<string, pulumi.Input<string>>>;
}

/** A Docker label as the `@pulumi/docker` resources take it. */
export interface DockerLabel {
  readonly label: string;
  /** A user's label value may be an Output (`ModelServiceArgs.labels`). */
  readonly value: pulumi.Input<string>;
}

/** The labels of one object as a key-sorted list, so identical settings always give identical inputs. */
export function modelServiceLabels(target: LabelTarget): DockerLabel[] {
  const labels: Record<string, pulumi.Input<string>> = {
    ...target.extra,
    [LABEL_KEYS.project]: target.project,
    [LABEL_KEYS.stack]: target.stack,
    [LABEL_KEYS.service]: target.service,
    [LABEL_KEYS.component]: target.component,
  };
  if (target.replica !== undefined) {
    labels[LABEL_KEYS.replica] = String(target.replica);
  }
  if (target.modelDigest !== undefined) {
    labels[LABEL_KEYS.modelDigest] = target.modelDigest;
  }
  return Object.keys(labels)
    .sort()
    .map((label) => ({ label, value: labels[label] }));
}
