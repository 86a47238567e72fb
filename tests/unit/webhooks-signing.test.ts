// Webhook signatures: HMAC-SHA256 over "${timestamp}.${body}", the header format, and the
// verifier receivers copy from the README (tampered body, wrong secret, stale timestamp refused).
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { computeSignature, generateWebhookSecret, signatureHeader, signingSecrets, verifyWebhookSignature } from "@/lib/webhooks/signing";

describe("webhook signing", () => {
  const secret = "whsec_test_secret";
  const body = JSON.stringify({ id: "evt_1", type: "label.moved", data: { prompt: "support" } });

  it("signs HMAC-SHA256 of timestamp.body, hex, in t=...,v1=...", () => {
    const expected = createHmac("sha256", secret).update(`1700000000.${body}`).digest("hex");
    expect(computeSignature(secret, 1700000000, body)).toBe(expected);
    expect(signatureHeader(secret, 1700000000, body)).toBe(`t=1700000000,v1=${expected}`);
  });

  it("verifies a fresh signature and refuses tampering, another secret and old timestamps", () => {
    const now = 1700000100;
    const header = signatureHeader(secret, 1700000000, body);
    expect(verifyWebhookSignature(header, body, secret, { nowSeconds: now })).toEqual({ ok: true, timestamp: 1700000000 });
    expect(verifyWebhookSignature(header, body.replace("support", "support2"), secret, { nowSeconds: now })).toEqual({
      ok: false,
      reason: "signature mismatch",
    });
    expect(verifyWebhookSignature(header, body, "whsec_other", { nowSeconds: now })).toEqual({ ok: false, reason: "signature mismatch" });
    expect(verifyWebhookSignature(header, body, secret, { nowSeconds: 1700000000 + 301 })).toEqual({ ok: false, reason: "timestamp outside the tolerance" });
    expect(verifyWebhookSignature(undefined, body, secret).ok).toBe(false);
    expect(verifyWebhookSignature("t=abc,v1=zz", body, secret).ok).toBe(false);
    // A header with the timestamp changed no longer matches: the timestamp is signed.
    expect(verifyWebhookSignature(header.replace("t=1700000000", "t=1700000050"), body, secret, { nowSeconds: now }).ok).toBe(false);
  });

  it("accepts any one of several v1 values", () => {
    const header = `t=1700000000,v1=${"0".repeat(64)},v1=${computeSignature(secret, 1700000000, body)}`;
    expect(verifyWebhookSignature(header, body, secret, { nowSeconds: 1700000000 }).ok).toBe(true);
  });

  it("signs with every valid secret during a rotation's grace window (current first), and only the current one after it", () => {
    const previous = "whsec_previous";
    const header = signatureHeader([secret, previous], 1700000000, body);
    expect(header).toBe(`t=1700000000,v1=${computeSignature(secret, 1700000000, body)},v1=${computeSignature(previous, 1700000000, body)}`);
    for (const s of [secret, previous]) expect(verifyWebhookSignature(header, body, s, { nowSeconds: 1700000000 }).ok).toBe(true);
    const endpoint = { secret, previousSecret: previous, previousSecretExpiresAt: new Date(1_000_000) };
    expect(signingSecrets(endpoint, new Date(999_999))).toEqual([secret, previous]);
    expect(signingSecrets(endpoint, new Date(1_000_000))).toEqual([secret]);
    expect(signingSecrets({ secret, previousSecret: null, previousSecretExpiresAt: null }, new Date(0))).toEqual([secret]);
  });

  it("makes distinct, long secrets", () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
