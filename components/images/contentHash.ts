import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isIgnored, parseIgnoreFile, type IgnorePattern } from "./ignorePatterns.js";

/**
 * Content hashes that are stable across machines: they cover relative paths ('/'-separated, sorted by
 * code unit), file contents, the executable bit and symlink targets, and nothing else (no times,
 * owners or absolute paths). Image tags derive from them, so unchanged input gives an unchanged tag.
 */

/** Bumped whenever the hashed representation changes, so old and new tags can never collide. */
const HASH_SCHEME = "model-service-content-v1";

/** SHA-256 (hex) of the given parts, separated by NUL so `("ab","c")` and `("a","bc")` differ. */
export function sha256Hex(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex");
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) =>
    entry !== null && typeof entry === "object" && !Array.isArray(entry)
      ? Object.fromEntries(Object.entries(entry as Record<string, unknown>).sort(([a], [b]) => compare(a, b)))
      : entry,
  );
}

/** SHA-256 (hex) of a JSON-like value, independent of key order. */
export function fingerprint(value: unknown): string {
  return sha256Hex(HASH_SCHEME, stableStringify(value));
}

/** Image tag derived from content: the first 16 hex digits of `fingerprint(value)`. */
export function contentTag(value: unknown): string {
  return fingerprint(value).slice(0, 16);
}

/**
 * SHA-256 (hex) of a directory's content as a Docker build would send it. `ignoreFileName` names the
 * ignore file inside the directory whose patterns exclude paths (`.dockerignore` for a `Dockerfile`);
 * a missing ignore file excludes nothing.
 */
export function hashDirectory(dir: string, ignoreFileName?: string): string {
  const ignoreFile = ignoreFileName === undefined ? undefined : path.join(dir, ignoreFileName);
  const patterns =
    ignoreFile !== undefined && fs.existsSync(ignoreFile) ? parseIgnoreFile(fs.readFileSync(ignoreFile, "utf8")) : [];
  const hash = createHash("sha256").update(`${HASH_SCHEME}\n`);
  for (const entry of listEntries(dir, "", patterns)) {
    hash.update(`${entry}\n`);
  }
  return hash.digest("hex");
}

/** One line per directory, file and symlink under `dir`, in sorted order. */
function listEntries(root: string, relativeDir: string, patterns: readonly IgnorePattern[]): string[] {
  const lines: string[] = [];
  const names = fs.readdirSync(path.join(root, relativeDir)).sort(compare);
  for (const name of names) {
    const relativePath = relativeDir === "" ? name : `${relativeDir}/${name}`;
    const absolutePath = path.join(root, relativePath);
    const stat = fs.lstatSync(absolutePath);
    if (stat.isDirectory()) {
      const ignored = isIgnored(relativePath, patterns);
      if (ignored && !patterns.some((pattern) => pattern.exception)) {
        continue;
      }
      const below = listEntries(root, relativePath, patterns);
      if (!ignored || below.length > 0) {
        lines.push(`dir\0${relativePath}`, ...below);
      }
    } else if (isIgnored(relativePath, patterns)) {
      continue;
    } else if (stat.isSymbolicLink()) {
      lines.push(`symlink\0${relativePath}\0${fs.readlinkSync(absolutePath)}`);
    } else if (stat.isFile()) {
      const executable = (stat.mode & 0o111) !== 0 ? "x" : "-";
      lines.push(`file\0${relativePath}\0${executable}\0${hashFile(absolutePath)}`);
    }
  }
  return lines;
}

/** SHA-256 (hex) of one file's bytes. */
export function hashFile(file: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(1 << 20);
  const fd = fs.openSync(file, "r");
  try {
    let bytesRead: number;
    while ((bytesRead = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) {
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
