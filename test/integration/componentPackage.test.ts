/**
 * The component package (provider/) on the real CLI: `pulumi package get-schema` starts the plugin through
 * the Node.js language host and must print a complete schema, checked field by field against the
 * TypeScript source (test/support/schemaExpectations.ts).
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "../support/componentSource.js";
import { expectSchemaMatchesSource, type PackageSchema } from "../support/schemaExpectations.js";
import { runCommand } from "./support/consumerStack.js";
import { packedModelService, tarballFiles, type PackedPackage } from "./support/packedPackage.js";

let packed: PackedPackage;

beforeAll(() => {
  packed = packedModelService(); // also builds dist/cjs, which provider/index.js runs
}, 300_000);

describe("the component package", () => {
  it("ships in the npm package with everything the plugin runs and introspects", () => {
    const files = tarballFiles(packed.tarball);
    for (const file of ["provider/PulumiPlugin.yaml", "provider/package.json", "provider/index.js", "provider/index.ts", "provider/tsconfig.json", "components/modelService.ts", "components/settings/args.ts", "dist/cjs/components/modelService.js"]) {
      expect(files).toContain(file);
    }
    expect(files.filter((file) => /(^|\/)(package-lock\.json|node_modules)/.test(file) && file !== "package.json")).toEqual([]);
  });

  it("gives `pulumi package get-schema` a complete schema of ModelService", async () => {
    const { stdout } = await runCommand("pulumi", ["package", "get-schema", join(REPOSITORY_ROOT, "provider")], { cwd: REPOSITORY_ROOT, timeoutMs: 300_000 });
    expectSchemaMatchesSource(JSON.parse(stdout) as PackageSchema, packed.version);
  }, 300_000);
});
