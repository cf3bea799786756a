import { describe, expect, it } from "vitest";
import {
  apiContainerName,
  childName,
  dockerNameSlug,
  imageName,
  imageRepository,
  networkName,
  proxyContainerName,
  resourcePrefix,
} from "../../../components/containers/naming.js";

describe("naming", () => {
  it("prefixes every Docker object with service and stack", () => {
    const prefix = resourcePrefix("iris", "dev");
    expect(prefix).toBe("iris-dev");
    expect(networkName(prefix)).toBe("iris-dev-net");
    expect(proxyContainerName(prefix, 8080)).toBe("iris-dev-proxy-8080");
    expect(apiContainerName(prefix, 3, "0123456789abcdef0123")).toBe("iris-dev-api-3-0123456789ab");
  });

  it("turns any stack name into a Docker name part", () => {
    expect(dockerNameSlug("acme/ml-platform/Prod_EU.1")).toBe("acme-ml-platform-prod-eu-1");
    expect(dockerNameSlug("--Dev--")).toBe("dev");
    expect(dockerNameSlug("___")).toBe("x");
    expect(resourcePrefix("iris", "org/Staging")).toBe("iris-org-staging");
  });

  it("names images by kind, below the registry when there is one", () => {
    expect(imageRepository("api")).toBe("model-service-api");
    expect(imageRepository("api-runtime")).toBe("model-service-api-runtime");
    expect(imageRepository("nginx", "registry.example.com:5000/ml")).toBe("registry.example.com:5000/ml/model-service-nginx");
    expect(imageName("api", "0123456789abcdef")).toBe("model-service-api:0123456789abcdef");
    expect(imageName("nginx", "feedfacefeedface", "r.example.com")).toBe("r.example.com/model-service-nginx:feedfacefeedface");
  });

  it("names child resources after their component", () => {
    expect(childName("iris", "api-0")).toBe("iris-api-0");
  });
});
