import type { ModelDirectoryFacts, ModelDirectoryInspector } from "../../../components/settings/modelDirectory.js";
import type { ModelServiceArgs } from "../../../components/settings/args.js";
import type { ModelServiceSpec } from "../../../components/settings/spec.js";
import { resolveModelServiceSpec, type SpecContext } from "../../../components/settings/validation.js";

/** A model directory with a joblib estimator and no model.json. */
export const JOBLIB_MODEL_DIR: ModelDirectoryFacts = { isDirectory: true, hasPredictor: false, hasJoblib: true, metadata: {} };

/** An inspector answering `facts` for every directory, and recording what it was asked. */
export function fakeInspector(facts: ModelDirectoryFacts = JOBLIB_MODEL_DIR): ModelDirectoryInspector & { asked: string[] } {
  const asked: string[] = [];
  return Object.assign((dir: string) => {
    asked.push(dir);
    return facts;
  }, { asked });
}

/** The context unit tests resolve specs in: service `iris`, stack `unit`, working directory `/srv/project`. */
export function testContext(overrides: Partial<SpecContext> = {}): SpecContext {
  return {
    serviceName: "iris",
    stack: "unit",
    project: "model-service-unit",
    projectDir: "/srv/project",
    inspectModelDirectory: fakeInspector(),
    ...overrides,
  };
}

/** The spec of `args` in the test context. */
export function specFor(args: ModelServiceArgs = {}, context: Partial<SpecContext> = {}): ModelServiceSpec {
  return resolveModelServiceSpec(args, testContext(context));
}

/** The default spec with some fields replaced. */
export function specWith(overrides: Partial<ModelServiceSpec>): ModelServiceSpec {
  return { ...specFor(), ...overrides };
}
