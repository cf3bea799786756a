/**
 * One preview, whichever way it was obtained (`pulumi preview --json` or the Automation API's engine events),
 * reduced to what a review needs. Values are exactly as the engine reports them: Pulumi secrets arrive as
 * `"[secret]"`, values only known after deployment as `UNKNOWN_VALUE`.
 */

/** The engine's step operations (`pulumi/pkg/resource/deploy` `StepOp`). */
export type StepOp =
  | "same"
  | "create"
  | "update"
  | "delete"
  | "replace"
  | "create-replacement"
  | "delete-replaced"
  | "read"
  | "read-replacement"
  | "refresh"
  | "read-discard"
  | "discard-replaced"
  | "remove-pending-replace"
  | "import"
  | "import-replacement";

/** Operations that change nothing. */
export const UNCHANGED_OPS: readonly StepOp[] = ["same", "read", "refresh"];

/** The physical halves of a replacement; the logical `replace` step stands for both. */
export const REPLACEMENT_HALF_OPS: readonly StepOp[] = ["create-replacement", "delete-replaced", "read-replacement", "discard-replaced"];

/** What the engine prints for a value only known after the deployment (`plugin.UnknownStringValue`). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** What the engine prints instead of a Pulumi secret's value. */
export const SECRET_VALUE = "[secret]";

/** Property values as JSON carries them. */
export type PropertyMap = Readonly<Record<string, unknown>>;

/** One resource step the engine plans. */
export interface PlannedStep {
  readonly op: StepOp;
  readonly urn: string;
  /** Resource type token, e.g. `docker:index/container:Container`. */
  readonly type: string;
  /** URN of the parent resource, from the new state or else the old one. */
  readonly parent?: string;
  /** True for provider-managed (custom) resources, false for components and the stack. */
  readonly custom: boolean;
  /** Inputs before the change (absent for creates). */
  readonly oldInputs?: PropertyMap;
  /** Inputs after the change (absent for deletes). */
  readonly newInputs?: PropertyMap;
  /** Outputs before the change: what a component last registered, what a custom resource reported. */
  readonly oldOutputs?: PropertyMap;
  /** Properties that differ. */
  readonly diffReasons: readonly string[];
  /** Properties that force the replacement. */
  readonly replaceReasons: readonly string[];
}

/** A warning or error the engine or the program reported. */
export interface PreviewDiagnostic {
  readonly severity: "info" | "info#err" | "warning" | "error" | "debug";
  readonly message: string;
  readonly urn?: string;
}

/** A whole preview. */
export interface PreviewDocument {
  /** Every step in the order the engine reported it. */
  readonly steps: readonly PlannedStep[];
  readonly diagnostics: readonly PreviewDiagnostic[];
  /** Stack config the preview ran with; the engine blinds secret values as `"[secret]"`. */
  readonly config: Readonly<Record<string, string>>;
  /**
   * False when unchanged resources were left out (`pulumi preview --json` without `--show-sames`): totals
   * such as the replica count before the change are then unknown.
   */
  readonly includesUnchanged: boolean;
}

/** True when the step changes something (a create, update, replace, delete, import, ...). */
export function isChange(step: PlannedStep): boolean {
  return !UNCHANGED_OPS.includes(step.op) && !REPLACEMENT_HALF_OPS.includes(step.op);
}

/** True when the step describes a resource that exists before the deployment. */
export function existsBefore(step: PlannedStep): boolean {
  return step.op !== "create" && step.op !== "import" && step.op !== "create-replacement";
}

/** True when the step describes a resource that exists after the deployment. */
export function existsAfter(step: PlannedStep): boolean {
  return step.op !== "delete" && step.op !== "delete-replaced" && step.op !== "discard-replaced" && step.op !== "read-discard";
}

/**
 * Steps that are engine bookkeeping rather than infrastructure: the stack resource itself, and the
 * default provider a first deployment registers (its deletion or replacement, e.g. on a provider
 * upgrade, is kept).
 */
export function isBookkeeping(step: PlannedStep): boolean {
  if (step.type === "pulumi:pulumi:Stack") {
    return true;
  }
  const name = step.urn.split("::").slice(3).join("::");
  return step.type.startsWith("pulumi:providers:") && name.startsWith("default") && (step.op === "create" || step.op === "same");
}
