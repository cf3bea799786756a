import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/**
 * The directory of the running program's `Pulumi.yaml`, against which relative paths in args resolve,
 * whatever `main` says (a compiled `dist/index.js`, a TypeScript file).
 *
 * The Node.js language host hands it to a program it runs. It does not reach a component provider (a
 * construct request carries no project directory): there, and under unit-test mocks, the SDK answers a
 * placeholder, and the working directory stands in. The engine starts a provider in the directory it runs
 * the program from, which is the project directory for a YAML or Go program.
 */
export function pulumiProjectDirectory(): string {
  const root = pulumi.getRootDirectory();
  return path.isAbsolute(root) ? root : process.cwd();
}
