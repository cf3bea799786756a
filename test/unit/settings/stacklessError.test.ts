import { inspect } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ModelServiceConfigError } from "../../../components/settings/configError.js";
import { stacklessRunError, withoutStackFrames } from "../../../components/settings/stacklessError.js";
import { NginxConfigError } from "../../../components/nginx/options.js";

// A frame as Pulumi's source maps write it: on Node.js 20.20, util.inspect with colors loops on it (nodejs/node#64011).
const SDK_FRAME = "    at Stack.initializeAndRegisterOutputs (/app/node_modules/@pulumi/resource.ts:1598:22)";

describe("errors about settings carry their first line as their stack", () => {
  it("ModelServiceConfigError: name and message, no frames", () => {
    const error = new ModelServiceConfigError("ModelService arguments", [{ field: "replicas", value: 0, allowed: "an integer from 1 to 32" }]);
    expect(error.stack).toBe(`ModelServiceConfigError: ${error.message}`);
    expect(error.stack).not.toMatch(/\n\s+at /);
  });

  it("NginxConfigError and the reference program's RunError too; the RunError is still one to Pulumi", () => {
    expect(new NginxConfigError("gzipLevel", 12, "1 to 9").stack).not.toMatch(/\n\s+at /);
    const runError = stacklessRunError("Docker engine ssh://root@host: cannot reach the host");
    expect(pulumi.RunError.isInstance(runError)).toBe(true);
    expect(runError.stack).toBe("Error: Docker engine ssh://root@host: cannot reach the host");
  });

  it("an error with an SDK frame formats at once with colors once its frames are dropped", () => {
    const error = new Error("replicas: got 0");
    error.stack = `Error: replicas: got 0\n${SDK_FRAME}`;
    const formatted = inspect(withoutStackFrames(error), { colors: true });
    expect(formatted).toContain("replicas: got 0");
    expect(formatted).not.toContain("resource.ts");
  });
});
