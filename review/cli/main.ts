#!/usr/bin/env node
/**
 * `model-service-review`: writes the Markdown review of a Pulumi preview (see `USAGE`). Exit status 0: no
 * changes, 2: changes, 1: error.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parsePreviewJson, PreviewInputError } from "../previewJson.js";
import type { PreviewDocument } from "../previewDocument.js";
import { reviewPreview, type ReviewOutcome } from "../review.js";
import { EXIT_CODES, parseCliArguments, USAGE, UsageError, type CliOptions } from "./arguments.js";
import { runAutomationPreview } from "./automationPreview.js";

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions | "help";
  try {
    options = parseCliArguments(argv, process.cwd(), process.stdin.isTTY === true);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`model-service-review: ${error.message}\n\n${USAGE}\n`);
      return EXIT_CODES.error;
    }
    throw error;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_CODES.noChanges;
  }

  const review =
    options.source.kind === "file"
      ? reviewPreview(parsePreviewJson(await readPreviewText(options.source.path)))
      : await reviewAutomationPreview(options.source.stack, options.source.workDir);
  if (options.out === undefined) {
    process.stdout.write(review.markdown);
  } else {
    writeFileSync(options.out, review.markdown);
  }
  return exitCode(review.outcome);
}

/** The file's text, or all of standard input for `-` (read as a stream: a piped stdin may be non-blocking). */
async function readPreviewText(path: string): Promise<string> {
  if (path !== "-") {
    return readFileSync(path, "utf8");
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function reviewAutomationPreview(stack: string, workDir: string) {
  const preview = await runAutomationPreview(stack, workDir);
  const hasErrors = preview.document.diagnostics.some((diagnostic) => diagnostic.severity === "error");
  const document: PreviewDocument =
    preview.failed && !hasErrors && preview.failureOutput !== undefined
      ? { ...preview.document, diagnostics: [...preview.document.diagnostics, { severity: "error", message: preview.failureOutput }] }
      : preview.document;
  return reviewPreview(document, { stack, secretMask: preview.secretMask, previewFailed: preview.failed });
}

function exitCode(outcome: ReviewOutcome): number {
  return outcome === "no-changes" ? EXIT_CODES.noChanges : outcome === "changes" ? EXIT_CODES.changes : EXIT_CODES.error;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof PreviewInputError ? `unusable preview input: ${error.message}` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`model-service-review: ${message}\n`);
    process.exitCode = EXIT_CODES.error;
  },
);
