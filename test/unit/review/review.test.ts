/**
 * The review of REAL previews: each `golden/<case>.preview.json` is the output of `pulumi preview --json
 * --show-sames` that the integration suite captured from the real engine (REVIEW_UPDATE_GOLDEN=1), and
 * `golden/<case>.md` the review it must give, the same file the integration suite compares the live
 * review with.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parsePreviewJson } from "../../../review/previewJson.js";
import { reviewPreview } from "../../../review/review.js";
import { SECRET_VALUE } from "../../../review/previewDocument.js";
import { normaliseReview } from "../../integration/support/review.js";

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), "golden");
const cases = readdirSync(goldenDir)
  .filter((file) => file.endsWith(".preview.json"))
  .map((file) => file.slice(0, -".preview.json".length))
  .sort();
const review = (name: string) => reviewPreview(parsePreviewJson(readFileSync(join(goldenDir, `${name}.preview.json`), "utf8")));

describe("reviews of captured real previews", () => {
  it("cover every case the issue names", () => {
    expect(cases).toEqual(
      expect.arrayContaining([
        "model-change",
        "replicas-up",
        "replicas-down",
        "proxy-rate-limit",
        "secret-settings",
        "invalid-config",
        "other-resource",
        "swarm-scale",
        "swarm-model-change",
      ]),
    );
  });

  it("reads a Swarm change from its services: task counts and the model before and after, nothing unassessed", () => {
    const scale = review("swarm-scale");
    const model = review("swarm-model-change");
    expect(scale.services.map((service) => service.changes.replicas)).toEqual([{ before: 2, after: 3, added: 1, removed: 0 }]);
    expect(scale.services[0].changes.proxyTasks).toEqual({ before: "global", after: "global" });
    expect(scale.services[0].changes.services.map((service) => [service.role, service.name, service.op, service.rolling])).toEqual([
      ["api", "model-swr-review-api", "update", false],
      ["proxy", "model-swr-review-proxy", "unchanged", false],
    ]);
    const changes = model.services[0].changes;
    expect([changes.modelVersion.before, changes.modelVersion.after]).toEqual([
      { kind: "value", text: "1.0.0" },
      { kind: "value", text: "2.0.0" },
    ]);
    expect(changes.services[0]).toMatchObject({ role: "api", op: "update", rolling: true, updateOrder: "start-first" });
    for (const { risk } of [...scale.services, ...model.services]) {
      expect(risk.warnings).toEqual([]);
    }
  });

  it.each(cases)("%s matches its golden review", (name) => {
    expect(normaliseReview(review(name).markdown)).toBe(readFileSync(join(goldenDir, `${name}.md`), "utf8"));
  });

  it("gives the outcome CI gates on", () => {
    expect(review("invalid-config").outcome).toBe("failed");
    for (const name of cases.filter((candidate) => candidate !== "invalid-config" && candidate !== "no-op")) {
      expect(review(name).outcome).toBe("changes");
    }
    expect(review("no-op").outcome).toBe("no-changes");
  });

  it("never shows a secret: the engine's [secret] stays masked and names that say secret are masked", () => {
    const { markdown } = review("secret-settings");
    expect(markdown).toContain(SECRET_VALUE);
    expect(markdown).not.toMatch(/rv-feature-store-token|rv-registry-password/);
  });
});
