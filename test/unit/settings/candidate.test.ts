/**
 * The candidate model of canary and shadow traffic: defaults, and every rejection names the field.
 */
import { describe, expect, it } from "vitest";
import { ModelServiceConfigError } from "../../../components/settings/configError.js";
import type { ModelServiceArgs } from "../../../components/settings/args.js";
import { resolveModelServiceSpec } from "../../../components/settings/validation.js";
import { modelServiceArgsFromConfig } from "../../../components/settings/stackConfig.js";
import { fakeInspector, JOBLIB_MODEL_DIR, specFor, testContext } from "../support/specs.js";

const inspector = () => fakeInspector({ ...JOBLIB_MODEL_DIR, metadata: { name: "iris", version: "2.0.0", featureCount: 4 } });

function rejectedFields(args: ModelServiceArgs): string[] {
  try {
    resolveModelServiceSpec(args, testContext({ inspectModelDirectory: inspector() }));
  } catch (error) {
    expect(error).toBeInstanceOf(ModelServiceConfigError);
    return (error as ModelServiceConfigError).fields;
  }
  throw new Error(`expected ${JSON.stringify(args)} to be rejected`);
}

describe("candidate", () => {
  it("is absent by default, so a service without one resolves as before", () => {
    expect(specFor({})).not.toHaveProperty("candidate");
  });

  it("defaults replicas to 1 and both shares to 0, and takes its identity from its model.json", () => {
    const spec = specFor({ candidate: { modelDir: "models/v2" } }, { inspectModelDirectory: inspector() });
    expect(spec.candidate).toEqual({
      modelDir: "/srv/project/models/v2",
      modelName: "iris",
      modelVersion: "2.0.0",
      replicas: 1,
      trafficPercent: 0,
      shadowPercent: 0,
    });
  });

  it("keeps every given value and fills the gates' defaults", () => {
    const spec = specFor(
      {
        candidate: {
          modelDir: "/m/v2",
          modelVersion: "2.1",
          replicas: 3,
          trafficPercent: 12.5,
          shadowPercent: 100,
          stickyHeader: "X-User-Id",
          gates: { windowSeconds: 60, minAgreement: 0.9 },
        },
      },
      { inspectModelDirectory: inspector() },
    );
    expect(spec.candidate).toMatchObject({
      modelVersion: "2.1",
      replicas: 3,
      trafficPercent: 12.5,
      shadowPercent: 100,
      stickyHeader: "X-User-Id",
      gates: { windowSeconds: 60, maxErrorRate: 0.01, maxP99LatencyRatio: 1.5, minAgreement: 0.9, minRequests: 50 },
    });
  });

  it.each<[string, ModelServiceArgs, string[]]>([
    ["a weight above 100", { candidate: { modelDir: "/m", trafficPercent: 101 } }, ["candidate.trafficPercent"]],
    ["a negative weight", { candidate: { modelDir: "/m", trafficPercent: -1 } }, ["candidate.trafficPercent"]],
    ["a weight with three decimals", { candidate: { modelDir: "/m", trafficPercent: 0.125 } }, ["candidate.trafficPercent"]],
    ["a shadow share above 100", { candidate: { modelDir: "/m", shadowPercent: 150 } }, ["candidate.shadowPercent"]],
    ["a candidate without a model", { candidate: { trafficPercent: 10 } as never }, ["candidate.modelDir"]],
    ["a sticky header that is no header name", { candidate: { modelDir: "/m", stickyHeader: "X User: 1" } }, ["candidate.stickyHeader"]],
    ["gates without a window", { candidate: { modelDir: "/m", gates: { maxErrorRate: 0.05 } as never } }, ["candidate.gates.windowSeconds"]],
    ["an agreement gate without shadow traffic", { candidate: { modelDir: "/m", gates: { windowSeconds: 30, minAgreement: 0.9 } } }, ["candidate.gates.minAgreement"]],
    ["an unknown member", { candidate: { modelDir: "/m", weight: 10 } as never }, ["candidate.weight"]],
  ])("rejects %s, naming the field", (_, args, fields) => {
    expect(rejectedFields(args)).toEqual(fields);
  });

  it("reads its members from stack config set with --path, gates included", () => {
    const args = modelServiceArgsFromConfig(
      { candidate: { modelDir: "models/v2", trafficPercent: "10", stickyHeader: "X-User-Id", gates: { windowSeconds: "30", maxErrorRate: "0.02" } } },
      "model-service",
    );
    expect(args.candidate).toEqual({
      modelDir: "models/v2",
      trafficPercent: 10,
      stickyHeader: "X-User-Id",
      gates: { windowSeconds: 30, maxErrorRate: 0.02 },
    });
  });
});
