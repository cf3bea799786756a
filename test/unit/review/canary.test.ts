/**
 * The canary part of a review: the candidate's version and digest, its live and shadow shares before and after, its
 * routing and gates, read from the steps of a preview, and the rollout-risk line ("10% of live traffic moves to 2.0.0").
 */
import { describe, expect, it } from "vitest";
import { canaryReview, canaryRiskNote } from "../../../review/canary.js";
import { assessRolloutRisk } from "../../../review/rolloutRisk.js";
import { environmentValue } from "../../../review/containerSettings.js";
import { serviceNginxConfig, taskEnvironmentValue } from "../../../review/swarmServiceSettings.js";
import type { PlannedStep, PropertyMap } from "../../../review/previewDocument.js";
import type { ServiceChanges } from "../../../review/serviceChanges.js";
import { renderNginxConfig } from "../../../components/nginx/config.js";
import type { NginxConfigOptions } from "../../../components/nginx/options.js";

const BASE: NginxConfigOptions = {
  upstreams: [{ host: "api", port: 8000 }],
  resolver: { address: "127.0.0.11", validSeconds: 1 },
  maxBodyBytes: 1_048_576,
  upstreamTimeoutSeconds: 30,
};
const withCandidate = (trafficPercent: number, shadowPercent: number, stickyHeader?: string): string =>
  renderNginxConfig({ ...BASE, candidate: { upstream: { host: "api-candidate", port: 8000 }, trafficPercent, shadowPercent, ...(stickyHeader ? { stickyHeader } : {}) } });

const URN = "urn:pulumi:dev::p::model-service:index:ModelService";
function step(op: PlannedStep["op"], name: string, type: string, oldInputs?: PropertyMap, newInputs?: PropertyMap): PlannedStep {
  return { op, urn: `${URN}$${type}::${name}`, type, custom: true, oldInputs, newInputs, diffReasons: [], replaceReasons: [] };
}
const replica = (version: string, digest: string): PropertyMap => ({
  envs: [`MODEL_VERSION=${version}`, "MODEL_ROLE=candidate"],
  labels: [{ label: "model-service.model-digest", value: digest }],
});
const config = (text: string): PropertyMap => ({ environment: { NGINX_CONF: text } });
const nginxConfigOf = (inputs: PropertyMap | undefined) => (inputs?.environment as { NGINX_CONF?: string } | undefined)?.NGINX_CONF;
const CONTAINER = "docker:index/container:Container";
const COMMAND = "command:local:Command";

describe("canaryReview", () => {
  it("is absent for a service without a candidate on either side", () => {
    const plain = renderNginxConfig(BASE);
    expect(canaryReview({ candidateReplicas: [], proxyConfig: step("same", "m-proxy-config", COMMAND, config(plain), config(plain)), nginxConfigOf, environmentOf: environmentValue })).toBeUndefined();
  });

  it("reads a new candidate at 10%: version, digest, 0% -> 10%, shadow off, random routing and its gates", () => {
    const review = canaryReview({
      candidateReplicas: [step("create", "m-candidate-0", CONTAINER, undefined, replica("2.0.0", "sha256:abc"))],
      proxyConfig: step("update", "m-proxy-config", COMMAND, config(renderNginxConfig(BASE)), config(withCandidate(10, 0))),
      canaryGate: step("create", "m-canary-gate", COMMAND, undefined, {
        environment: { WINDOW_SECONDS: "60", MAX_ERROR_RATE: "0.01", MAX_P99_LATENCY_RATIO: "1.5", MIN_AGREEMENT: "", MIN_REQUESTS: "50" },
      }),
      nginxConfigOf,
      environmentOf: environmentValue,
    });
    expect(review).toEqual({
      version: { after: { kind: "value", text: "2.0.0" } },
      digest: { after: { kind: "value", text: "sha256:abc" } },
      trafficPercent: { before: 0, after: 10 },
      shadowPercent: { before: 0, after: 0 },
      gates: "window 60 s, error rate ≤ 0.01, p99 latency ratio ≤ 1.5, at least 50 live requests",
    });
    expect(canaryRiskNote(review!)).toBe("10% of live traffic moves to 2.0.0");
  });

  it("reads a Swarm candidate from its service and the proxy service's spec: version, digest, 10% -> 30%, shadow on", () => {
    const SERVICE = "docker:index/service:Service";
    const candidateService = (version: string, digest: string): PropertyMap => ({
      labels: [{ label: "model-service.model-digest", value: digest }],
      taskSpec: { containerSpec: { env: { MODEL_VERSION: version, MODEL_ROLE: "candidate" } } },
    });
    const proxyService = (text: string): PropertyMap => ({ taskSpec: { containerSpec: { env: { NGINX_CONF_B64: Buffer.from(text).toString("base64") } } } });
    const review = canaryReview({
      candidateReplicas: [step("update", "m-candidate-service", SERVICE, candidateService("2.0.0", "sha256:abc"), candidateService("2.1.0", "sha256:def"))],
      proxyConfig: step("update", "m-proxy-service", SERVICE, proxyService(withCandidate(10, 0)), proxyService(withCandidate(30, 100))),
      nginxConfigOf: serviceNginxConfig,
      environmentOf: taskEnvironmentValue,
    });
    expect(review).toEqual({
      version: { before: { kind: "value", text: "2.0.0" }, after: { kind: "value", text: "2.1.0" } },
      digest: { before: { kind: "value", text: "sha256:abc" }, after: { kind: "value", text: "sha256:def" } },
      trafficPercent: { before: 10, after: 30 },
      shadowPercent: { before: 0, after: 100 },
    });
    expect(canaryRiskNote(review!)).toBe("30% of live traffic moves to 2.1.0; 100% of predictions are mirrored to 2.1.0 as shadow traffic (clients keep stable's answers)");
  });

  it("reads a weight change, shadow turned on and a sticky header on a running candidate", () => {
    const review = canaryReview({
      candidateReplicas: [step("same", "m-candidate-0", CONTAINER, replica("2.0.0", "sha256:abc"), replica("2.0.0", "sha256:abc"))],
      proxyConfig: step("update", "m-proxy-config", COMMAND, config(withCandidate(10, 0)), config(withCandidate(25, 100, "X-User-Id"))),
      nginxConfigOf,
      environmentOf: environmentValue,
    });
    expect(review).toMatchObject({ trafficPercent: { before: 10, after: 25 }, shadowPercent: { before: 0, after: 100 }, stickyHeader: "X-User-Id" });
    expect(review?.gates).toBeUndefined();
    expect(canaryRiskNote(review!)).toBe("live traffic to 2.0.0 goes from 10% to 25%; 100% of predictions are mirrored to 2.0.0 as shadow traffic (clients keep stable's answers)");
  });

  it("says a lower share of the same candidate as a change from one share to the other, not as traffic moving to it", () => {
    const review = canaryReview({
      candidateReplicas: [step("same", "m-candidate-0", CONTAINER, replica("2.0.0", "sha256:abc"), replica("2.0.0", "sha256:abc"))],
      proxyConfig: step("update", "m-proxy-config", COMMAND, config(withCandidate(50, 0)), config(withCandidate(10, 0))),
      nginxConfigOf,
      environmentOf: environmentValue,
    });
    expect(canaryRiskNote(review!)).toBe("live traffic to 2.0.0 goes from 50% to 10%");
  });

  it("names the version whose shadow traffic stops when a new candidate takes its place", () => {
    const review = canaryReview({
      candidateReplicas: [
        step("delete", "m-candidate-0", CONTAINER, replica("2.2.0", "sha256:abc")),
        step("create", "m-candidate-0-new", CONTAINER, undefined, replica("2.3.0", "sha256:def")),
      ],
      proxyConfig: step("update", "m-proxy-config", COMMAND, config(withCandidate(0, 100)), config(withCandidate(30, 0))),
      nginxConfigOf,
      environmentOf: environmentValue,
    });
    expect(canaryRiskNote(review!)).toBe("30% of live traffic moves to 2.3.0; shadow traffic to 2.2.0 stops");
  });

  it("reads a removal (promotion): the candidate's traffic goes back to stable", () => {
    const review = canaryReview({
      candidateReplicas: [step("delete", "m-candidate-0", CONTAINER, replica("2.0.0", "sha256:abc"))],
      proxyConfig: step("update", "m-proxy-config", COMMAND, config(withCandidate(10, 0)), config(renderNginxConfig(BASE))),
      nginxConfigOf,
      environmentOf: environmentValue,
    });
    expect(review).toMatchObject({ version: { before: { kind: "value", text: "2.0.0" } }, trafficPercent: { before: 10, after: 0 } });
    expect(canaryRiskNote(review!)).toBe("live traffic leaves 2.0.0: stable answers every request");
  });

  it("puts the canary line among the rollout risk's notes", () => {
    const service: ServiceChanges = {
      name: "m",
      urn: URN,
      lifecycle: "changed",
      runtime: "docker",
      modelName: {},
      modelVersion: {},
      modelDigest: {},
      replicas: { added: 0, removed: 0 },
      apiSettings: [],
      proxySettings: [],
      containers: [],
      services: [],
      parts: [],
      canary: { version: { after: { kind: "value", text: "2.0.0" } }, digest: {}, trafficPercent: { before: 0, after: 10 }, shadowPercent: { before: 0, after: 0 } },
    };
    expect(assessRolloutRisk(service).notes).toContain("10% of live traffic moves to 2.0.0");
  });
});
