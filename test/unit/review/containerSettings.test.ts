import { describe, expect, it } from "vitest";
import { apiContainerSettings } from "../../../components/runtimes/docker/apiContainer.js";
import { proxyContainerSettings } from "../../../components/runtimes/docker/proxyContainer.js";
import { renderNginxConfig } from "../../../components/nginx/config.js";
import { nginxConfigOptions } from "../../../components/containers/proxyNginxConfig.js";
import { API_ENVIRONMENT } from "../../../components/containers/environmentContract.js";
import {
  apiEnvironmentSetting,
  apiVariableOfSetting,
  containerSettings,
  environmentValue,
  modelDigestLabel,
  proxyNginxConfig,
  settingValue,
} from "../../../review/containerSettings.js";
import { diffSettings } from "../../../review/serviceChanges.js";
import type { ModelServiceArgs } from "../../../components/settings/args.js";
import { specFor } from "../support/specs.js";

// The inputs come from the component's own pure functions, so a renamed env var or input breaks these tests.
const apiInputs = (args: ModelServiceArgs = {}) => ({ ...apiContainerSettings(specFor(args), 0, "sha256:abc"), name: "n", image: "sha256:img" });
const proxyInputs = (args: ModelServiceArgs = {}) => {
  const spec = specFor(args);
  return { ...proxyContainerSettings(spec, renderNginxConfig(nginxConfigOptions(spec))), name: "p", image: "sha256:nginx" };
};
const value = (text: string) => ({ kind: "value", text });

describe("containerSettings", () => {
  it("names api inputs by the ModelServiceArgs fields that set them", () => {
    const settings = containerSettings(apiInputs({ gunicornWorkers: 3, gunicornThreads: 4, apiMemoryMb: 640, apiCpus: 0.75, startupTimeoutSeconds: 90 }), "api");
    expect(settings.get("gunicornWorkers")).toEqual(value("3"));
    expect(settings.get("gunicornThreads")).toEqual(value("4"));
    expect(settings.get("gunicornTimeoutSeconds")).toEqual(value("30"));
    expect(settings.get("maxBodyBytes")).toEqual(value("1048576"));
    expect(settings.get("maxBatchSize")).toEqual(value("1000"));
    expect(settings.get("apiMemoryMb")).toEqual(value("640"));
    expect(settings.get("apiCpus")).toEqual(value("0.75"));
    expect(settings.get("startupTimeoutSeconds")).toEqual(value("90"));
    expect(settings.get("restartPolicy")).toEqual(value("unless-stopped"));
    expect(settings.get("logMaxSize")).toEqual(value("10m"));
    expect(settings.get("logMaxFiles")).toEqual(value("3"));
  });

  it("maps api variables to settings through the environment contract, the one source of both names", () => {
    for (const [name, variable] of Object.entries(API_ENVIRONMENT.variables)) {
      const settings = containerSettings({ envs: [`${name}=7`] }, "api");
      if (variable.setting === "modelName" || variable.setting === "modelVersion") {
        expect(apiEnvironmentSetting(name)).toBeNull();
        expect([...settings.keys()]).toEqual([]);
        expect(apiVariableOfSetting(variable.setting)).toBe(name);
      } else if (variable.setting === null) {
        expect([...settings.keys()]).toEqual([`environment.${name}`]);
      } else {
        expect([...settings.keys()]).toEqual([variable.setting]);
      }
    }
    // A user's own variable keeps its name; an API key digest is masked whatever setting carries it.
    expect(containerSettings({ envs: ["FEATURE=on"] }, "api").get("environment.FEATURE")).toEqual(value("on"));
    expect(containerSettings({ envs: ["API_KEY_DIGESTS=ab12"] }, "api").get("apiKeys")).toEqual({ kind: "secret" });
    expect(() => apiVariableOfSetting("replicas")).toThrow("makes 0 variables from replicas");
  });

  it("leaves out what changes with every replacement, what is derived, and the model (shown on its own)", () => {
    const keys = [...containerSettings(apiInputs(), "api").keys()];
    for (const hidden of ["name", "image", "memorySwap", "waitTimeout", "destroyGraceSeconds", "environment.MODEL_NAME", "environment.MODEL_VERSION"]) {
      expect(keys).not.toContain(hidden);
    }
    expect(keys.filter((key) => key.startsWith("labels.model-service."))).toEqual([]);
  });

  it("shows user environment and labels by name, masking values whose names say secret", () => {
    const settings = containerSettings(
      apiInputs({ environment: { LOG_LEVEL: "debug", API_TOKEN: "tok-1", DB_PASSWORD: "pw" }, labels: { team: "ml", "auth-cookie": "c" } }),
      "api",
    );
    expect(settings.get("environment.LOG_LEVEL")).toEqual(value("debug"));
    expect(settings.get("environment.API_TOKEN")).toEqual({ kind: "secret" });
    expect(settings.get("environment.DB_PASSWORD")).toEqual({ kind: "secret" });
    expect(settings.get("labels.team")).toEqual(value("ml"));
    expect(settings.get("labels.auth-cookie")).toEqual({ kind: "secret" });
  });

  it("reads the proxy's published address and limits, and decodes its nginx.conf", () => {
    const inputs = proxyInputs({ hostPort: 18123, hostAddress: "0.0.0.0", proxyMemoryMb: 96 });
    const settings = containerSettings(inputs, "proxy");
    expect(settings.get("hostPort")).toEqual(value("18123"));
    expect(settings.get("hostAddress")).toEqual(value("0.0.0.0"));
    expect(settings.get("proxyMemoryMb")).toEqual(value("96"));
    expect([...settings.keys()].some((key) => key.includes("NGINX_CONF"))).toBe(false);
    const spec = specFor({ hostPort: 18123, hostAddress: "0.0.0.0" });
    expect(proxyNginxConfig(inputs)).toBe(renderNginxConfig(nginxConfigOptions(spec)));
  });

  it("reads the model's identity from an api container", () => {
    const inputs = apiInputs({ modelVersion: "2.0.0" });
    expect(environmentValue(inputs, "MODEL_NAME")).toEqual(value("iris"));
    expect(environmentValue(inputs, "MODEL_VERSION")).toEqual(value("2.0.0"));
    expect(modelDigestLabel(inputs)).toEqual(value("sha256:abc"));
  });

  it("diffs two containers' settings by name", () => {
    const before = containerSettings(apiInputs({ gunicornWorkers: 1, apiMemoryMb: 384 }), "api");
    const after = containerSettings(apiInputs({ gunicornWorkers: 2, apiMemoryMb: 384, environment: { FEATURE: "on" } }), "api");
    expect(diffSettings(before, after)).toEqual([
      { setting: "environment.FEATURE", after: value("on") },
      { setting: "gunicornWorkers", before: value("1"), after: value("2") },
    ]);
  });

  it("marks engine secrets and unknowns, never showing them as values", () => {
    expect(settingValue("[secret]")).toEqual({ kind: "secret" });
    expect(settingValue({ password: "[secret]" })).toEqual({ kind: "secret" });
    expect(settingValue("04da6b54-80e4-46f7-96ec-b56ff0331ba9")).toEqual({ kind: "unknown" });
    expect(settingValue(12)).toEqual(value("12"));
  });
});
