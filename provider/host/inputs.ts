import * as pulumi from "@pulumi/pulumi";
import { SECRET_ARG_NAMES } from "../../components/settings/fields.js";
import { ModelServiceConfigError, type ConfigProblem } from "../../components/settings/configError.js";

/**
 * How the component package (provider/, for YAML, Go and the other languages) hands a program's inputs to
 * `ModelService`. The engine delivers an input as an Output when it is a secret (YAML `secret: true` config,
 * Go `RequireSecret`) or depends on another resource; `ModelService` takes plain values and validates them
 * when it is constructed, so they are resolved here first:
 *  - secrets only where the component keeps them secret (`apiKeys`, `tls`, `registry.password`, which is
 *    handed on as a secret again); a secret anywhere else would end up in plain text in a container's
 *    settings, so it is refused, naming the field;
 *  - a value that is not known yet (during a preview, from a resource not created yet) is refused, naming
 *    the field: every setting must be known when the program runs.
 */
export async function plainModelServiceInputs(inputs: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const problems: ConfigProblem[] = [];
  const plain: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(inputs)) {
    const resolved = await resolveOutputs(value);
    plain[field] = resolved.value;
    if (!resolved.known) {
      problems.push({ field, value: "(not known yet)", allowed: "a value known when the program runs, not an output of a resource still to be created" });
    } else if (resolved.secret && !SECRET_INPUTS.has(field)) {
      problems.push({ field, value: "(secret)", allowed: `a plain value: only ${[...SECRET_INPUTS].join(", ")} are kept secret by ModelService` });
    }
  }
  if (problems.length > 0) {
    throw new ModelServiceConfigError("ModelService inputs", problems);
  }
  const registry = plain.registry;
  if (isRecord(registry) && registry.password !== undefined) {
    plain.registry = { ...registry, password: pulumi.secret(registry.password) };
  }
  return plain;
}

/** The inputs ModelService keeps secret itself. */
const SECRET_INPUTS: ReadonlySet<string> = new Set([...SECRET_ARG_NAMES, "registry"]);

/** What an Output holds; read through the SDK's internal promises, since a construct call may wait for them. */
interface OutputInternals {
  promise(withUnknowns?: boolean): Promise<unknown>;
  readonly isKnown: Promise<boolean>;
}

interface Resolved {
  readonly value: unknown;
  readonly known: boolean;
  readonly secret: boolean;
}

/** `value` with every Output in it (at any depth) replaced by its value, and whether any was unknown or secret. */
async function resolveOutputs(value: unknown): Promise<Resolved> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as unknown as OutputInternals;
    const [known, secret] = await Promise.all([output.isKnown, pulumi.isSecret(value)]);
    if (!known) {
      return { value: undefined, known: false, secret };
    }
    const inner = await resolveOutputs(await output.promise());
    return { value: inner.value, known: inner.known, secret: secret || inner.secret };
  }
  if (Array.isArray(value)) {
    return combine(await Promise.all(value.map(resolveOutputs)), (values) => values);
  }
  if (isRecord(value)) {
    const keys = Object.keys(value);
    return combine(await Promise.all(keys.map((key) => resolveOutputs(value[key]))), (values) =>
      Object.fromEntries(keys.map((key, index) => [key, values[index]])),
    );
  }
  return { value, known: !pulumi.isUnknown(value), secret: false };
}

function combine(parts: readonly Resolved[], build: (values: unknown[]) => unknown): Resolved {
  return {
    value: build(parts.map((part) => part.value)),
    known: parts.every((part) => part.known),
    secret: parts.some((part) => part.secret),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}
