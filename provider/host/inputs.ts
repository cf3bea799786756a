import * as pulumi from "@pulumi/pulumi";
import { MODEL_SERVICE_FIELDS, type FieldSpec } from "../../components/settings/fields.js";
import { ModelServiceConfigError, type ConfigProblem } from "../../components/settings/configError.js";

/**
 * How the component package (provider/, for YAML, Go and the other languages) hands a program's inputs to
 * `ModelService`. The engine delivers a value as an Output when it is a secret (YAML `secret: true` config, Go
 * `RequireSecret`) or depends on another resource, at the top of a field or nested in it. The field table says
 * which fields take a `pulumi.Input` (`takes: "input"`):
 *  - an Input field, or an Input member of an object (`tls.certificate`, `registry.password`), gets its Output as
 *    is, also one not known yet (a preview): ModelService checks it when it is known and keeps a secret secret;
 *  - `apiKeys`, `environment` and `labels` take an Input per key or entry: their list or map must be known (its
 *    length and names decide settings), a secret list or map is handed on entry by entry as secrets;
 *  - a plain field (or plain member) is resolved to its value: one not known yet is refused, naming the field,
 *    since it decides resources or the proxy's config when the component is constructed; a secret is refused too,
 *    since a plain field would store it in plain text.
 */
export async function modelServiceInputs(inputs: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const problems: ConfigProblem[] = [];
  const result: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(inputs)) {
    result[field] = await fieldInput(field, value, fieldOf(MODEL_SERVICE_FIELDS, field), problems);
  }
  if (problems.length > 0) {
    throw new ModelServiceConfigError("ModelService inputs", problems);
  }
  return result;
}

/** The fields that take an Input per item of a list or entry of a map, whose list or map itself must be known. */
const PER_ITEM_INPUTS: ReadonlySet<string> = new Set(["apiKeys", "environment", "labels"]);

async function fieldInput(field: string, value: unknown, spec: FieldSpec | undefined, problems: ConfigProblem[]): Promise<unknown> {
  if (spec?.takes === "input" && !PER_ITEM_INPUTS.has(field)) {
    return value;
  }
  if (spec === undefined || (spec.takes === "plain" && spec.members === undefined)) {
    return plainValue(field, value, problems);
  }
  const outer = await topLevel(field, value, spec, problems);
  if (outer === undefined) {
    return undefined;
  }
  const keepSecret = (item: unknown): unknown => (outer.secret ? pulumi.secret(item) : item);
  if (PER_ITEM_INPUTS.has(field)) {
    if (Array.isArray(outer.value)) {
      return outer.value.map(keepSecret);
    }
    return isRecord(outer.value) ? mapValues(outer.value, keepSecret) : outer.value;
  }
  // An object of plain and Input members (tls, registry, rateLimit, ...).
  if (!isRecord(outer.value)) {
    return outer.value;
  }
  const members: Record<string, unknown> = {};
  for (const [member, memberValue] of Object.entries(outer.value)) {
    const memberSpec = fieldOf(spec.members ?? {}, member);
    members[member] =
      memberSpec?.takes === "input"
        ? keepSecret(memberValue)
        : outer.secret
          ? refuseSecret(`${field}.${member}`, problems)
          : await plainValue(`${field}.${member}`, memberValue, problems);
  }
  return members;
}

/** The value of a list, map or object field whose own shape must be known, and whether it was a secret as a whole. */
async function topLevel(field: string, value: unknown, spec: FieldSpec, problems: ConfigProblem[]): Promise<{ value: unknown; secret: boolean } | undefined> {
  if (!pulumi.Output.isInstance(value)) {
    return { value, secret: false };
  }
  const output = value as unknown as OutputInternals;
  const [known, secret] = await Promise.all([output.isKnown, pulumi.isSecret(value)]);
  if (!known) {
    const shape = spec.kind === "list" ? "list" : spec.kind === "map" ? "map" : "object";
    problems.push({ field, value: NOT_KNOWN, allowed: `a ${shape} known when the program runs (its members may be outputs not known yet)` });
    return undefined;
  }
  return { value: await output.promise(), secret };
}

/** A plain field's value with every Output in it resolved; refused when not known yet or a secret. */
async function plainValue(field: string, value: unknown, problems: ConfigProblem[]): Promise<unknown> {
  const resolved = await resolveOutputs(value);
  if (!resolved.known) {
    problems.push({ field, value: NOT_KNOWN, allowed: "a value known when the program runs, not an output of a resource still to be created" });
  } else if (resolved.secret) {
    return refuseSecret(field, problems);
  }
  return resolved.value;
}

function refuseSecret(field: string, problems: ConfigProblem[]): undefined {
  problems.push({ field, value: "(secret)", allowed: `a plain value: only ${INPUT_FIELD_NAMES.join(", ")} take a secret and keep it secret` });
  return undefined;
}

const NOT_KNOWN = "(not known yet)";

/** The fields and members that take an Input, as messages name them. */
const INPUT_FIELD_NAMES: readonly string[] = Object.entries(MODEL_SERVICE_FIELDS as Readonly<Record<string, FieldSpec>>).flatMap(([name, spec]) =>
  spec.takes === "input"
    ? [name]
    : Object.entries(spec.members ?? {})
        .filter(([, member]) => member.takes === "input")
        .map(([member]) => `${name}.${member}`),
);

function fieldOf(fields: Readonly<Record<string, FieldSpec>>, name: string): FieldSpec | undefined {
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

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

function mapValues(record: Record<string, unknown>, map: (value: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}
