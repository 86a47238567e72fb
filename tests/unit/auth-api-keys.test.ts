import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { apiKeyDisplayPrefix, apiKeySchema, generateApiKey, hashApiKey } from "@/lib/auth/api-keys";

describe("API keys", () => {
  it("hashes with SHA-256 hex", () => {
    const key = "pd_demo_0000000000000000000000000000";
    expect(hashApiKey(key)).toBe(createHash("sha256").update(key).digest("hex"));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(`${key}1`)).not.toBe(hashApiKey(key));
  });

  it("keeps the first 11 characters as the display prefix", () => {
    expect(apiKeyDisplayPrefix("pd_demo_0000000000000000000000000000")).toBe("pd_demo_000");
  });

  it("generates well-formed, unique keys whose prefix and hash match", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { key, prefix, hash } = generateApiKey();
      expect(key).toMatch(/^pd_[A-Za-z0-9]{32}$/);
      expect(apiKeySchema.safeParse(key).success).toBe(true);
      expect(prefix).toBe(key.slice(0, 11));
      expect(hash).toBe(hashApiKey(key));
      seen.add(key);
    }
    expect(seen.size).toBe(200);
  });

  it("rejects malformed keys", () => {
    for (const bad of ["", "pd_short", "sk_0000000000000000000000", "pd_0000000000000000-000"]) {
      expect(apiKeySchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});
