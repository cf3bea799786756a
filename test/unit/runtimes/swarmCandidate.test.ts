/**
 * A ModelService with a candidate on runtime swarm, against Pulumi's mocked engine: the candidate's own service (its
 * image from the registry, its replicas, MODEL_ROLE=candidate, the api's rollout, the `api-candidate` alias), the
 * proxy service that routes to it only once it exists, the wait for every proxy task (after a proxy update, before
 * the candidate's service goes), the gate through the manager after both, and the proxy config a failed gate writes
 * into the proxy service's spec.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { captureOptions, installMocks, resourceNamed, valueOf } from "../support/pulumiMocks.js";
import { specFor } from "../support/specs.js";

const registered = installMocks();
const { ModelService } = await import("../../../components/index.js");
const { apiServiceSettings, candidateServiceSettings } = await import("../../../components/runtimes/swarm/serviceSpecs.js");
const { apiServiceRollout } = await import("../../../components/runtimes/swarm/rolloutPolicy.js");
const { CANARY_GATE_SCRIPT } = await import("../../../components/commands/canaryGate.js");
const { PROXY_ROLLOUT_SCRIPT } = await import("../../../components/runtimes/swarm/proxyRollout.js");
const { PROXY_ROLLOUT_TIMEOUT_SECONDS } = await import("../../../components/runtimes/swarm/rolloutPolicy.js");
const { CANARY_GATE_RUN_SCRIPT } = await import("../../../components/commands/canaryGateCommand.js");
const { CANARY_GATE_SWARM_SCRIPT, managerEngine, rollbackProxyEnvironment, swarmCanaryGateEnvironment } = await import("../../../components/runtimes/swarm/canaryGate.js");
const { renderNginxConfig } = await import("../../../components/nginx/config.js");
const { nginxConfigOptions } = await import("../../../components/containers/proxyNginxConfig.js");
const { decodeNginxConfigFromEnv } = await import("../../../components/nginx/config.js");
const { NGINX_CONF_ENV_VAR } = await import("../../../components/nginx/options.js");

const candidateDir = fs.mkdtempSync(path.join(os.tmpdir(), "candidate-"));
fs.writeFileSync(path.join(candidateDir, "predictor.py"), "def load(d):\n    return None\n\ndef predict(m, rows):\n    return [1 for _ in rows]\n");
fs.writeFileSync(path.join(candidateDir, "model.json"), '{"name": "iris", "version": "2.0.0"}');
afterAll(() => fs.rmSync(candidateDir, { recursive: true, force: true }));

const MANAGER = "unix:///run/swarm-manager.sock";
const SWARM = { runtime: "swarm", registry: { server: "127.0.0.1:15000" }, swarm: { managerHost: MANAGER, address: "10.0.0.5", updateMonitorSeconds: 5 } } as const;

async function deploy(name: string, candidate: Record<string, unknown> | undefined) {
  const capture = captureOptions();
  const service = new ModelService(
    name,
    { ...SWARM, replicas: 3, ...(candidate === undefined ? {} : { candidate: { modelDir: candidateDir, ...candidate } as never }) },
    { transformations: [capture.transformation] },
  );
  await Promise.all([valueOf(service.smokeTest.urn), valueOf(service.proxyServiceName), ...(service.canaryGate ? [valueOf(service.canaryGate.urn)] : [])]);
  return { service, options: capture.byName };
}

async function dependencyNames(opts: pulumi.CustomResourceOptions | undefined): Promise<string[]> {
  const dependsOn = ([] as pulumi.Resource[]).concat((opts?.dependsOn ?? []) as pulumi.Resource[]);
  return (await Promise.all(dependsOn.map((dependency) => valueOf(dependency.urn)))).map((urn) => urn.split("::").pop() as string).sort();
}

const resource = (name: string) => resourceNamed(registered, name);
const registeredNames = (prefix: string) => registered.map((entry) => entry.name).filter((name) => name.startsWith(`${prefix}-`));
type ServiceInputs = {
  name: string;
  mode: { replicated: { replicas: number } };
  endpointSpec: { mode: string };
  updateConfig: unknown;
  taskSpec: { containerSpec: { image: string; env: Record<string, string> }; networksAdvanceds: { aliases?: string[] }[] };
};

describe("ModelService with a candidate (runtime swarm)", () => {
  it("is accepted on a Swarm", () => {
    expect(specFor({ ...SWARM, candidate: { modelDir: candidateDir, trafficPercent: 10 } }).candidate?.trafficPercent).toBe(10);
  });

  it("gives the candidate's service the api service's settings with the candidate's identity, role and replicas", () => {
    const spec = specFor({ ...SWARM, replicas: 3, candidate: { modelDir: candidateDir, modelName: "iris", modelVersion: "2.0.0", replicas: 2, trafficPercent: 10 } });
    const api = apiServiceSettings(spec, "sha256:stable");
    const candidate = candidateServiceSettings(spec, spec.candidate!, "sha256:candidate");
    expect(candidate.mode).toEqual({ replicated: { replicas: 2 } });
    expect(candidate.endpointSpec).toEqual({ mode: "dnsrr" });
    expect({ updateConfig: candidate.updateConfig, rollbackConfig: candidate.rollbackConfig }).toEqual(apiServiceRollout(5));
    expect(candidate.task.env).toMatchObject({ MODEL_ROLE: "candidate", MODEL_VERSION: "2.0.0", MODEL_NAME: "iris" });
    expect(api.task.env.MODEL_ROLE).toBeUndefined();
    expect(candidate.task.labels).toContainEqual({ label: "model-service.component", value: "api-candidate" });
    expect(candidate.labels).toContainEqual({ label: "model-service.model-digest", value: "sha256:candidate" });
    // Everything else is the stable tasks' own.
    const { env: _a, labels: _b, ...candidateTask } = candidate.task;
    const { env: _c, labels: _d, ...apiTask } = api.task;
    expect(candidateTask).toEqual(apiTask);
  });

  it("runs the candidate as its own service behind the api-candidate alias, before the proxy that routes to it", async () => {
    const { service, options } = await deploy("swcanary", { trafficPercent: 10, shadowPercent: 50, replicas: 2 });
    const candidate = resource("swcanary-candidate-service").inputs as ServiceInputs;
    expect(candidate.name).toBe("swcanary-unit-api-candidate");
    expect(candidate.mode).toEqual({ replicated: { replicas: 2 } });
    expect(candidate.taskSpec.networksAdvanceds[0].aliases).toEqual(["api-candidate"]);
    expect(candidate.taskSpec.containerSpec.image).toBe(await valueOf(service.candidateImage!.imageRef));
    expect(candidate.taskSpec.containerSpec.image).not.toBe(await valueOf(service.apiImage.imageRef));
    expect(await dependencyNames(options.get("swcanary-proxy-service")?.opts)).toContain("swcanary-candidate-service");
    const proxy = resource("swcanary-proxy-service").inputs as ServiceInputs;
    const config = decodeNginxConfigFromEnv(proxy.taskSpec.containerSpec.env[NGINX_CONF_ENV_VAR]);
    expect(config).toContain("10% candidate; # model-service:candidate-weight");
    expect(config).toContain("set $model_service_candidate_address api-candidate:8000;");
    expect(config).toContain("access_log syslog:server=127.0.0.1:8081,tag=model_service_shadow,nohostname model_service_shadow if=$model_service_shadow;");
  });

  it("deletes the candidate's image from the registry on destroy, after its service, when the registry deletes", async () => {
    const capture = captureOptions();
    const service = new ModelService(
      "swclean",
      { ...SWARM, registry: { server: "127.0.0.1:15000", deleteFromRegistry: true }, candidate: { modelDir: candidateDir, trafficPercent: 10 } as never },
      { transformations: [capture.transformation] },
    );
    await valueOf(service.smokeTest.urn);
    const cleanup = resource("swclean-candidate-image-cleanup").inputs as { environment: Record<string, string> };
    expect(cleanup.environment.IMAGE_REF).toBe(await valueOf(service.candidateImage!.imageRef));
    expect(await dependencyNames(capture.byName.get("swclean-candidate-service")?.opts)).toContain("swclean-candidate-image-cleanup");
  });

  it("adds nothing to a Swarm service without a candidate", async () => {
    await deploy("swplain", undefined);
    expect(registeredNames("swplain").filter((name) => name.includes("candidate") || name.includes("canary"))).toEqual([]);
  });

  it("runs the gate through the manager after the smoke test, with the services, the candidate's replicas and the thresholds", async () => {
    const { options } = await deploy("swgated", { trafficPercent: 20, replicas: 2, gates: { windowSeconds: 30, maxErrorRate: 0.02 } });
    const gate = resource("swgated-canary-gate").inputs as { create: string; stdin: string; environment: Record<string, string>; triggers: unknown[] };
    expect(gate.create).toBe(CANARY_GATE_SWARM_SCRIPT);
    expect(gate.stdin).toBe(CANARY_GATE_SCRIPT);
    expect(gate.environment).toMatchObject({
      DOCKER_HOST: MANAGER,
      API_SERVICE: "swgated-unit-api",
      CANDIDATE_SERVICE: "swgated-unit-api-candidate",
      PROXY_SERVICE: "swgated-unit-proxy",
      CANDIDATE_REPLICAS: "2",
      API_PORT: "8000",
      CANARY_GATE_RUN_SCRIPT,
      ROLLBACK_PROXY_ENV: expect.stringMatching(/^NGINX_CONF_B64=/),
      WINDOW_SECONDS: "30",
      MAX_ERROR_RATE: "0.02",
      MAX_P99_LATENCY_RATIO: "1.5",
      MIN_AGREEMENT: "",
      MIN_REQUESTS: "50",
    });
    // The targets are found in the overlay network when the gate runs, not known here.
    expect(Object.keys(gate.environment)).not.toContain("STABLE_TARGETS");
    expect(gate.triggers.slice(1)).toEqual(["20", "0", JSON.stringify({ windowSeconds: 30, maxErrorRate: 0.02, maxP99LatencyRatio: 1.5, minRequests: 50 })]);
    expect(await dependencyNames(options.get("swgated-canary-gate")?.opts)).toEqual(["swgated-candidate-proxy-rollout", "swgated-smoke-test"]);
  });

  it("waits for every proxy task after a proxy update, and before the candidate's service goes, through the manager", async () => {
    const { service, options } = await deploy("swwait", { trafficPercent: 10 });
    await valueOf(service.swarmDeployment!.proxyRollout!.urn);
    const wait = resource("swwait-candidate-proxy-rollout").inputs as { create: string; delete: string; environment: Record<string, string>; triggers: unknown[] };
    expect(wait.create).toBe(PROXY_ROLLOUT_SCRIPT);
    expect(wait.delete).toBe(`DELETE=1\n${PROXY_ROLLOUT_SCRIPT}`);
    expect(wait.environment).toEqual({ DOCKER_HOST: MANAGER, PROXY_SERVICE: "swwait-unit-proxy", TIMEOUT_SECONDS: String(PROXY_ROLLOUT_TIMEOUT_SECONDS) });
    // Re-run whenever the proxy's spec changes: a new weight changes its trigger.
    expect(wait.triggers[0]).toBe(await valueOf(service.swarmDeployment!.proxyService.id));
    const second = await deploy("swwait2", { trafficPercent: 20 });
    await valueOf(second.service.swarmDeployment!.proxyRollout!.urn);
    const other = resource("swwait2-candidate-proxy-rollout").inputs as { triggers: unknown[] };
    expect(other.triggers[1]).not.toBe(wait.triggers[1]);
    // After the proxy update; depending on the candidate's service, it is deleted before it.
    expect(await dependencyNames(options.get("swwait-candidate-proxy-rollout")?.opts)).toEqual(["swwait-candidate-service", "swwait-proxy-service"]);
  });

  it("gates a shadow-only candidate on agreement alone", () => {
    const spec = specFor({ ...SWARM, candidate: { modelDir: candidateDir, shadowPercent: 100, gates: { windowSeconds: 30, minAgreement: 0.9 } } });
    const candidate = spec.candidate as Parameters<typeof swarmCanaryGateEnvironment>[1];
    expect(swarmCanaryGateEnvironment(spec, candidate, { api: "a", candidate: "c", proxy: "p" })).toMatchObject({ MIN_REQUESTS: "0", MIN_AGREEMENT: "0.9", CANDIDATE_REPLICAS: "1" });
  });

  it("rolls back to the proxy config with the candidate at 0% of live traffic, its shadow share kept", () => {
    const spec = specFor({ ...SWARM, candidate: { modelDir: candidateDir, trafficPercent: 30, shadowPercent: 20, stickyHeader: "X-User-Id" } });
    const rollback = rollbackProxyEnvironment(spec);
    expect(rollback.startsWith(`${NGINX_CONF_ENV_VAR}=`)).toBe(true);
    const config = decodeNginxConfigFromEnv(rollback.slice(NGINX_CONF_ENV_VAR.length + 1));
    const live = renderNginxConfig(nginxConfigOptions(spec));
    expect(live).toContain("30% candidate; # model-service:candidate-weight");
    expect(config).not.toContain("# model-service:candidate-weight");
    expect(config).not.toContain("rewrite ^ /_model_service/candidate last;");
    expect(config).toContain("access_log syslog:server=127.0.0.1:8081,tag=model_service_shadow,nohostname model_service_shadow if=$model_service_shadow;");
    expect(config).toBe(renderNginxConfig(nginxConfigOptions({ ...spec, candidate: { ...spec.candidate!, trafficPercent: 0 } })));
  });

  it("reaches the manager's engine when swarm.managerHost is set, else the stack's", () => {
    const stackEngine = { remote: false, environment: {} };
    expect(managerEngine(specFor(SWARM), stackEngine)).toEqual({ remote: false, environment: { DOCKER_HOST: MANAGER }, host: MANAGER });
    expect(managerEngine(specFor({ ...SWARM, swarm: { managerHost: "ssh://admin@manager-1", address: "10.0.0.5" } }), stackEngine).remote).toBe(true);
    expect(managerEngine(specFor({ ...SWARM, swarm: { address: "10.0.0.5" } }), stackEngine)).toBe(stackEngine);
  });
});
