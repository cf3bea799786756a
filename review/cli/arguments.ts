import { parseArgs } from "node:util";

/** Exit codes of `model-service-review`, for CI. */
export const EXIT_CODES = { noChanges: 0, error: 1, changes: 2 } as const;

/** Where the preview comes from. */
export type PreviewSource =
  | { readonly kind: "file"; /** A path, or `-` for standard input. */ readonly path: string }
  | { readonly kind: "automation"; readonly stack: string; readonly workDir: string };

/** What one invocation asks for. */
export interface CliOptions {
  readonly source: PreviewSource;
  /** Write the Markdown here instead of standard output. */
  readonly out?: string;
}

/** A mistake on the command line; the message says what is wrong. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const USAGE = `Usage:
  model-service-review [PREVIEW.json | -] [--out REVIEW.md]
  model-service-review --stack STACK [--cwd PROJECT_DIR] [--out REVIEW.md]

Writes a Markdown review of a Pulumi preview of model-service stacks: per ModelService the model version,
digest and replicas before and after, the settings that change, the containers created, replaced or deleted
(on a Swarm: the api and proxy services, their tasks before and after, and whether they scale or roll) and in
what order, the rollout risk, and every other resource in a short list. Secret values are masked.

Input, one of:
  PREVIEW.json | -      the output of \`pulumi preview --json --show-sames\` (a file, or - for standard input;
                        standard input is also read when it is not a terminal and nothing else is given)
  --stack STACK         run the preview itself through the Pulumi Automation API on stack STACK
                        (fully qualified org/project/stack works too) of the project in --cwd
  --cwd DIR             the Pulumi project directory for --stack (default: the current directory)

Output:
  --out FILE            write the review to FILE (default: standard output)

Exit status: 0 no changes, 2 changes (the review lists them), 1 error (a failed preview: the review names
the error; or unusable input).`;

/** Parses the arguments after the program name; throws `UsageError`. `stdinIsTerminal` decides the default input. */
export function parseCliArguments(argv: readonly string[], cwd: string, stdinIsTerminal: boolean): CliOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        stack: { type: "string", short: "s" },
        cwd: { type: "string", short: "C" },
        out: { type: "string", short: "o" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    return "help";
  }
  if (positionals.length > 1) {
    throw new UsageError(`expected at most one preview file, got ${positionals.length}: ${positionals.join(" ")}`);
  }
  const out = values.out === undefined ? {} : { out: nonEmpty(values.out, "--out") };
  if (values.stack !== undefined) {
    if (positionals.length > 0) {
      throw new UsageError("give either a preview file or --stack, not both");
    }
    return { source: { kind: "automation", stack: nonEmpty(values.stack, "--stack"), workDir: values.cwd ?? cwd }, ...out };
  }
  if (values.cwd !== undefined) {
    throw new UsageError("--cwd only applies with --stack");
  }
  const path = positionals[0] ?? (stdinIsTerminal ? undefined : "-");
  if (path === undefined) {
    throw new UsageError("no preview given: pass a preview JSON file, pipe one to standard input, or use --stack");
  }
  return { source: { kind: "file", path }, ...out };
}

function nonEmpty(value: string, flag: string): string {
  if (value.trim() === "") {
    throw new UsageError(`${flag} needs a value`);
  }
  return value;
}
