import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "${t}.${body}">`. */
export const SIGNATURE_HEADER = "Promptdeck-Signature";
/** The event id, the same on every attempt and redelivery of one event: receivers de-duplicate on it. */
export const EVENT_ID_HEADER = "Promptdeck-Event-Id";
export const EVENT_TYPE_HEADER = "Promptdeck-Event-Type";
/** This delivery (one event to one endpoint); a redelivery gets a new one. */
export const DELIVERY_ID_HEADER = "Promptdeck-Delivery-Id";
/** How many signatures older than this (seconds) a receiver should refuse; the verifier's default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new endpoint secret: "whsec_" and 32 random bytes, base64url. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

/** Hex HMAC-SHA256 of `${timestamp}.${body}` with the secret (the whole string, prefix included). */
export function computeSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/**
 * The signature header's value for a body sent at `timestamp` (unix seconds): one `v1=` per
 * secret, the current one first. During a rotation's grace window the endpoint has two valid
 * secrets (new, previous), so a receiver still holding the previous one keeps verifying
 * (`t=...,v1=<new>,v1=<previous>`, as Stripe does).
 */
export function signatureHeader(secrets: string | readonly string[], timestamp: number, body: string): string {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  return `t=${timestamp}${list.map((secret) => `,v1=${computeSignature(secret, timestamp, body)}`).join("")}`;
}

/** The secrets that sign a delivery at `now`: the current one, and the previous one while its grace window lasts. */
export function signingSecrets(endpoint: { secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null }, now: Date): string[] {
  const { secret, previousSecret, previousSecretExpiresAt } = endpoint;
  return previousSecret && previousSecretExpiresAt && previousSecretExpiresAt.getTime() > now.getTime() ? [secret, previousSecret] : [secret];
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Verifies a signature header against the raw body (the exact bytes received, before any JSON
 * parsing): a `v1` equal to the HMAC (compared in constant time) and a timestamp within
 * `toleranceSeconds` of now. Several `v1=` values are accepted (any one matching).
 */
export function verifyWebhookSignature(
  header: string | null | undefined,
  body: string,
  secret: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): VerifyResult {
  if (!header) return { ok: false, reason: "no signature header" };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === "v1" && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined) return { ok: false, reason: "no timestamp" };
  if (signatures.length === 0) return { ok: false, reason: "no v1 signature" };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: "timestamp outside the tolerance" };
  const expected = Buffer.from(computeSignature(secret, timestamp, body), "hex");
  const match = signatures.some((s) => {
    const given = Buffer.from(s, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true, timestamp } : { ok: false, reason: "signature mismatch" };
}
