/**
 * Checks of the component package's schema against the TypeScript source it is introspected from (read by
 * componentSource.ts). Shared by the unit test (the SDK's ComponentProvider, as the plugin runs it) and the
 * integration test (`pulumi package get-schema` on the real CLI, which normalises the schema: no `optional`
 * flags, required names listed instead). Every ModelServiceArgs field must be an input with its type and doc
 * comment, every `pulumi.Output` property of ModelService an output; a field added in TypeScript and missing,
 * mistyped or undocumented in the schema fails.
 */
import { expect } from "vitest";
import { RESTART_POLICIES, RUNTIMES, SWARM_PUBLISH_MODES } from "../../components/settings/args.js";
import { MODEL_SERVICE_ARG_NAMES } from "../../components/settings/fields.js";
import { classOutputFields, interfaceFields, type DeclaredField } from "./componentSource.js";

export const PACKAGE = "model-service";
export const MODEL_SERVICE_TOKEN = `${PACKAGE}:index:ModelService`;
const ARGS_FILE = "components/settings/args.ts";
const COMPONENT_FILE = "components/modelService.ts";

/** A schema property, as far as these checks read it. */
export interface SchemaProperty {
  type?: string;
  $ref?: string;
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
  plain?: boolean;
  optional?: boolean;
  description?: string;
}
export interface SchemaObjectType {
  type: string;
  properties?: Record<string, SchemaProperty>;
  required?: string[];
  enum?: { name: string; value: string; description?: string }[];
}
export interface SchemaResource {
  isComponent?: boolean;
  description?: string;
  inputProperties: Record<string, SchemaProperty>;
  requiredInputs?: string[];
  properties: Record<string, SchemaProperty>;
  required?: string[];
}
export interface PackageSchema {
  name: string;
  version: string;
  resources: Record<string, SchemaResource>;
  types: Record<string, SchemaObjectType>;
}

/** The object types of ModelServiceArgs fields, each an interface in ARGS_FILE. */
const NESTED_TYPES = ["Candidate", "CanaryGates", "ClientTimeouts", "RateLimit", "Registry", "Swarm", "Tls"];
/** The enums of ModelServiceArgs fields, each a const object plus a union type in ARGS_FILE, with their values. */
const ENUM_TYPES: Record<string, readonly string[]> = {
  RestartPolicy: RESTART_POLICIES,
  Runtime: RUNTIMES,
  SwarmPublishMode: SWARM_PUBLISH_MODES,
};

const typeRef = (name: string): SchemaProperty => ({ $ref: `#/types/${PACKAGE}:index:${name}` });

/**
 * The schema type each TypeScript type written in the args and the class must become. A new type text fails
 * until it is added here: a conscious decision about what other languages see.
 */
const SCHEMA_TYPE: Record<string, SchemaProperty> = {
  string: { type: "string" },
  number: { type: "number" },
  boolean: { type: "boolean" },
  "Record<string, string>": { type: "object", additionalProperties: { type: "string" } },
  "any[]": { type: "array", items: { $ref: "pulumi.json#/Any" } },
  "string[]": { type: "array", items: { type: "string" } },
  "pulumi.Input<string>": { type: "string" },
  // Inputs: the outer map or list is plain (its names and length are checked at construction), each value an Input.
  "Record<string, pulumi.Input<string>>": { type: "object", additionalProperties: { type: "string" } },
  "pulumi.Input<string>[]": { type: "array", items: { type: "string" } },
  "pulumi.Input<any[]>": { type: "array", items: { $ref: "pulumi.json#/Any" } },
  ClientTimeouts: typeRef("ClientTimeouts"),
  RateLimit: typeRef("RateLimit"),
  Registry: typeRef("Registry"),
  Tls: typeRef("Tls"),
  Swarm: typeRef("Swarm"),
  Candidate: typeRef("Candidate"),
  CanaryGates: typeRef("CanaryGates"),
  RestartPolicy: typeRef("RestartPolicy"),
  Runtime: typeRef("Runtime"),
  SwarmPublishMode: typeRef("SwarmPublishMode"),
  "pulumi.Output<string>": { type: "string" },
  "pulumi.Output<string[]>": { type: "array", items: { type: "string" } },
};

function expectedSchemaType(field: DeclaredField): SchemaProperty {
  const expected = SCHEMA_TYPE[field.typeText];
  if (expected === undefined) {
    throw new Error(`${field.name}: no schema type is decided for the TypeScript type '${field.typeText}' (add it to SCHEMA_TYPE)`);
  }
  return expected;
}

/** Same names, types and docs; for inputs also the plain and optional flags. */
function expectPropertiesMatch(
  where: string,
  properties: Record<string, SchemaProperty>,
  required: readonly string[] | undefined,
  fields: DeclaredField[],
  kind: "inputs" | "outputs",
): void {
  expect(Object.keys(properties).sort(), `${where}: schema properties vs TypeScript fields`).toEqual(fields.map((field) => field.name).sort());
  for (const field of fields) {
    const property = properties[field.name];
    expect(property, `${where}.${field.name}: type`).toMatchObject(expectedSchemaType(field));
    expect(field.doc, `${where}.${field.name}: the TypeScript field has a doc comment`).not.toBe("");
    expect(property.description, `${where}.${field.name}: description`).toBe(field.doc);
    if (kind === "inputs") {
      // Plain values (validated when the component is constructed) unless TypeScript takes an Input.
      expect(property.plain === true, `${where}.${field.name}: plain`).toBe(!/^pulumi\.Input<.*>$/.test(field.typeText));
      // A plain list or map of Inputs (`pulumi.Input<string>[]`): every item takes an Input.
      const items = property.items ?? property.additionalProperties;
      if (items !== undefined && /^(?:Record<string, )?pulumi\.Input<[^>]*>(?:\[\]|>)$/.test(field.typeText)) {
        expect(items.plain === true, `${where}.${field.name}: items take an Input`).toBe(false);
      }
      const optional = property.optional === true || !(required ?? []).includes(field.name);
      expect(optional, `${where}.${field.name}: optional`).toBe(field.optional);
    }
  }
  if (kind === "outputs") {
    expect([...(required ?? [])].sort(), `${where}: every output is always set`).toEqual(fields.map((field) => field.name).sort());
  }
}

/** Checks the whole schema: package, ModelService inputs and outputs, nested types, the restart policy enum. */
export function expectSchemaMatchesSource(schema: PackageSchema, version: string): void {
  expect(schema.name).toBe(PACKAGE);
  expect(schema.version).toBe(version);
  expect(Object.keys(schema.resources)).toEqual([MODEL_SERVICE_TOKEN]);
  const resource = schema.resources[MODEL_SERVICE_TOKEN];
  expect(resource.isComponent).toBe(true);
  expect(resource.description).toMatch(/^An ML model's prediction API on Docker/);

  const args = interfaceFields(ARGS_FILE, "ModelServiceArgs");
  // The runtime's list of accepted keys (unknown keys from other languages are refused by it) is the same set.
  expect(args.map((field) => field.name).sort()).toEqual([...MODEL_SERVICE_ARG_NAMES].sort());
  expectPropertiesMatch("ModelServiceArgs", resource.inputProperties, resource.requiredInputs, args, "inputs");

  const outputs = classOutputFields(COMPONENT_FILE, "ModelService");
  for (const field of outputs) {
    expect(field.typeText, `ModelService.${field.name} is public, so it must be an Output (or become a getter)`).toMatch(/^pulumi\.Output</);
  }
  expectPropertiesMatch("ModelService", resource.properties, resource.required, outputs, "outputs");

  for (const name of NESTED_TYPES) {
    const type = schema.types[`${PACKAGE}:index:${name}`];
    expect(type?.type, `${name} is an object type`).toBe("object");
    expectPropertiesMatch(name, type.properties ?? {}, type.required, interfaceFields(ARGS_FILE, name), "inputs");
  }

  for (const [name, values] of Object.entries(ENUM_TYPES)) {
    const enumType = schema.types[`${PACKAGE}:index:${name}`];
    expect(enumType?.type, `${name} is a string enum`).toBe("string");
    expect(enumType.enum?.map((member) => member.value)).toEqual([...values]);
    for (const member of enumType.enum ?? []) {
      expect(member.description, `${name}.${member.name} is documented`).toBeTruthy();
    }
  }
  expect(Object.keys(schema.types).sort()).toEqual([...NESTED_TYPES, ...Object.keys(ENUM_TYPES)].sort().map((name) => `${PACKAGE}:index:${name}`));
}
