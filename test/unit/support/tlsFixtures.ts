import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A self-signed certificate and its key, made with openssl for 127.0.0.1 and localhost. */
export interface TestCertificate {
  readonly certificate: string;
  readonly privateKey: string;
}

/** Makes a fresh EC P-256 self-signed certificate valid for `days` (openssl req -x509). */
export function makeTestCertificate(days = 2, commonName = "localhost"): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "ms-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", String(days),
        "-subj", `/CN=${commonName}`, "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
      ],
      { stdio: "ignore" },
    );
    return { certificate: readFileSync(join(dir, "cert.pem"), "utf8"), privateKey: readFileSync(join(dir, "key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
