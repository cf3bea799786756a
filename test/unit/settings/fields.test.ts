/**
 * The field table (components/settings/fields.ts) against what users read: every Args field and nested member has an
 * entry, and its doc comment (the schema description every language shows) states the table's range and default.
 */
import { describe, expect, it } from "vitest";
import { MODEL_SERVICE_FIELDS, type FieldSpec } from "../../../components/settings/fields.js";
import { fieldAt } from "../../../components/settings/reference.js";
import { interfaceFields } from "../../support/componentSource.js";

const ARGS_FILE = "components/settings/args.ts";
const NESTED: Readonly<Record<string, string>> = {
  rateLimit: "RateLimit",
  clientTimeouts: "ClientTimeouts",
  registry: "Registry",
  tls: "Tls",
  swarm: "Swarm",
  candidate: "Candidate",
  "candidate.gates": "CanaryGates",
};

/** Numbers as the docs write them: 1048576, 0.1. */
const text = (value: string | number | boolean): string => (typeof value === "string" ? value : String(value));

function documented(interfaceName: string, fields: Readonly<Record<string, FieldSpec>>): [string, string, FieldSpec][] {
  const declared = interfaceFields(ARGS_FILE, interfaceName);
  expect(declared.map((field) => field.name).sort(), `${interfaceName} fields against the table`).toEqual(Object.keys(fields).sort());
  return declared.map((field) => [`${interfaceName}.${field.name}`, field.doc.replace(/\s+/g, " "), fields[field.name]]);
}

const cases: [string, string, FieldSpec][] = [
  ...documented("ModelServiceArgs", MODEL_SERVICE_FIELDS),
  ...Object.entries(NESTED).flatMap(([field, name]) => documented(name, fieldAt(MODEL_SERVICE_FIELDS as Record<string, FieldSpec>, field).members ?? {})),
];

describe("the field table and the Args doc comments", () => {
  it.each(cases)("%s states the table's range", (_, doc, field) => {
    if (field.min !== undefined && field.max !== undefined && (field.kind === "integer" || field.kind === "number")) {
      expect(doc).toContain(`${text(field.min)} to ${text(field.max)}`);
    }
  });

  it.each(cases.filter(([, , field]) => field.default !== undefined))("%s states the table's default", (_, doc, field) => {
    expect(doc).toMatch(new RegExp(`Defaults to \`?${text(field.default!).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\`?\\b`));
  });

  it.each(cases.filter(([, , field]) => field.derivedDefault !== undefined))("%s says what it defaults to", (_, doc) => {
    expect(doc).toContain("Defaults to");
  });
});
