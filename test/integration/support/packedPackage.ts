/**
 * The model-service package as `npm pack` makes it, for tests that install it the way another team would.
 * Built and packed once per content: the tarball is cached in .state/packed/<hash of everything that goes
 * into it>/, so the consumer test files of one run (and reruns without changes) share one build.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { ensureBuilt } from "../../support/build.js";
import { REPOSITORY_ROOT } from "../../support/componentSource.js";

/** The packed package: its tarball, its name and version. */
export interface PackedPackage {
  readonly tarball: string;
  readonly name: string;
  readonly version: string;
}

/**
 * Builds (`ensureBuilt`) and packs this repository unless a tarball of the same content exists.
 */
export function packedModelService(): PackedPackage {
  const { name, version } = JSON.parse(readFileSync(join(REPOSITORY_ROOT, "package.json"), "utf8")) as { name: string; version: string };
  const hash = ensureBuilt();
  const stateDir = join(REPOSITORY_ROOT, ".state");
  const cacheRoot = join(stateDir, "packed");
  const tarball = join(cacheRoot, hash, `${name}-${version}.tgz`);
  if (!existsSync(tarball)) {
    const scratch = join(stateDir, `packing-${process.pid}`);
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    execFileSync("npm", ["pack", "--silent", "--pack-destination", scratch], { cwd: REPOSITORY_ROOT, stdio: ["ignore", "ignore", "inherit"] });
    // Older tarballs are of older content: keep only this one.
    rmSync(cacheRoot, { recursive: true, force: true });
    mkdirSync(cacheRoot, { recursive: true });
    renameSync(scratch, join(cacheRoot, hash));
  }
  return { tarball, name, version };
}

/** Paths inside the tarball, relative to its `package/` root. */
export function tarballFiles(tarball: string): string[] {
  return execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => relative("package", line));
}
