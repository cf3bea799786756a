import {
  containerSettings,
  environmentValue,
  mapValue,
  modelDigestLabel,
  proxyNginxConfig,
  settingValue,
  type ContainerRole,
  type ContainerSettings,
  type SettingValue,
} from "./containerSettings.js";
import { existsAfter, existsBefore, isChange, SECRET_VALUE, type PlannedStep, type PropertyMap, type StepOp } from "./previewDocument.js";
import type { ServiceSteps } from "./serviceGrouping.js";
import { classifyServicePart, type ServicePart } from "./serviceParts.js";
import { NGINX_CONF_ENV_VAR } from "../components/nginx/options.js";

/** One value before and after; a side is absent when the preview does not show it. */
export interface ValueChange {
  readonly before?: SettingValue;
  readonly after?: SettingValue;
}

/** One setting that changes. */
export interface SettingChange extends ValueChange {
  readonly setting: string;
}

/** What happens to one container. */
export interface ContainerChange {
  readonly role: ContainerRole;
  /** Replica index, for api containers. */
  readonly replica?: number;
  /** Published port, for a proxy resource named for its port. */
  readonly port?: number;
  readonly op: "create" | "update" | "replace" | "delete";
  /** Why: the settings that change, `image` for a new image. */
  readonly because: readonly string[];
}

/** A changed resource of the service other than its containers. */
export interface PartChange {
  readonly part: ServicePart;
  readonly op: StepOp;
  readonly urn: string;
  readonly type: string;
  readonly because: readonly string[];
}

/** Everything a review says about one `ModelService`. */
export interface ServiceChanges {
  readonly name: string;
  readonly urn: string;
  /** `new`: nothing of it existed; `removed`: nothing of it remains. */
  readonly lifecycle: "new" | "removed" | "changed" | "unchanged";
  readonly modelName: ValueChange;
  readonly modelVersion: ValueChange;
  readonly modelDigest: ValueChange;
  /** api replica counts; `before`/`after` are absent when the preview left unchanged resources out. */
  readonly replicas: { readonly before?: number; readonly after?: number; readonly added: number; readonly removed: number };
  readonly apiSettings: readonly SettingChange[];
  readonly proxySettings: readonly SettingChange[];
  /** The rendered nginx.conf before and after, when it changes and is readable. */
  readonly nginxConfig?: { readonly before: string; readonly after: string };
  /** Containers that change, api replicas in index order, then the proxy. */
  readonly containers: readonly ContainerChange[];
  /** Every other changed resource of the service (images, network, commands, anything unknown). */
  readonly parts: readonly PartChange[];
}

/**
 * Summarises the steps of one service. `includesUnchanged` says whether the preview listed unchanged
 * resources too (`PreviewDocument.includesUnchanged`); without them replica totals are unknown.
 */
export function summarizeService(service: ServiceSteps, includesUnchanged: boolean): ServiceChanges {
  const steps = service.steps.filter((step) => !isReplacementHalf(step));
  const classified = steps.map((step) => ({ step, part: classifyServicePart(step, service.name) }));
  const replicas = classified.filter((entry) => entry.part.kind === "api-replica");
  const proxies = classified.filter((entry) => entry.part.kind === "proxy");
  // A port change is a new proxy resource beside the old one: compare the one going with the one coming.
  const proxyBefore = proxies.find((entry) => existsBefore(entry.step))?.step;
  const proxyAfter = proxies.find((entry) => existsAfter(entry.step))?.step;
  const smokeTest = classified.find((entry) => entry.part.kind === "smoke-test")?.step;
  const component = classified.find((entry) => entry.part.kind === "component" && entry.step.urn === service.urn)?.step;
  const replicaSteps = replicas.map((entry) => entry.step);

  const changes = steps.filter(isChange);
  const existedBefore = steps.some((step) => step.custom && existsBefore(step));
  const existsAfterwards = steps.some((step) => step.custom && existsAfter(step));
  const lifecycle = !existedBefore && existsAfterwards ? "new" : existedBefore && !existsAfterwards ? "removed" : changes.length > 0 ? "changed" : "unchanged";

  return {
    name: service.name,
    urn: service.urn,
    lifecycle,
    modelName: modelValue(replicaSteps, smokeTest, component, "MODEL_NAME", "EXPECTED_MODEL_NAME", "modelName"),
    modelVersion: modelValue(replicaSteps, smokeTest, component, "MODEL_VERSION", "EXPECTED_MODEL_VERSION", "modelVersion"),
    modelDigest: {
      ...optional("before", firstDefined(replicaSteps.filter(existsBefore).map((step) => modelDigestLabel(step.oldInputs))) ?? outputValue(component, "modelDigest")),
      ...optional("after", firstDefined(replicaSteps.filter(existsAfter).map((step) => modelDigestLabel(step.newInputs)))),
    },
    replicas: replicaCounts(replicaSteps, includesUnchanged),
    apiSettings: mergeSettingChanges(replicaSteps.map((step) => containerSettingChanges(step, "api"))),
    proxySettings: proxySettingChanges(proxyBefore, proxyAfter),
    ...nginxConfigChange(steps),
    containers: containerChanges(replicas, proxies),
    parts: classified
      .filter((entry) => entry.part.kind !== "api-replica" && entry.part.kind !== "proxy" && entry.part.kind !== "component" && isChange(entry.step))
      .map((entry) => ({ part: entry.part, op: entry.step.op, urn: entry.step.urn, type: entry.step.type, because: changedProperties(entry.step) })),
  };
}

/** True when before and after differ (or one side is missing). */
export function valueChanged(change: ValueChange): boolean {
  return !sameValue(change.before, change.after);
}

/** Two setting values that read the same; two secrets are only known to differ from the engine's diff. */
export function sameValue(a: SettingValue | undefined, b: SettingValue | undefined): boolean {
  if (a === undefined || b === undefined) {
    return a === b;
  }
  if (a.kind === "value" && b.kind === "value") {
    return a.text === b.text;
  }
  return a.kind === b.kind && a.kind !== "unknown";
}

function isReplacementHalf(step: PlannedStep): boolean {
  return step.op === "create-replacement" || step.op === "delete-replaced" || step.op === "read-replacement" || step.op === "discard-replaced";
}

function replicaCounts(replicas: readonly PlannedStep[], includesUnchanged: boolean): ServiceChanges["replicas"] {
  return {
    ...(includesUnchanged ? { before: replicas.filter(existsBefore).length, after: replicas.filter(existsAfter).length } : {}),
    added: replicas.filter((step) => !existsBefore(step)).length,
    removed: replicas.filter((step) => !existsAfter(step)).length,
  };
}

function modelValue(
  replicas: readonly PlannedStep[],
  smokeTest: PlannedStep | undefined,
  component: PlannedStep | undefined,
  environmentName: string,
  smokeTestName: string,
  outputName: string,
): ValueChange {
  const before =
    firstDefined(replicas.filter(existsBefore).map((step) => environmentValue(step.oldInputs, environmentName))) ??
    (smokeTest !== undefined && existsBefore(smokeTest) ? mapValue(smokeTest.oldInputs, "environment", smokeTestName) : undefined) ??
    outputValue(component, outputName);
  const after =
    firstDefined(replicas.filter(existsAfter).map((step) => environmentValue(step.newInputs, environmentName))) ??
    (smokeTest !== undefined && existsAfter(smokeTest) ? mapValue(smokeTest.newInputs, "environment", smokeTestName) : undefined);
  return { ...optional("before", before), ...optional("after", after) };
}

function outputValue(component: PlannedStep | undefined, name: string): SettingValue | undefined {
  const value = component?.oldOutputs?.[name];
  return value === undefined ? undefined : settingValue(value);
}

/** The settings of a container that differ between its old and new inputs (none for creates and deletes). */
function containerSettingChanges(step: PlannedStep, role: ContainerRole): SettingChange[] {
  if (step.oldInputs === undefined || step.newInputs === undefined || !existsBefore(step) || !existsAfter(step)) {
    return [];
  }
  const changes = diffSettings(containerSettings(step.oldInputs, role), containerSettings(step.newInputs, role));
  // Two masked values look alike; the engine's own diff says whether the secret changed.
  for (const property of changedProperties(step)) {
    if (maskedOnBothSides(step.oldInputs[property], step.newInputs[property]) && !changes.some((change) => change.setting === property)) {
      changes.push({ setting: property, before: { kind: "secret" }, after: { kind: "secret" } });
    }
  }
  return changes;
}

/** Setting changes of all replicas, each distinct change once. */
function mergeSettingChanges(perReplica: readonly SettingChange[][]): SettingChange[] {
  const merged = new Map<string, SettingChange>();
  for (const change of perReplica.flat()) {
    merged.set(`${change.setting}\u0000${JSON.stringify(change.before)}\u0000${JSON.stringify(change.after)}`, change);
  }
  return [...merged.values()].sort((a, b) => a.setting.localeCompare(b.setting));
}

/** Differences between two flat settings maps, sorted by setting name. */
export function diffSettings(before: ContainerSettings, after: ContainerSettings): SettingChange[] {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  return names
    .filter((name) => !sameValue(before.get(name), after.get(name)))
    .map((name) => ({ setting: name, ...optional("before", before.get(name)), ...optional("after", after.get(name)) }));
}

function proxySettingChanges(before: PlannedStep | undefined, after: PlannedStep | undefined): SettingChange[] {
  if (before === undefined || after === undefined) {
    return [];
  }
  if (before === after) {
    return containerSettingChanges(before, "proxy");
  }
  if (before.oldInputs === undefined || after.newInputs === undefined) {
    return [];
  }
  return diffSettings(containerSettings(before.oldInputs, "proxy"), containerSettings(after.newInputs, "proxy"));
}

function containerChanges(
  replicas: readonly { step: PlannedStep; part: ServicePart }[],
  proxies: readonly { step: PlannedStep; part: ServicePart }[],
): ContainerChange[] {
  const changes: ContainerChange[] = [];
  const sorted = [...replicas].sort((a, b) => replicaIndex(a.part) - replicaIndex(b.part));
  for (const { step, part } of sorted) {
    const op = containerOp(step.op);
    if (op !== undefined) {
      changes.push({ role: "api", replica: replicaIndex(part), op, because: containerReasons(step, "api") });
    }
  }
  for (const { step, part } of proxies) {
    const op = containerOp(step.op);
    if (op !== undefined) {
      const port = part.kind === "proxy" ? part.port : undefined;
      changes.push({ role: "proxy", ...(port === undefined ? {} : { port }), op, because: containerReasons(step, "proxy") });
    }
  }
  return changes;
}

function replicaIndex(part: ServicePart): number {
  return part.kind === "api-replica" ? part.replica : -1;
}

function containerOp(op: StepOp): ContainerChange["op"] | undefined {
  switch (op) {
    case "create":
    case "import":
      return "create";
    case "update":
      return "update";
    case "replace":
      return "replace";
    case "delete":
      return "delete";
    default:
      return undefined;
  }
}

function containerReasons(step: PlannedStep, role: ContainerRole): string[] {
  if (step.op !== "update" && step.op !== "replace") {
    return [];
  }
  const reasons = containerSettingChanges(step, role).map((change) => change.setting);
  if (role === "api" && !sameValue(settingValue(step.oldInputs?.image), settingValue(step.newInputs?.image))) {
    reasons.unshift("image");
  }
  if (role === "proxy" && proxyNginxConfig(step.oldInputs) !== proxyNginxConfig(step.newInputs)) {
    reasons.push("nginx.conf");
  }
  // Equal inputs, yet the engine plans a change: the provider compares its stored state, not the last inputs.
  return reasons.length > 0 ? reasons : changedProperties(step).map((property) => `${property}: provider-side difference, input unchanged`);
}

/** Top-level properties the engine reports as changed. */
function changedProperties(step: PlannedStep): string[] {
  const properties = [...step.replaceReasons, ...step.diffReasons].map((path) => path.split(/[.[]/)[0]);
  return [...new Set(properties)].sort();
}

function maskedOnBothSides(before: unknown, after: unknown): boolean {
  const masked = (value: unknown) => JSON.stringify(value ?? null).includes(SECRET_VALUE);
  return masked(before) && masked(after);
}

/** The nginx.conf change, wherever the service carries the rendered config (the proxy's environment today). */
function nginxConfigChange(steps: readonly PlannedStep[]): Pick<ServiceChanges, "nginxConfig"> {
  for (const step of steps) {
    if (!isChange(step) || !existsBefore(step) || !existsAfter(step)) {
      continue;
    }
    const before = nginxConfigOf(step.oldInputs);
    const after = nginxConfigOf(step.newInputs);
    if (before !== undefined && after !== undefined && before !== after) {
      return { nginxConfig: { before, after } };
    }
  }
  return {};
}

function nginxConfigOf(inputs: PropertyMap | undefined): string | undefined {
  const fromContainer = proxyNginxConfig(inputs);
  if (fromContainer !== undefined) {
    return fromContainer;
  }
  const plain = mapValue(inputs, "environment", "NGINX_CONF");
  if (plain?.kind === "value") {
    return plain.text;
  }
  const encoded = mapValue(inputs, "environment", NGINX_CONF_ENV_VAR);
  return encoded?.kind === "value" ? Buffer.from(encoded.text, "base64").toString("utf8") : undefined;
}

function firstDefined<T>(values: readonly (T | undefined)[]): T | undefined {
  return values.find((value) => value !== undefined);
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
