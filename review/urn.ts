/**
 * Pulumi URNs: `urn:pulumi:<stack>::<project>::<parent types joined by $>$<type>::<name>`.
 */

/** The parts of one URN. */
export interface ParsedUrn {
  readonly stack: string;
  readonly project: string;
  /** Type tokens from the outermost parent's type to the resource's own. */
  readonly typeChain: readonly string[];
  readonly type: string;
  readonly name: string;
}

const URN_PREFIX = "urn:pulumi:";

/** Splits a URN into its parts; `undefined` when it is not a Pulumi URN. */
export function parseUrn(urn: string): ParsedUrn | undefined {
  if (!urn.startsWith(URN_PREFIX)) {
    return undefined;
  }
  const parts = urn.slice(URN_PREFIX.length).split("::");
  if (parts.length < 4) {
    return undefined;
  }
  const [stack, project, chain] = parts;
  const typeChain = chain.split("$");
  return { stack, project, typeChain, type: typeChain[typeChain.length - 1], name: parts.slice(3).join("::") };
}

/** The URN of the ancestor whose type is `typeChain[depth]`, named `name`. */
export function ancestorUrn(urn: ParsedUrn, depth: number, name: string): string {
  return `${URN_PREFIX}${urn.stack}::${urn.project}::${urn.typeChain.slice(0, depth + 1).join("$")}::${name}`;
}
