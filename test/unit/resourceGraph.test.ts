/**
 * The resource graph a ModelService registers, for four configurations: every resource's type, name and parent
 * (together they make its URN) and every custom resource's inputs, compared with test/unit/golden/resource-graph/.
 * A change here is what `pulumi up` would change on a deployed stack: a new type, name or parent replaces a
 * resource (unless it carries an alias), a new input updates or replaces it. Regenerate with UPDATE_GOLDEN=1
 * only for a change that is meant, and say in the commit what a deployed stack will see.
 */
import * as pulumi from "@pulumi/pulumi";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { captureOptions, installMocks, valueOf } from "./support/pulumiMocks.js";

const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const registered = installMocks();
const { ModelService } = await import("../../components/index.js");

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "golden", "resource-graph");
const API_KEY = "k".repeat(40);

const CASES: Record<string, ConstructorParameters<typeof ModelService>[1]> = {
  "docker-defaults": {},
  "docker-settings": {
    replicas: 3,
    gunicornThreads: 3,
    gunicornTimeoutSeconds: 45,
    maxBodyBytes: 2_097_152,
    maxBatchSize: 64,
    apiMemoryMb: 768,
    apiCpus: 1.5,
    hostPort: 8181,
    rateLimit: { requestsPerSecond: 50 },
    environment: { FEATURE_STORE: "http://features:9000" },
    labels: { team: "ml" },
    clientTimeouts: { headerSeconds: 5, keepaliveSeconds: 30 },
    maxConnectionsPerClient: 200,
    apiKeys: [API_KEY],
    logMaxFiles: 5,
  },
  "docker-candidate": {
    candidate: {
      modelDir: join(REPOSITORY_ROOT, "test", "integration", "fixtures", "iris-rules"),
      replicas: 2,
      trafficPercent: 10,
      shadowPercent: 50,
      stickyHeader: "X-User-Id",
      gates: { windowSeconds: 60, minAgreement: 0.9 },
    },
  },
  swarm: {
    runtime: "swarm",
    replicas: 3,
    registry: { server: "127.0.0.1:5000/ml", deleteFromRegistry: true },
    swarm: { publishMode: "ingress", proxyReplicas: 2, apiConstraints: ["node.role==worker"], maxReplicasPerNode: 2 },
  },
};

/**
 * Content hashes and digests change with every source edit, and the checkout's path with the machine; the graph's
 * shape and settings must not.
 */
function normalise(value: unknown): unknown {
  if (typeof value === "string") {
    return value.split(REPOSITORY_ROOT).join("<repo>").replace(/[0-9a-f]{12,64}/g, "<hex>");
  }
  if (Array.isArray(value)) {
    return value.map(normalise);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, normalise((value as Record<string, unknown>)[key])]));
  }
  return value;
}

async function graphOf(name: string, args: ConstructorParameters<typeof ModelService>[1]) {
  const capture = captureOptions();
  const before = registered.length;
  const service = new ModelService(name, args, { transformations: [capture.transformation] });
  await valueOf(service.smokeTest.urn);
  // Let every pending registration finish.
  for (let settled = -1; settled !== registered.length; ) {
    settled = registered.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const inputsByKey = new Map(registered.slice(before).map((r) => [`${r.type}::${r.name}`, r.inputs]));
  const resources = await Promise.all(
    [...capture.byName.entries()].map(async ([childName, { type, opts }]) => {
      const parent = opts.parent as pulumi.Resource | undefined;
      const parentUrn = parent === undefined ? "" : await valueOf(parent.urn);
      return {
        type,
        name: childName,
        parent: parentUrn.split("::").slice(2).join("::"),
        inputs: normalise(inputsByKey.get(`${type}::${childName}`) ?? null),
      };
    }),
  );
  return resources.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type.localeCompare(b.type)));
}

describe("the resource graph of a ModelService", () => {
  it.each(Object.keys(CASES))("%s matches its golden graph", async (name) => {
    const graph = `${JSON.stringify(await graphOf(`rg-${name}`, CASES[name]), null, 2)}\n`;
    const file = join(GOLDEN_DIR, `${name}.json`);
    if (process.env.UPDATE_GOLDEN === "1") {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      writeFileSync(file, graph);
    }
    expect(graph).toBe(readFileSync(file, "utf8"));
  });
});
