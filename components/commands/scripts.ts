import * as fs from "node:fs";
import * as path from "node:path";
import { packageRoot } from "../images/packagePaths.js";

/**
 * The shell scripts the commands run live as `.sh` files beside this module (shellcheck reads them there) and are
 * shipped in the package. They are read from the package root, not from this module's folder, so the same files
 * serve the sources, the ES module build in `dist/` and the CommonJS build in `dist/cjs/`.
 */

/** Interpreter of every script in this package. */
export const BASH: string[] = ["bash", "-c"];

/** Folder of the scripts, relative to the package root. */
export const COMMAND_SCRIPTS_DIR = path.join("components", "commands");

/**
 * The text a command runs: the file `name` without its leading block of comment lines (the shebang and the
 * header that documents the script) and the blank line after it. What a command runs is part of its inputs, so
 * documenting a script never changes a deployed command.
 */
export function commandScript(name: string): string {
  return withoutHeader(fs.readFileSync(path.join(packageRoot(), COMMAND_SCRIPTS_DIR, name), "utf8"));
}

/** `text` without its leading comment lines and the blank line that ends them. */
export function withoutHeader(text: string): string {
  const lines = text.split("\n");
  let first = 0;
  while (first < lines.length && lines[first].startsWith("#")) {
    first += 1;
  }
  if (first > 0 && lines[first] === "") {
    first += 1;
  }
  return lines.slice(first).join("\n");
}
