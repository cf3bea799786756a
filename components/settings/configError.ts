import { withoutStackFrames } from "./stacklessError.js";

/** One rejected setting: which field, the value it had, and what would have been accepted. */
export interface ConfigProblem {
  /** The Args field (or stack config key) that was rejected, e.g. `replicas` or `rateLimit.burst`. */
  readonly field: string;
  /** The rejected value exactly as it was given. */
  readonly value: unknown;
  /** What the field accepts, in words, e.g. `an integer from 1 to 32`. */
  readonly allowed: string;
}

/**
 * Thrown when `ModelService` arguments or stack config are invalid. It is thrown while the program
 * runs, before any resource is registered, so `pulumi preview` stops without touching anything.
 * Every problem found is listed, not just the first one.
 */
export class ModelServiceConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(subject: string, problems: readonly ConfigProblem[]) {
    super(
      `Invalid ${subject}:\n` +
        problems.map((p) => `  - ${p.field}: got ${describeValue(p.value)}; expected ${p.allowed}`).join("\n"),
    );
    this.name = "ModelServiceConfigError";
    this.problems = problems;
    withoutStackFrames(this);
  }

  /** The names of the rejected fields, in the order they were found. */
  get fields(): string[] {
    return this.problems.map((p) => p.field);
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) {
    return "nothing";
  }
  if (typeof value === "string") {
    return JSON.stringify(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
