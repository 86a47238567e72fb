import { z } from "zod";
import { queryIntSchema } from "@/lib/errors/query-int";

/**
 * Input shapes of the datasets domain, parsed at every edge (API, server actions, import rows).
 * Limits are generous for real test cases and keep one item (and one page of them) bounded.
 */

/** Dataset names: letter or digit first, then up to 99 of `A-Z a-z 0-9 . _ -` (they appear in URLs). */
export const DATASET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const datasetNameSchema = z.string().regex(DATASET_NAME_PATTERN, "a dataset name starts with a letter or digit and has up to 100 of A-Z a-z 0-9 . _ -");

/** Text of one value (a CSV cell, a variable string) may be at most this many UTF-8 bytes. */
export const MAX_VALUE_BYTES = 1_000_000;
/** One item's JSON (variables + expected + metadata + tags) may be at most this many bytes. */
export const MAX_ITEM_BYTES = 2_000_000;
/** JSON values inside an item nest at most this deep. */
export const MAX_ITEM_DEPTH = 20;
/** Items in one JSON request (an import streams any number). */
export const MAX_ITEMS_PER_REQUEST = 10_000;
export const MAX_TAGS = 50;

/** UTF-8 byte length without Buffer (this module also runs in the browser, in the item forms). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A problem with a text (NUL, broken Unicode, too long) or null. */
export function textProblem(text: string, maxBytes = MAX_VALUE_BYTES): string | null {
  if (text.includes("\u0000")) return "contains a NUL character (\\u0000), which cannot be stored";
  if (LONE_SURROGATE.test(text)) return "is not valid Unicode text (unpaired surrogate)";
  if (text.length > maxBytes / 3 && utf8Length(text) > maxBytes) {
    return `is ${utf8Length(text).toLocaleString("en-US")} bytes; a value may be at most ${maxBytes.toLocaleString("en-US")} bytes`;
  }
  return null;
}

/**
 * The first problem in a JSON-like value (NUL text, broken Unicode, a value over MAX_VALUE_BYTES,
 * nesting deeper than MAX_ITEM_DEPTH, a non-finite number, a non-JSON value) with its path, or null.
 * Iterative, so hostile nesting cannot overflow the stack.
 */
export function jsonValueProblem(value: unknown, basePath: string): { path: string; message: string } | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: basePath, depth: 0 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === "string") {
      const problem = textProblem(v);
      if (problem) return { path, message: problem };
    } else if (typeof v === "number") {
      if (!Number.isFinite(v)) return { path, message: "must be a finite number" };
    } else if (v === null || typeof v === "boolean") {
      continue;
    } else if (typeof v === "object") {
      if (depth >= MAX_ITEM_DEPTH) return { path, message: `nests deeper than ${MAX_ITEM_DEPTH} levels` };
      if (Array.isArray(v)) v.forEach((x, i) => stack.push({ value: x, path: `${path}.${i}`, depth: depth + 1 }));
      else {
        for (const [k, x] of Object.entries(v)) {
          const keyProblem = textProblem(k, 1000);
          if (keyProblem) return { path, message: `has a key that ${keyProblem}` };
          stack.push({ value: x, path: `${path}.${k}`, depth: depth + 1 });
        }
      }
    } else return { path, message: "is not a JSON value" };
  }
  return null;
}

const jsonValue = z.unknown().superRefine((value, ctx) => {
  const problem = jsonValueProblem(value, "");
  if (problem) ctx.addIssue({ code: "custom", message: `${problem.path ? `${problem.path.slice(1)}: ` : ""}${problem.message}` });
});

export const itemKeySchema = z
  .string()
  .min(1, "a key may not be empty")
  .max(200, "a key is at most 200 characters")
  .refine((k) => !/[\u0000-\u001f\u007f]/.test(k), "a key may not contain control characters");

export const tagSchema = z
  .string()
  .trim()
  .min(1, "a tag may not be empty")
  .max(100, "a tag is at most 100 characters")
  .refine((t) => !/[\u0000-\u001f\u007f]/.test(t), "a tag may not contain control characters");

/** One item as callers give it. `expected`: a string is expected text; any other JSON is expected JSON. */
export const datasetItemInputSchema = z.strictObject({
  key: itemKeySchema.optional(),
  variables: z.record(z.string().min(1).max(200), jsonValue).default({}),
  expected: jsonValue.optional(),
  metadata: z.record(z.string().min(1).max(200), jsonValue).default({}),
  tags: z.array(tagSchema).max(MAX_TAGS, `at most ${MAX_TAGS} tags`).default([]),
  sourceCallId: z.string().min(1).max(100).optional(),
});
export type DatasetItemInput = z.input<typeof datasetItemInputSchema>;
export type DatasetItemData = z.output<typeof datasetItemInputSchema>;

/** A partial edit of one item (absent fields stay as they are; `expected: null` clears it). */
export const datasetItemPatchSchema = z.strictObject({
  variables: z.record(z.string().min(1).max(200), jsonValue).optional(),
  expected: jsonValue.optional(),
  metadata: z.record(z.string().min(1).max(200), jsonValue).optional(),
  tags: z.array(tagSchema).max(MAX_TAGS, `at most ${MAX_TAGS} tags`).optional(),
});
export type DatasetItemPatch = z.output<typeof datasetItemPatchSchema>;

export const createDatasetSchema = z.strictObject({
  name: datasetNameSchema,
  description: z
    .string()
    .max(2000, "a description is at most 2000 characters")
    .refine((t) => !t.includes("\u0000"), "a description may not contain NUL characters")
    .default(""),
});
export type CreateDatasetInput = z.input<typeof createDatasetSchema>;

/** `POST /api/v1/datasets/{name}/items` with items: a JSON array, or `{"items": [...]}`. */
export const addItemsRequestSchema = z.strictObject({
  items: z
    .array(datasetItemInputSchema)
    .min(1, "give at least one item")
    .max(MAX_ITEMS_PER_REQUEST, `at most ${MAX_ITEMS_PER_REQUEST} items per request; import a CSV or JSONL file for more`),
  note: z.string().max(500).optional(),
});

/** `GET /api/v1/datasets/{name}/items` query. */
export const listItemsQuerySchema = z.strictObject({
  version: queryIntSchema(z.number().int().min(1).max(1_000_000_000).optional()).meta({ description: "Dataset version (default latest)" }),
  cursor: z.string().min(1).max(400).optional().meta({ description: "nextCursor of the previous page" }),
  limit: queryIntSchema(z.number().int().min(1).max(1000).default(100)),
  search: z.string().max(200).optional().meta({ description: "Substring of key, variables or expected (case-insensitive)" }),
  tag: z.string().max(100).optional(),
});
