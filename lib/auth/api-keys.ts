import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";

/** Every scope an API key can carry. */
export const API_KEY_SCOPES = [
  "prompts:read",
  "prompts:write",
  "prompts:run",
  "calls:write",
  "experiments:write",
  "metrics:read",
  // Datasets: read items; create datasets and add items.
  "datasets:read",
  "datasets:write",
  // Evaluations: start, follow and read eval runs (with prompts:read for the prompt).
  "evals:run",
  // Admin: may move protected labels (e.g. production) through the API.
  "admin",
] as const;
export const apiKeyScopeSchema = z.enum(API_KEY_SCOPES);
export type ApiKeyScope = z.infer<typeof apiKeyScopeSchema>;

export const API_KEY_PREFIX = "pd_";
/** Characters of the key kept in clear (`pd_` + 8) so people can tell keys apart. */
export const API_KEY_DISPLAY_PREFIX_LENGTH = 11;

/** Shape of a key: `pd_` then at least 16 letters, digits or underscores. */
export const apiKeySchema = z.string().regex(/^pd_[A-Za-z0-9_]{16,}$/, "Malformed API key");

/** SHA-256 of the full key as lowercase hex: the only form a key is stored in. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** The part of a key that is stored and shown in clear: its first 11 characters. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH);
}

export interface GeneratedApiKey {
  /** The full key; show it once, never store it. */
  key: string;
  prefix: string;
  hash: string;
}

/** A new random key (`pd_` + 32 base62 chars, ~190 bits) with its display prefix and hash. */
export function generateApiKey(): GeneratedApiKey {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const out: string[] = [];
  // Rejection sampling keeps every character uniform (256 is not a multiple of 62).
  while (out.length < 32) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && out.length < 32) out.push(alphabet[byte % 62] ?? "0");
    }
  }
  const key = `${API_KEY_PREFIX}${out.join("")}`;
  return { key, prefix: apiKeyDisplayPrefix(key), hash: hashApiKey(key) };
}
