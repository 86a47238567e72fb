import { stringify } from "csv-stringify/sync";
import { diffAuditValues, diffText } from "./diff";

type Cell = string | number | null | undefined;

/**
 * A cell a spreadsheet would not run as a formula: text starting with =, +, -, @, a tab or a
 * carriage return gets a leading apostrophe (OWASP's CSV-injection advice). Numbers are written
 * as they are.
 */
export function safeCsvCell(value: Cell): Cell {
  if (typeof value !== "string") return value;
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One CSV row (RFC 4180, CRLF, quoted when needed), every cell made safe with `safeCsvCell`. */
export function csvRow(cells: readonly Cell[]): string {
  return stringify([cells.map(safeCsvCell)], { record_delimiter: "\r\n", quoted_match: /[\r\n]/ });
}

export const AUDIT_CSV_HEADER = ["at", "actor", "action", "target_type", "target_id", "changes", "before", "after"] as const;

/** A JSON value as one cell (empty for none). */
function jsonCell(value: unknown): string {
  return value === null || value === undefined ? "" : JSON.stringify(value);
}

/**
 * The audit log as CSV, a header then one row per event (times in ISO 8601 UTC, the diff as
 * text lines, before/after as JSON), chunk by chunk from an async source: the export route
 * streams it, so a large log never sits in memory.
 */
export async function* auditCsvChunks(
  rows: AsyncIterable<{ at: Date; actor: string; action: string; targetType: string; targetId: string | null; before: unknown; after: unknown }>,
): AsyncGenerator<string> {
  yield csvRow(AUDIT_CSV_HEADER);
  for await (const r of rows) {
    yield csvRow([
      r.at.toISOString(),
      r.actor,
      r.action,
      r.targetType,
      r.targetId,
      diffText(diffAuditValues(r.before, r.after)),
      jsonCell(r.before),
      jsonCell(r.after),
    ]);
  }
}
