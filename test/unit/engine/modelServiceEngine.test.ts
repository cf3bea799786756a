import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { captureOptions, installMocks, resourceNamed, valueOf } from "../support/pulumiMocks.js";

const registered = installMocks();
pulumi.runtime.setAllConfig({ "docker:host": "ssh://deploy@10.215.0.2", "docker:sshOpts": '["-i","/keys/id_ed25519","-o","UserKnownHostsFile=/keys/known_hosts"]' });
const { ModelService } = await import("../../../components/index.js");
const { ENGINE_PRELUDE_SCRIPT } = await import("../../../components/engine/commandEngine.js");
const { PROXY_APPLY_CONFIG_SCRIPT } = await import("../../../components/commands/proxyConfig.js");
const { ENGINE_IMAGES_SCRIPT } = await import("../../../components/commands/engineImages.js");

const resource = (name: string) => resourceNamed(registered, name);

async function deploy(name: string, opts: pulumi.ComponentResourceOptions = {}) {
  const capture = captureOptions();
  const service = new ModelService(name, {}, { ...opts, transformations: [capture.transformation] });
  await Promise.all([valueOf(service.smokeTest.urn), valueOf(service.proxyConfig.urn), ...service.apiContainers.map((c) => valueOf(c.urn))]);
  return { service, options: capture.byName };
}

async function urnNames(resources: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> | undefined): Promise<string[]> {
  const list = ([] as pulumi.Resource[]).concat((resources ?? []) as pulumi.Resource[]);
  return (await Promise.all(list.map((r) => valueOf(r.urn)))).map((urn) => urn.split("::").pop() as string);
}

describe("a ModelService on the engine of docker:host in stack config", async () => {
  const { service, options } = await deploy("far");

  it("runs every docker command there: engine.sh first, the host and ssh options in the environment", () => {
    const proxyConfig = resource("far-proxy-config").inputs;
    expect(proxyConfig.create).toBe(`${ENGINE_PRELUDE_SCRIPT}${PROXY_APPLY_CONFIG_SCRIPT}`);
    expect(proxyConfig.environment).toMatchObject({
      DOCKER_HOST: "ssh://deploy@10.215.0.2",
      DOCKER_SSH_OPTS: "-i\n/keys/id_ed25519\n-o\nUserKnownHostsFile=/keys/known_hosts",
    });
    const smokeTest = resource("far-smoke-test").inputs;
    expect(String(smokeTest.create).startsWith(ENGINE_PRELUDE_SCRIPT)).toBe(true);
    expect(smokeTest.environment).toMatchObject({ DOCKER_HOST: "ssh://deploy@10.215.0.2", PROXY_CONTAINER: "far-unit-proxy-8080" });
  });

  it("copies the base image there before any build, and removes the package's images from it on delete", async () => {
    const engineImages = resource("far-engine-images").inputs;
    expect(engineImages.create).toBe(`${ENGINE_PRELUDE_SCRIPT}${ENGINE_IMAGES_SCRIPT}`);
    expect(engineImages.delete).toBe(`${ENGINE_PRELUDE_SCRIPT}DELETE=1\n${ENGINE_IMAGES_SCRIPT}`);
    expect(engineImages.environment).toMatchObject({
      BASE_IMAGE: "debian:bookworm-slim",
      IMAGE_REPOSITORIES: "model-service-api model-service-api-runtime model-service-nginx",
      DOCKER_HOST: "ssh://deploy@10.215.0.2",
    });
    expect(service.engineImages).toBeDefined();
    expect(await urnNames(options.get("far-api-image-default")?.opts.dependsOn)).toEqual(["far-engine-images"]);
    expect(await urnNames(options.get("far-nginx-image-image")?.opts.dependsOn)).toEqual(["far-engine-images"]);
  });
});

describe("a ModelService given an explicit docker.Provider", async () => {
  const provider = new docker.Provider("vm", { host: "ssh://ops@10.215.0.9", sshOpts: ["-p", "2222"] });
  await valueOf(provider.urn);
  await deploy("vm", { providers: [provider] });

  it("runs its commands on the provider's engine, not the stack config's", async () => {
    const environment = resource("vm-proxy-config").inputs.environment as Record<string, string>;
    expect(environment).toMatchObject({ DOCKER_HOST: "ssh://ops@10.215.0.9", DOCKER_SSH_OPTS: "-p\n2222" });
    expect(resource("vm-engine-images").inputs.environment).toMatchObject({ DOCKER_HOST: "ssh://ops@10.215.0.9" });
  });
});
