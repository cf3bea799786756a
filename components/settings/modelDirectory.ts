import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import type { JsonValue } from "./args.js";

/** What validation needs to know about a user's model directory. */
export interface ModelDirectoryFacts {
  /** The path exists and is a directory. */
  readonly isDirectory: boolean;
  /** The directory holds a `predictor.py` (custom `load(dir)`/`predict(model, rows)` model). */
  readonly hasPredictor: boolean;
  /** The directory holds at least one `*.joblib` file (scikit-learn estimator). */
  readonly hasJoblib: boolean;
  /** What the directory's `model.json` says, when present. */
  readonly metadata: ModelMetadata;
  /** Why `model.json` could not be read, when it exists but is not a JSON object. */
  readonly metadataError?: string;
}

/** The parts of `model.json` (api/modelserver/model/loading.py) this component uses. */
export interface ModelMetadata {
  readonly name?: string;
  readonly version?: string;
  /** `example`: rows the api uses for its warm-up prediction; the smoke test reuses them. */
  readonly example?: JsonValue[];
  /** Number of `feature_names`: the row width the api's zero-row warm-up uses when there is no example. */
  readonly featureCount?: number;
}

/** Reads the facts about a model directory; injected into validation so validation stays pure. */
export type ModelDirectoryInspector = (absoluteDir: string) => ModelDirectoryFacts;

const NOT_A_DIRECTORY: ModelDirectoryFacts = { isDirectory: false, hasPredictor: false, hasJoblib: false, metadata: {} };

/** Inspects a model directory on the local file system. */
export const inspectModelDirectory: ModelDirectoryInspector = (absoluteDir) => {
  if (!fs.statSync(absoluteDir, { throwIfNoEntry: false })?.isDirectory()) {
    return NOT_A_DIRECTORY;
  }
  const entries = fs.readdirSync(absoluteDir);
  const metadataPath = path.join(absoluteDir, "model.json");
  const { metadata, metadataError } = fs.existsSync(metadataPath)
    ? readMetadata(metadataPath)
    : { metadata: {}, metadataError: undefined };
  return {
    isDirectory: true,
    hasPredictor: entries.includes("predictor.py"),
    hasJoblib: entries.some((entry) => entry.endsWith(".joblib")),
    metadata,
    metadataError,
  };
};

function readMetadata(file: string): Pick<ModelDirectoryFacts, "metadata" | "metadataError"> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    return { metadata: {}, metadataError: `model.json is not valid JSON (${(error as Error).message})` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { metadata: {}, metadataError: "model.json is not a JSON object" };
  }
  const record = parsed as Record<string, unknown>;
  return {
    metadata: {
      name: typeof record.name === "string" ? record.name : undefined,
      version: typeof record.version === "string" ? record.version : undefined,
      example: Array.isArray(record.example) && record.example.length > 0 ? (record.example as JsonValue[]) : undefined,
      featureCount: Array.isArray(record.feature_names) && record.feature_names.length > 0 ? record.feature_names.length : undefined,
    },
  };
}

/**
 * The directory of the running program's `Pulumi.yaml`, against which relative paths in args resolve,
 * whatever `main` says (a compiled `dist/index.js`, a TypeScript file).
 *
 * The Node.js language host hands it to a program it runs. It does not reach a component provider (a
 * construct request carries no project directory): there, and under unit-test mocks, the SDK answers a
 * placeholder, and the working directory stands in. The engine starts a provider in the directory it runs
 * the program from, which is the project directory for a YAML or Go program.
 */
export function pulumiProjectDirectory(): string {
  const root = pulumi.getRootDirectory();
  return path.isAbsolute(root) ? root : process.cwd();
}
