/**
 * scripts/lib/junit-summary.mjs, which ends `npm test`: the totals line CI reads, and every failed test case with
 * the start of its message above it (CI keeps only the log's tail).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scripts", "lib", "junit-summary.mjs");
const dir = mkdtempSync(join(tmpdir(), "junit-summary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function summarize(reports: Record<string, string>): string[] {
  const files = Object.entries(reports).map(([name, xml]) => {
    const file = join(dir, `${name}.xml`);
    writeFileSync(file, xml);
    return file;
  });
  return execFileSync("node", [SCRIPT, ...files], { encoding: "utf8" }).trimEnd().split("\n");
}

const FAILING = `<testsuites><testsuite name="canary">
<testcase classname="test/swarm/canary.test.ts" name="adds a &quot;gated&quot; candidate"><failure message="expected 7 to be less than or equal to 6" type="AssertionError">
AssertionError: expected 7 to be less than or equal to 6
 ❯ test/swarm/canary.test.ts:52:25 &lt;node 1&gt;
</failure></testcase>
<testcase classname="test/swarm/canary.test.ts" name="removes it"/>
<testcase classname="test/swarm/canary.test.ts" name="later"><skipped/></testcase>
</testsuite></testsuites>`;

describe("junit-summary", () => {
  it("counts each report's cases and ends with the totals line", () => {
    const lines = summarize({ "swarm-junit": FAILING, "unit-junit": `<testsuites><testsuite><testcase name="a"/><testcase name="b"></testcase></testsuite></testsuites>` });
    expect(lines.at(-1)).toBe("3 passed, 1 failed, 1 skipped");
    expect(lines).toContain("  swarm-junit                  1 passed, 1 failed, 1 skipped");
    expect(lines).toContain("  unit-junit                   2 passed, 0 failed, 0 skipped");
  });

  it("names each failed case with its message, decoded, before the counts", () => {
    const lines = summarize({ "swarm-junit": FAILING });
    expect(lines.slice(0, 5)).toEqual([
      "Failed test cases:",
      '  FAILED swarm-junit: test/swarm/canary.test.ts > adds a "gated" candidate',
      "      expected 7 to be less than or equal to 6",
      "      AssertionError: expected 7 to be less than or equal to 6",
      "       ❯ test/swarm/canary.test.ts:52:25 <node 1>",
    ]);
    expect(lines.join("\n")).not.toContain("removes it");
  });

  it("shows the lines that say why from further down a long message, after the start", () => {
    const progress = Array.from({ length: 30 }, (_, i) => ` +  docker:index/service:Service svc-${i} creating (${i}s)`);
    // The text of the command that failed comes before its diagnostics, and says "failed" too.
    const script = Array.from({ length: 15 }, (_, i) => `  echo "smoke test: step ${i} failed" >&2`);
    const message = ["code: -2", "Updating (sw-1):", ...progress, ...script, "  command:local:Command (model-smoke-test):", "    error: exit status 1: smoke test: /ready did not answer 200 within 60s", " ❯ test/swarm/x.test.ts:9:9 error"].join("\n");
    const lines = summarize({ "swarm-junit": `<testsuites><testsuite><testcase classname="x" name="deploys"><failure message="${message.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")}"/></testcase></testsuite></testsuites>` });
    const failure = lines.slice(2, lines.indexOf("  swarm-junit                  0 passed, 1 failed, 0 skipped"));
    expect(failure.slice(0, 2)).toEqual(["      code: -2", "      Updating (sw-1):"]);
    // The last 12 such lines: the diagnostics, and the end of the command's text before them.
    expect(failure.slice(8)).toHaveLength(13);
    expect(failure[8]).toBe("      […]");
    expect(failure.at(-1)).toBe("          error: exit status 1: smoke test: /ready did not answer 200 within 60s");
    expect(failure.at(-2)).toBe('        echo "smoke test: step 14 failed" >&2');
  });

  it("prints no failure section when nothing failed", () => {
    expect(summarize({ ok: `<testsuites><testsuite><testcase name="a"/></testsuite></testsuites>` })[0]).not.toMatch(/Failed/);
  });
});
