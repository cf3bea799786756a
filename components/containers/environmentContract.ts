import * as fs from "node:fs";
import * as path from "node:path";
import { apiContextDir } from "../images/packagePaths.js";

/**
 * The api container's environment contract, `api/environment.json`: every variable the model server reads, with
 * its type, default and the ModelService setting it is made from. modelserver reads the same file at start, so the
 * names and defaults the component sets and the ones the server expects cannot drift apart.
 */

/** One variable of the contract. */
export interface ApiVariable {
  readonly type: "integer" | "string" | "boolean";
  /** What the server uses when the variable is unset or blank; `null`: derived at start (see `description`). */
  readonly default: number | string | boolean | null;
  readonly minimum?: number;
  readonly maximum?: number;
  /** The only values a string variable may hold (e.g. `MODEL_ROLE`); absent: any. */
  readonly values?: readonly string[];
  /** The `ModelServiceArgs` field the component makes it from; `null`: no setting. */
  readonly setting: string | null;
  /** Set by the component or the image: `ModelServiceArgs.environment` may not set it. */
  readonly reserved: boolean;
  readonly description: string;
}

/** The contract: variables by name. */
export interface ApiEnvironmentContract {
  readonly description: string;
  readonly variables: Readonly<Record<string, ApiVariable>>;
}

/** The file both sides read, inside the api image's build context. */
export const API_ENVIRONMENT_CONTRACT_FILE = "environment.json";

/** Reads and checks the contract from `api/environment.json` of this package. */
export function loadApiEnvironmentContract(file = path.join(apiContextDir(), API_ENVIRONMENT_CONTRACT_FILE)): ApiEnvironmentContract {
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as ApiEnvironmentContract;
  if (typeof parsed !== "object" || parsed === null || typeof parsed.variables !== "object" || parsed.variables === null) {
    throw new Error(`${file}: expected an object with "variables"`);
  }
  return parsed;
}

/** The contract of this package, read once. */
export const API_ENVIRONMENT: ApiEnvironmentContract = loadApiEnvironmentContract();

/** The variable `name` of the contract; throws for a name the contract does not have, so a typo fails at load. */
export function apiVariable(name: string): ApiVariable {
  const variable = API_ENVIRONMENT.variables[name];
  if (variable === undefined) {
    throw new Error(`api/${API_ENVIRONMENT_CONTRACT_FILE} has no variable ${name}`);
  }
  return variable;
}

/** The variables `ModelServiceArgs.environment` may not set, sorted. */
export function reservedApiVariables(): string[] {
  return Object.keys(API_ENVIRONMENT.variables)
    .filter((name) => API_ENVIRONMENT.variables[name].reserved)
    .sort();
}

/** The numeric default of the integer variable `name`; throws when the contract gives it none. */
export function apiIntegerDefault(name: string): number {
  const value = apiVariable(name).default;
  if (typeof value !== "number") {
    throw new Error(`api/${API_ENVIRONMENT_CONTRACT_FILE}: ${name} has no numeric default (${JSON.stringify(value)})`);
  }
  return value;
}
