/**
 * `.dockerignore` semantics (as Docker and the `@pulumi/docker` provider apply them), so the content
 * hash covers exactly the files the build context sends: `#` comments, blank lines, `!` exceptions,
 * `*`, `?`, `[...]`, `**`, a leading `/` meaning the context root, the last matching line winning, and
 * a pattern that matches a directory excluding everything below it.
 */

/** One compiled ignore line. */
export interface IgnorePattern {
  /** The cleaned pattern text, without the `!`. */
  readonly source: string;
  /** True for `!` lines, which re-include what earlier lines excluded. */
  readonly exception: boolean;
  readonly regex: RegExp;
}

/** Parses the text of an ignore file into patterns, in file order. */
export function parseIgnoreFile(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const rawLine of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    if (rawLine.startsWith("#")) {
      continue;
    }
    let line = rawLine.trim();
    const exception = line.startsWith("!");
    if (exception) {
      line = line.slice(1).trim();
    }
    if (line === "") {
      continue;
    }
    const source = cleanPath(line);
    patterns.push({ source, exception, regex: compilePattern(source) });
  }
  return patterns;
}

/** Whether a context-relative, '/'-separated path is excluded by the patterns. */
export function isIgnored(relativePath: string, patterns: readonly IgnorePattern[]): boolean {
  const parents = relativePath.split("/");
  let ignored = false;
  for (const pattern of patterns) {
    if (pattern.exception !== ignored) {
      continue;
    }
    let matched = pattern.regex.test(relativePath);
    for (let depth = 1; !matched && depth < parents.length; depth++) {
      matched = pattern.regex.test(parents.slice(0, depth).join("/"));
    }
    if (matched) {
      ignored = !pattern.exception;
    }
  }
  return ignored;
}

/** Like Go's `filepath.Clean` for '/'-separated patterns, then without a leading '/'. */
function cleanPath(pattern: string): string {
  const absolute = pattern.startsWith("/");
  const parts: string[] = [];
  for (const part of pattern.split("/")) {
    if (part === "" || part === ".") {
      continue;
    }
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") {
      parts.pop();
    } else if (part !== ".." || !absolute) {
      parts.push(part);
    }
  }
  return parts.length === 0 ? "." : parts.join("/");
}

function compilePattern(pattern: string): RegExp {
  let regex = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          regex += i + 1 >= pattern.length ? ".*" : "(?:.*/)?";
        } else {
          regex += ".*";
        }
      } else {
        regex += "[^/]*";
      }
    } else if (ch === "?") {
      regex += "[^/]";
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) {
        regex += "\\[";
      } else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, "\\\\");
        regex += body.startsWith("^") || body.startsWith("!") ? `[^${body.slice(1)}]` : `[${body}]`;
        i = end;
      }
    } else if (ch === "\\" && i + 1 < pattern.length) {
      i++;
      regex += escapeRegex(pattern[i]);
    } else {
      regex += escapeRegex(ch);
    }
  }
  return new RegExp(`${regex}$`);
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}
