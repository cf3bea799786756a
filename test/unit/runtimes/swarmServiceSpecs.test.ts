import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  captureOptions,
  fakeImageId,
  installMocks,
  resourceNamed,
  resourcesOf as resourcesIn,
  valueOf,
  type RegisteredResource,
} from "../support/pulumiMocks.js";
import { specFor } from "../support/specs.js";

const registered = installMocks();
const { ModelService, ModelServiceConfigError } = await import("../../../components/index.js");
const { apiServiceSettings, proxyServiceSettings } = await import("../../../components/runtimes/swarm/serviceSpecs.js");
const { encodeNginxConfigForEnv } = await import("../../../components/nginx/config.js");
const { apiEnvironment } = await import("../../../components/containers/apiEnvironment.js");
const { apiContainerSettings } = await import("../../../components/runtimes/docker/apiContainer.js");
const { dockerEnvs } = await import("../../../components/runtimes/docker/envs.js");
type Args = ConstructorParameters<typeof ModelService>[1];

const REGISTRY = { server: "registry.example.com:5000/ml", username: "ci", password: "registry-pw" };
const SWARM_ARGS: Args = { runtime: "swarm", registry: REGISTRY, swarm: { managerHost: "ssh://admin@manager-1", address: "10.0.0.5" } };

function rejectedFields(args: Args): { fields: string[]; message: string } {
  try {
    specFor(args ?? {});
  } catch (error) {
    expect(error).toBeInstanceOf(ModelServiceConfigError);
    const problems = (error as InstanceType<typeof ModelServiceConfigError>).problems;
    return { fields: problems.map((problem) => problem.field), message: (error as Error).message };
  }
  throw new Error(`expected ${JSON.stringify(args)} to be rejected`);
}

const resourcesOf = (service: string): RegisteredResource[] => resourcesIn(registered, service);
const resource = (name: string): RegisteredResource => resourceNamed(registered, name);

/** A secret input as the mocks receive it: `{ <secret signature>: ..., value }`; returns the value and whether it was secret. */
function unwrapSecret(input: unknown): { secret: boolean; value: any } {
  const SECRET_SIG = "4dabf18193072939515e22adb298388d";
  if (typeof input === "object" && input !== null && SECRET_SIG in input) {
    return { secret: true, value: (input as unknown as { value: unknown }).value };
  }
  return { secret: false, value: input };
}

async function deploy(name: string, args: Args) {
  const capture = captureOptions();
  const service = new ModelService(name, args, { transformations: [capture.transformation] });
  await Promise.all([valueOf(service.smokeTest.urn), valueOf(service.apiServiceName), valueOf(service.proxyServiceName), valueOf(service.networkName)]);
  return { service, options: capture.byName };
}

async function dependencyNames(opts: pulumi.CustomResourceOptions | undefined): Promise<string[]> {
  const dependsOn = ([] as pulumi.Resource[]).concat((opts?.dependsOn ?? []) as pulumi.Resource[]);
  const urns = await Promise.all(dependsOn.map((dependency) => valueOf(dependency.urn)));
  return urns.map((urn) => urn.split("::").pop() as string).sort();
}

describe("runtime validation", () => {
  it("defaults to one Docker host and refuses swarm settings there, naming the field", () => {
    expect(specFor({}).runtime).toEqual({ kind: "docker" });
    const { fields, message } = rejectedFields({ swarm: { address: "10.0.0.5" } });
    expect(fields).toEqual(["swarm"]);
    expect(message).toMatch(/swarm settings apply only with runtime "swarm"/);
  });

  it("names every field a Swarm does not take, and requires a registry", () => {
    const { fields, message } = rejectedFields({ runtime: "swarm", hostAddress: "0.0.0.0", restartPolicy: "always" });
    expect(fields.sort()).toEqual(["hostAddress", "registry", "restartPolicy"]);
    expect(message).toMatch(/hostAddress: .*not set with runtime swarm/);
    expect(message).toMatch(/registry: .*required with runtime swarm/);
  });

  it("rejects bad Swarm settings, each by its path", () => {
    const { fields } = rejectedFields({
      runtime: "swarm",
      registry: REGISTRY,
      swarm: {
        managerHost: "manager-1",
        address: "manager-1",
        publishMode: "mesh" as never,
        apiConstraints: ["role=worker"],
        maxReplicasPerNode: -1,
        apiReservedCpus: 2,
        apiReservedMemoryMb: 4096,
        updateMonitorSeconds: 0,
        nodes: 3,
      } as never,
    });
    expect(fields.sort()).toEqual([
      "swarm.address",
      "swarm.apiConstraints",
      "swarm.apiReservedCpus",
      "swarm.apiReservedMemoryMb",
      "swarm.managerHost",
      "swarm.maxReplicasPerNode",
      "swarm.nodes",
      "swarm.publishMode",
      "swarm.updateMonitorSeconds",
    ]);
    expect(rejectedFields({ runtime: "swarm", registry: REGISTRY, swarm: { proxyReplicas: 3 } }).fields).toEqual(["swarm.proxyReplicas"]);
    expect(rejectedFields({ runtime: "kubernetes" as never }).fields).toEqual(["runtime"]);
  });

  it("fills in the Swarm defaults from the api limits", () => {
    expect(specFor({ runtime: "swarm", registry: REGISTRY, apiCpus: 2, apiMemoryMb: 1024 }).runtime).toEqual({
      kind: "swarm",
      address: "127.0.0.1",
      publishMode: "host",
      proxyReplicas: 2,
      apiConstraints: [],
      maxReplicasPerNode: 0,
      apiReservation: { cpus: 0.5, memoryMb: 512 },
      updateMonitorSeconds: 10,
    });
  });
});

describe("Swarm service settings", () => {
  it("rolls the api out start-first, one task at a time, and rolls back on a failure", () => {
    const api = apiServiceSettings(specFor({ ...SWARM_ARGS, replicas: 3, swarm: { updateMonitorSeconds: 7, maxReplicasPerNode: 2 } }));
    expect(api.mode).toEqual({ replicated: { replicas: 3 } });
    expect(api.endpointSpec).toEqual({ mode: "dnsrr" });
    expect(api.updateConfig).toEqual({ parallelism: 1, delay: "0s", failureAction: "rollback", monitor: "7s", order: "start-first" });
    expect(api.rollbackConfig.order).toBe("start-first");
    expect(api.task.placement).toEqual({ platforms: [{ os: "linux", architecture: "amd64" }], prefs: ["spread=node.id"], maxReplicas: 2 });
    expect(api.task.resources).toEqual({
      limits: { nanoCpus: 1_000_000_000, memoryBytes: 512 * 1024 * 1024 },
      reservation: { nanoCpus: 250_000_000, memoryBytes: 256 * 1024 * 1024 },
    });
    expect(api.task).toMatchObject({ user: "10001:10001", readOnly: true, capDrops: ["ALL"], stopGracePeriod: "35s" });
    expect(api.task.healthcheck.tests).toEqual(["CMD", "/app/healthcheck"]);
    expect(api.task.env).toMatchObject({ GUNICORN_WORKERS: "1", MODEL_NAME: "iris", MODEL_VERSION: "1.0.0" });
  });

  it("gives the api tasks the environment the docker runtime's containers get, as a record", () => {
    const spec = specFor({ ...SWARM_ARGS, environment: { FEATURE_STORE: "http://features:9000" }, apiKeys: ["k".repeat(40)] });
    const env = apiServiceSettings(spec).task.env;
    expect(env).toEqual(apiEnvironment(spec));
    expect(dockerEnvs(env)).toEqual(apiContainerSettings(spec, 0).envs);
  });

  it("keeps the containers' labels fixed, so a new model updates the api service instead of replacing it", () => {
    const withUserLabel = { ...SWARM_ARGS, labels: { team: "ml" } };
    const first = apiServiceSettings(specFor(withUserLabel), "sha256:aaa");
    const second = apiServiceSettings(specFor(withUserLabel), "sha256:bbb");
    // The provider treats a service's container labels as force-new: a change there deletes the whole service first.
    expect(second.task.labels).toEqual(first.task.labels);
    expect(first.task.labels.map((label) => label.label)).not.toContain("team");
    expect(first.labels).toEqual(expect.arrayContaining([{ label: "team", value: "ml" }, { label: "model-service.model-digest", value: "sha256:aaa" }]));
  });

  it("runs one proxy per node publishing in host mode, stop-first; the routing mesh gets replicas and start-first", () => {
    const host = proxyServiceSettings(specFor({ ...SWARM_ARGS, hostPort: 18080 }), "conf");
    expect(host.mode).toEqual({ global: true });
    expect(host.endpointSpec).toEqual({ mode: "dnsrr", ports: [{ targetPort: 8080, publishedPort: 18080, publishMode: "host", protocol: "tcp" }] });
    expect(host.updateConfig.order).toBe("stop-first");
    expect(host.task.env).toEqual({ NGINX_CONF_B64: encodeNginxConfigForEnv("conf") });
    expect(host.task).toMatchObject({ user: "10002:10002", readOnly: true, capDrops: ["ALL"] });
    // nginx reuses TIME_WAIT ports for its per-request upstream connections, as on one host; the api sets none.
    expect(host.task.sysctls).toEqual({ "net.ipv4.tcp_tw_reuse": "1" });
    expect(apiServiceSettings(specFor(SWARM_ARGS)).task.sysctls).toEqual({});

    const mesh = proxyServiceSettings(specFor({ ...SWARM_ARGS, swarm: { publishMode: "ingress", proxyReplicas: 3 } }), "conf");
    expect(mesh.mode).toEqual({ replicated: { replicas: 3 } });
    expect(mesh.endpointSpec.mode).toBe("vip");
    expect(mesh.endpointSpec.ports?.[0].publishMode).toBe("ingress");
    expect(mesh.updateConfig.order).toBe("start-first");
  });
});

describe("ModelService on a Swarm", () => {
  it("creates an overlay network and two services through the manager's provider, and no containers", async () => {
    const { service } = await deploy("sw", { ...SWARM_ARGS, replicas: 3 });
    const types = resourcesOf("sw")
      .filter((r) => !r.type.startsWith("model-service:"))
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    expect(types).toEqual([
      "command:local:Command sw-smoke-test",
      "docker:index/image:Image sw-api-image-default",
      "docker:index/image:Image sw-nginx-image-image",
      "docker:index/network:Network sw-overlay",
      "docker:index/service:Service sw-api-service",
      "docker:index/service:Service sw-proxy-service",
      "pulumi:providers:docker sw-swarm-manager",
    ]);
    expect(resource("sw-swarm-manager").inputs.host).toBe("ssh://admin@manager-1");
    expect(resource("sw-overlay").inputs).toMatchObject({ name: "sw-unit-net", driver: "overlay" });
    expect(await valueOf(service.runtime)).toBe("swarm");
    expect(await valueOf(service.apiServiceName)).toBe("sw-unit-api");
    expect(await valueOf(service.proxyServiceName)).toBe("sw-unit-proxy");
    expect(await valueOf(service.apiContainerNames)).toEqual([]);
    expect(await valueOf(service.url)).toBe("http://10.0.0.5:8080");
    expect(() => service.proxyContainer).toThrow(/runtime docker only/);
  });

  it("runs the pushed images by digest, with the registry credentials as a secret", async () => {
    const { service } = await deploy("swi", SWARM_ARGS);
    const api = resource("swi-api-service").inputs as Record<string, any>;
    const apiImage = await valueOf(service.apiImageName);
    expect(resource("swi-api-image-default").inputs).toMatchObject({ skipPush: false });
    expect(apiImage).toMatch(/^registry\.example\.com:5000\/ml\/model-service-api:/);
    expect(api.taskSpec.containerSpec.image).toBe(fakeImageId(apiImage));
    expect(api.taskSpec.networksAdvanceds).toEqual([{ name: "swi-unit-net", aliases: ["api"] }]);
    const auth = unwrapSecret(api.auth);
    expect(auth).toEqual({ secret: true, value: { serverAddress: "registry.example.com:5000", username: "ci", password: "registry-pw" } });
    expect(api.updateConfig).toMatchObject({ order: "start-first", failureAction: "rollback" });
    expect(api.convergeConfig.timeout).toBe("5m20s");
  });

  it("smoke-tests after both services and, with deleteFromRegistry, keeps the registry cleanups until the services are gone", async () => {
    const { options } = await deploy("swc", { ...SWARM_ARGS, registry: { ...REGISTRY, deleteFromRegistry: true } });
    expect(await dependencyNames(options.get("swc-smoke-test")?.opts)).toEqual(["swc-api-service", "swc-proxy-service"]);
    expect(await dependencyNames(options.get("swc-api-service")?.opts)).toEqual(["swc-api-image-cleanup", "swc-nginx-image-cleanup"]);
    const cleanup = resource("swc-api-image-cleanup").inputs as Record<string, any>;
    expect(cleanup.delete).toMatch(/--request DELETE/);
    const environment = unwrapSecret(cleanup.environment);
    expect(environment.secret).toBe(true);
    expect(environment.value).toMatchObject({ REGISTRY_USERNAME: "ci", REGISTRY_PASSWORD: "registry-pw" });
  });
});
