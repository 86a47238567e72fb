import { Readable } from "node:stream";
import { parse as csvParser } from "csv-parse";
import { z } from "zod";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/audit/actor";
import type { Variables } from "@/lib/prompts/schemas";
import { itemContractProblems } from "./contract";
import { changeDataset, existingKeys, insertItemRows, INSERT_CHUNK, itemSizeProblem, newItemKey, type ItemRow, type NewVersion } from "./mutations";
import { datasetItemInputSchema, itemKeySchema, jsonValueProblem, MAX_TAGS, tagSchema, textProblem, MAX_VALUE_BYTES } from "./schemas";

/**
 * CSV and JSONL import: streamed (csv-parse; JSONL split line by line), each row mapped to an item
 * by a column mapping, checked (shape, encoding, size, NUL, an optional prompt contract), and
 * inserted in multi-row INSERTs inside the one transaction of the new version: any row error rolls
 * everything back, so nothing is half-imported. Memory holds one chunk of rows plus the set of keys.
 */

export const importFormatSchema = z.enum(["csv", "jsonl"]);
export type ImportFormat = z.infer<typeof importFormatSchema>;

const fieldName = z
  .string()
  .min(1, "a name may not be empty")
  .max(200)
  .refine((t) => !/[\u0000-\u001f\u007f]/.test(t), "a name may not contain control characters");

/** Where one column's value goes. */
export const columnTargetSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("variable"), name: fieldName }),
  /** Expected output: text as is, or parsed as JSON. */
  z.strictObject({ kind: z.literal("expected"), as: z.enum(["text", "json"]).default("text") }),
  z.strictObject({ kind: z.literal("metadata"), name: fieldName }),
  /** Tags separated by , ; or | (a JSON array in JSONL). */
  z.strictObject({ kind: z.literal("tags") }),
  /** The item's key (generated when empty). */
  z.strictObject({ kind: z.literal("key") }),
  z.strictObject({ kind: z.literal("ignore") }),
]);
export type ColumnTarget = z.output<typeof columnTargetSchema>;

export const importMappingSchema = z
  .record(z.string().max(200), columnTargetSchema)
  .refine((m) => Object.keys(m).length <= 500, "at most 500 columns")
  .refine((m) => Object.values(m).filter((t) => t.kind === "expected").length <= 1, "map at most one column to expected")
  .refine((m) => Object.values(m).filter((t) => t.kind === "key").length <= 1, "map at most one column to key")
  .refine((m) => Object.values(m).filter((t) => t.kind === "tags").length <= 1, "map at most one column to tags");
export type ImportMapping = z.output<typeof importMappingSchema>;

export interface RowError {
  /** CSV: the row number as a spreadsheet shows it (row 1 is the header); JSONL: the line number. */
  row: number;
  column: string | null;
  message: string;
}

/** Problems listed before an import stops reading (the file is refused either way). */
export const MAX_ROW_ERRORS = 200;
/** A CSV record (all its cells) may be at most this many characters: bounds memory per row. */
export const MAX_RECORD_CHARS = 20_000_000;

/** The suggested target of a column from its header name. */
export function suggestTarget(column: string): ColumnTarget {
  const name = column.trim();
  const lower = name.toLowerCase();
  if (["expected", "expected_output", "expected output", "output", "answer", "label", "ideal"].includes(lower)) return { kind: "expected", as: "text" };
  if (["tags", "tag"].includes(lower)) return { kind: "tags" };
  if (["key", "id", "item_key"].includes(lower)) return { kind: "key" };
  if (lower.startsWith("metadata.") && name.length > 9) return { kind: "metadata", name: name.slice(9) };
  if (lower.startsWith("meta.") && name.length > 5) return { kind: "metadata", name: name.slice(5) };
  if (lower.startsWith("variables.") && name.length > 10) return { kind: "variable", name: name.slice(10) };
  return { kind: "variable", name: name || "column" };
}

export function suggestMapping(columns: readonly string[]): ImportMapping {
  return Object.fromEntries(columns.map((c) => [c, suggestTarget(c)]));
}

type Source = AsyncIterable<Uint8Array | string>;

/** Bytes -> text. Bytes that are not UTF-8 become U+FFFD, reported per cell (see cellProblem). */
async function* decodeUtf8(source: Source): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });
  let first = true;
  for await (const chunk of source) {
    if (typeof chunk === "string") {
      yield chunk;
      continue;
    }
    if (first && chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
      throw new AppError("unprocessable", "The file is UTF-16; save it as UTF-8 (CSV UTF-8) and upload it again", {
        issues: [{ path: "file", message: "UTF-16 encoding" }],
      });
    }
    first = false;
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

const INVALID_UTF8 = "is not valid UTF-8 (the file has bytes in another encoding, e.g. Latin-1 or Windows-1252): save it as UTF-8";

/** A problem with one text cell, or null. */
function cellProblem(text: string): string | null {
  if (text.includes("\uFFFD")) return INVALID_UTF8;
  return textProblem(text, MAX_VALUE_BYTES);
}

type RawRecord =
  | { kind: "header"; columns: string[] }
  | { kind: "cells"; row: number; values: Record<string, unknown> }
  | { kind: "structured"; row: number; value: Record<string, unknown> }
  | { kind: "error"; row: number; column: string | null; message: string };

/** CSV records: a header row, then one record per row (cells by header name), or row errors. */
async function* readCsv(source: Source, options: { truncated?: boolean }): AsyncGenerator<RawRecord> {
  const parser = csvParser({
    bom: true,
    record_delimiter: ["\r\n", "\n", "\r"],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  const input = Readable.from(decodeUtf8(source), { objectMode: false, encoding: "utf8" });
  input.on("error", (error) => parser.destroy(error));
  input.pipe(parser);
  let header: string[] | null = null;
  let row = 1;
  let pending: RawRecord | null = null;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = cells.map((c) => c.trim());
        const problems: RawRecord[] = [];
        const seen = new Set<string>();
        header.forEach((name, i) => {
          const problem = name === "" ? "has an empty name" : seen.has(name) ? "appears twice" : cellProblem(name);
          if (problem) problems.push({ kind: "error", row: 1, column: name || `column ${i + 1}`, message: `header ${problem}` });
          seen.add(name);
        });
        if (problems.length > 0) {
          yield* problems;
          return;
        }
        yield { kind: "header", columns: header };
        continue;
      }
      row++;
      if (pending) yield pending;
      if (cells.length !== header.length) {
        pending = {
          kind: "error",
          row,
          column: null,
          message: `has ${cells.length} cell${cells.length === 1 ? "" : "s"}; the header has ${header.length} columns`,
        };
        continue;
      }
      const values: Record<string, unknown> = {};
      let problem: RawRecord | null = null;
      header.forEach((name, i) => {
        const cell = cells[i] ?? "";
        const p = problem ? null : cellProblem(cell);
        if (p) problem = { kind: "error", row, column: name, message: p };
        values[name] = cell;
      });
      pending = problem ?? { kind: "cells", row, values };
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    // With a truncated preview slice the last record may be cut: not the file's fault.
    if (options.truncated && row > 1) {
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    // csv-parse's context counts the records read (header included); buffered records may not have reached us yet.
    const records = (error as { records?: unknown }).records;
    const failedRow = typeof records === "number" && records + 1 > row ? records + 1 : row + 1;
    yield { kind: "error", row: failedRow, column: null, message: `is not valid CSV: ${message.replace(/^Invalid (Opening|Closing) Quote: /, "")}` };
    return;
  } finally {
    input.destroy();
  }
  // The last record of a truncated slice may be incomplete: leave it out of the preview.
  if (pending && !options.truncated) yield pending;
  if (!header)
    throw new AppError("unprocessable", "The file is empty: a CSV needs a header row and at least one data row", {
      issues: [{ path: "file", message: "empty" }],
    });
}

const STRUCTURED_KEYS = new Set(["key", "variables", "expected", "metadata", "tags", "sourceCallId"]);

/** JSONL records: one JSON object per line. `{"variables": {...}, ...}` lines are items as they are; flat objects go through the mapping. */
async function* readJsonl(source: Source, options: { truncated?: boolean }): AsyncGenerator<RawRecord> {
  let buffer = "";
  let line = 0;
  let headerSent = false;
  const parseLine = (text: string): RawRecord | null => {
    line++;
    const trimmed = text.trim();
    if (!trimmed) return null;
    if (trimmed.length > MAX_RECORD_CHARS)
      return {
        kind: "error",
        row: line,
        column: null,
        message: `is ${trimmed.length.toLocaleString("en-US")} characters; a line may be at most ${MAX_RECORD_CHARS.toLocaleString("en-US")}`,
      };
    if (trimmed.includes("\uFFFD")) return { kind: "error", row: line, column: null, message: INVALID_UTF8 };
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      return { kind: "error", row: line, column: null, message: "is not valid JSON" };
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return { kind: "error", row: line, column: null, message: "must be a JSON object" };
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (typeof record.variables === "object" && record.variables !== null && !Array.isArray(record.variables) && keys.every((k) => STRUCTURED_KEYS.has(k))) {
      return { kind: "structured", row: line, value: record };
    }
    return { kind: "cells", row: line, values: record };
  };
  for await (const text of decodeUtf8(source)) {
    buffer += text;
    if (buffer.length > MAX_RECORD_CHARS && !buffer.includes("\n")) {
      yield { kind: "error", row: line + 1, column: null, message: `is longer than ${MAX_RECORD_CHARS.toLocaleString("en-US")} characters` };
      return;
    }
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const record = parseLine(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      if (!record) continue;
      if (!headerSent) {
        headerSent = true;
        yield { kind: "header", columns: record.kind === "cells" ? Object.keys(record.values) : [] };
      }
      yield record;
    }
  }
  if (!options.truncated) {
    const record = parseLine(buffer);
    if (record) {
      if (!headerSent) {
        headerSent = true;
        yield { kind: "header", columns: record.kind === "cells" ? Object.keys(record.values) : [] };
      }
      yield record;
    }
  }
  if (!headerSent && !options.truncated)
    throw new AppError("unprocessable", "The file is empty: a JSONL file needs at least one line", { issues: [{ path: "file", message: "empty" }] });
}

function readRecords(source: Source, format: ImportFormat, options: { truncated?: boolean } = {}): AsyncGenerator<RawRecord> {
  return format === "csv" ? readCsv(source, options) : readJsonl(source, options);
}

export interface ImportPreview {
  format: ImportFormat;
  /** JSONL lines that are items already ({"variables": ...}): no mapping needed. */
  structured: boolean;
  columns: Array<{ name: string; suggested: ColumnTarget; samples: string[] }>;
  rows: Array<{ row: number; values: Record<string, unknown> }>;
  errors: RowError[];
}

function sampleText(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * The first `limit` rows of a file and its detected columns with suggested targets, for the
 * mapping step. `truncated`: the source is the head of a larger file (its last row may be cut).
 */
export async function previewImport(source: Source, format: ImportFormat, options: { limit?: number; truncated?: boolean } = {}): Promise<ImportPreview> {
  const limit = Math.min(100, Math.max(1, options.limit ?? 20));
  const preview: ImportPreview = { format, structured: false, columns: [], rows: [], errors: [] };
  const columns: string[] = [];
  const samples = new Map<string, string[]>();
  const addColumn = (name: string) => {
    if (!samples.has(name)) {
      columns.push(name);
      samples.set(name, []);
    }
  };
  for await (const record of readRecords(source, format, { truncated: options.truncated })) {
    if (record.kind === "header") record.columns.forEach(addColumn);
    else if (record.kind === "error") preview.errors.push({ row: record.row, column: record.column, message: record.message });
    else {
      const values = record.kind === "structured" ? record.value : record.values;
      if (record.kind === "structured") preview.structured = true;
      else
        for (const [name, value] of Object.entries(values)) {
          addColumn(name);
          const list = samples.get(name)!;
          if (list.length < 3 && value !== "" && value !== null && value !== undefined) list.push(sampleText(value));
        }
      preview.rows.push({ row: record.row, values });
    }
    if (preview.rows.length + preview.errors.length >= limit) break;
  }
  preview.columns = preview.structured ? [] : columns.map((name) => ({ name, suggested: suggestTarget(name), samples: samples.get(name) ?? [] }));
  return preview;
}

export interface ImportOptions {
  format: ImportFormat;
  /** Column -> target; columns not named are suggested from their header (suggestTarget). */
  mapping?: ImportMapping;
  /** "append" adds the rows; "replace" makes them the version's only items. */
  mode?: "append" | "replace";
  /** Check (and type) variables against this contract: "3" becomes 3 for a number variable. */
  contract?: { promptName: string; version: string; variables: Variables };
  /** Shown in the version note ("imported tickets.csv: 200 items"). */
  fileName?: string;
}

export interface ImportResult extends NewVersion {
  rows: number;
}

/** Typed value of a text cell for a declared variable type; undefined = absent (an empty cell of a non-string variable). */
function coerceCell(value: unknown, def: Variables[string] | undefined): unknown {
  if (typeof value !== "string" || !def) return value;
  switch (def.type) {
    case "number": {
      if (value.trim() === "") return undefined;
      const n = Number(value);
      return Number.isFinite(n) ? n : value;
    }
    case "boolean":
      if (value.trim() === "") return undefined;
      return value.trim().toLowerCase() === "true" ? true : value.trim().toLowerCase() === "false" ? false : value;
    case "json":
      if (value.trim() === "") return undefined;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    default:
      return value;
  }
}

/**
 * One record -> one item row (without its ordinal), or the row's problems. `keys` is the set of
 * keys seen so far in the file (duplicates are errors).
 */
function toItem(
  record: Extract<RawRecord, { kind: "cells" | "structured" }>,
  mapping: ImportMapping,
  contract: ImportOptions["contract"],
): { item?: Omit<ItemRow, "ordinal">; errors: RowError[] } {
  const errors: RowError[] = [];
  const row = record.row;
  const variableColumn = new Map<string, string>();
  let item: Omit<ItemRow, "ordinal">;
  if (record.kind === "structured") {
    const parsed = datasetItemInputSchema.safeParse(record.value);
    if (!parsed.success) {
      return { errors: parsed.error.issues.slice(0, 5).map((i) => ({ row, column: i.path.map(String).join(".") || null, message: i.message })) };
    }
    const d = parsed.data;
    item = {
      key: d.key ?? "",
      variables: d.variables,
      expected: d.expected ?? null,
      metadata: d.metadata,
      tags: [...new Set(d.tags)],
      sourceCallId: d.sourceCallId ?? null,
    };
    for (const name of Object.keys(d.variables)) variableColumn.set(name, `variables.${name}`);
  } else {
    item = { key: "", variables: {}, expected: null, metadata: {}, tags: [], sourceCallId: null };
    for (const [column, value] of Object.entries(record.values)) {
      const target = mapping[column] ?? suggestTarget(column);
      const problem = typeof value === "string" ? null : jsonValueProblem(value, column);
      if (problem) {
        errors.push({ row, column, message: problem.message });
        continue;
      }
      switch (target.kind) {
        case "ignore":
          break;
        case "variable":
          variableColumn.set(target.name, column);
          item.variables[target.name] = value;
          break;
        case "metadata":
          if (value !== "") item.metadata[target.name] = value;
          break;
        case "expected":
          if (value === "" || value === null || value === undefined) break;
          if (target.as === "json" && typeof value === "string") {
            try {
              item.expected = JSON.parse(value) as unknown;
            } catch {
              errors.push({ row, column, message: "is not valid JSON (the column is mapped to expected JSON)" });
            }
          } else item.expected = value;
          break;
        case "tags": {
          const list = typeof value === "string" ? value.split(/[,;|]/) : Array.isArray(value) ? value : [value];
          for (const tag of list) {
            const parsed = tagSchema.safeParse(typeof tag === "string" ? tag : String(tag));
            if (parsed.success) item.tags.push(parsed.data);
            else if (typeof tag !== "string" || tag.trim() !== "")
              errors.push({ row, column, message: `tag ${parsed.error.issues[0]?.message ?? "is invalid"}` });
          }
          item.tags = [...new Set(item.tags)];
          if (item.tags.length > MAX_TAGS) errors.push({ row, column, message: `has ${item.tags.length} tags; at most ${MAX_TAGS}` });
          break;
        }
        case "key": {
          if (value === "" || value === null || value === undefined) break;
          const parsed = itemKeySchema.safeParse(typeof value === "string" ? value.trim() : String(value));
          if (parsed.success) item.key = parsed.data;
          else errors.push({ row, column, message: parsed.error.issues[0]?.message ?? "invalid key" });
          break;
        }
      }
    }
  }
  if (contract) {
    for (const [name, value] of Object.entries(item.variables)) {
      const typed = coerceCell(value, contract.variables[name]);
      if (typed === undefined) delete item.variables[name];
      else item.variables[name] = typed;
    }
    for (const p of itemContractProblems(item.variables, contract.variables)) {
      errors.push({ row, column: variableColumn.get(p.variable) ?? p.variable, message: `${p.message} (${contract.promptName} ${contract.version})` });
    }
  }
  const size = itemSizeProblem(item);
  if (size) errors.push({ row, column: null, message: size });
  return errors.length > 0 ? { errors } : { item, errors };
}

function rowErrorMessage(e: RowError): string {
  return `row ${e.row}${e.column ? `, column "${e.column}"` : ""}: ${e.message}`;
}

/**
 * Imports a CSV or JSONL stream into a dataset as one new version, all or nothing. Every row
 * problem is collected (up to MAX_ROW_ERRORS, then reading stops) and thrown together as
 * AppError("unprocessable") with `details.rowErrors` ({ row, column, message }) and one issue per
 * problem (`path: rows.<row>.<column>`). EDITOR+.
 */
export async function importItems(datasetId: string, source: Source, options: ImportOptions, actor: Actor): Promise<ImportResult> {
  const mapping = options.mapping ?? {};
  let rows = 0;
  const result = await changeDataset(
    datasetId,
    actor,
    async (tx, state) => {
      const errors: RowError[] = [];
      const keys = new Set<string>();
      let removed = 0;
      if (options.mode === "replace") {
        removed = await tx.$executeRaw`UPDATE "DatasetItem" SET "toVersion" = ${state.version} WHERE "datasetId" = ${datasetId} AND "toVersion" IS NULL`;
      }
      let batch: Array<ItemRow & { row: number; keyColumn: boolean }> = [];
      let ordinal = state.nextOrdinal;
      const flush = async () => {
        const given = batch.filter((r) => r.keyColumn).map((r) => r.key);
        if (options.mode !== "replace" && given.length > 0) {
          const taken = await existingKeys(tx, datasetId, given);
          for (const r of batch)
            if (r.keyColumn && taken.has(r.key)) errors.push({ row: r.row, column: "key", message: `key "${r.key}" already exists in this dataset` });
        }
        if (errors.length === 0) await insertItemRows(tx, datasetId, state.version, batch);
        batch = [];
      };
      for await (const record of readRecords(source, options.format)) {
        if (record.kind === "header") continue;
        rows++;
        if (record.kind === "error") errors.push({ row: record.row, column: record.column, message: record.message });
        else {
          const { item, errors: found } = toItem(record, mapping, options.contract);
          errors.push(...found);
          if (item) {
            const keyColumn = item.key !== "";
            const key = keyColumn ? item.key : newItemKey();
            if (keys.has(key)) errors.push({ row: record.row, column: "key", message: `key "${key}" appears more than once in the file` });
            keys.add(key);
            batch.push({ ...item, key, ordinal: ordinal++, row: record.row, keyColumn });
          }
        }
        if (errors.length >= MAX_ROW_ERRORS) break;
        if (batch.length >= INSERT_CHUNK) await flush();
      }
      if (batch.length > 0) await flush();
      if (errors.length > 0) {
        const stopped = errors.length >= MAX_ROW_ERRORS ? ` (stopped reading after ${MAX_ROW_ERRORS} problems)` : "";
        throw new AppError(
          "unprocessable",
          `Nothing was imported: ${errors.length} problem${errors.length === 1 ? "" : "s"}${stopped}. First: ${rowErrorMessage(errors[0]!)}`,
          {
            issues: errors.map((e) => ({ path: `rows.${e.row}${e.column ? `.${e.column}` : ""}`, message: rowErrorMessage(e) })),
            details: { rowErrors: errors, rowsRead: rows },
          },
        );
      }
      if (rows === 0)
        throw new AppError("unprocessable", "The file has no data rows: nothing was imported", { issues: [{ path: "file", message: "no rows" }] });
      const added = ordinal - state.nextOrdinal;
      const what = options.fileName ? `imported ${options.fileName.slice(0, 200)}` : `imported ${options.format.toUpperCase()}`;
      return {
        added,
        removed,
        note: `${what}: ${added.toLocaleString("en-US")} item${added === 1 ? "" : "s"}${removed > 0 ? ` (replacing ${removed.toLocaleString("en-US")})` : ""}`,
        audit: {
          action: "dataset.import",
          after: { format: options.format, rows: added, mode: options.mode ?? "append", ...(options.fileName ? { file: options.fileName.slice(0, 200) } : {}) },
        },
      };
    },
    { long: true },
  );
  // Fresh planner statistics after a big import, so paging picks the keyset index at once.
  if (result.added >= 10_000) await getDb().$executeRaw`ANALYZE "DatasetItem"`;
  return { ...result, rows };
}

/** A whole text as a source (the JSON API's `content`, tests). */
export async function* textSource(text: string): AsyncGenerator<string> {
  // Slices keep the parser's input chunks small, as a network stream would be.
  const size = 64 * 1024;
  for (let i = 0; i < text.length;) {
    let end = Math.min(text.length, i + size);
    // Never split a surrogate pair: half of one would become U+FFFD on the way to bytes.
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end++;
    yield text.slice(i, end);
    i = end;
  }
}

/** The import body of `POST /api/v1/datasets/{name}/items`: a whole CSV or JSONL file as text. */
export const importRequestSchema = z.strictObject({
  format: importFormatSchema,
  content: z
    .string()
    .min(1, "content is empty")
    .max(64 * 1024 * 1024, "content is larger than 64 MB: upload the file in the dashboard"),
  mapping: importMappingSchema.optional(),
  mode: z.enum(["append", "replace"]).default("append"),
  /** Check (and type) variables against this prompt's contract (production, else latest, else draft; or `version`). */
  prompt: z.strictObject({ name: z.string().min(1).max(128), version: z.string().min(1).max(64).optional() }).optional(),
  fileName: z.string().max(200).optional(),
});
export type ImportRequest = z.output<typeof importRequestSchema>;
