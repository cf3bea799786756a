import { describe, expect, it } from "vitest";
import { isKnownSecret, maskKnownSecrets, secretMaskFromConfig } from "../../../review/secretMasking.js";

describe("secret masking", () => {
  const mask = secretMaskFromConfig({
    "model-service:replicas": { value: "2", secret: false },
    "model-service:environment": { value: '{"API_TOKEN":"tok-123456","SHORT":"ab","LEVEL":7}', secret: true },
    "model-service:registry": { value: '{"server":"r.example:5000","username":"ci","password":"hunter2hunter2"}', secret: true },
    "other:plain": { value: "visible-value" },
  });

  it("knows every secret config value and each leaf of a secret JSON value", () => {
    expect(mask.secrets).toContain("tok-123456");
    expect(mask.secrets).toContain("hunter2hunter2");
    expect(mask.secrets).toContain("ab");
    expect(mask.secrets).toContain("7");
    expect(mask.secrets).not.toContain("2");
    expect(mask.secrets).not.toContain("visible-value");
  });

  it("masks known secrets anywhere in a text, but short ones only as whole values", () => {
    const text = "token tok-123456 and url https://ci:hunter2hunter2@r.example, tab, 7 days, visible-value";
    expect(maskKnownSecrets(text, mask)).toBe("token [secret] and url https://ci:[secret]@r.example, tab, 7 days, visible-value");
    expect(isKnownSecret("ab", mask)).toBe(true);
    expect(isKnownSecret("abc", mask)).toBe(false);
  });

  it("masks the longest secret first, so a secret containing another is masked whole", () => {
    const nested = secretMaskFromConfig({ a: { value: "secret-long-value", secret: true }, b: { value: "long", secret: true } });
    expect(maskKnownSecrets("x secret-long-value y long", nested)).toBe("x [secret] y [secret]");
  });
});
