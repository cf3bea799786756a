// Sums JUnit XML reports into per-suite lines and the closing line CI reads: "N passed, N failed, N skipped".
// Every failed test case comes first, with the start of its message and the lines further down that say why (a
// Pulumi `error:` line, a script's own message), so that a log of which only the tail is kept (as CI keeps it) still
// says what failed and why.
// Usage: node scripts/lib/junit-summary.mjs REPORT.xml...   (exit code 0; the caller decides)
import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** Lines from the start of a failure's message and details shown for each failed test case. */
const FAILURE_LINES = 8;
/**
 * Further lines that say why (an error, a failure, a timeout), however far down the message they are: the last ones,
 * as a failed `pulumi up` ends with its diagnostics after the text of the commands it ran.
 */
const REASON_LINES = 12;
const REASON = /\berror\b|\bfail|\btimed? ?out\b|\bdid not\b|\brefused\b|\bexit (code|status)\b/i;
const LINE_CHARS = 240;

const decode = (text) =>
  text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&amp;/g, "&");
const attribute = (tag, name) => decode(tag.match(new RegExp(`\\b${name}="([^"]*)"`))?.[1] ?? "");

const totals = { passed: 0, failed: 0, skipped: 0 };
const suiteLines = [];
const failureLines = [];
for (const file of process.argv.slice(2)) {
  const xml = readFileSync(file, "utf8");
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const match of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[3] ?? "";
    const failure = body.match(/<(failure|error)\b([^>]*?)(\/>|>([\s\S]*?)<\/\1>)/);
    if (failure) {
      counts.failed += 1;
      const details = [attribute(failure[2], "message"), decode(failure[4] ?? "")]
        .join("\n")
        .split("\n")
        .map((line) => line.trimEnd())
        .filter((line, index, lines) => line !== "" && lines.indexOf(line) === index);
      const reasons = details.slice(FAILURE_LINES).filter((line) => REASON.test(line) && !/^\s*❯/.test(line)).slice(-REASON_LINES);
      const shown = [...details.slice(0, FAILURE_LINES), ...(reasons.length > 0 ? ["[…]", ...reasons] : [])]
        .map((line) => `      ${line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}...` : line}`);
      const where = [attribute(match[1], "classname"), attribute(match[1], "name")].filter(Boolean).join(" > ");
      failureLines.push(`  FAILED ${basename(file, ".xml")}: ${where}`, ...shown);
    } else if (/<skipped\b/.test(body)) counts.skipped += 1;
    else counts.passed += 1;
  }
  for (const key of Object.keys(totals)) totals[key] += counts[key];
  suiteLines.push(`  ${basename(file, ".xml").padEnd(28)} ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
}
if (failureLines.length > 0) console.log(["Failed test cases:", ...failureLines].join("\n"));
console.log(suiteLines.join("\n"));
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
