/**
 * A ModelService with a candidate on runtime docker, against Pulumi's mocked engine: the candidate's image beside
 * the stable one, its replicas (own alias, MODEL_ROLE=candidate, the stable model at REFERENCE_MODEL_DIR), the proxy
 * config that routes to them only once they exist, and the gate after the smoke test.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { captureOptions, installMocks, resourceNamed, valueOf } from "../support/pulumiMocks.js";

const registered = installMocks();
const { ModelService } = await import("../../../components/index.js");
const { CANARY_GATE_SCRIPT } = await import("../../../components/commands/canaryGate.js");
const { CANARY_GATE_RUN_SCRIPT, canaryGateSummary } = await import("../../../components/commands/canaryGateCommand.js");
const { REFERENCE_MODEL_DIR } = await import("../../../components/images/apiImage.js");
const { apiContainerFingerprint } = await import("../../../components/runtimes/docker/rolloutPolicy.js");
type ApiContainerSettings = import("../../../components/runtimes/docker/apiContainer.js").ApiContainerSettings;

const candidateDir = fs.mkdtempSync(path.join(os.tmpdir(), "candidate-"));
fs.writeFileSync(path.join(candidateDir, "predictor.py"), "def load(d):\n    return None\n\ndef predict(m, rows):\n    return [1 for _ in rows]\n");
fs.writeFileSync(path.join(candidateDir, "model.json"), '{"name": "iris", "version": "2.0.0"}');
afterAll(() => fs.rmSync(candidateDir, { recursive: true, force: true }));

async function deploy(name: string, candidate: Record<string, unknown>) {
  const capture = captureOptions();
  const service = new ModelService(name, { replicas: 2, candidate: { modelDir: candidateDir, ...candidate } as never }, { transformations: [capture.transformation] });
  await Promise.all([
    valueOf(service.smokeTest.urn),
    valueOf(service.proxyConfig.urn),
    valueOf(service.candidateContainerNames),
    ...(service.canaryGate ? [valueOf(service.canaryGate.urn)] : []),
  ]);
  return { service, options: capture.byName };
}

async function dependencyNames(opts: pulumi.CustomResourceOptions | undefined): Promise<string[]> {
  const dependsOn = ([] as pulumi.Resource[]).concat((opts?.dependsOn ?? []) as pulumi.Resource[]);
  return (await Promise.all(dependsOn.map((dependency) => valueOf(dependency.urn)))).map((urn) => urn.split("::").pop() as string);
}

const resource = (name: string) => resourceNamed(registered, name);
const nginxConfigOf = (name: string) => String(resource(`${name}-proxy-config`).inputs.environment && (resource(`${name}-proxy-config`).inputs.environment as Record<string, string>).NGINX_CONF);

describe("ModelService with a candidate (runtime docker)", () => {
  it("builds the candidate's image on the runtime image, with the stable image as its reference", async () => {
    await deploy("canary", { trafficPercent: 10 });
    const image = resource("canary-candidate-image-model").inputs as { build: { dockerfile: string; args: Record<string, string> } };
    expect(path.basename(image.build.dockerfile)).toBe("Dockerfile.candidate");
    expect(image.build.args.REFERENCE_MODEL_DIR).toBe(REFERENCE_MODEL_DIR);
    expect(image.build.args.REFERENCE_IMAGE).toMatch(/^model-service-api:/);
    expect(image.build.args.API_RUNTIME_IMAGE).toMatch(/^model-service-api-runtime:/);
  });

  it("runs the candidate's replicas behind their own alias, with the candidate's identity and role", async () => {
    const { service } = await deploy("canary2", { trafficPercent: 10, replicas: 2 });
    const names = await valueOf(service.candidateContainerNames);
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^canary2-unit-candidate-0-[0-9a-f]{12}$/);
    const replica = resource("canary2-candidate-0").inputs as { envs: string[]; labels: { label: string; value: string }[]; networksAdvanced: { aliases: string[] }[]; ports?: unknown };
    expect(replica.envs).toEqual(expect.arrayContaining(["MODEL_ROLE=candidate", `REFERENCE_MODEL_DIR=${REFERENCE_MODEL_DIR}`, "MODEL_VERSION=2.0.0", "MODEL_NAME=iris"]));
    expect(replica.labels).toContainEqual({ label: "model-service.component", value: "api-candidate" });
    expect(replica.networksAdvanced[0].aliases[0]).toBe("api-candidate");
    expect(replica.ports).toBeUndefined();
    // The stable replicas keep their own environment: no role variable on them.
    expect((resource("canary2-api-0").inputs.envs as string[]).some((entry) => entry.startsWith("MODEL_ROLE="))).toBe(false);
    expect(await valueOf(service.candidateModelVersion)).toBe("2.0.0");
  });

  it("gives a candidate without live traffic the lowest CPU weight and one with live traffic stable's, without renaming (replacing) it", async () => {
    await deploy("weight0", { trafficPercent: 0, shadowPercent: 100 });
    await deploy("weight10", { trafficPercent: 10, shadowPercent: 100 });
    expect(resource("weight0-candidate-0").inputs.cpuShares).toBe(2);
    expect(resource("weight10-candidate-0").inputs.cpuShares).toBe(1024);
    // Docker updates the weight in place: the fingerprint in the name (what forces a replacement) leaves it out.
    const settings = resource("weight0-candidate-0").inputs as unknown as ApiContainerSettings;
    expect(apiContainerFingerprint({ ...settings, cpuShares: 1024 }, "image", "net")).toBe(apiContainerFingerprint(settings, "image", "net"));
    expect(resource("weight10-api-0").inputs.cpuShares).toBeUndefined();
  });

  it("applies the routing config only after the candidate's replicas exist, and renders its weight on the marked line", async () => {
    const { options } = await deploy("canary3", { trafficPercent: 10, shadowPercent: 50 });
    expect(await dependencyNames(options.get("canary3-proxy-config")?.opts)).toEqual(["canary3-candidate-0"]);
    const config = nginxConfigOf("canary3");
    expect(config).toContain("10% candidate; # model-service:candidate-weight");
    expect(config).toContain("set $model_service_candidate_address api-candidate:8000;");
    expect(config).toContain("access_log syslog:server=127.0.0.1:8081,tag=model_service_shadow,nohostname model_service_shadow if=$model_service_shadow;");
  });

  it("runs no gate without gates, or without traffic to the candidate", async () => {
    expect((await deploy("nogate", { trafficPercent: 10 })).service.canaryGate).toBeUndefined();
    expect((await deploy("idle", { gates: { windowSeconds: 30 } })).service.canaryGate).toBeUndefined();
  });

  it("runs the gate in the proxy after the smoke test, with the replicas as targets and the thresholds", async () => {
    const { service, options } = await deploy("gated", { trafficPercent: 20, gates: { windowSeconds: 30, maxErrorRate: 0.02 } });
    const gate = resource("gated-canary-gate").inputs as { create: string; stdin: string; environment: Record<string, string>; triggers: unknown[] };
    expect(gate.create).toBe(CANARY_GATE_RUN_SCRIPT);
    expect(gate.stdin).toBe(CANARY_GATE_SCRIPT);
    const stable = await valueOf(service.apiContainerNames);
    const candidates = await valueOf(service.candidateContainerNames);
    expect(gate.environment).toMatchObject({
      PROXY_CONTAINER: "gated-unit-proxy-8080",
      STABLE_TARGETS: stable.map((name) => `${name}:8000`).join(" "),
      CANDIDATE_TARGETS: candidates.map((name) => `${name}:8000`).join(" "),
      WINDOW_SECONDS: "30",
      MAX_ERROR_RATE: "0.02",
      MAX_P99_LATENCY_RATIO: "1.5",
      MIN_AGREEMENT: "",
      MIN_REQUESTS: "50",
    });
    expect(gate.triggers.slice(1)).toEqual(["20", "0", JSON.stringify({ windowSeconds: 30, maxErrorRate: 0.02, maxP99LatencyRatio: 1.5, minRequests: 50 })]);
    expect(await dependencyNames(options.get("gated-canary-gate")?.opts)).toEqual(["gated-smoke-test"]);
  });

  it("gates a shadow-only candidate on agreement alone (no live requests to count)", async () => {
    await deploy("shadowgate", { shadowPercent: 100, gates: { windowSeconds: 30, minAgreement: 0.9 } });
    expect((resource("shadowgate-canary-gate").inputs.environment as Record<string, string>)).toMatchObject({ MIN_REQUESTS: "0", MIN_AGREEMENT: "0.9" });
  });

  it("takes the gate's last JSON line as its verdict", () => {
    expect(canaryGateSummary('canary gate: passed\nerror rate 0 <= 0.01: pass\n{"passed":true}\n')).toBe('{"passed":true}');
    expect(canaryGateSummary("canary gate: nothing\n")).toBe("");
  });
});
