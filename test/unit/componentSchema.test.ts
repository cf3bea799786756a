/**
 * The schema of the component package (provider/) against the TypeScript source it is introspected from.
 * It is produced the way the plugin produces it for `pulumi package get-schema`: the Node.js SDK's
 * ComponentProvider analysing provider/index.ts. Every ModelServiceArgs field must be an input with its
 * type and doc comment, and every `pulumi.Output` property of ModelService an output; a field added in
 * TypeScript and missing, mistyped or undocumented in the schema fails here.
 */
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/index.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { MODEL_SERVICE_ARG_NAMES, RESTART_POLICIES } from "../../components/modelServiceArgs.js";
import { ModelService } from "../../components/modelService.js";
import { classOutputFields, interfaceFields, REPOSITORY_ROOT, type DeclaredField } from "../support/componentSource.js";

const PACKAGE = "model-service";
const PROVIDER_DIR = join(REPOSITORY_ROOT, "provider");
const ARGS_FILE = "components/modelServiceArgs.ts";

/** A schema property, as far as these tests read it. */
interface SchemaProperty {
  type?: string;
  $ref?: string;
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
  plain?: boolean;
  optional?: boolean;
  description?: string;
}
interface SchemaObjectType {
  type: string;
  properties?: Record<string, SchemaProperty>;
  required?: string[];
  enum?: { name: string; value: string; description?: string }[];
}
interface PackageSchema {
  name: string;
  version: string;
  resources: Record<string, { isComponent: boolean; inputProperties: Record<string, SchemaProperty>; properties: Record<string, SchemaProperty>; required?: string[]; requiredInputs?: string[] }>;
  types: Record<string, SchemaObjectType>;
}

const typeRef = (name: string) => ({ $ref: `#/types/${PACKAGE}:index:${name}` });

/**
 * The schema type each TypeScript type written in the args and the class must become. A new type text fails
 * the test until it is added here: a conscious decision about what other languages see.
 */
const SCHEMA_TYPE: Record<string, SchemaProperty> = {
  string: { type: "string" },
  number: { type: "number" },
  boolean: { type: "boolean" },
  "Record<string, string>": { type: "object", additionalProperties: { type: "string" } },
  "any[]": { type: "array", items: { $ref: "pulumi.json#/Any" } },
  "pulumi.Input<string>": { type: "string" },
  RateLimitArgs: typeRef("RateLimitArgs"),
  RegistryArgs: typeRef("RegistryArgs"),
  RestartPolicy: typeRef("RestartPolicy"),
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

/** Checks one object's properties against the declared fields: same names, types, docs, optionality. */
function expectPropertiesMatch(where: string, properties: Record<string, SchemaProperty>, fields: DeclaredField[], inputs: boolean): void {
  const declared = fields.map((field) => field.name).sort();
  expect(Object.keys(properties).sort(), `${where}: schema properties vs TypeScript fields`).toEqual(declared);
  for (const field of fields) {
    const property = properties[field.name];
    expect(property, `${where}.${field.name}: type`).toMatchObject(expectedSchemaType(field));
    expect(field.doc, `${where}.${field.name}: the TypeScript field has a doc comment`).not.toBe("");
    expect(property.description, `${where}.${field.name}: description`).toBe(field.doc);
    if (inputs) {
      // Plain values (validated when the component is constructed) unless TypeScript takes an Input.
      expect(property.plain === true, `${where}.${field.name}: plain`).toBe(!field.typeText.startsWith("pulumi.Input<"));
      expect(property.optional === true, `${where}.${field.name}: optional`).toBe(field.optional);
    }
  }
}

let schema: PackageSchema;

beforeAll(async () => {
  const provider = new ComponentProvider({ name: PACKAGE, dirname: PROVIDER_DIR, components: [ModelService] });
  schema = JSON.parse(await provider.getSchema()) as PackageSchema;
}, 120_000);

describe("the component package schema", () => {
  it("names the package as its package.json does, at the version of the npm package", () => {
    const pluginPackage = JSON.parse(readFileSync(join(PROVIDER_DIR, "package.json"), "utf8")) as { name: string; version: string };
    const npmPackage = JSON.parse(readFileSync(join(REPOSITORY_ROOT, "package.json"), "utf8")) as { name: string; version: string };
    expect(schema.name).toBe(PACKAGE);
    expect(pluginPackage).toMatchObject({ name: npmPackage.name, version: npmPackage.version });
    expect(schema.version).toBe(npmPackage.version);
    expect(Object.keys(schema.resources)).toEqual([`${PACKAGE}:index:ModelService`]);
    expect(schema.resources[`${PACKAGE}:index:ModelService`].isComponent).toBe(true);
  });

  it("has every ModelServiceArgs field as an input, typed and documented as in TypeScript", () => {
    const fields = interfaceFields(ARGS_FILE, "ModelServiceArgs");
    expect(fields.map((field) => field.name).sort()).toEqual([...MODEL_SERVICE_ARG_NAMES].sort());
    expectPropertiesMatch("ModelServiceArgs", schema.resources[`${PACKAGE}:index:ModelService`].inputProperties, fields, true);
  });

  it("has every pulumi.Output property of ModelService as a typed, documented output, and nothing else", () => {
    const fields = classOutputFields("components/modelService.ts", "ModelService");
    for (const field of fields) {
      expect(field.typeText, `ModelService.${field.name} is public, so it must be an Output (or become a getter)`).toMatch(/^pulumi\.Output</);
    }
    const resource = schema.resources[`${PACKAGE}:index:ModelService`];
    expectPropertiesMatch("ModelService", resource.properties, fields, false);
    expect([...(resource.required ?? [])].sort()).toEqual(fields.map((field) => field.name).sort());
  });

  it("has the nested args types with all their fields", () => {
    for (const name of ["RateLimitArgs", "RegistryArgs"]) {
      const type = schema.types[`${PACKAGE}:index:${name}`];
      const fields = interfaceFields(ARGS_FILE, name);
      expect(type.type).toBe("object");
      expectPropertiesMatch(name, type.properties ?? {}, fields, true);
      expect([...(type.required ?? [])].sort()).toEqual(fields.filter((field) => !field.optional).map((field) => field.name).sort());
    }
  });

  it("has the restart policies as a documented enum", () => {
    const restartPolicy = schema.types[`${PACKAGE}:index:RestartPolicy`];
    expect(restartPolicy.type).toBe("string");
    expect(restartPolicy.enum?.map((member) => member.value)).toEqual([...RESTART_POLICIES]);
    for (const member of restartPolicy.enum ?? []) {
      expect(member.description, `RestartPolicy.${member.name}`).toBeTruthy();
    }
  });
});
