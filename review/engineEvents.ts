import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation/index.js";
import { listsUnchanged } from "./previewJson.js";
import type { PlannedStep, PreviewDiagnostic, PreviewDocument, StepOp } from "./previewDocument.js";

/**
 * The engine events of a preview run through the Automation API (`stack.preview({ onEvent })`), reduced
 * to the same `PreviewDocument` `pulumi preview --json` gives. Events carry every step, unchanged ones
 * included; like the JSON digest, ephemeral and debug messages are left out.
 */
export function previewDocumentFromEngineEvents(events: readonly EngineEvent[]): PreviewDocument {
  const steps: PlannedStep[] = [];
  const diagnostics: PreviewDiagnostic[] = [];
  let config: Record<string, string> = {};
  for (const event of events) {
    if (event.preludeEvent !== undefined) {
      config = { ...event.preludeEvent.config };
    }
    if (event.resourcePreEvent !== undefined) {
      steps.push(stepFromMetadata(event.resourcePreEvent.metadata));
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic !== undefined && diagnostic.ephemeral !== true) {
      diagnostics.push({
        severity: diagnostic.severity,
        message: (diagnostic.prefix ?? "") + diagnostic.message,
        ...(diagnostic.urn === undefined || diagnostic.urn === "" ? {} : { urn: diagnostic.urn }),
      });
    }
  }
  return { steps, diagnostics: diagnostics.map(withoutColors), config, includesUnchanged: listsUnchanged(steps) };
}

function stepFromMetadata(metadata: StepEventMetadata): PlannedStep {
  const state = metadata.new ?? metadata.old;
  const parent = [metadata.new?.parent, metadata.old?.parent].find((candidate) => typeof candidate === "string" && candidate !== "");
  return {
    op: metadata.op as StepOp,
    urn: metadata.urn,
    type: metadata.type,
    ...(parent === undefined ? {} : { parent }),
    custom: state?.custom === true,
    ...(metadata.old?.inputs === undefined ? {} : { oldInputs: metadata.old.inputs }),
    ...(metadata.new?.inputs === undefined ? {} : { newInputs: metadata.new.inputs }),
    ...(metadata.old?.outputs === undefined ? {} : { oldOutputs: metadata.old.outputs }),
    diffReasons: metadata.diffs ?? [],
    replaceReasons: metadata.keys ?? [],
  };
}

/** Pulumi's colour markup, `<{%reset%}>` and the like. */
const COLOR_TAG = /<\{%[a-z-]*%\}>/g;

function withoutColors(diagnostic: PreviewDiagnostic): PreviewDiagnostic {
  return { ...diagnostic, message: diagnostic.message.replace(COLOR_TAG, "") };
}
