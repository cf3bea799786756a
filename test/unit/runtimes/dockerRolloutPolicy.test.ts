import { describe, expect, it } from "vitest";
import { apiContainerSettings } from "../../../components/runtimes/docker/apiContainer.js";
import {
  apiContainerFingerprint,
  apiReplicaName,
  apiReplicaRollout,
  proxyRollout,
} from "../../../components/runtimes/docker/rolloutPolicy.js";
import { specFor } from "../support/specs.js";

describe("apiContainerFingerprint", () => {
  const base = apiContainerSettings(specFor(), 0);
  const fingerprintOf = (settings = base, image = "sha256:aaa", network = "iris-unit-net") =>
    apiContainerFingerprint(settings, image, network);

  it("changes with the image, the network and settings that force a replacement", () => {
    expect(fingerprintOf(base, "sha256:bbb")).not.toBe(fingerprintOf());
    expect(fingerprintOf(base, "sha256:aaa", "other-net")).not.toBe(fingerprintOf());
    expect(fingerprintOf(apiContainerSettings(specFor({ gunicornWorkers: 3 }), 0))).not.toBe(fingerprintOf());
    expect(fingerprintOf(apiContainerSettings(specFor({ apiCpus: 2 }), 0))).not.toBe(fingerprintOf());
    expect(fingerprintOf(apiContainerSettings(specFor({ startupTimeoutSeconds: 30 }), 0))).not.toBe(fingerprintOf());
  });

  it("stays the same for settings updated in place", () => {
    expect(fingerprintOf(apiContainerSettings(specFor({ apiMemoryMb: 2048 }), 0))).toBe(fingerprintOf());
    expect(fingerprintOf(apiContainerSettings(specFor({ restartPolicy: "always" }), 0))).toBe(fingerprintOf());
  });
});

describe("how the docker runtime rolls a change out", () => {
  it("names a replica after what replaces it, so the new one starts beside the old one", () => {
    const settings = apiContainerSettings(specFor(), 2);
    const name = apiReplicaName("iris-unit", 2, settings, "sha256:aaa", "iris-unit-net");
    expect(name).toMatch(/^iris-unit-api-2-[0-9a-f]{12}$/);
    expect(apiReplicaName("iris-unit", 2, settings, "sha256:bbb", "iris-unit-net")).not.toBe(name);
    expect(apiReplicaRollout()).toMatchObject({ deleteBeforeReplace: false });
  });

  it("replaces the proxy delete-first (it owns the port) and applies its config in place", () => {
    expect(proxyRollout()).toMatchObject({ deleteBeforeReplace: true, ignoreChanges: ["envs"] });
  });
});
