/**
 * The resource options of a ModelService, one test per row of MODEL_SERVICE_OPTIONS (providers: the remote
 * engine work's tests). The engine's own part (running `transforms`, acting on `protect` and aliases) is tested on
 * the real engine in test/integration/resourceOptions.test.ts; here, what the component gives the engine.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { captureOptions, installMocks, resourcesOf, valueOf, type RegisteredResource } from "../support/pulumiMocks.js";

const registered = installMocks();
const { ModelService, ModelServiceConfigError } = await import("../../../components/index.js");
const { MODEL_SERVICE_OPTIONS, dockerServiceName } = await import("../../../components/settings/resourceOptions.js");

type Service = InstanceType<typeof ModelService>;

/** Creates a service with `opts` (plus a transformation recording its children's options) and waits for its children. */
async function deploy(name: string, opts: pulumi.ComponentResourceOptions = {}, args: ConstructorParameters<typeof ModelService>[1] = {}) {
  const capture = captureOptions();
  const service = new ModelService(name, args, { ...opts, transformations: [...(opts.transformations ?? []), capture.transformation] });
  await Promise.all([valueOf(service.smokeTest.urn), valueOf(service.proxyConfig.urn), ...service.apiContainers.map((container) => valueOf(container.urn))]);
  return { service, children: capture.byName };
}

/** Every custom resource below `service`, as the SDK holds them. */
function customDescendants(service: Service): pulumi.CustomResource[] {
  const found: pulumi.CustomResource[] = [];
  const walk = (resource: pulumi.Resource): void => {
    for (const child of ((resource as unknown as { __childResources?: Set<pulumi.Resource> }).__childResources ?? new Set()).values()) {
      if (child instanceof pulumi.CustomResource) {
        found.push(child);
      }
      walk(child);
    }
  };
  walk(service);
  return found;
}

/** The component types of this package (the service and its parts) are not custom resources. */
const isComponentType = (type: string): boolean => type.startsWith("model-service:");
const customTypes = (rows: RegisteredResource[]): string[] => [...new Set(rows.filter((row) => !isComponentType(row.type)).map((row) => row.type))].sort();

describe("ModelService resource options", () => {
  it("covers the options the issue lists, each with its reach and meaning", () => {
    expect(Object.keys(MODEL_SERVICE_OPTIONS).sort()).toEqual(["aliases", "customTimeouts", "deletedWith", "ignoreChanges", "protect", "providers", "retainOnDelete", "transforms"]);
  });

  it("transforms: every resource of the service is a descendant of the component, where the engine runs its transforms", async () => {
    const { service } = await deploy("opt-transforms");
    const descendants = customDescendants(service);
    const names = await Promise.all(descendants.map((resource) => valueOf(resource.urn)));
    const registeredTypes = customTypes(resourcesOf(registered, "opt-transforms"));
    expect(registeredTypes).toEqual(expect.arrayContaining(["docker:index/container:Container", "docker:index/image:Image", "command:local:Command"]));
    // Every registered custom resource of this service is among the component's descendants.
    expect(resourcesOf(registered, "opt-transforms").filter((row) => registeredTypes.includes(row.type)).map((row) => row.name).sort()).toEqual(
      names.map((urn) => urn.split("::").pop() as string).sort(),
    );
  });

  it("protect: every child is protected too", async () => {
    const { service } = await deploy("opt-protect", { protect: true });
    const descendants = customDescendants(service);
    expect(descendants.length).toBeGreaterThan(5);
    expect(descendants.filter((resource) => (resource as unknown as { __protect?: boolean }).__protect !== true)).toEqual([]);
  });

  for (const [option, value] of [
    ["retainOnDelete", true],
    ["customTimeouts", { create: "30m", update: "30m", delete: "5m" }],
  ] as const) {
    it(`${option}: every custom child gets it`, async () => {
      const { service, children } = await deploy(`opt-${option.toLowerCase()}`, { [option]: value });
      const custom = [...children.entries()].filter(([, captured]) => !isComponentType(captured.type));
      expect(custom.length).toBe(customDescendants(service).length);
      expect(custom.filter(([, captured]) => JSON.stringify(captured.opts[option]) !== JSON.stringify(value)).map(([name]) => name)).toEqual([]);
    });
  }

  it("deletedWith: every custom child gets it", async () => {
    const { service: owner } = await deploy("opt-owner");
    const ownerContainer = owner.apiContainers[0];
    const { service, children } = await deploy("opt-deleted-with", { deletedWith: ownerContainer });
    const custom = [...children.values()].filter((captured) => !isComponentType(captured.type));
    expect(custom.length).toBe(customDescendants(service).length);
    expect(custom.every((captured) => captured.opts.deletedWith === ownerContainer)).toBe(true);
  });

  it("ignoreChanges: refused, naming the option, before anything is registered", () => {
    const before = registered.length;
    let error: unknown;
    try {
      new ModelService("opt-ignore", {}, { ignoreChanges: ["labels"] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ModelServiceConfigError);
    expect((error as InstanceType<typeof ModelServiceConfigError>).fields).toEqual(["opts.ignoreChanges"]);
    expect(String(error)).toContain("Use a transform that sets `ignoreChanges` on the children you mean");
    expect(registered.length).toBe(before);
  });

  it("aliases: a service renamed with an alias keeps the Docker names of its old name, so nothing is replaced", async () => {
    expect(dockerServiceName("new", [{ name: "old" }])).toBe("old");
    expect(dockerServiceName("new", ["urn:pulumi:unit::model-service-unit::model-service:index:ModelService::old"])).toBe("old");
    expect(dockerServiceName("new", [{ parent: pulumi.rootStackResource }])).toBe("new");
    const { service: renamed } = await deploy("opt-renamed", { aliases: [{ name: "opt-original" }] });
    const { service: original } = await deploy("opt-original");
    expect(await valueOf(renamed.apiContainerNames)).toEqual(await valueOf(original.apiContainerNames));
    expect(await valueOf(renamed.networkName)).toBe(await valueOf(original.networkName));
  });
});
