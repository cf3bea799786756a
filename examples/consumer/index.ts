// A consumer stack: deploys its own model (./model, a predictor.py) with ModelService and
// non-default options, and exports what other stacks or tests need to reach it.
import { ModelService } from "model-service";

const service = new ModelService("churn", {
  // Relative to this project's directory (where `pulumi up` runs the program).
  modelDir: "model",
  // Name and version come from model/model.json (churn-rules, 2024.11.1).
  replicas: 1,
  hostPort: 18081,
  gunicornWorkers: 1,
  gunicornThreads: 2,
  apiMemoryMb: 256,
  proxyMemoryMb: 64,
  labels: { "com.example.owner": "consumer-example" },
  smokeTestInstances: [
    [0.9, 0.1],
    [0.1, 0.9],
  ],
});

export const url = service.url;
export const predictUrl = service.predictUrl;
export const apiContainerNames = service.apiContainerNames;
export const proxyContainerName = service.proxyContainerName;
export const apiImageName = service.apiImageName;
export const apiImageRef = service.apiImageRef;
export const proxyImageName = service.proxyImageName;
export const proxyImageRef = service.proxyImageRef;
export const modelName = service.modelName;
export const modelVersion = service.modelVersion;
export const modelDigest = service.modelDigest;
export const networkName = service.networkName;
