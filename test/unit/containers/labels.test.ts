import { describe, expect, it } from "vitest";
import { LABEL_KEYS, modelServiceLabels } from "../../../components/containers/labels.js";

describe("modelServiceLabels", () => {
  it("labels an object with project, stack, service and component, sorted by key", () => {
    expect(modelServiceLabels({ project: "p", stack: "dev", service: "iris", component: "proxy" })).toEqual([
      { label: "model-service.component", value: "proxy" },
      { label: "model-service.project", value: "p" },
      { label: "model-service.service", value: "iris" },
      { label: "model-service.stack", value: "dev" },
    ]);
  });

  it("adds the replica index and the user's labels", () => {
    expect(
      modelServiceLabels({ project: "p", stack: "dev", service: "iris", component: "api", replica: 0, extra: { team: "ml", app: "x" } }),
    ).toEqual([
      { label: "app", value: "x" },
      { label: "model-service.component", value: "api" },
      { label: "model-service.project", value: "p" },
      { label: "model-service.replica", value: "0" },
      { label: "model-service.service", value: "iris" },
      { label: "model-service.stack", value: "dev" },
      { label: "team", value: "ml" },
    ]);
  });

  it("exposes the keys tests and operators filter on", () => {
    expect(LABEL_KEYS).toEqual({
      project: "model-service.project",
      stack: "model-service.stack",
      service: "model-service.service",
      component: "model-service.component",
      replica: "model-service.replica",
      modelDigest: "model-service.model-digest",
    });
  });
});
