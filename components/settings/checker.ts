import type { ConfigProblem } from "./configError.js";

/** Collects problems while returning usable fallbacks, so one pass reports every bad field. */
export class Checker {
  readonly problems: ConfigProblem[] = [];

  reject(field: string, value: unknown, allowed: string): void {
    this.problems.push({ field, value, allowed });
  }

  /** Rejects every key of `value` not in `known`, as `<field>.<key>`; `shown` replaces the values of secrets. */
  unknownFields(field: string, value: Record<string, unknown>, known: readonly string[], shown?: string): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.reject(`${field}.${key}`, shown ?? value[key], `no such field; known fields are ${known.join(", ")}`);
      }
    }
  }

  integer(field: string, value: unknown, min: number, max: number, fallback: number): number {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      this.reject(field, value, `an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  number(field: string, value: unknown, min: number, max: number, fallback: number): number {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
      this.reject(field, value, `a number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  matching(field: string, value: unknown, pattern: RegExp, allowed: string, fallback: string): string {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== "string" || !pattern.test(value)) {
      this.reject(field, value, allowed);
      return fallback;
    }
    return value;
  }

  /** Like `matching`, but the fallback (derived from the model directory) is checked too. */
  derived(field: string, value: unknown, pattern: RegExp, allowed: string, fallback: string): string {
    if (value === undefined && !pattern.test(fallback)) {
      this.reject(field, fallback, `${allowed} (derived from model.json or the model directory name; set ${field})`);
      return fallback;
    }
    return this.matching(field, value, pattern, allowed, fallback);
  }

  oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      this.reject(field, value, `one of ${allowed.join(", ")}`);
      return fallback;
    }
    return value as T;
  }

  boolean(field: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== "boolean") {
      this.reject(field, value, "true or false");
      return fallback;
    }
    return value;
  }

  /** A map of string values, returned as entries sorted by key so every rendering of it is stable. */
  stringMap(field: string, value: unknown): [string, string][] {
    if (value === undefined) {
      return [];
    }
    if (!isPlainObject(value)) {
      this.reject(field, value, "an object mapping names to string values");
      return [];
    }
    const entries: [string, string][] = [];
    for (const key of Object.keys(value).sort()) {
      const entryValue = value[key];
      if (typeof entryValue !== "string") {
        this.reject(`${field}.${key}`, entryValue, "a string");
      } else {
        entries.push([key, entryValue]);
      }
    }
    return entries;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A dotted-quad IPv4 address, each part 0 to 255: what validation and the nginx renderer accept as an address. */
export const IPV4_ADDRESS = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
