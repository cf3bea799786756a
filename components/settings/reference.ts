import type { FieldSpec } from "./fields.js";
import type { ResourceOptionSpec } from "./resourceOptions.js";

/**
 * docs/reference.md, rendered from the field table and the doc comments of the Args and of the component's outputs
 * (the same text every language's schema shows). Pure: the caller reads the doc comments from the source.
 */

/** A declared field or output and its doc comment. */
export interface DocumentedField {
  readonly name: string;
  readonly typeText: string;
  readonly doc: string;
  /** False for a member that must be given. */
  readonly optional?: boolean;
}

/** What the reference is made of. */
export interface ReferenceInput {
  /** The `ModelServiceArgs` fields with their doc comments, in declaration order. */
  readonly args: readonly DocumentedField[];
  /** The field table. */
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** For each object field (a dotted path for an object member, `candidate.gates`), its type's name and its members' doc comments. */
  readonly nested: Readonly<Record<string, { readonly typeName: string; readonly members: readonly DocumentedField[] }>>;
  /** The component's outputs with their doc comments. */
  readonly outputs: readonly DocumentedField[];
  /** The resource options table (resourceOptions.ts). */
  readonly options: Readonly<Record<string, ResourceOptionSpec>>;
}

const RUNTIMES: Readonly<Record<FieldSpec["runtime"], string>> = { both: "both", docker: "docker", swarm: "swarm" };

const code = (value: string | number | boolean): string => `\`${String(value)}\``;
const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");

function allowed(field: FieldSpec): string {
  if (field.values !== undefined) {
    return field.values.map(code).join(", ");
  }
  if (field.min !== undefined && field.max !== undefined) {
    return field.kind === "list" ? `${field.min} to ${field.max} items` : `${field.min} to ${field.max}`;
  }
  if (field.min !== undefined) {
    return field.kind === "list" ? `at least ${field.min} item` : `at least ${field.min}`;
  }
  return "";
}

function defaultOf(field: FieldSpec, optional: boolean): string {
  return field.default !== undefined ? code(field.default) : (field.derivedDefault ?? (optional ? "none" : "required"));
}

function row(name: string, declared: DocumentedField, field: FieldSpec): string {
  const typeText = declared.typeText;
  const notes = [field.kind === "integer" ? "integer" : "", field.secret === true ? "secret" : ""].filter((note) => note !== "");
  const type = notes.length === 0 ? cell(typeText) : `${cell(typeText)} (${notes.join(", ")})`;
  const takes = `${field.takes === "input" ? "`Input`" : "plain"}: ${field.because}`;
  return `| \`${name}\` | ${type} | ${cell(defaultOf(field, declared.optional !== false))} | ${cell(allowed(field))} | ${RUNTIMES[field.runtime]} | ${cell(takes)} |`;
}

const HEADER = ["| Field | Type | Default | Allowed | Runtime | Input or plain |", "|---|---|---|---|---|---|"];

/** The field at a dotted path such as `candidate.gates`. */
export function fieldAt(fields: Readonly<Record<string, FieldSpec>>, path: string): FieldSpec {
  const [first, ...rest] = path.split(".");
  return rest.reduce<FieldSpec>((field, name) => (field.members ?? {})[name], fields[first]);
}

/** The whole of docs/reference.md. */
export function renderReference(input: ReferenceInput): string {
  const lines = [
    "# ModelService reference",
    "",
    "<!-- Generated from components/settings/fields.ts and the doc comments of components/settings/args.ts and",
    "     components/modelService.ts by `npm run docs`; a unit test fails when this file is stale. -->",
    "",
    "Every setting of `ModelService`: as `ModelServiceArgs` fields in a program, as keys of the project's namespace in",
    "stack config (`pulumi config set model-service:replicas 3`, objects as JSON or with `--path`). Fields marked",
    "*secret* are kept encrypted in the state and shown as `(secret)` in messages. *Runtime* says where a field applies:",
    "validation refuses a field that the stack's runtime does not take. *Input or plain* says whether a program may pass",
    "another resource's output (`pulumi.Input`, checked when its value is known: an invalid one fails `pulumi up`,",
    "naming the field) or must pass a value known when the program runs (checked when the component is constructed),",
    "and why.",
    "",
    "## Args",
    "",
    ...HEADER,
    ...input.args.map((arg) => row(arg.name, arg, input.fields[arg.name])),
    "",
  ];
  for (const [name, nested] of Object.entries(input.nested)) {
    const members = fieldAt(input.fields, name).members ?? {};
    lines.push(`### \`${name}\` (${nested.typeName})`, "", ...HEADER);
    lines.push(...nested.members.map((member) => row(`${name}.${member.name}`, member, members[member.name])), "");
  }
  lines.push("## What each field does", "");
  for (const arg of input.args) {
    lines.push(`- **\`${arg.name}\`**: ${cell(arg.doc)}`);
    for (const member of input.nested[arg.name]?.members ?? []) {
      lines.push(`  - **\`${arg.name}.${member.name}\`**: ${cell(member.doc)}`);
      for (const inner of input.nested[`${arg.name}.${member.name}`]?.members ?? []) {
        lines.push(`    - **\`${arg.name}.${member.name}.${inner.name}\`**: ${cell(inner.doc)}`);
      }
    }
  }
  lines.push("", "## Outputs", "", "| Output | Type | Description |", "|---|---|---|");
  lines.push(...input.outputs.map((output) => `| \`${output.name}\` | ${cell(output.typeText)} | ${cell(output.doc)} |`), "");
  lines.push(
    "## Resource options",
    "",
    "What each Pulumi resource option given to a `ModelService` (`new ModelService(name, args, opts)`, YAML `options:`)",
    "means for its children: the images, network, containers or Swarm services, volumes and commands.",
    "",
    "| Option | Reaches | What it means |",
    "|---|---|---|",
    ...Object.entries(input.options).map(([name, option]) => `| \`${name}\` | ${option.reach} | ${cell(option.meaning)} |`),
    "",
  );
  return lines.join("\n");
}
