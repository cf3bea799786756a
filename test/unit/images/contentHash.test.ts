import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contentTag, fingerprint, hashDirectory, hashFile, sha256Hex, stableStringify } from "../../../components/images/contentHash.js";

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "content-hash-"));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** Creates a directory tree under `root/<name>` from a map of relative paths to contents. */
function tree(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [relative, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    fs.writeFileSync(path.join(dir, relative), content);
  }
  return dir;
}

describe("sha256Hex, stableStringify, fingerprint", () => {
  it("hashes parts separated by NUL", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex("ab", "c")).not.toBe(sha256Hex("a", "bc"));
  });

  it("ignores key order at every level", () => {
    expect(stableStringify({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    expect(fingerprint({ x: 1, y: 2 })).toBe(fingerprint({ y: 2, x: 1 }));
    expect(fingerprint({ x: 1 })).not.toBe(fingerprint({ x: 2 }));
    expect(contentTag({ x: 1 })).toBe(fingerprint({ x: 1 }).slice(0, 16));
  });
});

describe("hashDirectory", () => {
  it("is the same for the same content anywhere and regardless of creation order", () => {
    const a = tree("a", { "z.txt": "z", "sub/a.txt": "a", "m.txt": "m" });
    const b = tree("elsewhere/b", { "m.txt": "m", "sub/a.txt": "a", "z.txt": "z" });
    fs.utimesSync(path.join(b, "m.txt"), new Date(0), new Date(0));
    expect(hashDirectory(a)).toBe(hashDirectory(b));
    expect(hashDirectory(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes with content, names, the executable bit and empty directories", () => {
    const base = hashDirectory(tree("base", { "a.txt": "1" }));
    expect(hashDirectory(tree("content", { "a.txt": "2" }))).not.toBe(base);
    expect(hashDirectory(tree("renamed", { "b.txt": "1" }))).not.toBe(base);
    const executable = tree("exec", { "a.txt": "1" });
    fs.chmodSync(path.join(executable, "a.txt"), 0o755);
    expect(hashDirectory(executable)).not.toBe(base);
    const withEmptyDir = tree("emptydir", { "a.txt": "1" });
    fs.mkdirSync(path.join(withEmptyDir, "cache"));
    expect(hashDirectory(withEmptyDir)).not.toBe(base);
  });

  it("hashes a symlink by its target, not by what it points to", () => {
    const linked = tree("linked", { "target.txt": "1" });
    fs.symlinkSync("target.txt", path.join(linked, "link"));
    const before = hashDirectory(linked);
    fs.writeFileSync(path.join(linked, "target.txt"), "1");
    expect(hashDirectory(linked)).toBe(before);
    fs.unlinkSync(path.join(linked, "link"));
    fs.symlinkSync("other.txt", path.join(linked, "link"));
    expect(hashDirectory(linked)).not.toBe(before);
  });

  it("leaves out what the ignore file excludes", () => {
    const clean = tree("clean", { "app.py": "print(1)", ".dockerignore": "tests\n*.pyc\n" });
    const dirty = tree("dirty", { "app.py": "print(1)", ".dockerignore": "tests\n*.pyc\n", "tests/test_app.py": "x", "app.pyc": "y" });
    expect(hashDirectory(dirty, ".dockerignore")).toBe(hashDirectory(clean, ".dockerignore"));
    expect(hashDirectory(dirty)).not.toBe(hashDirectory(clean));
  });

  it("treats a missing ignore file as excluding nothing", () => {
    const dir = tree("plain", { "a.txt": "1" });
    expect(hashDirectory(dir, "Dockerfile.model.dockerignore")).toBe(hashDirectory(dir));
  });

  it("keeps a re-included file below an ignored directory", () => {
    const dir = tree("reinclude", { ".dockerignore": "*\n!bin/run\n", "bin/run": "run", "bin/other": "o" });
    const withoutOther = tree("reinclude2", { ".dockerignore": "*\n!bin/run\n", "bin/run": "run" });
    expect(hashDirectory(dir, ".dockerignore")).toBe(hashDirectory(withoutOther, ".dockerignore"));
    fs.writeFileSync(path.join(dir, "bin/run"), "changed");
    expect(hashDirectory(dir, ".dockerignore")).not.toBe(hashDirectory(withoutOther, ".dockerignore"));
  });
});

describe("hashFile", () => {
  it("is the SHA-256 of the file's bytes", () => {
    const dir = tree("file", { "f.bin": "abc" });
    expect(hashFile(path.join(dir, "f.bin"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
