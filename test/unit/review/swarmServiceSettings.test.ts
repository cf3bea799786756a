import { describe, expect, it } from "vitest";
import { renderNginxConfig } from "../../../components/nginx/config.js";
import { nginxConfigOptions } from "../../../components/containers/proxyNginxConfig.js";
import { apiServiceSettings, proxyServiceSettings, type SwarmServiceSettings } from "../../../components/runtimes/swarm/serviceSpecs.js";
import type { ModelServiceArgs } from "../../../components/settings/args.js";
import { diffSettings } from "../../../review/serviceChanges.js";
import {
  serviceNginxConfig,
  swarmServiceSettings,
  taskCount,
  taskEnvironmentValue,
  updateOrder,
} from "../../../review/swarmServiceSettings.js";
import { modelDigestLabel } from "../../../review/containerSettings.js";
import { specFor } from "../support/specs.js";

// Service inputs shaped as `deploySwarm` passes them, from the component's own pure functions.
function serviceInputs(settings: SwarmServiceSettings, name: string) {
  const { task } = settings;
  return {
    name,
    labels: settings.labels,
    taskSpec: {
      containerSpec: { image: "sha256:img", user: task.user, env: task.env, labels: task.labels, healthcheck: task.healthcheck, sysctl: task.sysctls },
      resources: task.resources,
      placement: task.placement,
      logDriver: task.logDriver,
    },
    mode: settings.mode,
    endpointSpec: settings.endpointSpec,
    updateConfig: settings.updateConfig,
    rollbackConfig: settings.rollbackConfig,
  };
}
const swarm = (args: ModelServiceArgs = {}): ModelServiceArgs => ({ runtime: "swarm", registry: { server: "127.0.0.1:5000" }, ...args });
const api = (args: ModelServiceArgs = {}) => serviceInputs(apiServiceSettings(specFor(swarm(args)), "sha256:digest"), "iris-unit-api");
const proxy = (args: ModelServiceArgs = {}) => {
  const spec = specFor(swarm(args));
  return serviceInputs(proxyServiceSettings(spec, renderNginxConfig(nginxConfigOptions(spec))), "iris-unit-proxy");
};
const value = (text: string) => ({ kind: "value", text });

describe("swarmServiceSettings", () => {
  it("names api service inputs by the ModelServiceArgs fields that set them", () => {
    const settings = swarmServiceSettings(api({ gunicornThreads: 3, apiCpus: 0.5, apiMemoryMb: 640, startupTimeoutSeconds: 90, labels: { team: "ml" } }), "api");
    expect(settings.get("gunicornThreads")).toEqual(value("3"));
    expect(settings.get("apiCpus")).toEqual(value("0.5"));
    expect(settings.get("apiMemoryMb")).toEqual(value("640"));
    expect(settings.get("startupTimeoutSeconds")).toEqual(value("90"));
    expect(settings.get("labels.team")).toEqual(value("ml"));
    expect(settings.get("logMaxFiles")).toEqual(value("3"));
    expect(settings.get("swarm.updateMonitorSeconds")).toEqual(value("10"));
    const keys = [...settings.keys()];
    for (const hidden of ["name", "mode", "environment.MODEL_NAME", "environment.MODEL_VERSION", "rollbackConfig"]) {
      expect(keys).not.toContain(hidden);
    }
    expect(keys.filter((key) => key.startsWith("labels.model-service."))).toEqual([]);
  });

  it("reads the proxy's published port, publish mode and limits, and decodes its nginx.conf", () => {
    const inputs = proxy({ hostPort: 18123, proxyMemoryMb: 96 });
    const settings = swarmServiceSettings(inputs, "proxy");
    expect(settings.get("hostPort")).toEqual(value("18123"));
    expect(settings.get("swarm.publishMode")).toEqual(value("host"));
    expect(settings.get("proxyMemoryMb")).toEqual(value("96"));
    expect([...settings.keys()].some((key) => key.includes("NGINX_CONF"))).toBe(false);
    const spec = specFor(swarm({ hostPort: 18123 }));
    expect(serviceNginxConfig(inputs)).toBe(renderNginxConfig(nginxConfigOptions(spec)));
  });

  it("reads the task counts, the model and the update order", () => {
    expect(taskCount(api({ replicas: 3 }))).toBe(3);
    expect(taskCount(proxy())).toBe("global");
    expect(taskCount(proxy({ swarm: { publishMode: "ingress", proxyReplicas: 2 } }))).toBe(2);
    expect(taskEnvironmentValue(api({ modelVersion: "2.0.0" }), "MODEL_VERSION")).toEqual(value("2.0.0"));
    expect(modelDigestLabel(api())).toEqual(value("sha256:digest"));
    expect(updateOrder(api())).toBe("start-first");
    expect(updateOrder(proxy())).toBe("stop-first");
  });

  it("diffs two api services' settings by name", () => {
    const before = swarmServiceSettings(api({ gunicornWorkers: 1 }), "api");
    const after = swarmServiceSettings(api({ gunicornWorkers: 2, replicas: 5 }), "api");
    expect(diffSettings(before, after)).toEqual([{ setting: "gunicornWorkers", before: value("1"), after: value("2") }]);
  });
});
