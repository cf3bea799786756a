import { describe, expect, it } from "vitest";
import { apiContainerSettings } from "../../../components/runtimes/docker/apiContainer.js";
import {
  API_USER,
  dockerCpusString,
  hardenedContainerSettings,
  NOT_UPDATABLE_IN_PLACE,
  PROXY_USER,
  UPDATABLE_IN_PLACE,
} from "../../../components/containers/hardening.js";
import { apiHealthcheck, goDuration, proxyHealthcheck } from "../../../components/containers/healthchecks.js";
import { proxyContainerSettings } from "../../../components/runtimes/docker/proxyContainer.js";
import { specFor } from "../support/specs.js";

describe("goDuration", () => {
  it("formats seconds like Go's time.Duration", () => {
    expect([0, 5, 59, 60, 90, 120, 3600, 3661].map(goDuration)).toEqual(["0s", "5s", "59s", "1m0s", "1m30s", "2m0s", "1h0m0s", "1h1m1s"]);
  });
});

describe("hardenedContainerSettings", () => {
  it("applies every hardening setting", () => {
    expect(
      hardenedContainerSettings({
        user: "1:2",
        resources: { memoryMb: 300, cpus: 0.75 },
        tmpfsSizeMb: 16,
        restartPolicy: "on-failure",
        logging: { maxSize: "5m", maxFiles: 2 },
        healthcheck: proxyHealthcheck(),
        healthyWithinSeconds: 42,
        stopGraceSeconds: 7,
      }),
    ).toEqual({
      user: "1:2",
      readOnly: true,
      tmpfs: { "/tmp": "rw,noexec,nosuid,nodev,size=16m" },
      memory: 300,
      memorySwap: 300,
      cpus: "0.75",
      restart: "on-failure",
      init: true,
      securityOpts: ["no-new-privileges:true"],
      capabilities: { drops: ["ALL"] },
      logDriver: "json-file",
      logOpts: { "max-file": "2", "max-size": "5m" },
      healthcheck: proxyHealthcheck(),
      wait: true,
      waitTimeout: 42,
      destroyGraceSeconds: 7,
    });
  });

  it("names the settings the provider cannot change on a running container", () => {
    expect(NOT_UPDATABLE_IN_PLACE).toEqual(["healthcheck", "init", "tmpfs"]);
    expect(UPDATABLE_IN_PLACE).toEqual(["cpuShares", "destroyGraceSeconds", "memory", "memorySwap", "restart", "wait", "waitTimeout"]);
  });
});

describe("healthchecks", () => {
  it("checks api readiness with the image's script, allowing the startup timeout", () => {
    expect(apiHealthcheck(120)).toEqual({
      tests: ["CMD", "/app/healthcheck"],
      interval: "5s",
      timeout: "5s",
      startPeriod: "2m0s",
      retries: 3,
    });
  });

  it("checks nginx on its own health path", () => {
    expect(proxyHealthcheck()).toEqual({
      tests: ["CMD", "curl", "--fail", "--silent", "--show-error", "--max-time", "2", "--output", "/dev/null", "http://127.0.0.1:8080/nginx-health"],
      interval: "5s",
      timeout: "5s",
      startPeriod: "10s",
      retries: 3,
    });
  });
});

describe("api container settings", () => {
  const spec = specFor({ apiMemoryMb: 768, apiCpus: 2, gunicornTimeoutSeconds: 45, startupTimeoutSeconds: 60, labels: { team: "ml" } });
  const settings = apiContainerSettings(spec, 1);

  it("runs hardened as the modelserver user with the spec's limits", () => {
    expect(settings).toMatchObject({
      user: API_USER,
      readOnly: true,
      tmpfs: { "/tmp": "rw,noexec,nosuid,nodev,size=64m" },
      memory: 768,
      memorySwap: 768,
      cpus: "2.0",
      restart: "unless-stopped",
      init: true,
      securityOpts: ["no-new-privileges:true"],
      capabilities: { drops: ["ALL"] },
      logDriver: "json-file",
      logOpts: { "max-file": "3", "max-size": "10m" },
      healthcheck: apiHealthcheck(60),
      wait: true,
      waitTimeout: 90,
      destroyGraceSeconds: 50,
    });
    expect(API_USER).toBe("10001:10001");
  });

  it("publishes no port", () => {
    expect(settings).not.toHaveProperty("ports");
    expect(settings).not.toHaveProperty("publishAllPorts");
  });

  it("labels the replica", () => {
    expect(settings.labels).toEqual([
      { label: "model-service.component", value: "api" },
      { label: "model-service.project", value: "model-service-unit" },
      { label: "model-service.replica", value: "1" },
      { label: "model-service.service", value: "iris" },
      { label: "model-service.stack", value: "unit" },
      { label: "team", value: "ml" },
    ]);
  });
});

describe("proxy container settings", () => {
  const settings = proxyContainerSettings(specFor({ proxyMemoryMb: 96, proxyCpus: 0.25 }), "events {}\n");

  it("runs hardened as the nginx user", () => {
    expect(settings).toMatchObject({
      user: PROXY_USER,
      readOnly: true,
      tmpfs: { "/tmp": "rw,noexec,nosuid,nodev,size=32m" },
      memory: 96,
      memorySwap: 96,
      cpus: "0.25",
      init: true,
      securityOpts: ["no-new-privileges:true"],
      capabilities: { drops: ["ALL"] },
      healthcheck: proxyHealthcheck(),
      wait: true,
      waitTimeout: 60,
      destroyGraceSeconds: 10,
    });
    expect(PROXY_USER).toBe("10002:10002");
  });

  it("publishes nginx on 127.0.0.1:8080 by default", () => {
    expect(settings.ports).toEqual([{ internal: 8080, external: 8080, ip: "127.0.0.1", protocol: "tcp" }]);
  });

  it("publishes on the configured address and port", () => {
    expect(proxyContainerSettings(specFor({ hostAddress: "0.0.0.0", hostPort: 18081 }), "").ports).toEqual([
      { internal: 8080, external: 18081, ip: "0.0.0.0", protocol: "tcp" },
    ]);
  });

  it("lets nginx reuse TIME_WAIT ports for its one-connection-per-request upstream traffic", () => {
    expect(settings.sysctls).toEqual({ "net.ipv4.tcp_tw_reuse": "1" });
  });

  it("passes the config base64-encoded in NGINX_CONF_B64", () => {
    expect(settings.envs).toEqual([`NGINX_CONF_B64=${Buffer.from("events {}\n").toString("base64")}`]);
  });
});

describe("dockerCpusString: cpus as the Docker provider reads it back", () => {
  it.each([
    [1, "1.0"],
    [2, "2.0"],
    [64, "64.0"],
    [0.5, "0.5"],
    [1.5, "1.5"],
    [0.25, "0.25"],
    [2.125, "2.125"],
    [10, "10."],
    [20, "20."],
    [1.05, "1.05"],
    // The provider's own rounding: these read back as other values, so validation rejects them.
    [0.05, "0.1"],
    [0.01, "0.0"],
    [10.05, "10.1"],
  ])("%d -> %s", (cpus, expected) => {
    expect(dockerCpusString(cpus)).toBe(expected);
  });
});
