import { createHash } from "node:crypto";

/** The six PromptVersion columns that make up a version's content. */
export interface VersionContent {
  system: unknown;
  messages: unknown;
  variables: unknown;
  modelConfig: unknown;
  outputSchema: unknown;
  policy: unknown;
}

/**
 * Canonical JSON: object keys sorted recursively (by UTF-16 code unit order), no whitespace,
 * `undefined` object members dropped (as JSON.stringify does), `undefined` array items and
 * non-finite numbers written as `null`. Two values that are deep-equal as JSON give the same string.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "null";
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "bigint") return JSON.stringify(value.toString());
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const withToJson = record as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === "function") return canonicalJson(withToJson.toJSON());
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
      parts.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return "null";
}

/**
 * Content hash of a version: SHA-256 hex (64 lowercase chars) of the canonical JSON (keys sorted
 * recursively, see `canonicalJson`) of exactly `{ system, messages, variables, modelConfig,
 * outputSchema, policy }`. Key order and extra fields on `content` never change the hash; any
 * change of a value does. Missing `policy`/`outputSchema` are hashed as `null`.
 */
export function hashVersionContent(content: VersionContent): string {
  const canonical = canonicalJson({
    system: content.system ?? null,
    messages: content.messages ?? null,
    variables: content.variables ?? null,
    modelConfig: content.modelConfig ?? null,
    outputSchema: content.outputSchema ?? null,
    policy: content.policy ?? null,
  });
  return createHash("sha256").update(canonical).digest("hex");
}
