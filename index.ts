/**
 * The reference stack: one ModelService configured entirely by stack config (`Pulumi.<stack>.yaml`, keys in
 * this project's namespace, named like the `ModelServiceArgs` fields). Bad config fails here, before any
 * resource is registered, with an error that names every offending key.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkDockerEngine, loadModelServiceArgs, ModelService, ModelServiceConfigError, stackConfigEngine, stacklessRunError } from "./components/index.js";

function createService(): ModelService {
  try {
    return new ModelService("model", loadModelServiceArgs(pulumi.getProject()));
  } catch (error) {
    // A config mistake is the user's to fix: report it plainly, without a stack trace.
    if (error instanceof ModelServiceConfigError) {
      throw stacklessRunError(`${error.message}\nFix the keys above in Pulumi.${pulumi.getStack()}.yaml (pulumi config set <key> <value>).`);
    }
    throw error;
  }
}

// An engine on another machine (docker:host) that cannot be reached fails here, in one line, before any resource.
checkDockerEngine(stackConfigEngine());
const service = createService();

export const url = service.url;
export const predictUrl = service.predictUrl;
export const apiContainerNames = service.apiContainerNames;
export const proxyContainerName = service.proxyContainerName;
export const networkName = service.networkName;
export const apiImageName = service.apiImageName;
export const apiImageRef = service.apiImageRef;
export const proxyImageName = service.proxyImageName;
export const proxyImageRef = service.proxyImageRef;
export const modelName = service.modelName;
export const modelVersion = service.modelVersion;
export const modelDigest = service.modelDigest;
export const runtime = service.runtime;
export const apiServiceName = service.apiServiceName;
export const proxyServiceName = service.proxyServiceName;
export const candidateModelVersion = service.candidateModelVersion;
export const candidateContainerNames = service.candidateContainerNames;
/** The canary gate's verdict (JSON), when the stack has a gated candidate that gets traffic. */
export const canaryGateResult = service.canaryGateResult;
/** The smoke test's answer to the model's own smoke-test instances, made on the engine's host. */
export const smokeTestPrediction = service.smokeTest.stdout.apply((stdout) => stdout.trimEnd().split("\n").pop() ?? "");
