/**
 * Optional API keys. Keys never leave the Pulumi program in plaintext: the api replicas get only a per-service salt
 * and the HMAC-SHA256 of each key under that salt (`API_KEY_SALT`, `API_KEY_DIGESTS`), and compare the HMAC of the
 * key a request presents (`Authorization: Bearer <key>` or `X-API-Key: <key>`) with them in constant time. So a
 * key does not appear in `docker inspect`, in the state's container inputs or in any file on disk. Pure: no I/O.
 *
 * The salt is derived from the service's identity, so an unchanged key list renders identical inputs (an empty
 * diff). That makes the digest a plain hash of a high-entropy secret, which is why keys must be long random tokens
 * (`openssl rand -hex 32`); validation refuses short ones.
 */
import { createHmac } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { sha256Hex } from "../images/contentHash.js";


/** Shortest and longest accepted key, and how many keys may be active at once (rotation overlaps two or three). */
export const API_KEY_MIN_LENGTH = 32;
export const API_KEY_MAX_LENGTH = 256;
/** RFC 6750 token68 characters, so a key travels unchanged in `Authorization: Bearer <key>`. */
const API_KEY_PATTERN = /^[A-Za-z0-9._~+/=-]+$/;

/** What validation keeps of the configured keys. */
export interface ApiKeysSpec {
  /** The keys, for the post-deploy smoke test only (passed to it as a Pulumi secret); Outputs are checked when known. */
  readonly keys: readonly pulumi.Input<string>[];
  /** Per-service salt (hex). */
  readonly salt: string;
  /** HMAC-SHA256(salt, key) of each key, hex, in the order given; an Output (not secret) for a key that is one. */
  readonly digests: readonly pulumi.Input<string>[];
}

/** The salt of one service: stable for the same project, stack and service, different between them. */
export function apiKeySalt(project: string, stack: string, service: string): string {
  return sha256Hex(`model-service/api-keys/v1/${project}/${stack}/${service}`).slice(0, 32);
}

/** HMAC-SHA256 of `key` under `salt`, hex; the api computes the same for the key a request presents. */
export function apiKeyDigest(salt: string, key: string): string {
  return createHmac("sha256", salt).update(key, "utf8").digest("hex");
}

/** Why `key` is not acceptable, or undefined when it is. Never repeats the key. */
export function apiKeyProblem(key: unknown): string | undefined {
  if (typeof key !== "string") {
    return "a string";
  }
  if (key.length < API_KEY_MIN_LENGTH || key.length > API_KEY_MAX_LENGTH) {
    return `${API_KEY_MIN_LENGTH} to ${API_KEY_MAX_LENGTH} characters (this one has ${key.length}); make one with: openssl rand -hex 32`;
  }
  if (!API_KEY_PATTERN.test(key)) {
    return "only letters, digits and . _ ~ + / = - (the characters of a bearer token)";
  }
  return undefined;
}

/** The spec of a validated, non-empty key list. */
export function apiKeysSpec(keys: readonly string[], salt: string): ApiKeysSpec {
  return { keys, salt, digests: keys.map((key) => apiKeyDigest(salt, key)) };
}
