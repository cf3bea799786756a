import { describe, expect, it } from "vitest";
import { parsePreviewJson, PreviewInputError } from "../../../review/previewJson.js";

// Malformed input is made up on purpose here; real previews are reviewed in review.test.ts and the integration tests.
describe("parsePreviewJson rejects what is not a preview, saying what is wrong", () => {
  it.each([
    ["Previewing update (dev):", "the input is not JSON"],
    ["[]", "the preview document: expected a JSON object, got a list"],
    ['{"steps": {}}', "steps: expected a JSON list, got an object"],
    ['{"steps": [{"op": "explode", "urn": "urn:pulumi:a::b::c::d"}]}', 'steps[0].op: got "explode"; expected one of same, create'],
    ['{"steps": [{"op": "create"}]}', "steps[0].urn: expected a non-empty string, got undefined"],
    ['{"steps": [{"op": "create", "urn": "u", "newState": 3}]}', "steps[0].newState: expected a JSON object, got 3"],
  ])("%s", (text, message) => {
    expect(() => parsePreviewJson(text)).toThrow(PreviewInputError);
    expect(() => parsePreviewJson(text)).toThrow(message);
  });

  it("accepts an empty preview (a program with no resources)", () => {
    expect(parsePreviewJson("{}")).toEqual({ steps: [], diagnostics: [], config: {}, includesUnchanged: true });
  });
});
