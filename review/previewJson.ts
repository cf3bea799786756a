import {
  existsBefore,
  type PlannedStep,
  type PreviewDiagnostic,
  type PreviewDocument,
  type PropertyMap,
  type StepOp,
} from "./previewDocument.js";

/**
 * Reads the document `pulumi preview --json` prints (Pulumi's `display.PreviewDigest`). Pass
 * `--show-sames` to the preview so unchanged resources are listed too; without it, totals such as the
 * replica count before the change are unknown and the review says so.
 */

/** The input is not a preview digest; the message says what is wrong. */
export class PreviewInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreviewInputError";
  }
}

/** Type of the stack resource at the root of every program. */
export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

const STEP_OPS: readonly StepOp[] = [
  "same",
  "create",
  "update",
  "delete",
  "replace",
  "create-replacement",
  "delete-replaced",
  "read",
  "read-replacement",
  "refresh",
  "read-discard",
  "discard-replaced",
  "remove-pending-replace",
  "import",
  "import-replacement",
];

const SEVERITIES: readonly PreviewDiagnostic["severity"][] = ["info", "info#err", "warning", "error", "debug"];

/** Parses the text of `pulumi preview --json`; throws `PreviewInputError` when it is not one. */
export function parsePreviewJson(text: string): PreviewDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const start = text.trimStart().slice(0, 80);
    throw new PreviewInputError(
      `the input is not JSON (${(error as Error).message}); expected the output of \`pulumi preview --json\`, got: ${JSON.stringify(start)}`,
    );
  }
  return previewDocumentFromDigest(parsed);
}

/** Converts an already parsed `pulumi preview --json` document. */
export function previewDocumentFromDigest(digest: unknown): PreviewDocument {
  const root = record(digest, "the preview document");
  const steps = list(root.steps, "steps").map((value, index) => stepFromDigest(value, index));
  const diagnostics = list(root.diagnostics, "diagnostics").map((value, index) => diagnosticFromDigest(value, index));
  const config = root.config === undefined ? {} : stringMap(root.config, "config");
  return { steps, diagnostics, config, includesUnchanged: listsUnchanged(steps) };
}

/**
 * Whether unchanged resources are listed: the stack is always listed, everything else only with
 * `--show-sames`. A preview in which nothing existed before (a first deployment) is complete anyway.
 */
export function listsUnchanged(steps: readonly PlannedStep[]): boolean {
  const resources = steps.filter((step) => step.type !== ROOT_STACK_TYPE);
  return resources.some((step) => step.op === "same") || !resources.some(existsBefore);
}

function stepFromDigest(value: unknown, index: number): PlannedStep {
  const where = `steps[${index}]`;
  const step = record(value, where);
  const op = step.op;
  if (typeof op !== "string" || !(STEP_OPS as readonly string[]).includes(op)) {
    throw new PreviewInputError(`${where}.op: got ${JSON.stringify(op)}; expected one of ${STEP_OPS.join(", ")}`);
  }
  const urn = requiredString(step.urn, `${where}.urn`);
  const oldState = step.oldState === undefined || step.oldState === null ? undefined : record(step.oldState, `${where}.oldState`);
  const newState = step.newState === undefined || step.newState === null ? undefined : record(step.newState, `${where}.newState`);
  const state = newState ?? oldState;
  const type = typeof state?.type === "string" ? state.type : typeFromUrn(urn);
  const parent = [newState?.parent, oldState?.parent].find((candidate): candidate is string => typeof candidate === "string" && candidate !== "");
  return {
    op: op as StepOp,
    urn,
    type,
    ...(parent === undefined ? {} : { parent }),
    custom: state?.custom === true,
    ...optionalMap("oldInputs", oldState?.inputs, `${where}.oldState.inputs`),
    ...optionalMap("newInputs", newState?.inputs, `${where}.newState.inputs`),
    ...optionalMap("oldOutputs", oldState?.outputs, `${where}.oldState.outputs`),
    diffReasons: stringList(step.diffReasons, `${where}.diffReasons`),
    replaceReasons: stringList(step.replaceReasons, `${where}.replaceReasons`),
  };
}

function diagnosticFromDigest(value: unknown, index: number): PreviewDiagnostic {
  const where = `diagnostics[${index}]`;
  const diagnostic = record(value, where);
  const severity = diagnostic.severity;
  const prefix = typeof diagnostic.prefix === "string" ? diagnostic.prefix : "";
  const message = typeof diagnostic.message === "string" ? diagnostic.message : "";
  return {
    severity: typeof severity === "string" && (SEVERITIES as readonly string[]).includes(severity) ? (severity as PreviewDiagnostic["severity"]) : "info",
    message: message.startsWith(prefix) ? message : prefix + message,
    ...(typeof diagnostic.urn === "string" && diagnostic.urn !== "" ? { urn: diagnostic.urn } : {}),
  };
}

/** The type token of a URN (`urn:pulumi:stack::project::parent$type::name` -> `type`). */
export function typeFromUrn(urn: string): string {
  const parts = urn.split("::");
  const chain = parts.length >= 4 ? parts[2] : "";
  return chain.split("$").pop() ?? "";
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PreviewInputError(`${where}: expected a JSON object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function list(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new PreviewInputError(`${where}: expected a JSON list, got ${describe(value)}`);
  }
  return value;
}

function requiredString(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "") {
    throw new PreviewInputError(`${where}: expected a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function stringList(value: unknown, where: string): string[] {
  return list(value, where).map((item, index) => requiredString(item, `${where}[${index}]`));
}

function stringMap(value: unknown, where: string): Record<string, string> {
  return Object.fromEntries(Object.entries(record(value, where)).map(([key, item]) => [key, typeof item === "string" ? item : JSON.stringify(item)]));
}

function optionalMap<K extends string>(key: K, value: unknown, where: string): Partial<Record<K, PropertyMap>> {
  return value === undefined || value === null ? {} : ({ [key]: record(value, where) } as Record<K, PropertyMap>);
}

function describe(value: unknown): string {
  if (value === null) {
    return "null";
  }
  return Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : JSON.stringify(value);
}
