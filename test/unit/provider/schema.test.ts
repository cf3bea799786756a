/**
 * The schema of the component package (provider/) against the TypeScript source it is introspected from,
 * produced the way the plugin produces it for `pulumi package get-schema`: the plugin's provider (the SDK's
 * ComponentProvider) analysing provider/index.ts (test/integration/componentPackage.test.ts asks the real CLI).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelServiceComponentProvider } from "../../../provider/host/componentHost.js";
import { REPOSITORY_ROOT } from "../../support/componentSource.js";
import { expectSchemaMatchesSource, PACKAGE, type PackageSchema } from "../../support/schemaExpectations.js";

const PROVIDER_DIR = join(REPOSITORY_ROOT, "provider");
const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8")) as { name: string; version: string };

describe("the component package schema", () => {
  it("is named and versioned like the npm package", () => {
    const npmPackage = readJson(join(REPOSITORY_ROOT, "package.json"));
    // The SDK names the provider after provider/package.json; resource tokens must match it.
    expect(readJson(join(PROVIDER_DIR, "package.json"))).toMatchObject({ name: PACKAGE, version: npmPackage.version });
    expect(npmPackage.name).toBe(PACKAGE);
  });

  it("has every ModelServiceArgs field, every output, the nested types and the enum, as the source declares them", async () => {
    const provider = new ModelServiceComponentProvider(PROVIDER_DIR);
    const schema = JSON.parse(await provider.getSchema()) as PackageSchema;
    expectSchemaMatchesSource(schema, readJson(join(REPOSITORY_ROOT, "package.json")).version);
  }, 120_000);
});
