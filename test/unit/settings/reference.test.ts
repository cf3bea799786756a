/**
 * docs/reference.md is rendered from the field table and the doc comments (renderReference); this test fails when
 * the committed file is stale. `npm run docs` writes it anew.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MODEL_SERVICE_FIELDS, type FieldSpec } from "../../../components/settings/fields.js";
import { renderReference } from "../../../components/settings/reference.js";
import { MODEL_SERVICE_OPTIONS } from "../../../components/settings/resourceOptions.js";
import { classOutputFields, interfaceFields, REPOSITORY_ROOT } from "../../support/componentSource.js";

const ARGS_FILE = "components/settings/args.ts";
const REFERENCE_FILE = join(REPOSITORY_ROOT, "docs", "reference.md");
const NESTED_TYPES: Readonly<Record<string, string>> = {
  rateLimit: "RateLimit",
  clientTimeouts: "ClientTimeouts",
  registry: "Registry",
  tls: "Tls",
  swarm: "Swarm",
  candidate: "Candidate",
  "candidate.gates": "CanaryGates",
};

function reference(): string {
  return renderReference({
    args: interfaceFields(ARGS_FILE, "ModelServiceArgs"),
    fields: MODEL_SERVICE_FIELDS as Readonly<Record<string, FieldSpec>>,
    nested: Object.fromEntries(
      Object.entries(NESTED_TYPES).map(([field, typeName]) => [field, { typeName, members: interfaceFields(ARGS_FILE, typeName) }]),
    ),
    outputs: classOutputFields("components/modelService.ts", "ModelService"),
    options: MODEL_SERVICE_OPTIONS,
  });
}

describe("docs/reference.md", () => {
  it("lists every field with its table entry and every output, as rendered now", () => {
    const rendered = reference();
    if (process.env.UPDATE_REFERENCE === "1") {
      writeFileSync(REFERENCE_FILE, rendered);
    }
    for (const option of Object.keys(MODEL_SERVICE_OPTIONS)) {
      expect(rendered).toContain(`| \`${option}\` |`);
    }
    for (const name of Object.keys(MODEL_SERVICE_FIELDS)) {
      expect(rendered).toContain(`| \`${name}\` |`);
    }
    expect(rendered).toContain("| `predictUrl` |");
    expect(readFileSync(REFERENCE_FILE, "utf8"), "docs/reference.md is stale: run npm run docs").toBe(rendered);
  });
});
