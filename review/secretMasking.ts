import { SECRET_VALUE } from "./previewDocument.js";

/**
 * The review's last line of defence for secrets. The engine already prints Pulumi secrets as `[secret]`
 * and the review masks values whose names say they are secret (`SECRET_NAME`); a program may still have
 * copied a secret config value into a plain input. When the plaintexts are known (the review ran the
 * preview itself and read the stack's config), every occurrence of them is masked in the whole review.
 */

/** Plaintext secrets shorter than this are masked only where a whole value equals them, not inside other text. */
export const MIN_MASKED_SUBSTRING_LENGTH = 4;

/** Known secret plaintexts. */
export interface SecretMask {
  readonly secrets: readonly string[];
}

/** The secret values of a stack's config (`stack.getAllConfig()`), JSON values split into their leaves too. */
export function secretMaskFromConfig(config: Readonly<Record<string, { readonly value: string; readonly secret?: boolean }>>): SecretMask {
  const secrets = new Set<string>();
  for (const entry of Object.values(config)) {
    if (entry.secret === true && entry.value !== "") {
      secrets.add(entry.value);
      for (const leaf of jsonLeaves(entry.value)) {
        secrets.add(leaf);
      }
    }
  }
  return { secrets: [...secrets].sort((a, b) => b.length - a.length) };
}

/** True when `value` is exactly one of the known secrets. */
export function isKnownSecret(value: string, mask: SecretMask): boolean {
  return mask.secrets.includes(value);
}

/** `text` with every known secret of at least `MIN_MASKED_SUBSTRING_LENGTH` characters replaced by `[secret]`. */
export function maskKnownSecrets(text: string, mask: SecretMask): string {
  let masked = text;
  for (const secret of mask.secrets) {
    if (secret.length >= MIN_MASKED_SUBSTRING_LENGTH) {
      masked = masked.split(secret).join(SECRET_VALUE);
    }
  }
  return masked;
}

/** A mask that knows no plaintext (the review read a preview file). */
export const NO_KNOWN_SECRETS: SecretMask = { secrets: [] };

function jsonLeaves(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const leaves: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (typeof value === "object" && value !== null) {
      Object.values(value).forEach(visit);
    } else if (value !== null && value !== undefined && String(value) !== "") {
      leaves.push(String(value));
    }
  };
  visit(parsed);
  return leaves;
}
