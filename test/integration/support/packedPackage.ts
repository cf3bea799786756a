/**
 * The model-service package as `npm pack` makes it, for tests that install it the way another team would.
 * Built and packed once per content: the tarball is cached in .state/packed/<hash of everything that goes
 * into it>/, so the consumer test files of one run (and reruns without changes) share one build.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { REPOSITORY_ROOT } from "../../support/componentSource.js";

/** Everything the build reads or the package ships. */
const PACKAGE_INPUTS = [
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "scripts/build-cjs.mjs",
  "index.ts",
  "components",
  "provider",
  "api",
  "nginx",
  "README.md",
];
const IGNORED = /(^|\/)(node_modules|__pycache__|\.pytest_cache)(\/|$)|\.pyc$/;

function inputFiles(path: string): string[] {
  const absolute = join(REPOSITORY_ROOT, path);
  if (!existsSync(absolute) || IGNORED.test(path)) {
    return [];
  }
  if (!statSync(absolute).isDirectory()) {
    return [path];
  }
  return readdirSync(absolute)
    .sort()
    .flatMap((entry) => inputFiles(join(path, entry)));
}

function contentHash(): string {
  const hash = createHash("sha256");
  for (const file of PACKAGE_INPUTS.flatMap(inputFiles)) {
    hash.update(`${file}\0`).update(readFileSync(join(REPOSITORY_ROOT, file))).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** The packed package: its tarball, its name and version. */
export interface PackedPackage {
  readonly tarball: string;
  readonly name: string;
  readonly version: string;
}

/**
 * Builds (`npm run build`) and packs this repository unless a tarball of the same content exists. The build
 * in dist/ is left matching that content too, for tests that use provider/ from this checkout.
 */
export function packedModelService(): PackedPackage {
  const { name, version } = JSON.parse(readFileSync(join(REPOSITORY_ROOT, "package.json"), "utf8")) as { name: string; version: string };
  const hash = contentHash();
  const stateDir = join(REPOSITORY_ROOT, ".state");
  const cacheRoot = join(stateDir, "packed");
  const tarball = join(cacheRoot, hash, `${name}-${version}.tgz`);
  const buildStamp = join(REPOSITORY_ROOT, "dist", ".content-hash");
  if (!existsSync(buildStamp) || readFileSync(buildStamp, "utf8") !== hash) {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: REPOSITORY_ROOT, stdio: ["ignore", "ignore", "inherit"] });
    writeFileSync(buildStamp, hash);
  }
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
