import {
  apiVariableOfSetting,
  containerSettings,
  environmentValue,
  mapValue,
  modelDigestLabel,
  proxyNginxConfig,
  settingValue,
  type ContainerRole,
  type ContainerSettings,
  type SettingValue,
  isEnvironmentSetting,
} from "./containerSettings.js";
import { existsAfter, existsBefore, isChange, SECRET_VALUE, type PlannedStep, type PropertyMap, type StepOp } from "./previewDocument.js";
import type { ServiceSteps } from "./serviceGrouping.js";
import {
  serviceNginxConfig,
  swarmServiceSettings,
  taskCount,
  taskEnvironmentValue,
  taskSpecText,
  updateOrder,
  type TaskCount,
} from "./swarmServiceSettings.js";
import { classifyServicePart, type ServicePart } from "./serviceParts.js";
import { canaryReview, type CanaryReview } from "./canary.js";

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
  /** Published port, for the proxy (its resource is named for it). */
  readonly port?: number;
  readonly op: "create" | "update" | "replace" | "delete";
  /** Why: the settings that change, `image` for a new image. */
  readonly because: readonly string[];
}

/** What happens to one Swarm service (`<name>-api-service`, `<name>-proxy-service`). */
export interface SwarmServiceChange {
  readonly role: ContainerRole;
  /** The service's name on the Swarm (`docker service ls`), when the preview shows it. */
  readonly name?: string;
  /** `unchanged` too: a review names both services of a Swarm change. */
  readonly op: "create" | "update" | "replace" | "delete" | "unchanged";
  /** Its tasks before and after (absent for a create or a delete respectively). */
  readonly tasksBefore?: TaskCount;
  readonly tasksAfter?: TaskCount;
  /** True when the task spec changes: Swarm replaces the running tasks one at a time (a rolling update). */
  readonly rolling: boolean;
  /** How Swarm replaces each task (`updateConfig.order`), when known. */
  readonly updateOrder?: "start-first" | "stop-first";
  /** Why: the settings that change, `image`, the model, `replicas`, `nginx.conf`. */
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
  /** Where it runs: containers on one Docker engine, or services on a Swarm. */
  readonly runtime: "docker" | "swarm";
  /** api replica counts (tasks on a Swarm); `before`/`after` are absent when the preview does not show them. */
  readonly replicas: { readonly before?: number; readonly after?: number; readonly added: number; readonly removed: number };
  readonly apiSettings: readonly SettingChange[];
  readonly proxySettings: readonly SettingChange[];
  /** The rendered nginx.conf before and after, when it changes and is readable. */
  readonly nginxConfig?: { readonly before: string; readonly after: string };
  /** Swarm only: the proxy's tasks before and after, a count or one per node (`global`); a side is absent when unknown. */
  readonly proxyTasks?: { readonly before?: TaskCount; readonly after?: TaskCount };
  /** Containers that change, api replicas in index order, then the proxy (runtime `docker`). */
  readonly containers: readonly ContainerChange[];
  /** The Swarm services, changed or not, the api's first (runtime `swarm`). */
  readonly services: readonly SwarmServiceChange[];
  /** Every other changed resource of the service (images, network, commands, anything unknown). */
  readonly parts: readonly PartChange[];
  /** With a candidate on either side: its version, digest, traffic shares and gates. */
  readonly canary?: CanaryReview;
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
  const apiService = classified.find((entry) => entry.part.kind === "api-service")?.step;
  const proxyService = classified.find((entry) => entry.part.kind === "proxy-service")?.step;
  const runtime = apiService !== undefined || proxyService !== undefined ? "swarm" : "docker";
  // What carries the api's model and settings: its replica containers, or its Swarm service.
  const apiSteps = runtime === "swarm" ? (apiService === undefined ? [] : [apiService]) : replicas.map((entry) => entry.step);
  const environmentOf = runtime === "swarm" ? taskEnvironmentValue : environmentValue;

  const changes = steps.filter(isChange);
  const existedBefore = steps.some((step) => step.custom && existsBefore(step));
  const existsAfterwards = steps.some((step) => step.custom && existsAfter(step));
  const lifecycle = !existedBefore && existsAfterwards ? "new" : existedBefore && !existsAfterwards ? "removed" : changes.length > 0 ? "changed" : "unchanged";

  const model = (setting: "modelName" | "modelVersion", smokeTestName: string) =>
    modelValue(apiSteps, environmentOf, smokeTest, component, setting, smokeTestName);
  return {
    name: service.name,
    urn: service.urn,
    lifecycle,
    runtime,
    modelName: model("modelName", "EXPECTED_MODEL_NAME"),
    modelVersion: model("modelVersion", "EXPECTED_MODEL_VERSION"),
    modelDigest: {
      ...optional("before", firstDefined(apiSteps.filter(existsBefore).map((step) => modelDigestLabel(step.oldInputs))) ?? outputValue(component, "modelDigest")),
      ...optional("after", firstDefined(apiSteps.filter(existsAfter).map((step) => modelDigestLabel(step.newInputs)))),
    },
    replicas: runtime === "swarm" ? serviceReplicaCounts(apiService) : replicaCounts(apiSteps, includesUnchanged),
    apiSettings:
      runtime === "swarm"
        ? apiService === undefined
          ? []
          : settingChanges(apiService, "api", swarmServiceSettings)
        : mergeSettingChanges(apiSteps.map((step) => settingChanges(step, "api", containerSettings))),
    proxySettings:
      runtime === "swarm" ? (proxyService === undefined ? [] : settingChanges(proxyService, "proxy", swarmServiceSettings)) : proxySettingChanges(proxyBefore, proxyAfter),
    ...nginxConfigChange(steps),
    ...(runtime === "swarm" ? { proxyTasks: proxyTaskCounts(proxyService) } : {}),
    containers: containerChanges(replicas, proxies),
    services: [
      ...(apiService === undefined ? [] : [swarmServiceChange(apiService, "api")]),
      ...(proxyService === undefined ? [] : [swarmServiceChange(proxyService, "proxy")]),
    ].filter((change): change is SwarmServiceChange => change !== undefined),
    parts: classified
      .filter((entry) => !CONTAINER_OR_SERVICE_KINDS.includes(entry.part.kind) && isChange(entry.step))
      .map((entry) => ({ part: entry.part, op: entry.step.op, urn: entry.step.urn, type: entry.step.type, because: changedProperties(entry.step) })),
    ...optional(
      "canary",
      canaryReview({
        candidateReplicas: classified
          .filter((entry) => entry.part.kind === (runtime === "swarm" ? "candidate-service" : "candidate-replica"))
          .map((entry) => entry.step),
        environmentOf,
        // On a Swarm the nginx config is in the proxy service's spec.
        proxyConfig: runtime === "swarm" ? proxyService : classified.find((entry) => entry.part.kind === "proxy-config")?.step,
        canaryGate: classified.find((entry) => entry.part.kind === "canary-gate")?.step,
        nginxConfigOf,
      }),
    ),
  };
}

/** Parts the review shows as containers or services, not in `parts`. */
const CONTAINER_OR_SERVICE_KINDS: readonly ServicePart["kind"][] = ["api-replica", "proxy", "api-service", "proxy-service", "component"];

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
  apiSteps: readonly PlannedStep[],
  environmentOf: (inputs: PropertyMap | undefined, name: string) => SettingValue | undefined,
  smokeTest: PlannedStep | undefined,
  component: PlannedStep | undefined,
  setting: "modelName" | "modelVersion",
  smokeTestName: string,
): ValueChange {
  const environmentName = apiVariableOfSetting(setting);
  const outputName = setting;
  const before =
    firstDefined(apiSteps.filter(existsBefore).map((step) => environmentOf(step.oldInputs, environmentName))) ??
    (smokeTest !== undefined && existsBefore(smokeTest) ? mapValue(smokeTest.oldInputs, "environment", smokeTestName) : undefined) ??
    outputValue(component, outputName);
  const after =
    firstDefined(apiSteps.filter(existsAfter).map((step) => environmentOf(step.newInputs, environmentName))) ??
    (smokeTest !== undefined && existsAfter(smokeTest) ? mapValue(smokeTest.newInputs, "environment", smokeTestName) : undefined);
  return { ...optional("before", before), ...optional("after", after) };
}

function outputValue(component: PlannedStep | undefined, name: string): SettingValue | undefined {
  const value = component?.oldOutputs?.[name];
  return value === undefined ? undefined : settingValue(value);
}

/** How the settings of a container or a Swarm service are read from its inputs. */
type SettingsReader = (inputs: PropertyMap, role: ContainerRole) => ContainerSettings;

/** The settings of a container or service that differ between its old and new inputs (none for creates and deletes). */
function settingChanges(step: PlannedStep, role: ContainerRole, read: SettingsReader): SettingChange[] {
  if (step.oldInputs === undefined || step.newInputs === undefined || !existsBefore(step) || !existsAfter(step)) {
    return [];
  }
  const changes = diffSettings(read(step.oldInputs, role), read(step.newInputs, role));
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
  // An environment with a secret variable is a secret as a whole, on the side that has one: compare it as one
  // setting then, not variable by variable against nothing.
  if (before.has("environment") !== after.has("environment")) {
    const collapse = (settings: ContainerSettings): ContainerSettings => {
      if (settings.has("environment")) return settings;
      const collapsed = new Map([...settings].filter(([name]) => !isEnvironmentSetting(name)));
      collapsed.set("environment", { kind: "value", text: "(plain variables)" });
      return collapsed;
    };
    before = collapse(before);
    after = collapse(after);
  }
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
    return settingChanges(before, "proxy", containerSettings);
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
  const reasons = settingChanges(step, role, containerSettings).map((change) => change.setting);
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
  const fromContainer = proxyNginxConfig(inputs) ?? serviceNginxConfig(inputs);
  if (fromContainer !== undefined) {
    return fromContainer;
  }
  const plain = mapValue(inputs, "environment", "NGINX_CONF");
  return plain?.kind === "value" ? plain.text : undefined;
}

/** api task counts from the api service's `mode`: exact whenever the preview shows the service. */
function serviceReplicaCounts(step: PlannedStep | undefined): ServiceChanges["replicas"] {
  const before = step === undefined ? undefined : existsBefore(step) ? numericTasks(taskCount(step.oldInputs)) : 0;
  const after = step === undefined ? undefined : existsAfter(step) ? numericTasks(taskCount(step.newInputs)) : 0;
  return {
    ...optional("before", before),
    ...optional("after", after),
    added: before !== undefined && after !== undefined ? Math.max(0, after - before) : 0,
    removed: before !== undefined && after !== undefined ? Math.max(0, before - after) : 0,
  };
}

function numericTasks(count: TaskCount | undefined): number | undefined {
  return typeof count === "number" ? count : undefined;
}

function proxyTaskCounts(step: PlannedStep | undefined): NonNullable<ServiceChanges["proxyTasks"]> {
  return {
    ...optional("before", step !== undefined && existsBefore(step) ? taskCount(step.oldInputs) : undefined),
    ...optional("after", step !== undefined && existsAfter(step) ? taskCount(step.newInputs) : undefined),
  };
}

function swarmServiceChange(step: PlannedStep, role: ContainerRole): SwarmServiceChange | undefined {
  const op = isChange(step) ? containerOp(step.op) : "unchanged";
  if (op === undefined) {
    return undefined;
  }
  const name = settingValue(step.newInputs?.name ?? step.oldInputs?.name);
  const tasksBefore = existsBefore(step) ? taskCount(step.oldInputs) : undefined;
  const tasksAfter = existsAfter(step) ? taskCount(step.newInputs) : undefined;
  const rolling = op === "update" && taskSpecText(step.oldInputs) !== taskSpecText(step.newInputs);
  const order = updateOrder(step.newInputs ?? step.oldInputs);
  return {
    role,
    ...(name.kind === "value" ? { name: name.text } : {}),
    op,
    ...optional("tasksBefore", tasksBefore),
    ...optional("tasksAfter", tasksAfter),
    rolling,
    ...optional("updateOrder", order),
    because: op === "update" || op === "replace" ? serviceReasons(step, role, tasksBefore, tasksAfter) : [],
  };
}

function serviceReasons(step: PlannedStep, role: ContainerRole, tasksBefore: TaskCount | undefined, tasksAfter: TaskCount | undefined): string[] {
  const reasons: string[] = [];
  const image = (inputs: PropertyMap | undefined) => settingValue(((inputs?.taskSpec as PropertyMap | undefined)?.containerSpec as PropertyMap | undefined)?.image);
  if (!sameValue(image(step.oldInputs), image(step.newInputs))) {
    reasons.push("image");
  }
  if (tasksBefore !== tasksAfter) {
    reasons.push("replicas");
  }
  if (role === "api") {
    for (const setting of ["modelName", "modelVersion"] as const) {
      const variable = apiVariableOfSetting(setting);
      if (!sameValue(taskEnvironmentValue(step.oldInputs, variable), taskEnvironmentValue(step.newInputs, variable))) {
        reasons.push(setting);
      }
    }
    if (!sameValue(modelDigestLabel(step.oldInputs), modelDigestLabel(step.newInputs))) {
      reasons.push("model digest");
    }
  }
  reasons.push(...settingChanges(step, role, swarmServiceSettings).map((change) => change.setting));
  if (role === "proxy" && serviceNginxConfig(step.oldInputs) !== serviceNginxConfig(step.newInputs)) {
    reasons.push("nginx.conf");
  }
  return reasons.length > 0 ? reasons : changedProperties(step).map((property) => `${property}: provider-side difference, input unchanged`);
}

function firstDefined<T>(values: readonly (T | undefined)[]): T | undefined {
  return values.find((value) => value !== undefined);
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
