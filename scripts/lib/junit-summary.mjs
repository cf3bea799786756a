// Sums JUnit XML reports into per-suite lines and the closing line CI reads: "N passed, N failed, N skipped".
// Usage: node scripts/lib/junit-summary.mjs REPORT.xml...   (exit code 0; the caller decides)
import { readFileSync } from "node:fs";
import { basename } from "node:path";

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const file of process.argv.slice(2)) {
  const xml = readFileSync(file, "utf8");
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const match of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[2] ?? "";
    if (/<(failure|error)\b/.test(body)) counts.failed += 1;
    else if (/<skipped\b/.test(body)) counts.skipped += 1;
    else counts.passed += 1;
  }
  for (const key of Object.keys(totals)) totals[key] += counts[key];
  console.log(`  ${basename(file, ".xml").padEnd(28)} ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
