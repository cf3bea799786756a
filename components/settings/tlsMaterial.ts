/**
 * Checks of the TLS certificate and private key nginx serves. Pure: parses PEM text with node:crypto, no I/O.
 * Messages never repeat the private key.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/** A certificate chain and its key, PEM text, after validation (Outputs are checked when they are known). */
export interface TlsSpec {
  /** PEM certificate chain, leaf first. */
  readonly certificate: pulumi.Input<string>;
  /** PEM private key of the leaf certificate (PKCS#8, PKCS#1 or SEC1), unencrypted. */
  readonly privateKey: pulumi.Input<string>;
}

/** One problem with the TLS material: the field and what it should be. */
export interface TlsProblem {
  readonly field: "tls.certificate" | "tls.privateKey";
  readonly allowed: string;
}

/** Problems with `certificate` and `privateKey`; empty when nginx can serve them. `now` decides expiry. */
export function tlsMaterialProblems(certificate: unknown, privateKey: unknown, now: Date): TlsProblem[] {
  const problems: TlsProblem[] = [];
  const leaf = parseLeafCertificate(certificate);
  if (typeof leaf === "string") {
    problems.push({ field: "tls.certificate", allowed: leaf });
  } else if (new Date(leaf.validTo).getTime() <= now.getTime()) {
    problems.push({ field: "tls.certificate", allowed: `a certificate that has not expired (this one expired ${leaf.validTo})` });
  }
  const key = parsePrivateKey(privateKey);
  if (typeof key === "string") {
    problems.push({ field: "tls.privateKey", allowed: key });
  } else if (typeof leaf !== "string" && !leaf.checkPrivateKey(key)) {
    problems.push({ field: "tls.privateKey", allowed: "the private key of tls.certificate (this key does not match it)" });
  }
  return problems;
}

function parseLeafCertificate(certificate: unknown): X509Certificate | string {
  const allowed = "a PEM certificate chain (-----BEGIN CERTIFICATE----- ...), leaf first";
  if (typeof certificate !== "string" || !certificate.includes("-----BEGIN CERTIFICATE-----")) {
    return allowed;
  }
  try {
    return new X509Certificate(certificate);
  } catch {
    return `${allowed}; this one does not parse`;
  }
}

function parsePrivateKey(privateKey: unknown): ReturnType<typeof createPrivateKey> | string {
  const allowed = "an unencrypted PEM private key (-----BEGIN PRIVATE KEY----- ...)";
  if (typeof privateKey !== "string" || !/-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/.test(privateKey)) {
    return allowed;
  }
  try {
    return createPrivateKey({ key: privateKey, format: "pem" });
  } catch {
    return `${allowed}; this one does not parse (or needs a passphrase)`;
  }
}
