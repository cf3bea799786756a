/**
 * The policy pack's rules on the resources real ModelServices register (Pulumi's engine mocked): each rule finds
 * what it should in a non-compliant service and nothing in a compliant one, and its message names the service and
 * the ModelServiceArgs field to change.
 */
import * as pulumi from "@pulumi/pulumi";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { captureOptions, installMocks, valueOf } from "../support/pulumiMocks.js";
import { makeTestCertificate } from "../support/tlsFixtures.js";

const registered = installMocks();
const { ModelService } = await import("../../../components/index.js");
const { MODEL_SERVICE_RULES } = await import("../../../policy/rules.js");
const { modelServiceViews } = await import("../../../policy/serviceView.js");
type ResourceLike = import("../../../policy/serviceView.js").ResourceLike;
type Args = ConstructorParameters<typeof ModelService>[1];

const API_KEY = "k".repeat(40);
const TLS = makeTestCertificate();

/** `type::name` of a URN's resource (`urn:pulumi:stack::project::parentType$type::name`). */
function urnKey(urn: string): string {
  const [, , typeChain = "", name = ""] = urn.split("::");
  return `${typeChain.split("$").pop()}::${name}`;
}

/** The resources a ModelService registers, linked to their parents, as a policy sees them. */
async function resourcesOf(name: string, args: Args, transformations: pulumi.ResourceTransformation[] = []): Promise<ResourceLike[]> {
  const capture = captureOptions();
  const before = registered.length;
  const service = new ModelService(name, args, { transformations: [...transformations, capture.transformation] });
  await valueOf(service.smokeTest.urn);
  for (let settled = -1; settled !== registered.length; ) {
    settled = registered.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const inputs = new Map(registered.slice(before).map((r) => [`${r.type}::${r.name}`, r.inputs]));
  const byKey = new Map<string, { type: string; urn: string; name: string; props: Record<string, unknown>; parentKey?: string; parent?: ResourceLike }>();
  byKey.set(`model-service:index:ModelService::${name}`, { type: "model-service:index:ModelService", urn: await valueOf(service.urn), name, props: {} });
  for (const [childName, { type, opts }] of capture.byName) {
    const parent = opts.parent as pulumi.Resource | undefined;
    byKey.set(`${type}::${childName}`, {
      type,
      urn: `${type}::${childName}`,
      name: childName,
      props: inputs.get(`${type}::${childName}`) ?? {},
      parentKey: parent === undefined ? undefined : urnKey(await valueOf(parent.urn)),
    });
  }
  for (const resource of byKey.values()) resource.parent = resource.parentKey === undefined ? undefined : byKey.get(resource.parentKey);
  return [...byKey.values()];
}

function violations(resources: ResourceLike[], config: Record<string, Record<string, unknown>> = {}): Record<string, string[]> {
  const views = modelServiceViews(resources);
  return Object.fromEntries(
    MODEL_SERVICE_RULES.map((rule) => [rule.name, views.flatMap((view) => rule.check(view, config[rule.name] ?? {}))]).filter(([, found]) => found.length > 0),
  );
}

describe("the model-service policy pack's rules", () => {
  it("find nothing in a service with keys, TLS, replicas and limits, published on every address", async () => {
    const found = violations(await resourcesOf("pol-good", { apiKeys: [API_KEY], tls: TLS, replicas: 3, hostAddress: "0.0.0.0", hostPort: 19501 }));
    expect(found).toEqual({});
  });

  it("require API keys and TLS, naming the service and the fields", async () => {
    const found = violations(await resourcesOf("pol-open", { hostPort: 19502 }));
    expect(Object.keys(found).sort()).toEqual(["model-service-api-keys-required", "model-service-tls-required"]);
    expect(found["model-service-api-keys-required"]).toEqual([expect.stringMatching(/^ModelService "pol-open": apiKeys is not set/)]);
    expect(found["model-service-tls-required"]).toEqual([expect.stringMatching(/^ModelService "pol-open": tls is not set/)]);
  });

  it("refuse plain HTTP beyond loopback, naming hostAddress", async () => {
    const found = violations(await resourcesOf("pol-public", { apiKeys: [API_KEY], hostAddress: "0.0.0.0", hostPort: 19503 }));
    expect(found["model-service-no-public-plaintext"]).toEqual([
      'ModelService "pol-public": published on 0.0.0.0 without TLS; set tls, or hostAddress to a loopback address.',
    ]);
  });

  it("count api replicas against the configured minimum", async () => {
    const resources = await resourcesOf("pol-one", { apiKeys: [API_KEY], tls: TLS, replicas: 1, hostPort: 19504 });
    expect(violations(resources)["model-service-min-replicas"]).toEqual([expect.stringMatching(/^ModelService "pol-one": replicas is 1, fewer than the 2/)]);
    expect(violations(resources, { "model-service-min-replicas": { minimum: 1 } })).toEqual({});
    const three = await resourcesOf("pol-three", { apiKeys: [API_KEY], tls: TLS, replicas: 3, hostPort: 19505 });
    expect(violations(three, { "model-service-min-replicas": { minimum: 4 } })["model-service-min-replicas"]).toEqual([
      expect.stringMatching(/replicas is 3, fewer than the 4 this policy requires/),
    ]);
  });

  it("see limits that a transform removed from the containers", async () => {
    const dropLimits: pulumi.ResourceTransformation = (args) =>
      args.type === "docker:index/container:Container" ? { props: { ...args.props, memory: undefined, cpus: undefined }, opts: args.opts } : undefined;
    const found = violations(await resourcesOf("pol-nolimits", { apiKeys: [API_KEY], tls: TLS, hostPort: 19506 }, [dropLimits]));
    expect(found["model-service-resource-limits"]).toEqual([
      expect.stringMatching(/^ModelService "pol-nolimits": pol-nolimits-api-0 has no memory or CPU limit; set apiMemoryMb and apiCpus/),
      expect.stringMatching(/pol-nolimits-api-1 has no memory or CPU limit; set apiMemoryMb and apiCpus/),
      expect.stringMatching(/pol-nolimits-proxy-19506 has no memory or CPU limit; set proxyMemoryMb and proxyCpus/),
    ]);
  });

  it("on a Swarm: the ingress publishes on every address, and images must be pinned by registry digest", async () => {
    const resources = await resourcesOf("pol-swarm", { runtime: "swarm", registry: { server: "127.0.0.1:5000/ml" }, apiKeys: [API_KEY], replicas: 2, hostPort: 19507 });
    const found = violations(resources);
    expect(found["model-service-no-public-plaintext"]).toEqual([expect.stringMatching(/^ModelService "pol-swarm": published on every node's addresses/)]);
    // The mocked engine pushes nothing: the services get bare image IDs (`sha256:...`), as an image that never
    // reached the registry would, which no other node could pull. A real push gives `<registry>/<name>@sha256:...`.
    expect(found["model-service-swarm-image-digest"]).toEqual([
      expect.stringMatching(/pol-swarm-api-service runs image "sha256:[0-9a-f]{64}", not pinned by a registry digest.*set registry/),
      expect.stringMatching(/pol-swarm-proxy-service runs image "sha256:[0-9a-f]{64}", not pinned/),
    ]);
    const pinned = resources.map((resource) =>
      resource.type === "docker:index/service:Service"
        ? { ...resource, props: { ...resource.props, taskSpec: { ...(resource.props.taskSpec as object), containerSpec: { image: `127.0.0.1:5000/ml/api@sha256:${"a".repeat(64)}` } } } }
        : resource,
    );
    expect(violations(pinned)["model-service-swarm-image-digest"]).toBeUndefined();
  });

  it("apply to no stack without a ModelService", () => {
    expect(modelServiceViews([{ type: "docker:index/container:Container", urn: "c", name: "c", props: {} }])).toEqual([]);
  });
});

describe("the reference stack's policy-pack configs (policy/config/<stack>.json)", () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "policy", "config");
  const files = readdirSync(dir).filter((file) => file.endsWith(".json"));

  it.each(files)("%s names only rules of the pack, valid levels and declared settings", (file) => {
    const config = JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, unknown>;
    for (const [ruleName, value] of Object.entries(config)) {
      const rule = MODEL_SERVICE_RULES.find((candidate) => candidate.name === ruleName);
      expect(rule, `${file}: no rule ${ruleName}`).toBeDefined();
      const settings = typeof value === "string" ? { enforcementLevel: value } : (value as Record<string, unknown>);
      expect(["advisory", "mandatory", "disabled"]).toContain(settings.enforcementLevel ?? "advisory");
      for (const key of Object.keys(settings).filter((key) => key !== "enforcementLevel")) {
        expect(Object.keys(rule?.configSchema?.properties ?? {}), `${file}: ${ruleName} has no setting ${key}`).toContain(key);
      }
    }
    expect(files).toEqual(expect.arrayContaining(["dev.json", "prod.json"]));
  });
});

describe("docs/policy.md", () => {
  const doc = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "policy.md"), "utf8");

  it.each(MODEL_SERVICE_RULES.map((rule) => [rule.name, rule] as const))("gives %s with its default level and settings", (name, rule) => {
    const row = doc.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
    expect(row, `no row for ${name}`).toBeDefined();
    expect(row).toContain(`| ${rule.enforcementLevel} |`);
    for (const [setting, schema] of Object.entries(rule.configSchema?.properties ?? {})) {
      expect(row).toContain(`\`${setting}\` (default ${schema.default})`);
    }
  });
});

