import { isBookkeeping, isChange, type PreviewDocument } from "./previewDocument.js";
import { renderChanges, renderFailure, renderNoChanges, type ServiceReview } from "./reviewMarkdown.js";
import { rolloutOrder } from "./rolloutOrder.js";
import { assessRolloutRisk } from "./rolloutRisk.js";
import { NO_KNOWN_SECRETS, type SecretMask } from "./secretMasking.js";
import { groupStepsByService } from "./serviceGrouping.js";
import { summarizeService } from "./serviceChanges.js";

/** What a preview means for CI: nothing to do, changes to review, or a preview that failed. */
export type ReviewOutcome = "no-changes" | "changes" | "failed";

/** The review of one preview. */
export interface Review {
  readonly outcome: ReviewOutcome;
  readonly markdown: string;
  /** Every ModelService with changes, its rollout risk and order (empty unless `outcome` is `changes`). */
  readonly services: readonly ServiceReview[];
}

/** How to review. */
export interface ReviewOptions {
  /** Stack name for the heading when the preview has no URN to take it from (a failed preview). */
  readonly stack?: string;
  /** Secret plaintexts to mask wherever they appear (see `secretMaskFromConfig`). */
  readonly secretMask?: SecretMask;
  /** The preview command itself failed (e.g. a non-zero exit), whatever its diagnostics say. */
  readonly previewFailed?: boolean;
}

/** Reviews a preview: errors win, then "no changes", then the full review. */
export function reviewPreview(document: PreviewDocument, options: ReviewOptions = {}): Review {
  const mask = options.secretMask ?? NO_KNOWN_SECRETS;
  const grouped = groupStepsByService(document);
  const stack = grouped.stack ?? options.stack;
  const errors = document.diagnostics.filter((diagnostic) => diagnostic.severity === "error");
  if (errors.length > 0 || options.previewFailed === true) {
    return { outcome: "failed", markdown: renderFailure(stack, errors, mask), services: [] };
  }
  const changed = document.steps.filter((step) => isChange(step) && !isBookkeeping(step));
  if (changed.length === 0) {
    return { outcome: "no-changes", markdown: renderNoChanges(stack, mask), services: [] };
  }
  const services = grouped.services
    .map((service) => summarizeService(service, document.includesUnchanged))
    .filter((changes) => changes.lifecycle !== "unchanged")
    .map((changes) => ({ changes, risk: assessRolloutRisk(changes), order: rolloutOrder(changes) }));
  const counts: Record<string, number> = {};
  for (const step of changed) {
    counts[step.op] = (counts[step.op] ?? 0) + 1;
  }
  const markdown = renderChanges(
    {
      ...(stack === undefined ? {} : { stack }),
      services,
      others: grouped.others.filter(isChange),
      counts,
      warnings: document.diagnostics.filter((diagnostic) => diagnostic.severity === "warning"),
      includesUnchanged: document.includesUnchanged,
    },
    mask,
  );
  return { outcome: "changes", markdown, services };
}
