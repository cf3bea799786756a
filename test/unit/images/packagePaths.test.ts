import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { dockerPlatform } from "../../../components/images/dockerBuild.js";
import { apiContextDir, nginxContextDir, packageRoot } from "../../../components/images/packagePaths.js";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("package paths", () => {
  it("finds the package root from the module's own location", () => {
    expect(packageRoot()).toBe(repositoryRoot);
    expect(JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")).name).toBe("model-service");
  });

  it("points at the api and nginx build contexts inside the package", () => {
    expect(apiContextDir()).toBe(path.join(repositoryRoot, "api"));
    expect(nginxContextDir()).toBe(path.join(repositoryRoot, "nginx"));
    expect(fs.existsSync(path.join(apiContextDir(), "Dockerfile"))).toBe(true);
    expect(fs.existsSync(path.join(nginxContextDir(), "Dockerfile"))).toBe(true);
  });
});

describe("dockerPlatform", () => {
  it("maps Node's architecture names to Docker's", () => {
    expect(dockerPlatform("x64")).toBe("linux/amd64");
    expect(dockerPlatform("arm64")).toBe("linux/arm64");
    expect(dockerPlatform("riscv64")).toBe("linux/riscv64");
  });
});
