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
      expect.arrayContaining(["model-change", "replicas-up", "replicas-down", "proxy-rate-limit", "secret-settings", "invalid-config", "other-resource"]),
    );
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
