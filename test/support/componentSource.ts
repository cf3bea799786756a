/**
 * What the TypeScript source says about ModelService, read with the TypeScript compiler API (syntax only, no
 * type checking): the fields of an args interface and the `pulumi.Output` properties of the component class,
 * each with its doc comment. Tests compare the component package's schema against this, so a field added in
 * TypeScript that the schema lacks, or lists with another type or doc, fails.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** Root of this repository. */
export const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** One declared field: its name, whether it is optional, its type as written and its doc comment. */
export interface DeclaredField {
  readonly name: string;
  readonly optional: boolean;
  readonly typeText: string;
  readonly doc: string;
}

function parse(relativePath: string): ts.SourceFile {
  const file = join(REPOSITORY_ROOT, relativePath);
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}

/** The doc comment of a declaration, as the Pulumi analyzer reads it (JSDoc text, lines joined by "\n"). */
function docOf(node: ts.Node): string {
  return ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "")
    .join("\n");
}

function fieldOf(member: ts.PropertySignature | ts.PropertyDeclaration, source: ts.SourceFile): DeclaredField {
  if (!ts.isIdentifier(member.name) || member.type === undefined) {
    throw new Error(`${source.fileName}: a field without a plain name or a type: ${member.getText(source)}`);
  }
  return {
    name: member.name.text,
    optional: member.questionToken !== undefined,
    typeText: member.type.getText(source),
    doc: docOf(member),
  };
}

/** The fields of `interface <name>` in the given file (relative to the repository root). */
export function interfaceFields(relativePath: string, name: string): DeclaredField[] {
  const source = parse(relativePath);
  const declaration = source.statements.find(
    (statement): statement is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(statement) && statement.name.text === name,
  );
  if (declaration === undefined) {
    throw new Error(`no interface ${name} in ${relativePath}`);
  }
  return declaration.members.filter(ts.isPropertySignature).map((member) => fieldOf(member, source));
}

/** The public `pulumi.Output<...>` properties of `class <name>` in the given file: the component's outputs. */
export function classOutputFields(relativePath: string, name: string): DeclaredField[] {
  const source = parse(relativePath);
  const declaration = source.statements.find(
    (statement): statement is ts.ClassDeclaration => ts.isClassDeclaration(statement) && statement.name?.text === name,
  );
  if (declaration === undefined) {
    throw new Error(`no class ${name} in ${relativePath}`);
  }
  const isPrivate = (member: ts.PropertyDeclaration) =>
    (ts.getCombinedModifierFlags(member) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0;
  return declaration.members
    .filter(ts.isPropertyDeclaration)
    .filter((member) => !isPrivate(member))
    .map((member) => fieldOf(member, source));
}
