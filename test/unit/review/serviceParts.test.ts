/**
 * The review knows every resource a `ModelService` creates today: the golden resource graphs of the resource-graph
 * test list them all (three configurations, both runtimes), and none may fall through to `other`, which the review
 * reports as "not assessed". Resources nothing creates any more are not known.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { PlannedStep } from "../../../review/previewDocument.js";
import { classifyServicePart } from "../../../review/serviceParts.js";

const graphDir = join(dirname(fileURLToPath(import.meta.url)), "..", "golden", "resource-graph");
const graphs = readdirSync(graphDir).filter((file) => file.endsWith(".json"));

interface GraphResource {
  readonly type: string;
  readonly name: string;
  readonly parent: string;
}

/** The step a preview would show for `resource` of stack `unit`: its URN's type chain is the parents' types. */
function stepOf(resource: GraphResource, byName: ReadonlyMap<string, GraphResource>): PlannedStep {
  const chain: string[] = [resource.type];
  for (let parent = byName.get(resource.parent.split("::")[1] ?? ""); parent !== undefined; parent = byName.get(parent.parent.split("::")[1] ?? "")) {
    chain.unshift(parent.type);
  }
  return { op: "same", urn: `urn:pulumi:unit::p::${chain.join("$")}::${resource.name}`, type: resource.type, custom: true, diffReasons: [], replaceReasons: [] };
}

describe("classifyServicePart", () => {
  it.each(graphs)("knows every resource of %s", (file) => {
    const resources = JSON.parse(readFileSync(join(graphDir, file), "utf8")) as GraphResource[];
    const byName = new Map(resources.map((resource) => [resource.name, resource]));
    const service = resources.find((resource) => resource.type === "model-service:index:ModelService");
    expect(service).toBeDefined();
    const kinds = resources.map((resource) => [resource.name, classifyServicePart(stepOf(resource, byName), service?.name ?? "").kind]);
    expect(kinds.filter(([, kind]) => kind === "other")).toEqual([]);
  });

  it("names the Swarm parts: both services, the overlay network, the registry cleanups", () => {
    const kind = (type: string, name: string) => classifyServicePart(stepOf({ type, name, parent: "" }, new Map()), "m").kind;
    expect(kind("docker:index/service:Service", "m-api-service")).toBe("api-service");
    expect(kind("docker:index/service:Service", "m-proxy-service")).toBe("proxy-service");
    expect(kind("docker:index/network:Network", "m-overlay")).toBe("network");
    expect(kind("command:local:Command", "m-api-image-cleanup")).toBe("registry-cleanup");
    expect(kind("pulumi:providers:docker", "m-swarm-manager")).toBe("swarm-manager");
  });

  it("does not know what nothing creates any more", () => {
    const kind = (type: string, name: string) => classifyServicePart(stepOf({ type, name, parent: "" }, new Map()), "m").kind;
    expect(kind("command:local:Command", "m-proxy-reload")).toBe("other");
    expect(kind("command:local:Command", "m-api-0-proxy-forget")).toBe("other");
    expect(kind("docker:index/container:Container", "m-proxy")).toBe("other");
  });
});
