import * as pulumi from "@pulumi/pulumi";

/**
 * The directory of the running program's `Pulumi.yaml`, which the engine hands to the program; whatever
 * `main` says (a compiled `dist/index.js`, a TypeScript file) relative paths in args resolve against it.
 * Outside the engine (unit tests with mocks) it is the working directory.
 */
export function pulumiProjectDirectory(): string {
  return pulumi.getRootDirectory() || process.cwd();
}
