import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  captureOptions,
  fakeImageId,
  installMocks,
  resourceNamed,
  resourcesOf as resourcesIn,
  valueOf,
  TEST_PROJECT,
  TEST_STACK,
  type RegisteredResource,
} from "./support/pulumiMocks.js";

const registered = installMocks();
const { ModelService, ModelServiceConfigError } = await import("../../components/index.js");
const { PROXY_APPLY_CONFIG_SCRIPT } = await import("../../components/commands/proxyConfig.js");
const { BUILD_LEFTOVERS_SCRIPT, SMOKE_TEST_SCRIPT } = await import("../../components/commands/smokeTest.js");
const { sha256Hex } = await import("../../components/images/contentHash.js");
const { renderNginxConfig, encodeNginxConfigForEnv } = await import("../../components/nginx/config.js");

const CONTAINER = "docker:index/container:Container";
const COMMAND = "command:local:Command";

/** Creates a service, waits until every resource of it is registered, and returns it with its captured options. */
async function deploy(name: string, args: ConstructorParameters<typeof ModelService>[1] = {}) {
  const capture = captureOptions();
  const service = new ModelService(name, args, { transformations: [capture.transformation] });
  await Promise.all([
    valueOf(service.smokeTest.urn),
    valueOf(service.proxyConfig.urn),
    valueOf(service.apiContainerNames),
    ...service.apiContainers.map((container) => valueOf(container.urn)),
  ]);
  return { service, options: capture.byName };
}

/** Registration order follows Output resolution, which is not part of the contract: compare sorted. */
function byTypeThenName(a: string[], b: string[]): number {
  return a[0] === b[0] ? a[1].localeCompare(b[1]) : a[0].localeCompare(b[0]);
}

const resourcesOf = (service: string): RegisteredResource[] => resourcesIn(registered, service);
const resource = (name: string): RegisteredResource => resourceNamed(registered, name);

function optionsOf(options: Map<string, { opts: pulumi.CustomResourceOptions }>, name: string): pulumi.CustomResourceOptions {
  const found = options.get(name);
  if (found === undefined) {
    throw new Error(`no options captured for ${name}`);
  }
  return found.opts;
}

async function dependencyNames(opts: pulumi.CustomResourceOptions): Promise<string[]> {
  const dependsOn = ([] as pulumi.Resource[]).concat((opts.dependsOn ?? []) as pulumi.Resource[]);
  const urns = await Promise.all(dependsOn.map((dependency) => valueOf(dependency.urn)));
  return urns.map((urn) => urn.split("::").pop() as string);
}

describe("ModelService with defaults", async () => {
  const { service, options } = await deploy("iris");
  const apiImageName = await valueOf(service.apiImageName);
  const apiImageRef = fakeImageId(apiImageName);
  const apiNames = await valueOf(service.apiContainerNames);
  const defaultConfig = renderNginxConfig({
    upstreams: [{ host: "api", port: 8000 }],
    resolver: { address: "127.0.0.11", validSeconds: 1 },
    connectTimeoutSeconds: 1,
    nextUpstreamTries: 10,
    maxBodyBytes: 1_048_576,
    upstreamTimeoutSeconds: 30,
  });

  it("registers the component, its images, network, two replicas, the proxy and the commands", () => {
    expect(resourcesOf("iris").map((r) => [r.type, r.name]).sort(byTypeThenName)).toEqual([
      ["model-service:index:ModelService", "iris"],
      ["model-service:index:ModelServiceNetwork", "iris-network"],
      ["model-service:index:ModelApiImage", "iris-api-image"],
      ["model-service:index:NginxImage", "iris-nginx-image"],
      ["docker:index/network:Network", "iris-network-bridge"],
      ["docker:index/image:Image", "iris-api-image-default"],
      ["docker:index/image:Image", "iris-nginx-image-image"],
      [CONTAINER, "iris-api-0"],
      [CONTAINER, "iris-api-1"],
      [CONTAINER, "iris-proxy-8080"],
      [COMMAND, "iris-proxy-config"],
      [COMMAND, "iris-smoke-test"],
    ].sort(byTypeThenName));
  });

  it("parents every resource to the service (images and network through their components)", async () => {
    const base = `urn:pulumi:${TEST_STACK}::${TEST_PROJECT}::model-service:index:ModelService`;
    expect(await valueOf(service.urn)).toBe(`${base}::iris`);
    expect(await valueOf(service.apiContainers[1].urn)).toBe(`${base}$${CONTAINER}::iris-api-1`);
    expect(await valueOf(service.proxyContainer.urn)).toBe(`${base}$${CONTAINER}::iris-proxy-8080`);
    expect(await valueOf(service.smokeTest.urn)).toBe(`${base}$${COMMAND}::iris-smoke-test`);
    // The mocks qualify a URN's type with the immediate parent's type only; the chain is checked link by link.
    const prefix = `urn:pulumi:${TEST_STACK}::${TEST_PROJECT}::`;
    expect(await valueOf(service.apiImage.urn)).toBe(`${base}$model-service:index:ModelApiImage::iris-api-image`);
    expect(await valueOf(service.apiImage.image.urn)).toBe(
      `${prefix}model-service:index:ModelApiImage$docker:index/image:Image::iris-api-image-default`,
    );
    expect(await valueOf(service.proxyImage.urn)).toBe(`${base}$model-service:index:NginxImage::iris-nginx-image`);
    expect(await valueOf(service.proxyImage.image.urn)).toBe(
      `${prefix}model-service:index:NginxImage$docker:index/image:Image::iris-nginx-image-image`,
    );
    // The deprecated getter still answers.
    expect(service.nginxImage).toBe(service.proxyImage);
    expect(await valueOf(service.network.urn)).toBe(`${base}$model-service:index:ModelServiceNetwork::iris-network`);
    expect(await valueOf(service.network.network.urn)).toBe(
      `${prefix}model-service:index:ModelServiceNetwork$docker:index/network:Network::iris-network-bridge`,
    );
  });

  it("creates a labelled private bridge network", () => {
    expect(resource("iris-network-bridge").inputs).toEqual({
      name: "iris-unit-net",
      driver: "bridge",
      internal: false,
      labels: [
        { label: "model-service.component", value: "network" },
        { label: "model-service.project", value: TEST_PROJECT },
        { label: "model-service.service", value: "iris" },
        { label: "model-service.stack", value: TEST_STACK },
      ],
    });
  });

  it("runs hardened api replicas that publish no port, reachable as `api` and by name", () => {
    expect(apiNames).toHaveLength(2);
    apiNames.forEach((name, index) => {
      expect(name).toMatch(new RegExp(`^iris-unit-api-${index}-[0-9a-f]{12}$`));
      expect(resource(`iris-api-${index}`).inputs).toEqual({
        name,
        image: apiImageRef,
        envs: [
          "GUNICORN_GRACEFUL_TIMEOUT=30",
          "GUNICORN_KEEPALIVE=2",
          "GUNICORN_THREADS=2",
          "GUNICORN_TIMEOUT=30",
          "GUNICORN_WORKERS=1",
          "MAX_BATCH_SIZE=1000",
          "MAX_BODY_BYTES=1048576",
          "MODEL_NAME=iris",
          "MODEL_VERSION=1.0.0",
        ],
        user: "10001:10001",
        readOnly: true,
        tmpfs: { "/tmp": "rw,noexec,nosuid,nodev,size=64m" },
        memory: 512,
        memorySwap: 512,
        cpus: "1.0",
        restart: "unless-stopped",
        init: true,
        securityOpts: ["no-new-privileges:true"],
        capabilities: { drops: ["ALL"] },
        logDriver: "json-file",
        logOpts: { "max-file": "3", "max-size": "10m" },
        healthcheck: {
          tests: ["CMD", "/app/healthcheck"],
          interval: "5s",
          timeout: "5s",
          startPeriod: "2m0s",
          retries: 3,
        },
        wait: true,
        waitTimeout: 150,
        destroyGraceSeconds: 35,
        labels: [
          { label: "model-service.component", value: "api" },
          // The model the replica serves, for reviews of previews and `docker ps --filter label=...`.
          { label: "model-service.model-digest", value: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
          { label: "model-service.project", value: TEST_PROJECT },
          { label: "model-service.replica", value: String(index) },
          { label: "model-service.service", value: "iris" },
          { label: "model-service.stack", value: TEST_STACK },
        ],
        networksAdvanced: [{ name: "iris-unit-net", aliases: ["api", name] }],
      });
    });
  });

  it("replaces api replicas create-first, forcing replacement for settings the provider cannot update", async () => {
    for (const index of [0, 1]) {
      const opts = optionsOf(options, `iris-api-${index}`);
      expect(opts.deleteBeforeReplace).toBe(false);
      expect(opts.replaceOnChanges).toEqual(["healthcheck", "init", "tmpfs"]);
      expect(await dependencyNames(opts)).toEqual([]);
    }
  });

  it("publishes hardened nginx on 127.0.0.1:8080 with the rendered config", async () => {
    const nginxImageRef = fakeImageId(await valueOf(service.proxyImageName));
    expect(resource("iris-proxy-8080").inputs).toEqual({
      name: "iris-unit-proxy-8080",
      image: nginxImageRef,
      envs: [`NGINX_CONF_B64=${encodeNginxConfigForEnv(defaultConfig)}`],
      ports: [{ internal: 8080, external: 8080, ip: "127.0.0.1", protocol: "tcp" }],
      sysctls: { "net.ipv4.tcp_tw_reuse": "1" },
      user: "10002:10002",
      readOnly: true,
      tmpfs: { "/tmp": "rw,noexec,nosuid,nodev,size=32m" },
      memory: 128,
      memorySwap: 128,
      cpus: "1.0",
      restart: "unless-stopped",
      init: true,
      securityOpts: ["no-new-privileges:true"],
      capabilities: { drops: ["ALL"] },
      logDriver: "json-file",
      logOpts: { "max-file": "3", "max-size": "10m" },
      healthcheck: {
        tests: ["CMD", "curl", "--fail", "--silent", "--show-error", "--max-time", "2", "--output", "/dev/null", "http://127.0.0.1:8080/nginx-health"],
        interval: "5s",
        timeout: "5s",
        startPeriod: "10s",
        retries: 3,
      },
      wait: true,
      waitTimeout: 60,
      destroyGraceSeconds: 10,
      labels: [
        { label: "model-service.component", value: "proxy" },
        { label: "model-service.project", value: TEST_PROJECT },
        { label: "model-service.service", value: "iris" },
        { label: "model-service.stack", value: TEST_STACK },
      ],
      networksAdvanced: [{ name: "iris-unit-net" }],
    });
  });

  it("replaces the proxy delete-first (it owns the host port) and applies config changes in place, not by a new container", async () => {
    const opts = optionsOf(options, "iris-proxy-8080");
    expect(opts.deleteBeforeReplace).toBe(true);
    expect(opts.replaceOnChanges).toEqual(["healthcheck", "init", "tmpfs"]);
    expect(opts.ignoreChanges).toEqual(["envs"]);
    // nginx finds the replicas through Docker's DNS per request: it need not wait for them, nor reload for them.
    expect(await dependencyNames(opts)).toEqual([]);
  });

  it("applies the rendered config to the running proxy whenever it or the proxy container changes", () => {
    expect(resource("iris-proxy-config").inputs).toEqual({
      create: PROXY_APPLY_CONFIG_SCRIPT,
      update: PROXY_APPLY_CONFIG_SCRIPT,
      interpreter: ["bash", "-c"],
      environment: { PROXY_CONTAINER: "iris-unit-proxy-8080", NGINX_CONF: defaultConfig },
      triggers: ["iris-proxy-8080-id"],
    });
  });

  it("smoke-tests through nginx after the reload, inside the proxy container, again whenever images or containers change", async () => {
    expect(resource("iris-smoke-test").inputs).toEqual({
      create: `${BUILD_LEFTOVERS_SCRIPT}${SMOKE_TEST_SCRIPT}`,
      update: `${BUILD_LEFTOVERS_SCRIPT}${SMOKE_TEST_SCRIPT}`,
      interpreter: ["bash", "-c"],
      environment: {
        BASE_IMAGE: "debian:bookworm-slim",
        PROXY_CONTAINER: "iris-unit-proxy-8080",
        EXPECTED_MODEL_NAME: "iris",
        EXPECTED_MODEL_VERSION: "1.0.0",
        PREDICT_BODY: '{"instances":[[5.1,3.5,1.4,0.2]]}',
        PREDICT_TIMEOUT_SECONDS: "35",
        READY_TIMEOUT_SECONDS: "60",
        SERVICE_URL: "http://127.0.0.1:8080",
      },
      triggers: [apiImageRef, fakeImageId(await valueOf(service.proxyImageName)), ["iris-api-0-id", "iris-api-1-id"], "iris-proxy-8080-id", sha256Hex(defaultConfig)],
    });
    expect(await dependencyNames(optionsOf(options, "iris-smoke-test"))).toEqual(["iris-proxy-config", "iris-api-0", "iris-api-1"]);
  });

  it("exports what other stacks consume", async () => {
    expect({
      url: await valueOf(service.url),
      predictUrl: await valueOf(service.predictUrl),
      apiContainerNames: await valueOf(service.apiContainerNames),
      proxyContainerName: await valueOf(service.proxyContainerName),
      apiImageName: await valueOf(service.apiImageName),
      apiImageRef: await valueOf(service.apiImageRef),
      proxyImageName: await valueOf(service.proxyImageName),
      proxyImageRef: await valueOf(service.proxyImageRef),
      modelName: await valueOf(service.modelName),
      modelVersion: await valueOf(service.modelVersion),
      modelDigest: await valueOf(service.modelDigest),
      networkName: await valueOf(service.networkName),
    }).toEqual({
      url: "http://127.0.0.1:8080",
      predictUrl: "http://127.0.0.1:8080/predict",
      apiContainerNames: apiNames,
      proxyContainerName: "iris-unit-proxy-8080",
      apiImageName: expect.stringMatching(/^model-service-api:[0-9a-f]{16}$/),
      apiImageRef,
      proxyImageName: expect.stringMatching(/^model-service-nginx:[0-9a-f]{16}$/),
      proxyImageRef: fakeImageId(await valueOf(service.proxyImageName)),
      modelName: "iris",
      modelVersion: "1.0.0",
      modelDigest: service.apiImage.modelDigest,
      networkName: "iris-unit-net",
    });
    expect(service.apiImage.modelDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe("ModelService replica counts", () => {
  it("runs a single replica", async () => {
    const { service } = await deploy("solo", { replicas: 1 });
    expect(resourcesOf("solo").filter((r) => r.type === CONTAINER).map((r) => r.name).sort()).toEqual(["solo-api-0", "solo-proxy-8080"]);
    expect(await valueOf(service.apiContainerNames)).toEqual([expect.stringMatching(/^solo-unit-api-0-[0-9a-f]{12}$/)]);
    expect(resource("solo-smoke-test").inputs.triggers).toContainEqual(["solo-api-0-id"]);
  });

  it("runs five replicas, each with its own name, behind one proxy that needs no change for them", async () => {
    const { service, options } = await deploy("five", { replicas: 5 });
    const containers = resourcesOf("five").filter((r) => r.type === CONTAINER).map((r) => r.name).sort();
    expect(containers).toEqual(["five-api-0", "five-api-1", "five-api-2", "five-api-3", "five-api-4", "five-proxy-8080"]);
    const names = await valueOf(service.apiContainerNames);
    expect(new Set(names).size).toBe(5);
    expect(await dependencyNames(optionsOf(options, "five-smoke-test"))).toEqual(["five-proxy-config", ...containers.slice(0, 5)]);
    // The proxy's inputs do not depend on the replica count: scaling never touches it.
    const { service: two } = await deploy("fivetwo", { replicas: 2 });
    await valueOf(two.proxyContainerName);
    const withoutName = (inputs: Record<string, unknown>) => ({ ...inputs, name: undefined, labels: undefined, networksAdvanced: undefined });
    expect(withoutName(resource("fivetwo-proxy-8080").inputs)).toEqual(withoutName(resource("five-proxy-8080").inputs));
  });
});

describe("ModelService with options", () => {
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), "churn-"));
  fs.writeFileSync(path.join(modelDir, "predictor.py"), "def load(d):\n    return None\n\ndef predict(m, rows):\n    return [1 for _ in rows]\n");
  fs.writeFileSync(path.join(modelDir, "model.json"), '{"name": "churn", "version": "3"}');
  afterAll(() => fs.rmSync(modelDir, { recursive: true, force: true }));

  it("serves a user model with its name, version, rows and limits", async () => {
    const { service } = await deploy("churn", {
      modelDir,
      smokeTestInstances: [[0.1, 0.2]],
      gunicornTimeoutSeconds: 60,
      maxBodyBytes: 4096,
      hostAddress: "0.0.0.0",
      hostPort: 18081,
      rateLimit: { requestsPerSecond: 50 },
      environment: { LOG_LEVEL: "debug" },
      labels: { team: "ml" },
    });
    expect(resource("churn-api-0").inputs.envs).toEqual([
      "GUNICORN_GRACEFUL_TIMEOUT=60",
      "GUNICORN_KEEPALIVE=2",
      "GUNICORN_THREADS=2",
      "GUNICORN_TIMEOUT=60",
      "GUNICORN_WORKERS=1",
      "LOG_LEVEL=debug",
      "MAX_BATCH_SIZE=1000",
      "MAX_BODY_BYTES=4096",
      "MODEL_NAME=churn",
      "MODEL_VERSION=3",
    ]);
    expect(resource("churn-api-0").inputs.labels).toContainEqual({ label: "team", value: "ml" });
    expect(resource("churn-proxy-18081").inputs.labels).toContainEqual({ label: "team", value: "ml" });
    expect(resource("churn-proxy-18081").inputs.ports).toEqual([{ internal: 8080, external: 18081, ip: "0.0.0.0", protocol: "tcp" }]);
    const proxyConfig = Buffer.from(String((resource("churn-proxy-18081").inputs.envs as string[])[0]).replace(/^NGINX_CONF_B64=/, ""), "base64").toString("utf8");
    expect(proxyConfig).toContain("client_max_body_size 4096;");
    expect(proxyConfig).toContain("proxy_read_timeout 65s;");
    expect(proxyConfig).toContain("rate=50r/s;");
    expect(resource("churn-smoke-test").inputs.environment).toMatchObject({
      EXPECTED_MODEL_NAME: "churn",
      EXPECTED_MODEL_VERSION: "3",
      PREDICT_BODY: '{"instances":[[0.1,0.2]]}',
      PROXY_CONTAINER: "churn-unit-proxy-18081",
      SERVICE_URL: "http://127.0.0.1:8080",
    });
    expect(registered.filter((r) => r.name.startsWith("churn-api-image-")).map((r) => r.name)).toEqual([
      "churn-api-image-runtime",
      "churn-api-image-model",
    ]);
    expect(await valueOf(service.modelName)).toBe("churn");
    expect(await valueOf(service.modelVersion)).toBe("3");
    expect(await valueOf(service.url)).toBe("http://127.0.0.1:18081");
    expect(await valueOf(service.modelDigest)).toBe(service.apiImage.modelDigest);
  });

  it("pushes both images when a registry is given", async () => {
    await deploy("pushed", { registry: { server: "registry.example.com" } });
    expect(resource("pushed-api-image-default").inputs).toMatchObject({ skipPush: false, registry: { server: "registry.example.com" } });
    expect(resource("pushed-nginx-image-image").inputs).toMatchObject({ skipPush: false, registry: { server: "registry.example.com" } });
  });
});

describe("ModelService determinism", () => {
  it("gives identical inputs for identical args", async () => {
    await deploy("twin", { replicas: 2, labels: { b: "2", a: "1" }, environment: { Y: "y", X: "x" } });
    const first = resourcesOf("twin").map((r) => JSON.stringify(r.inputs));
    registered.splice(0, registered.length);
    await deploy("twin", { replicas: 2, environment: { X: "x", Y: "y" }, labels: { a: "1", b: "2" } });
    expect(resourcesOf("twin").map((r) => JSON.stringify(r.inputs))).toEqual(first);
  });
});

describe("ModelService with invalid args", () => {
  it("throws before registering any resource", () => {
    const before = registered.length;
    expect(() => new ModelService("broken", { replicas: 0, hostPort: -1 })).toThrow(ModelServiceConfigError);
    expect(() => new ModelService("broken", { replicas: 0, hostPort: -1 })).toThrow(
      'Invalid ModelService arguments for "broken":\n' +
        "  - replicas: got 0; expected an integer from 1 to 32\n" +
        "  - hostPort: got -1; expected an integer from 1 to 65535",
    );
    expect(registered.length).toBe(before);
  });

  it("rejects a model directory that does not exist", () => {
    expect(() => new ModelService("lost", { modelDir: "/nonexistent/model", smokeTestInstances: [[1]] })).toThrow(
      /modelDir: got "\/nonexistent\/model"; expected an existing directory/,
    );
  });
});

describe("ModelService with API keys and TLS", async () => {
  const { makeTestCertificate } = await import("./support/tlsFixtures.js");
  const tls = makeTestCertificate();
  const key = "k3y-".repeat(10);
  const { service } = await deploy("locked", { apiKeys: [key], tls, hostPort: 19443 });
  await valueOf(service.proxyContainer.urn);
  // Copied now: another describe's test empties the shared registry later.
  const mine = resourcesOf("locked").map((r) => ({ ...r }));
  const mineNamed = (name: string) => {
    const found = mine.find((r) => r.name === name);
    if (found === undefined) {
      throw new Error(`no resource ${name}`);
    }
    return found;
  };

  it("keeps the key and the private key out of every plain input", () => {
    for (const r of mine) {
      const inputs = JSON.stringify(r.inputs);
      if (r.name === "locked-tls-files" || r.name === "locked-smoke-test") {
        continue; // their secret inputs are checked below
      }
      expect(inputs, r.name).not.toContain(key);
      expect(inputs, r.name).not.toContain("PRIVATE KEY");
    }
    const proxyEnvs = JSON.stringify(mineNamed("locked-proxy-19443").inputs.envs);
    expect(proxyEnvs).not.toContain(key);
    expect(Buffer.from(proxyEnvs, "utf8").toString()).not.toContain("PRIVATE KEY");
  });

  it("creates the TLS volume, writes the certificate and key into it from a secret, and mounts it read-only", async () => {
    expect(mineNamed("locked-tls").type).toBe("docker:index/volume:Volume");
    expect(mineNamed("locked-tls").inputs.name).toBe("locked-unit-tls");
    expect(mineNamed("locked-tls-files").type).toBe("command:local:Command");
    expect(mineNamed("locked-tls-files").inputs.environment).toMatchObject({ TLS_VOLUME: "locked-unit-tls", PROXY_CONTAINER: "locked-unit-proxy-19443" });
    expect(await pulumi.isSecret(service.tlsFiles?.stdin as pulumi.Output<unknown>)).toBe(true);
    expect(mineNamed("locked-proxy-19443").inputs.volumes).toEqual([{ volumeName: "locked-unit-tls", containerPath: "/etc/nginx/tls", readOnly: true }]);
    expect(mineNamed("locked-proxy-19443").inputs.uploads).toBeUndefined();
    expect(await valueOf(service.url)).toBe("https://127.0.0.1:19443");
  });

  it("gives the smoke test the key only as a secret", async () => {
    expect(await pulumi.isSecret(service.smokeTest.environment as pulumi.Output<unknown>)).toBe(true);
  });
});
