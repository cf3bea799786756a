import { describe, expect, it } from "vitest";
import {
  apiConvergeSeconds,
  apiServiceRollout,
  convergeConfig,
  proxyServiceRollout,
  taskRestartPolicy,
} from "../../../components/runtimes/swarm/rolloutPolicy.js";

describe("how a replica is rolled on Swarm", () => {
  it("replaces api tasks one at a time, start-first, rolling back on a failure and pausing a failed rollback", () => {
    const { updateConfig, rollbackConfig } = apiServiceRollout(120);
    expect(updateConfig).toEqual({ parallelism: 1, delay: "0s", failureAction: "rollback", monitor: "2m", order: "start-first" });
    expect(rollbackConfig).toEqual({ ...updateConfig, failureAction: "pause" });
  });

  it("replaces proxy tasks stop-first when they bind the port on their node, start-first behind the routing mesh", () => {
    expect(proxyServiceRollout("host").updateConfig).toMatchObject({ order: "stop-first", failureAction: "rollback", monitor: "5s" });
    expect(proxyServiceRollout("ingress").updateConfig.order).toBe("start-first");
    expect(proxyServiceRollout("host").rollbackConfig).toMatchObject({ order: "stop-first", failureAction: "pause" });
  });

  it("restarts a task whenever it exits, without a limit", () => {
    expect(taskRestartPolicy()).toEqual({ condition: "any", delay: "2s", maxAttempts: 0, window: "0s" });
  });

  it("waits for every api task to start and be watched in turn, at most an hour", () => {
    expect(apiConvergeSeconds(3, 60, 5)).toBe(3 * 65 + 60);
    expect(apiConvergeSeconds(100, 600, 60)).toBe(3600);
    expect(convergeConfig(255)).toEqual({ delay: "1s", timeout: "4m15s" });
  });
});
