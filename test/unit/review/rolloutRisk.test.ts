import { describe, expect, it } from "vitest";
import { assessRolloutRisk, NO_RISK_MESSAGE } from "../../../review/rolloutRisk.js";
import { rolloutOrder } from "../../../review/rolloutOrder.js";
import type { ContainerChange, PartChange, ServiceChanges, SettingChange, SwarmServiceChange } from "../../../review/serviceChanges.js";
import type { ServicePart } from "../../../review/serviceParts.js";

const value = (text: string) => ({ kind: "value", text }) as const;
const api = (replica: number, op: ContainerChange["op"], because: string[] = []): ContainerChange => ({ role: "api", replica, op, because });
const proxy = (op: ContainerChange["op"], because: string[] = []): ContainerChange => ({ role: "proxy", op, because });
const setting = (name: string, before: string, after: string): SettingChange => ({ setting: name, before: value(before), after: value(after) });

function changes(overrides: Partial<ServiceChanges>): ServiceChanges {
  return {
    name: "model",
    urn: "urn:pulumi:dev::p::model-service:index:ModelService::model",
    lifecycle: "changed",
    runtime: "docker",
    modelName: { before: value("iris"), after: value("iris") },
    modelVersion: { before: value("1.0.0"), after: value("1.0.0") },
    modelDigest: {},
    replicas: { before: 2, after: 2, added: 0, removed: 0 },
    apiSettings: [],
    proxySettings: [],
    containers: [],
    services: [],
    parts: [],
    ...overrides,
  };
}

const rules = (service: ServiceChanges) => assessRolloutRisk(service).warnings.map((warning) => warning.rule);

describe("assessRolloutRisk", () => {
  it("expects no dropped requests when replicas are replaced create-first, added or removed (keeping 2 or more)", () => {
    expect(rules(changes({ containers: [api(0, "replace", ["image"]), api(1, "replace", ["image"])] }))).toEqual([]);
    expect(rules(changes({ replicas: { before: 2, after: 3, added: 1, removed: 0 }, containers: [api(2, "create")] }))).toEqual([]);
    expect(rules(changes({ replicas: { before: 3, after: 2, added: 0, removed: 1 }, containers: [api(2, "delete")] }))).toEqual([]);
    expect(rules(changes({ apiSettings: [setting("apiMemoryMb", "256", "512")], containers: [api(0, "update"), api(1, "update")] }))).toEqual([]);
    expect(NO_RISK_MESSAGE).toBe("no dropped requests expected");
  });

  it("warns when the proxy is replaced, naming why", () => {
    const risk = assessRolloutRisk(changes({ containers: [proxy("replace", ["nginx.conf"])] }));
    expect(risk.warnings).toEqual([
      {
        rule: "proxy-replaced",
        message: "the proxy is replaced (nginx.conf): it is removed before the new one starts, so requests fail until the new proxy is healthy",
      },
    ]);
  });

  it("warns when the published port or address changes", () => {
    const port = assessRolloutRisk(changes({ proxySettings: [setting("hostPort", "8080", "8090")], containers: [proxy("replace", ["hostPort"])] }));
    expect(port.warnings.map((warning) => warning.message)).toContain(
      "the published port changes: 8080 → 8090; clients of the old address lose the service",
    );
    const both = assessRolloutRisk(changes({ proxySettings: [setting("hostAddress", "127.0.0.1", "0.0.0.0"), setting("hostPort", "8080", "80")] }));
    expect(both.warnings[0].message).toBe("the published address changes: 127.0.0.1:8080 → 0.0.0.0:80; clients of the old address lose the service");
  });

  it("warns when replicas go to 1, also when totals are unknown but replicas are removed", () => {
    expect(assessRolloutRisk(changes({ replicas: { before: 3, after: 1, added: 0, removed: 2 } })).warnings).toEqual([
      { rule: "replicas-go-to-one", message: "replicas go to 1 (from 3): no spare replica is left if it fails" },
    ]);
    expect(rules(changes({ replicas: { before: 1, after: 1, added: 0, removed: 0 }, containers: [api(0, "replace", ["image"])] }))).toEqual([]);
    expect(rules(changes({ replicas: { after: 1, added: 0, removed: 1 } }))).toEqual(["replicas-go-to-one"]);
  });

  it("warns when a memory limit shrinks (applied in place, a container above it is killed)", () => {
    expect(assessRolloutRisk(changes({ apiSettings: [setting("apiMemoryMb", "512", "256")] })).warnings[0].message).toBe(
      "apiMemoryMb shrinks (512 → 256), applied in place: a container using more is killed by the kernel",
    );
  });

  it("warns when the network is replaced, the service removed, or a resource it does not know changes", () => {
    const network = { part: { kind: "network" }, op: "replace", urn: "u", type: "docker:index/network:Network", because: ["name"] } as const;
    expect(rules(changes({ parts: [network] }))).toEqual(["network-replaced"]);
    expect(rules(changes({ lifecycle: "removed" }))).toEqual(["service-removed"]);
    const other = { part: { kind: "other" }, op: "create", urn: "urn:pulumi:dev::p::t::model-sidecar", type: "docker:index/volume:Volume", because: [] } as const;
    expect(assessRolloutRisk(changes({ parts: [other] })).warnings[0].message).toBe("not assessed: create of docker:index/volume:Volume model-sidecar");
  });

  it("has nothing to warn about for a new service", () => {
    expect(assessRolloutRisk(changes({ lifecycle: "new", containers: [api(0, "create"), proxy("create")] }))).toEqual({
      warnings: [],
      notes: ["new service: nothing was served before"],
    });
  });
});

describe("rolloutOrder", () => {
  it("starts new replicas first, smoke-tests, and removes old replicas last", () => {
    const order = rolloutOrder(
      changes({
        containers: [api(0, "replace", ["image"]), api(1, "replace", ["image"]), api(2, "delete")],
        parts: [
          { part: { kind: "api-image", stage: "model" }, op: "replace", urn: "u1", type: "docker:index/image:Image", because: [] },
          { part: { kind: "smoke-test" }, op: "replace", urn: "u3", type: "command:local:Command", because: [] },
        ],
      }),
    );
    expect(order).toEqual([
      "build the api image",
      "start the new api-0 and api-1 beside the old ones, each healthy before the next step",
      "smoke test through nginx: /ready, then one prediction (a failure fails `pulumi up`)",
      "remove the old api-0 and api-1, each stopping gracefully",
      "remove api-2 (scale-down)",
    ]);
  });

  it("starts the proxy on a new port before removing the old one, and applies config in place", () => {
    const config = { part: { kind: "proxy-config" }, op: "update", urn: "u", type: "command:local:Command", because: [] } as const;
    expect(
      rolloutOrder(changes({ containers: [{ role: "proxy", port: 8090, op: "create", because: [] }, { role: "proxy", port: 8080, op: "delete", because: [] }], parts: [config] })),
    ).toEqual([
      "start the proxy on port 8090 beside the old one",
      "apply the new nginx config to the running proxy in place (graceful reload)",
      "remove the old proxy on port 8080",
    ]);
  });

  it("removes the proxy before its replacement starts", () => {
    expect(rolloutOrder(changes({ containers: [proxy("replace", ["nginx.conf"])] }))).toEqual([
      "remove the proxy, then start the new one (it owns the published port): nothing answers in between",
    ]);
  });
});

describe("on a Swarm", () => {
  const service = (role: "api" | "proxy", overrides: Partial<SwarmServiceChange> = {}): SwarmServiceChange => ({
    role,
    name: `model-dev-${role}`,
    op: "update",
    tasksBefore: role === "api" ? 2 : "global",
    tasksAfter: role === "api" ? 2 : "global",
    rolling: false,
    updateOrder: role === "api" ? "start-first" : "stop-first",
    because: [],
    ...overrides,
  });
  const swarm = (services: SwarmServiceChange[], overrides: Partial<ServiceChanges> = {}) =>
    changes({ runtime: "swarm", services, proxyTasks: { before: "global", after: "global" }, ...overrides });

  it("scales without restarting tasks, and rolls the api start-first without risk", () => {
    expect(rolloutOrder(swarm([service("api", { tasksAfter: 3, because: ["replicas"] }), service("proxy", { op: "unchanged" })]))).toEqual([
      "Swarm starts 1 more api task (2 → 3); the running ones stay",
    ]);
    expect(rolloutOrder(swarm([service("api", { tasksAfter: 1, because: ["replicas"] })]))).toEqual(["Swarm stops 1 api task (2 → 1), each stopping gracefully"]);
    const rolling = swarm([service("api", { rolling: true, because: ["image", "modelVersion"] })]);
    expect(rolloutOrder(rolling)).toEqual([
      "Swarm replaces the api tasks one at a time, start-first: each new task healthy before its old one stops; a task failing within the monitor period rolls the service back",
    ]);
    expect(assessRolloutRisk(rolling)).toEqual({
      warnings: [],
      notes: ["Swarm starts each new api task beside its old one: one extra task's memory and CPU during the rollout"],
    });
  });

  it("warns when the proxy tasks roll stop-first (publishMode host), when a service is replaced, and when memory shrinks", () => {
    expect(rules(swarm([service("proxy", { rolling: true, because: ["nginx.conf"] })]))).toEqual(["proxy-stop-first"]);
    expect(rules(swarm([service("proxy", { rolling: true, updateOrder: "start-first", because: ["nginx.conf"] })]))).toEqual([]);
    expect(assessRolloutRisk(swarm([service("api", { op: "replace", because: ["taskSpec"] })])).warnings).toEqual([
      {
        rule: "service-replaced",
        message: "the api service is replaced (taskSpec): its tasks go with it, so requests fail until the new service's tasks are healthy",
      },
    ]);
    expect(assessRolloutRisk(swarm([], { apiSettings: [setting("apiMemoryMb", "512", "256")] })).warnings[0].message).toBe(
      "apiMemoryMb shrinks (512 → 256): a new task using more is killed by the kernel",
    );
  });

  it("orders images, services, the smoke test, then the old image's removal from the registry", () => {
    const part = (servicePart: ServicePart, op: "create" | "replace"): PartChange => ({ part: servicePart, op, urn: servicePart.kind, type: "t", because: [] });
    expect(
      rolloutOrder(
        swarm([service("api", { rolling: true }), service("proxy", { op: "update", because: ["labels.team"] })], {
          parts: [
            part({ kind: "api-image", stage: "model" }, "create"),
            part({ kind: "registry-cleanup", image: "api" }, "replace"),
            part({ kind: "smoke-test" }, "replace"),
          ],
        }),
      ),
    ).toEqual([
      "build the api image",
      "Swarm replaces the api tasks one at a time, start-first: each new task healthy before its old one stops; a task failing within the monitor period rolls the service back",
      "update the proxy service `model-dev-proxy` in place (labels.team), no task restarts",
      "smoke test through nginx: /ready, then one prediction (a failure fails `pulumi up`)",
      "remove the old api image from the registry",
    ]);
  });
});
