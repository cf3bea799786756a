import { describe, expect, it } from "vitest";
import { isIgnored, parseIgnoreFile } from "../../../components/images/ignorePatterns.js";

function ignored(ignoreFile: string, paths: string[]): string[] {
  const patterns = parseIgnoreFile(ignoreFile);
  return paths.filter((p) => isIgnored(p, patterns));
}

describe(".dockerignore patterns", () => {
  it("skips comments and blank lines and cleans patterns", () => {
    expect(parseIgnoreFile("# comment\n\n  /tests/  \n!./keep.txt\n./a/../b\r\n").map((p) => [p.source, p.exception])).toEqual([
      ["tests", false],
      ["keep.txt", true],
      ["b", false],
    ]);
  });

  it("excludes everything below a matched directory", () => {
    expect(ignored("tests\n__pycache__", ["tests/test_app.py", "app.py", "pkg/__pycache__/x.pyc", "__pycache__/y.pyc"])).toEqual([
      "tests/test_app.py",
      "__pycache__/y.pyc",
    ]);
  });

  it("matches * within one path segment and ** across segments", () => {
    expect(ignored("*.pyc", ["a.pyc", "pkg/b.pyc"])).toEqual(["a.pyc"]);
    expect(ignored("**/*.pyc", ["a.pyc", "pkg/b.pyc", "pkg/c.py"])).toEqual(["a.pyc", "pkg/b.pyc"]);
    // Like Docker: `docs/**` excludes what is below docs, not the directory entry itself.
    expect(ignored("docs/**", ["docs/a/b.md", "docs", "src/docs/x"])).toEqual(["docs/a/b.md"]);
    expect(ignored("file?.txt", ["file1.txt", "file10.txt"])).toEqual(["file1.txt"]);
    expect(ignored("data[0-9].csv", ["data1.csv", "datax.csv"])).toEqual(["data1.csv"]);
  });

  it("lets the last matching line win, with ! re-including", () => {
    const file = "*\n!bin/nginx-entrypoint\n!nginx.conf";
    expect(ignored(file, ["Dockerfile", "bin/nginx-entrypoint", "bin/other", "nginx.conf", ".dockerignore"])).toEqual([
      "Dockerfile",
      "bin/other",
      ".dockerignore",
    ]);
    expect(ignored("*.md\n!README.md\nREADME.md", ["README.md"])).toEqual(["README.md"]);
  });

  it("treats dots and other regex characters literally", () => {
    expect(ignored("a.b", ["a.b", "axb"])).toEqual(["a.b"]);
    expect(ignored("c++", ["c++", "cc"])).toEqual(["c++"]);
  });
});
