import type { CallLogRow } from "@/lib/calls/record";

/**
 * One CallLog row as one line of JSON text (no newline), and back. The journal (journal.ts) stores
 * rows in this form, and the writer counts a row's size in its buffer by this text's length (the
 * byte bound of the buffer, `CallLogWriterOptions.maxBufferedBytes`).
 *
 * `costMicros` (BigInt) is written as a decimal string and `createdAt` as ISO-8601; JSON columns
 * are plain JSON already (record.ts#toJson). JSON.stringify escapes every control character, so a
 * line never contains "\n".
 */
export function encodeCallLogRow(row: CallLogRow): string {
  const plain = { ...row, costMicros: typeof row.costMicros === "bigint" ? row.costMicros.toString() : row.costMicros };
  try {
    return JSON.stringify(plain);
  } catch {
    // A hand-built row with a BigInt inside a JSON column.
    return JSON.stringify(plain, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  }
}

const STRING_OR_NULL = [
  "promptId",
  "versionId",
  "experimentId",
  "variantId",
  "errorType",
  "errorMessage",
  "stopReason",
  "refusalCategory",
  "fallbackUsed",
  "expectedOutput",
  "subjectHash",
] as const;
const NUMBERS = ["attempts", "inputTokens", "outputTokens", "cacheWriteTokens", "cacheWrite1hTokens", "cacheReadTokens", "latencyMs", "outputChars"] as const;

/**
 * A line written by `encodeCallLogRow`, or null when it is not one (a line torn by a crash in the
 * middle of a write, or garbage): the caller skips it.
 */
export function decodeCallLogRow(line: string): CallLogRow | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== "string" || typeof v.projectId !== "string" || typeof v.model !== "string" || typeof v.requestedModel !== "string") return null;
  if (typeof v.source !== "string" || typeof v.status !== "string" || typeof v.simulated !== "boolean" || typeof v.batch !== "boolean") return null;
  if (typeof v.costMicros !== "string" || !/^-?\d+$/.test(v.costMicros) || typeof v.createdAt !== "string") return null;
  for (const key of STRING_OR_NULL) if (v[key] !== null && typeof v[key] !== "string") return null;
  for (const key of NUMBERS) if (typeof v[key] !== "number") return null;
  for (const key of ["httpStatus", "ttftMs", "score"] as const) if (v[key] !== null && typeof v[key] !== "number") return null;
  // Routing columns came later: rows journaled before them have neither.
  for (const key of ["routedModel", "routingRule"] as const) if (v[key] !== undefined && v[key] !== null && typeof v[key] !== "string") return null;
  const createdAt = new Date(v.createdAt);
  if (Number.isNaN(createdAt.getTime()) || !("metadata" in v)) return null;
  return {
    ...(v as unknown as CallLogRow),
    costMicros: BigInt(v.costMicros),
    createdAt,
    request: (v.request ?? null) as CallLogRow["request"],
    response: (v.response ?? null) as CallLogRow["response"],
  };
}
