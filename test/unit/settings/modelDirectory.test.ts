import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inspectModelDirectory } from "../../../components/settings/modelDirectory.js";

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "model-dir-"));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function modelDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(root, "m-"));
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe("inspectModelDirectory", () => {
  it("reports a missing path and a file as not a directory", () => {
    const file = path.join(root, "file");
    fs.writeFileSync(file, "");
    for (const target of [path.join(root, "missing"), file]) {
      expect(inspectModelDirectory(target)).toEqual({ isDirectory: false, hasPredictor: false, hasJoblib: false, metadata: {} });
    }
  });

  it("finds a predictor and a joblib estimator", () => {
    expect(inspectModelDirectory(modelDir({ "predictor.py": "" }))).toMatchObject({ isDirectory: true, hasPredictor: true, hasJoblib: false });
    expect(inspectModelDirectory(modelDir({ "model.joblib": "" }))).toMatchObject({ hasPredictor: false, hasJoblib: true });
  });

  it("reads name, version, example rows and the number of feature names from model.json", () => {
    const dir = modelDir({
      "model.joblib": "",
      "model.json": '{"name":"fraud","version":"3","labels":["no","yes"],"feature_names":["a","b"],"example":[[1,2]]}',
    });
    expect(inspectModelDirectory(dir).metadata).toEqual({ name: "fraud", version: "3", example: [[1, 2]], featureCount: 2 });
  });

  it("ignores fields of the wrong type", () => {
    expect(inspectModelDirectory(modelDir({ "model.json": '{"name":1,"version":null,"example":[],"feature_names":"a"}' })).metadata).toEqual({
      name: undefined,
      version: undefined,
      example: undefined,
      featureCount: undefined,
    });
  });

  it("explains a broken model.json", () => {
    expect(inspectModelDirectory(modelDir({ "model.json": "[1]" })).metadataError).toBe("model.json is not a JSON object");
    expect(inspectModelDirectory(modelDir({ "model.json": "{" })).metadataError).toMatch(/^model\.json is not valid JSON \(/);
  });
});
