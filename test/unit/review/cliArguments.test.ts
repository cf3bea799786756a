import { describe, expect, it } from "vitest";
import { EXIT_CODES, parseCliArguments, UsageError } from "../../../review/cli/arguments.js";

const cwd = "/srv/project";

describe("parseCliArguments", () => {
  it("reads a preview file, or standard input when it is piped", () => {
    expect(parseCliArguments(["preview.json"], cwd, true)).toEqual({ source: { kind: "file", path: "preview.json" } });
    expect(parseCliArguments(["-", "--out", "review.md"], cwd, true)).toEqual({ source: { kind: "file", path: "-" }, out: "review.md" });
    expect(parseCliArguments([], cwd, false)).toEqual({ source: { kind: "file", path: "-" } });
  });

  it("runs the preview itself with --stack, in --cwd or the current directory", () => {
    expect(parseCliArguments(["--stack", "dev"], cwd, true)).toEqual({ source: { kind: "automation", stack: "dev", workDir: cwd } });
    expect(parseCliArguments(["-s", "org/proj/prod", "-C", "/repo", "-o", "r.md"], cwd, false)).toEqual({
      source: { kind: "automation", stack: "org/proj/prod", workDir: "/repo" },
      out: "r.md",
    });
  });

  it("answers --help", () => {
    expect(parseCliArguments(["--help"], cwd, true)).toBe("help");
  });

  it.each([
    [[], "no preview given"],
    [["a.json", "b.json"], "at most one preview file"],
    [["a.json", "--stack", "dev"], "either a preview file or --stack"],
    [["--cwd", "/repo", "a.json"], "--cwd only applies with --stack"],
    [["--stack", " "], "--stack needs a value"],
    [["--bogus"], "Unknown option '--bogus'"],
  ])("rejects %j: %s", (argv, message) => {
    expect(() => parseCliArguments(argv, cwd, true)).toThrow(UsageError);
    expect(() => parseCliArguments(argv, cwd, true)).toThrow(message);
  });

  it("has distinct exit codes for no changes, changes and errors", () => {
    expect(EXIT_CODES).toEqual({ noChanges: 0, error: 1, changes: 2 });
  });
});
