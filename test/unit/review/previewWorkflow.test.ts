/**
 * The example GitHub workflow cannot run here; these checks hold it to what it promises: Pulumi's action
 * at the SDK's version, the review command of this package, one comment per stack, and every secret it
 * reads documented in the README.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const text = readFileSync(join(repoRoot, ".github/workflows/preview-review.yml"), "utf8");
const workflow = parse(text) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { env: Record<string, string>; steps: { uses?: string; run?: string; with?: Record<string, unknown>; name?: string }[] }>;
};
const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  files: string[];
};
const job = workflow.jobs.review;

describe(".github/workflows/preview-review.yml", () => {
  it("runs on pull requests and may write only pull-request comments", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(workflow.permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });

  it("installs the Pulumi CLI with Pulumi's own action, at the SDK's version", () => {
    const pulumi = job.steps.find((step) => step.uses?.startsWith("pulumi/actions@"));
    expect(pulumi?.with).toEqual({ "pulumi-version": pkg.dependencies["@pulumi/pulumi"] });
  });

  it("runs this package's review command on the selected stack", () => {
    const review = job.steps.find((step) => step.run?.includes("npm run --silent review"));
    expect(review?.run).toContain('--stack "$STACK" --out review.md');
    expect(pkg.scripts.review).toContain(`node ${pkg.bin["model-service-review"]}`);
    expect(pkg.files).toContain(pkg.bin["model-service-review"].split("/").slice(0, 2).join("/"));
  });

  it("runs the policy pack on the selected stack, with the stack's policy config when there is one", () => {
    const policy = job.steps.find((step) => step.run?.includes("--policy-pack"));
    expect(policy?.run).toContain('pulumi preview --stack "$STACK" --non-interactive --policy-pack policy "${config[@]}"');
    expect(policy?.run).toContain('policy/config/$STACK.json');
    expect(pkg.files).toEqual(expect.arrayContaining(["policy/PulumiPolicy.yaml", "policy/index.js", "policy/package.json", "dist/policy"]));
  });

  it("updates one comment per stack, found by a marker", () => {
    expect(job.env.REVIEW_MARKER).toBe("<!-- model-service-review: ${{ matrix.stack }} -->");
    const post = job.steps.find((step) => step.uses?.startsWith("actions/github-script@"));
    const script = String(post?.with?.script);
    expect(script).toContain("updateComment");
    expect(script).toContain("startsWith(marker)");
  });

  it("reads backend login and passphrase from secrets, each documented in the README's PR-review section", () => {
    const secrets = [...text.matchAll(/\$\{\{ secrets\.([A-Z_]+) \}\}/g)].map((match) => match[1]);
    expect(new Set(secrets)).toEqual(new Set(["PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "DOCKER_HOST"]));
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Review a change"));
    for (const secret of secrets) {
      expect(section).toContain(`\`${secret}\``);
    }
  });
});
