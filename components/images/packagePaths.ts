import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The `name` in this package's package.json, used to recognise the package root. */
const PACKAGE_NAME = "model-service";

/**
 * Root directory of the installed model-service package, found from this module's own location (not
 * the consumer's working directory), so it works from the sources, from `dist/` and from
 * `node_modules/model-service`.
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (readPackageName(path.join(dir, "package.json")) === PACKAGE_NAME) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${fileURLToPath(import.meta.url)}`);
    }
    dir = parent;
  }
}

/** Build context of the api image (`api/` in the package). */
export function apiContextDir(): string {
  return path.join(packageRoot(), "api");
}

/** Build context of the proxy image (`nginx/` in the package). */
export function nginxContextDir(): string {
  return path.join(packageRoot(), "nginx");
}

function readPackageName(file: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return typeof parsed === "object" && parsed !== null ? (parsed as { name?: string }).name : undefined;
  } catch {
    return undefined;
  }
}
