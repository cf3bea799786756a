import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { installMocks, valueOf, fakeImageId, type RegisteredResource } from "../support/pulumiMocks.js";

const registered = installMocks();
const { ModelApiImage, NginxImage, ProxyImage } = await import("../../../components/index.js");
const { contentTag, hashDirectory, hashFile } = await import("../../../components/images/contentHash.js");
const { apiContextDir, nginxContextDir } = await import("../../../components/images/packagePaths.js");
const { modelDirectoryDigest } = await import("../../../components/images/modelDigest.js");

const modelRoot = fs.mkdtempSync(path.join(os.tmpdir(), "user-model-"));
fs.writeFileSync(path.join(modelRoot, "predictor.py"), "def load(d):\n    return None\n\ndef predict(m, rows):\n    return [0 for _ in rows]\n");
afterAll(() => fs.rmSync(modelRoot, { recursive: true, force: true }));

const apiDir = apiContextDir();
const apiHashes = {
  context: hashDirectory(apiDir, ".dockerignore"),
  dockerfile: hashFile(path.join(apiDir, "Dockerfile")),
  baseImage: "debian:bookworm-slim",
};

function image(name: string): RegisteredResource {
  const found = registered.find((r) => r.type === "docker:index/image:Image" && r.name === name);
  if (found === undefined) {
    throw new Error(`no image ${name}; registered: ${registered.map((r) => r.name).join(", ")}`);
  }
  return found;
}

describe("ModelApiImage for the built-in model", () => {
  it("builds the api Dockerfile's default target with the classic builder, locally", async () => {
    const api = new ModelApiImage("builtin", { baseImage: "debian:bookworm-slim" });
    const tag = contentTag({ image: "api", target: "default", api: apiHashes });
    expect(await valueOf(api.imageName)).toBe(`model-service-api:${tag}`);
    expect(image("builtin-default").inputs).toEqual({
      imageName: `model-service-api:${tag}`,
      build: {
        context: apiDir,
        dockerfile: path.join(apiDir, "Dockerfile"),
        target: "default",
        args: { BASE_IMAGE: "debian:bookworm-slim" },
        builderVersion: "BuilderV1",
        platform: expect.stringMatching(/^linux\//),
      },
      buildOnPreview: false,
      skipPush: true,
    });
    expect(api.contentTag).toBe(tag);
    expect(api.modelDigest).toBe(`sha256:${apiHashes.context}`);
    expect(await valueOf(api.imageRef)).toBe(fakeImageId(`model-service-api:${tag}`));
    expect(registered.filter((r) => r.type === "docker:index/image:Image" && r.name.startsWith("builtin-"))).toHaveLength(1);
  });

  it("gets another tag for another base image", () => {
    const api = new ModelApiImage("other-base", { baseImage: "debian:trixie-slim" });
    expect(api.contentTag).toBe(contentTag({ image: "api", target: "default", api: { ...apiHashes, baseImage: "debian:trixie-slim" } }));
    expect(api.contentTag).not.toBe(contentTag({ image: "api", target: "default", api: apiHashes }));
  });

  it("pushes to a registry when one is given", async () => {
    const api = new ModelApiImage("pushed", {
      baseImage: "debian:bookworm-slim",
      registry: { server: "registry.example.com/ml", username: "ci", password: "pw", deleteFromRegistry: false },
    });
    await valueOf(api.imageName);
    expect(image("pushed-default").inputs).toMatchObject({
      imageName: `registry.example.com/ml/model-service-api:${api.contentTag}`,
      skipPush: false,
      registry: { server: "registry.example.com/ml", username: "ci", password: "pw" },
    });
  });
});

describe("ModelApiImage for a user model", () => {
  it("adds the model directory as the last layer on top of the runtime image", async () => {
    const api = new ModelApiImage("user", { baseImage: "debian:bookworm-slim", modelDir: modelRoot });
    const runtimeTag = contentTag({ image: "api-runtime", target: "runtime", api: apiHashes });
    const modelHash = hashDirectory(modelRoot, "Dockerfile.model.dockerignore");
    const tag = contentTag({
      image: "api",
      runtimeTag,
      modelDockerfile: hashFile(path.join(apiDir, "Dockerfile.model")),
      model: modelHash,
    });
    expect(await valueOf(api.imageName)).toBe(`model-service-api:${tag}`);
    expect(image("user-runtime").inputs).toMatchObject({
      imageName: `model-service-api-runtime:${runtimeTag}`,
      build: { context: apiDir, dockerfile: path.join(apiDir, "Dockerfile"), target: "runtime", builderVersion: "BuilderV1" },
      skipPush: true,
    });
    expect(image("user-model").inputs).toEqual({
      imageName: `model-service-api:${tag}`,
      build: {
        context: modelRoot,
        dockerfile: path.join(apiDir, "Dockerfile.model"),
        args: { API_RUNTIME_IMAGE: `model-service-api-runtime:${runtimeTag}` },
        builderVersion: "BuilderV1",
        platform: expect.stringMatching(/^linux\//),
      },
      buildOnPreview: false,
      skipPush: true,
    });
    expect(api.modelDigest).toBe(modelDirectoryDigest(modelRoot, "Dockerfile.model.dockerignore"));
    expect(api.modelDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("keeps the runtime tag and changes the model tag when only the model changes", async () => {
    const before = new ModelApiImage("user-before", { baseImage: "debian:bookworm-slim", modelDir: modelRoot });
    fs.writeFileSync(path.join(modelRoot, "weights.json"), "[1, 2]");
    const after = new ModelApiImage("user-after", { baseImage: "debian:bookworm-slim", modelDir: modelRoot });
    await Promise.all([valueOf(before.imageName), valueOf(after.imageName)]);
    expect(after.contentTag).not.toBe(before.contentTag);
    expect(after.modelDigest).not.toBe(before.modelDigest);
    expect(image("user-after-runtime").inputs.imageName).toBe(image("user-before-runtime").inputs.imageName);
  });
});

describe("ProxyImage", () => {
  it("is still exported under its deprecated name NginxImage", () => {
    expect(NginxImage).toBe(ProxyImage);
  });

  it("builds nginx/ locally with a tag derived from its content", async () => {
    const nginx = new ProxyImage("proxy", { baseImage: "debian:bookworm-slim" });
    const dir = nginxContextDir();
    const tag = contentTag({
      image: "nginx",
      context: hashDirectory(dir, ".dockerignore"),
      dockerfile: hashFile(path.join(dir, "Dockerfile")),
      baseImage: "debian:bookworm-slim",
    });
    expect(await valueOf(nginx.imageName)).toBe(`model-service-nginx:${tag}`);
    expect(image("proxy-image").inputs).toEqual({
      imageName: `model-service-nginx:${tag}`,
      build: {
        context: dir,
        dockerfile: path.join(dir, "Dockerfile"),
        args: { BASE_IMAGE: "debian:bookworm-slim" },
        builderVersion: "BuilderV1",
        platform: expect.stringMatching(/^linux\//),
      },
      buildOnPreview: false,
      skipPush: true,
    });
    expect(await valueOf(nginx.imageRef)).toBe(fakeImageId(`model-service-nginx:${tag}`));
  });
});
