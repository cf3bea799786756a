import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { modelDirectoryDigest } from "../../../components/images/modelDigest.js";

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "model-digest-"));
  fs.mkdirSync(path.join(dir, "sub"));
  fs.mkdirSync(path.join(dir, "__pycache__"));
  fs.writeFileSync(path.join(dir, "a.txt"), "a");
  fs.writeFileSync(path.join(dir, "Z.txt"), "Z");
  fs.writeFileSync(path.join(dir, "sub", "b.bin"), "b");
  fs.writeFileSync(path.join(dir, "__pycache__", "c.pyc"), "x");
  fs.symlinkSync("a.txt", path.join(dir, "link.txt"));
  fs.symlinkSync("sub", path.join(dir, "subdirlink"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("modelDirectoryDigest", () => {
  it("equals the digest the api reports (value computed with api/modelserver/model/digest.py)", () => {
    expect(modelDirectoryDigest(dir)).toBe("sha256:ea823df3584d442828480ad51296e92ff4f4cbda25aecf1736d3627cda6e9666");
  });

  it("leaves out files the build's ignore file keeps out of the image", () => {
    const before = modelDirectoryDigest(dir, "Dockerfile.model.dockerignore");
    fs.writeFileSync(path.join(dir, "notes.md"), "draft");
    fs.writeFileSync(path.join(dir, "Dockerfile.model.dockerignore"), "notes.md\nDockerfile.model.dockerignore\n");
    expect(modelDirectoryDigest(dir, "Dockerfile.model.dockerignore")).toBe(before);
    expect(modelDirectoryDigest(dir)).not.toBe(before);
  });

  it("changes when a model file changes", () => {
    const before = modelDirectoryDigest(dir);
    fs.writeFileSync(path.join(dir, "sub", "b.bin"), "B");
    expect(modelDirectoryDigest(dir)).not.toBe(before);
  });
});
