import { childName } from "../components/containers/naming.js";
import { isBookkeeping, type PlannedStep, type PreviewDocument } from "./previewDocument.js";
import { MODEL_SERVICE_TYPE, SUB_COMPONENTS } from "./serviceParts.js";
import { ancestorUrn, parseUrn } from "./urn.js";

/** The steps of one `ModelService`, its own component step included when the preview lists it. */
export interface ServiceSteps {
  readonly urn: string;
  /** The component's name, e.g. `model`. */
  readonly name: string;
  readonly steps: readonly PlannedStep[];
}

/** A preview's steps, split into each `ModelService` and everything else. */
export interface GroupedSteps {
  /** Stack name, from the URNs (undefined for an empty preview). */
  readonly stack?: string;
  readonly project?: string;
  /** Services in the order their first step appears. */
  readonly services: readonly ServiceSteps[];
  /** Steps of resources outside any `ModelService` (engine bookkeeping left out, see `isBookkeeping`). */
  readonly others: readonly PlannedStep[];
}

/**
 * Assigns each step to the `ModelService` it belongs to, by following parent URNs. When the preview
 * leaves unchanged resources out, a missing sub-component (the api image component, say) is resolved
 * from its own URN: its name is `<service>-<part>`.
 */
export function groupStepsByService(document: PreviewDocument): GroupedSteps {
  const byUrn = new Map(document.steps.map((step) => [step.urn, step]));
  const services = new Map<string, PlannedStep[]>();
  const others: PlannedStep[] = [];
  for (const step of document.steps) {
    if (isBookkeeping(step)) {
      continue;
    }
    const owner = owningService(step, byUrn);
    if (owner === undefined) {
      others.push(step);
    } else {
      services.set(owner, [...(services.get(owner) ?? []), step]);
    }
  }
  const first = parseUrn(document.steps[0]?.urn ?? "");
  return {
    ...(first === undefined ? {} : { stack: first.stack, project: first.project }),
    services: [...services].map(([urn, steps]) => ({ urn, name: parseUrn(urn)?.name ?? urn, steps })),
    others,
  };
}

function owningService(step: PlannedStep, byUrn: ReadonlyMap<string, PlannedStep>): string | undefined {
  if (step.type === MODEL_SERVICE_TYPE) {
    return step.urn;
  }
  const seen = new Set<string>();
  let parent = step.parent;
  while (parent !== undefined && !seen.has(parent)) {
    seen.add(parent);
    const parsed = parseUrn(parent);
    if (parsed === undefined) {
      return undefined;
    }
    if (parsed.type === MODEL_SERVICE_TYPE) {
      return parent;
    }
    parent = byUrn.get(parent)?.parent ?? serviceOfSubComponent(parent);
  }
  return undefined;
}

/** The `ModelService` URN a sub-component URN such as `...ModelService$model-service:index:ModelApiImage::model-api-image` belongs to. */
function serviceOfSubComponent(urn: string): string | undefined {
  const parsed = parseUrn(urn);
  const part = parsed === undefined ? undefined : SUB_COMPONENTS[parsed.type];
  const depth = parsed?.typeChain.lastIndexOf(MODEL_SERVICE_TYPE) ?? -1;
  if (parsed === undefined || part === undefined || depth !== parsed.typeChain.length - 2) {
    return undefined;
  }
  const suffix = childName("", part);
  return parsed.name.endsWith(suffix) ? ancestorUrn(parsed, depth, parsed.name.slice(0, -suffix.length)) : undefined;
}
