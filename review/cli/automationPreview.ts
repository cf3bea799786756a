import { LocalWorkspace, type EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { previewDocumentFromEngineEvents } from "../engineEvents.js";
import type { PreviewDocument } from "../previewDocument.js";
import { secretMaskFromConfig, type SecretMask } from "../secretMasking.js";

/** A preview the review ran itself. */
export interface AutomationPreview {
  readonly document: PreviewDocument;
  /** The plaintexts of the stack's secret config, masked wherever they appear. */
  readonly secretMask: SecretMask;
  /** True when `pulumi preview` failed; its errors are in the document's diagnostics. */
  readonly failed: boolean;
  /** The engine's own error output when the preview failed and reported no error diagnostic. */
  readonly failureOutput?: string;
}

/**
 * Runs `pulumi preview` on an existing stack of the project in `workDir` through the Automation API, with
 * the environment as it is (backend login, passphrase, PATH), and collects its engine events: every step,
 * unchanged ones included.
 */
export async function runAutomationPreview(stackName: string, workDir: string): Promise<AutomationPreview> {
  const stack = await LocalWorkspace.selectStack({ stackName, workDir });
  const secretMask = secretMaskFromConfig(await stack.getAllConfig());
  const events: EngineEvent[] = [];
  let failed = false;
  let failureOutput: string | undefined;
  try {
    await stack.preview({ onEvent: (event) => events.push(event), color: "never" });
  } catch (error) {
    failed = true;
    failureOutput = String((error as Error).message ?? error);
  }
  return { document: previewDocumentFromEngineEvents(events), secretMask, failed, ...(failureOutput === undefined ? {} : { failureOutput }) };
}
