import { describe, expect, it } from "vitest";
import {
  apiEnvironment,
  apiStopGraceSeconds,
  COMPONENT_API_VARIABLES,
  RESERVED_API_ENVIRONMENT,
} from "../../../components/containers/apiEnvironment.js";
import { API_ENVIRONMENT, apiVariable, reservedApiVariables } from "../../../components/containers/environmentContract.js";
import { ModelServiceConfigError } from "../../../components/settings/configError.js";
import { dockerEnvs } from "../../../components/runtimes/docker/envs.js";
import { specFor } from "../support/specs.js";

const API_KEY = "k".repeat(40);

describe("apiEnvironment", () => {
  it("derives the api environment from the default spec, sorted by name", () => {
    expect(dockerEnvs(apiEnvironment(specFor()))).toEqual([
      "GUNICORN_GRACEFUL_TIMEOUT=30",
      "GUNICORN_KEEPALIVE=2",
      "GUNICORN_THREADS=2",
      "GUNICORN_TIMEOUT=30",
      "GUNICORN_WORKERS=1",
      "MAX_BATCH_SIZE=1000",
      "MAX_BODY_BYTES=1048576",
      "MODEL_NAME=iris",
      "MODEL_VERSION=1.0.0",
    ]);
  });

  it("adds the user's variables in name order", () => {
    const spec = specFor({ environment: { ZZ_LAST: "z", AA_FIRST: "a b=c" }, gunicornWorkers: 3, maxBatchSize: 10 });
    const environment = apiEnvironment(spec);
    expect(Object.keys(environment)).toEqual([...Object.keys(environment)].sort());
    expect(dockerEnvs(environment)).toEqual([
      "AA_FIRST=a b=c",
      "GUNICORN_GRACEFUL_TIMEOUT=30",
      "GUNICORN_KEEPALIVE=2",
      "GUNICORN_THREADS=2",
      "GUNICORN_TIMEOUT=30",
      "GUNICORN_WORKERS=3",
      "MAX_BATCH_SIZE=10",
      "MAX_BODY_BYTES=1048576",
      "MODEL_NAME=iris",
      "MODEL_VERSION=1.0.0",
      "ZZ_LAST=z",
    ]);
  });

  it("passes the body limit and the request timeout the proxy gets, and lets a stopping replica finish a request", () => {
    const spec = specFor({ maxBodyBytes: 4096, gunicornTimeoutSeconds: 75 });
    expect(apiEnvironment(spec)).toMatchObject({ MAX_BODY_BYTES: "4096", GUNICORN_TIMEOUT: "75", GUNICORN_GRACEFUL_TIMEOUT: "75" });
    expect(apiStopGraceSeconds(spec)).toBe(80);
  });

  it("sets the batching variables only when they differ from the api's own defaults", () => {
    const names = (environment: Record<string, unknown>) => Object.keys(environment).filter((name) => name.startsWith("BATCH_"));
    const atDefaults = specFor({
      batchMaxRows: apiVariable("BATCH_MAX_ROWS").default as number,
      batchMaxWaitMicroseconds: apiVariable("BATCH_MAX_WAIT_MICROSECONDS").default as number,
    });
    expect(names(apiEnvironment(specFor()))).toEqual([]);
    expect(names(apiEnvironment(atDefaults))).toEqual([]);
    expect(apiEnvironment(specFor({ batchMaxRows: 1 }))).toMatchObject({ BATCH_MAX_ROWS: "1" });
    expect(names(apiEnvironment(specFor({ batchMaxRows: 1 })))).toEqual(["BATCH_MAX_ROWS"]);
    expect(apiEnvironment(specFor({ batchMaxWaitMicroseconds: 0 }))).toMatchObject({ BATCH_MAX_WAIT_MICROSECONDS: "0" });
  });

  it("sets the API key salt and digests only with API keys", () => {
    const spec = specFor({ apiKeys: [API_KEY] });
    expect(apiEnvironment(spec)).toMatchObject({ API_KEY_SALT: spec.apiKeys?.salt, API_KEY_DIGESTS: spec.apiKeys?.digests.join(",") });
    expect(Object.keys(apiEnvironment(specFor())).filter((name) => name.startsWith("API_KEY"))).toEqual([]);
  });
});

describe("the api environment contract (api/environment.json)", () => {
  it("has every variable the component sets, each reserved", () => {
    const set = Object.keys(apiEnvironment(specFor({ apiKeys: [API_KEY], batchMaxRows: 1, batchMaxWaitMicroseconds: 0 })));
    expect(set).toEqual([...COMPONENT_API_VARIABLES]);
    for (const name of set) {
      expect(apiVariable(name).reserved, name).toBe(true);
    }
  });

  it("fails on a name it does not have", () => {
    expect(() => apiVariable("GUNICORN_THREAD")).toThrow(/has no variable GUNICORN_THREAD/);
  });

  it("reserves exactly the variables validation refuses in ModelServiceArgs.environment", () => {
    expect(RESERVED_API_ENVIRONMENT).toEqual(reservedApiVariables());
    const refused = Object.keys(API_ENVIRONMENT.variables).filter((name) => {
      try {
        specFor({ environment: { [name]: "1" } });
        return false;
      } catch (error) {
        expect(error).toBeInstanceOf(ModelServiceConfigError);
        return true;
      }
    });
    expect(refused.sort()).toEqual(reservedApiVariables());
    expect(reservedApiVariables().length).toBeGreaterThan(0);
  });
});
