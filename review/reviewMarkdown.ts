import { diffLines } from "diff";
import type { SettingValue } from "./containerSettings.js";
import type { PlannedStep, PreviewDiagnostic } from "./previewDocument.js";
import { containerLabel, swarmServiceLabel } from "./rolloutOrder.js";
import { NO_RISK_MESSAGE, type RolloutRisk } from "./rolloutRisk.js";
import type { CanaryReview } from "./canary.js";
import { isKnownSecret, maskKnownSecrets, type SecretMask } from "./secretMasking.js";
import {
  sameValue,
  type ContainerChange,
  type ServiceChanges,
  type SettingChange,
  type SwarmServiceChange,
  type ValueChange,
} from "./serviceChanges.js";
import type { TaskCount } from "./swarmServiceSettings.js";
import { parseUrn } from "./urn.js";

/**
 * The review as GitHub-flavoured Markdown. Pure: everything it shows comes from its arguments, and every
 * string passes through the secret mask last.
 */

/** One service with what was derived from it. */
export interface ServiceReview {
  readonly changes: ServiceChanges;
  readonly risk: RolloutRisk;
  readonly order: readonly string[];
}

/** What the renderer needs. */
export interface ReviewContent {
  /** Stack name, when known. */
  readonly stack?: string;
  readonly services: readonly ServiceReview[];
  /** Changed resources outside every ModelService. */
  readonly others: readonly PlannedStep[];
  /** Counts of changed resources by operation. */
  readonly counts: Readonly<Record<string, number>>;
  readonly warnings: readonly PreviewDiagnostic[];
  /** False when the preview left unchanged resources out (replica totals unknown). */
  readonly includesUnchanged: boolean;
}

/** Values longer than this are cut in the review (the raw preview has them whole). */
const MAX_VALUE_LENGTH = 160;

/** The Markdown for a preview without changes: this one line and nothing else. */
export function renderNoChanges(stack: string | undefined, mask: SecretMask): string {
  return maskKnownSecrets(`### Pulumi preview${stackSuffix(stack)}: no changes\n`, mask);
}

/** The Markdown for a preview that failed: the errors and nothing else. */
export function renderFailure(stack: string | undefined, errors: readonly PreviewDiagnostic[], mask: SecretMask): string {
  const messages = errors.map((error) => error.message.trim()).filter((message) => message !== "");
  const body = messages.length > 0 ? messages.join("\n\n") : "the preview failed without an error message";
  return maskKnownSecrets(`### Pulumi preview${stackSuffix(stack)} failed\n\n${fence(body, "text")}\n`, mask);
}

/** The Markdown for a preview with changes. */
export function renderChanges(content: ReviewContent, mask: SecretMask): string {
  const lines: string[] = [`### Pulumi preview${stackSuffix(content.stack)}: ${countsText(content.counts)}`, ""];
  for (const service of content.services) {
    lines.push(...serviceSection(service, content.includesUnchanged, mask), "");
  }
  if (content.others.length > 0) {
    lines.push(`#### Other resources (${content.others.length})`, "");
    lines.push(...content.others.map((step) => `- ${step.op} \`${step.type}\` ${code(resourceName(step.urn))}${propertiesText(step)}`), "");
  }
  if (content.warnings.length > 0) {
    lines.push("#### Warnings from the preview", "");
    lines.push(...content.warnings.map((warning) => `- ${warning.message.trim().replace(/\n+/g, " ")}`), "");
  }
  return maskKnownSecrets(lines.join("\n").replace(/\n+$/, "\n"), mask);
}

function serviceSection(service: ServiceReview, includesUnchanged: boolean, mask: SecretMask): string[] {
  const { changes } = service;
  const lifecycle = changes.lifecycle === "new" ? " (new)" : changes.lifecycle === "removed" ? " (removed)" : changes.lifecycle === "unchanged" ? " (unchanged)" : "";
  const lines = [`#### ModelService \`${changes.name}\`${lifecycle}`, ""];
  if (changes.lifecycle === "unchanged") {
    return [...lines, "No changes."];
  }
  lines.push("| | before | after |", "| --- | --- | --- |");
  lines.push(tableRow("model", changes.modelName, mask), tableRow("model version", changes.modelVersion, mask));
  lines.push(tableRow("model digest", changes.modelDigest, mask));
  lines.push(replicasRow(changes, includesUnchanged));
  if (changes.proxyTasks !== undefined) {
    lines.push(proxyTasksRow(changes.proxyTasks));
  }
  if (changes.canary !== undefined) {
    lines.push(...canaryRows(changes.canary, mask));
  }
  lines.push("");

  const settings = [
    ...changes.apiSettings.map((change) => settingLine("api", change, mask)),
    ...changes.proxySettings.map((change) => settingLine("proxy", change, mask)),
  ];
  if (settings.length > 0 || changes.nginxConfig !== undefined) {
    lines.push("**Settings that change**", "", ...settings);
    if (changes.nginxConfig !== undefined) {
      lines.push("- proxy nginx.conf:", "", indent(fence(configDiff(changes.nginxConfig.before, changes.nginxConfig.after), "diff")));
    }
    lines.push("");
  }
  if (changes.containers.length > 0) {
    lines.push("**Containers**", "", ...changes.containers.map(containerLine), "");
  }
  if (changes.services.length > 0) {
    lines.push("**Swarm services**", "", ...changes.services.map(swarmServiceLine), "");
  }
  if (service.order.length > 0) {
    lines.push("**Order on `pulumi up`**", "", ...service.order.map((step, index) => `${index + 1}. ${step}`), "");
  }
  lines.push(...riskLines(service.risk));
  return lines;
}

/** The candidate's rows of the before/after table: version, digest, live and shadow shares, sticky header, gates. */
function canaryRows(canary: CanaryReview, mask: SecretMask): string[] {
  const percent = (value: number | undefined): SettingValue | undefined =>
    value === undefined ? undefined : { kind: "value", text: value === 0 ? "off" : `${value}%` };
  return [
    tableRow("candidate version", canary.version, mask),
    tableRow("candidate digest", canary.digest, mask),
    tableRow("candidate live traffic", { ...optionalSide("before", percent(canary.trafficPercent.before)), ...optionalSide("after", percent(canary.trafficPercent.after)) }, mask),
    tableRow("candidate shadow traffic", { ...optionalSide("before", percent(canary.shadowPercent.before)), ...optionalSide("after", percent(canary.shadowPercent.after)) }, mask),
    ...(canary.trafficPercent.after !== undefined && canary.trafficPercent.after > 0 ? [`| candidate routing | | ${canary.stickyHeader === undefined ? "random per request" : `sticky on \`${canary.stickyHeader}\``} |`] : []),
    `| candidate gates | | ${canary.gates ?? "none"} |`,
  ];
}

function optionalSide<K extends "before" | "after">(key: K, value: SettingValue | undefined): Partial<Record<K, SettingValue>> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, SettingValue>>);
}

function tableRow(label: string, change: ValueChange, mask: SecretMask): string {
  const after = sameValue(change.before, change.after) && change.after !== undefined ? "unchanged" : cell(change.after, mask);
  return `| ${label} | ${cell(change.before, mask)} | ${after} |`;
}

function replicasRow(changes: ServiceChanges, includesUnchanged: boolean): string {
  const { before, after, added, removed } = changes.replicas;
  const delta = [added > 0 ? `+${added}` : "", removed > 0 ? `−${removed}` : ""].filter((part) => part !== "").join(" ");
  if (!includesUnchanged || before === undefined || after === undefined) {
    return `| replicas | ? | ${delta === "" ? "?" : delta} (totals need \`pulumi preview --show-sames\`) |`;
  }
  return `| replicas | ${before} | ${before === after ? "unchanged" : `${after} (${delta})`} |`;
}

function proxyTasksRow(tasks: NonNullable<ServiceChanges["proxyTasks"]>): string {
  if (tasks.before === undefined && tasks.after === undefined) {
    return "| proxy tasks | ? | ? (the preview does not show the proxy service: `pulumi preview --show-sames`) |";
  }
  const text = (count: TaskCount | undefined) => (count === undefined ? "(none)" : count === "global" ? "one per node (global)" : String(count));
  return `| proxy tasks | ${text(tasks.before)} | ${tasks.before === tasks.after ? "unchanged" : text(tasks.after)} |`;
}

function settingLine(role: string, change: SettingChange, mask: SecretMask): string {
  return `- ${role} \`${change.setting}\`: ${inline(change.before, mask)} → ${inline(change.after, mask)}`;
}

function containerLine(container: ContainerChange): string {
  const what = {
    create: "created",
    update: "updated in place",
    replace: container.role === "api" ? "replaced, new one first" : "replaced, old one removed first",
    delete: "deleted",
  }[container.op];
  const because = container.because.length > 0 ? ` (${container.because.join(", ")})` : "";
  return `- ${containerLabel(container)}: ${what}${because}`;
}

function swarmServiceLine(service: SwarmServiceChange): string {
  const label = `- ${swarmServiceLabel(service)}`;
  const because = service.because.filter((reason) => reason !== "replicas");
  const reasons = because.length > 0 ? ` (${because.join(", ")})` : "";
  switch (service.op) {
    case "unchanged":
      return `${label}: unchanged`;
    case "create":
      return `${label}: created${service.tasksAfter === undefined ? "" : `, ${tasksText(service.tasksAfter)}`}`;
    case "delete":
      return `${label}: deleted`;
    case "replace":
      return `${label}: replaced${reasons}`;
    case "update": {
      const scaled = service.tasksBefore !== service.tasksAfter ? `scaled ${scaleText(service.tasksBefore, service.tasksAfter)}` : undefined;
      if (service.rolling) {
        const rolling = `rolling update, one task at a time, ${service.updateOrder ?? "in Swarm's default order"}${reasons}`;
        return `${label}: ${scaled === undefined ? rolling : `${scaled}; ${rolling}`}`;
      }
      return `${label}: ${scaled ?? "updated in place"}${reasons}, no task restarts`;
    }
  }
}

/** `2 → 3 tasks`, `one task per node → 2 tasks`. */
function scaleText(before: TaskCount | undefined, after: TaskCount | undefined): string {
  if (typeof before === "number" && typeof after === "number") {
    return `${before} → ${after} tasks`;
  }
  return `${tasksText(before)} → ${tasksText(after)}`;
}

/** `3 tasks`, `one task per node`. */
function tasksText(count: TaskCount | undefined): string {
  return count === undefined ? "?" : count === "global" ? "one task per node" : `${count} ${count === 1 ? "task" : "tasks"}`;
}

function riskLines(risk: RolloutRisk): string[] {
  const lines =
    risk.warnings.length === 0
      ? [`**Rollout risk:** ${NO_RISK_MESSAGE}`]
      : risk.warnings.length === 1
        ? [`**Rollout risk:** ⚠️ ${risk.warnings[0].message}`]
        : ["**Rollout risk:**", "", ...risk.warnings.map((warning) => `- ⚠️ ${warning.message}`)];
  return risk.notes.length === 0 ? lines : [...lines, "", ...risk.notes.map((note) => `_Note: ${note}._`)];
}

/** The changed lines of two nginx.conf versions, `-`/`+` prefixed, unchanged lines left out. */
export function configDiff(before: string, after: string): string {
  const lines: string[] = [];
  for (const part of diffLines(before, after)) {
    if (part.added || part.removed) {
      const sign = part.added ? "+" : "-";
      lines.push(...part.value.replace(/\n$/, "").split("\n").map((line) => `${sign} ${line.trim()}`.trimEnd()));
    }
  }
  return lines.join("\n");
}

function countsText(counts: Readonly<Record<string, number>>): string {
  const order = ["create", "update", "replace", "delete", "import"];
  const words: Record<string, string> = { create: "to create", update: "to update", replace: "to replace", delete: "to delete", import: "to import" };
  const ops = Object.keys(counts).sort((a, b) => rank(order, a) - rank(order, b));
  return ops.map((op) => `${counts[op]} ${words[op] ?? op}`).join(", ");
}

function rank(order: readonly string[], op: string): number {
  const index = order.indexOf(op);
  return index < 0 ? order.length : index;
}

function cell(value: SettingValue | undefined, mask: SecretMask): string {
  return inline(value, mask).replace(/\|/g, "\\|");
}

function inline(value: SettingValue | undefined, mask: SecretMask): string {
  if (value === undefined) {
    return "(none)";
  }
  if (value.kind === "secret" || (value.kind === "value" && isKnownSecret(value.text, mask))) {
    return "[secret]";
  }
  if (value.kind === "unknown") {
    return "(known after `pulumi up`)";
  }
  const text = value.text.length > MAX_VALUE_LENGTH ? `${value.text.slice(0, MAX_VALUE_LENGTH)}…` : value.text;
  return code(text);
}

function propertiesText(step: PlannedStep): string {
  const properties = [...new Set([...step.replaceReasons, ...step.diffReasons].map((path) => path.split(/[.[]/)[0]))].sort();
  return properties.length === 0 ? "" : ` (${properties.join(", ")})`;
}

/** A Markdown code span holding `text` whatever backticks it contains. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** A fenced block holding `text` whatever backtick fences it contains. */
function fence(text: string, language: string): string {
  const longest = Math.max(2, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}${language}\n${text}\n${ticks}`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

function resourceName(urn: string): string {
  return parseUrn(urn)?.name ?? urn;
}

function stackSuffix(stack: string | undefined): string {
  return stack === undefined ? "" : ` of \`${stack}\``;
}
