// The one canonical JSON of the codebase (lowest layer: imports nothing). Content hashes stored
// on every PromptVersion are SHA-256 of this text, so its output must never change; the compile
// cache of output schemas, the runner's cached-response key and the simulator's prompt-cache
// prefixes use it too. Kept in-house rather than a library such as safe-stable-stringify: that
// one agrees on JSON data but writes a BigInt as a bare number and returns undefined for
// undefined, and a hash function must not depend on a dependency's edge cases.

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
