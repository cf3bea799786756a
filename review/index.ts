/**
 * Pull-request review of `pulumi preview`: the pure core that turns a preview (the JSON of
 * `pulumi preview --json`, or the Automation API's engine events) into a Markdown review per
 * `ModelService`. The command line lives in `cli/`.
 */
export { parsePreviewJson, previewDocumentFromDigest, PreviewInputError } from "./previewJson.js";
export { previewDocumentFromEngineEvents } from "./engineEvents.js";
export type { PlannedStep, PreviewDiagnostic, PreviewDocument, StepOp } from "./previewDocument.js";
export { reviewPreview, type Review, type ReviewOptions, type ReviewOutcome } from "./review.js";
export { assessRolloutRisk, NO_RISK_MESSAGE, type RolloutRisk, type RolloutWarning } from "./rolloutRisk.js";
export { rolloutOrder } from "./rolloutOrder.js";
export { summarizeService, type ServiceChanges, type SettingChange, type ContainerChange, type SwarmServiceChange } from "./serviceChanges.js";
export { groupStepsByService, type GroupedSteps, type ServiceSteps } from "./serviceGrouping.js";
export { secretMaskFromConfig, maskKnownSecrets, type SecretMask } from "./secretMasking.js";
export type { ServiceReview } from "./reviewMarkdown.js";
