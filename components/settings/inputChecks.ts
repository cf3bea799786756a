/**
 * Checks of Args fields that take a `pulumi.Input`: a value known when the program runs is checked at once, with
 * the other fields (one `ModelServiceConfigError` listing every problem); an Output is checked when its value is
 * known, inside an apply, with the same messages, so the resource that consumes it fails and `pulumi up` names the
 * field. A preview with a value still unknown passes and shows it as unknown.
 */
import * as pulumi from "@pulumi/pulumi";
import { Checker } from "./checker.js";
import { ModelServiceConfigError } from "./configError.js";

/** True when `value` is known now: neither an Output nor a Promise. */
export function isKnownNow<T>(value: pulumi.Input<T> | undefined): value is T | undefined {
  return !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

/** What an apply-time check throws: the same error as construction, for the same service. */
export interface DeferredCheckContext {
  /** Names the service in the error, as construction does: `ModelService arguments for "<name>"`. */
  readonly subject: string;
}

/**
 * `value` checked by `check`: now into `now` when `value` is known, else in an apply that throws a
 * `ModelServiceConfigError` naming the field. Returns the value (an Output when it was one, keeping its secrecy).
 */
export function checkedInput<T>(
  now: Checker,
  value: pulumi.Input<T>,
  check: (checker: Checker, known: T) => void,
  context: DeferredCheckContext,
): pulumi.Input<T> {
  if (isKnownNow(value)) {
    check(now, value);
    return value;
  }
  const output: pulumi.Output<unknown> = pulumi.Output.isInstance(value) ? (value as pulumi.Output<unknown>) : pulumi.output(value as Promise<unknown>);
  return output.apply((known) => {
    const later = new Checker();
    check(later, known as T);
    if (later.problems.length > 0) {
      throw new ModelServiceConfigError(context.subject, later.problems);
    }
    return known;
  }) as pulumi.Output<T>;
}

/** True when `value` holds an Output or a Promise at any depth of its arrays and plain objects. */
export function containsOutputs(value: unknown): boolean {
  if (!isKnownNow(value)) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.some(containsOutputs);
  }
  return typeof value === "object" && value !== null && Object.values(value).some(containsOutputs);
}

/**
 * `output` marked secret or not secret. `pulumi.secret`/`pulumi.unsecret` replace an Output's secrecy promise and
 * never read the old one: when a check fails, that promise's rejection would go unobserved besides the one the
 * resource reports. It is observed here; the error still fails whatever takes the value.
 */
export function withSecrecy<T>(output: pulumi.Output<T>, secret: boolean): pulumi.Output<T> {
  (output as unknown as { readonly isSecret: Promise<boolean> }).isSecret.catch(() => undefined);
  return (secret ? pulumi.secret(output) : pulumi.unsecret(output)) as pulumi.Output<T>;
}

/** Shown instead of a value known only at apply time (it may be a secret). */
export const OUTPUT_VALUE = "(an output's value)";
