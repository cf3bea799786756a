import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { hashFile } from "./contentHash.js";
import { isIgnored, parseIgnoreFile, type IgnorePattern } from "./ignorePatterns.js";

/**
 * The model digest exactly as the api computes it for `/metadata` (api/modelserver/model/digest.py): every
 * regular file below the directory (symlinks to files followed, `__pycache__` directories left out),
 * sorted by relative '/'-separated path compared byte-wise, hashed as the lines `sha256sum` prints
 * (`<hex>  <path>\n`); the result is `sha256:<hex>`. Files the build's ignore file keeps out of the
 * image are left out too, so the digest describes the model the container serves.
 */
export function modelDirectoryDigest(dir: string, ignoreFileName?: string): string {
  const ignoreFile = ignoreFileName === undefined ? undefined : path.join(dir, ignoreFileName);
  const patterns =
    ignoreFile !== undefined && fs.existsSync(ignoreFile) ? parseIgnoreFile(fs.readFileSync(ignoreFile, "utf8")) : [];
  const files = regularFiles(dir, "", patterns).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const manifest = createHash("sha256");
  for (const relative of files) {
    manifest.update(`${hashFile(path.join(dir, relative))}  ${relative}\n`);
  }
  return `sha256:${manifest.digest("hex")}`;
}

function regularFiles(root: string, relativeDir: string, patterns: readonly IgnorePattern[]): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, relativeDir), { withFileTypes: true })) {
    const relative = relativeDir === "" ? entry.name : `${relativeDir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== "__pycache__") {
        files.push(...regularFiles(root, relative, patterns));
      }
    } else if (fs.statSync(path.join(root, relative), { throwIfNoEntry: false })?.isFile() && !isIgnored(relative, patterns)) {
      files.push(relative);
    }
  }
  return files;
}
