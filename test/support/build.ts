/**
 * dist/, built once per content for every test file and suite that runs it (scripts/lib/ensure-built): files that
 * run at the same time wait for one build instead of rewriting dist/ under each other.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { REPOSITORY_ROOT } from "./componentSource.js";

/** Builds dist/ unless it was built from this content; returns the content's hash. */
export function ensureBuilt(): string {
  return execFileSync(join(REPOSITORY_ROOT, "scripts", "lib", "ensure-built"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}
