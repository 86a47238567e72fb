import { randomUUID } from "node:crypto";
import { getDb } from "@/lib/db/client";
import { AppError, toIssues, type ErrorIssue } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { hasRole, type Role } from "@/lib/projects/roles";
import { actorUserId, type Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { getDataset, getItemByKey, type DatasetItemView, type DatasetSummary } from "./queries";
import {
  createDatasetSchema,
  datasetItemInputSchema,
  datasetItemPatchSchema,
  MAX_ITEM_BYTES,
  MAX_ITEMS_PER_REQUEST,
  type CreateDatasetInput,
  type DatasetItemData,
  type DatasetItemInput,
  type DatasetItemPatch,
} from "./schemas";

type Tx = Prisma.TransactionClient;

/** Rows per multi-row INSERT: one round trip per chunk keeps 100,000 rows to ~100 statements. */
export const INSERT_CHUNK = 1000;
/** An import of 10^5 rows holds its transaction for a while; plain edits finish in milliseconds. */
const LONG_TRANSACTION_MS = 15 * 60_000;

export function assertRole(actor: Actor, min: Role): void {
  if (!hasRole(actor.role, min)) throw new AppError("forbidden", `This needs the ${min.toLowerCase()} role or higher`);
}

/** A fresh item key: short, random, URL-safe. */
export function newItemKey(): string {
  return randomUUID().replaceAll("-", "").slice(0, 16);
}

/** Creates an empty dataset (version 0: no items yet). EDITOR+; a taken name is a 409. */
export async function createDataset(projectId: string, input: CreateDatasetInput, actor: Actor): Promise<DatasetSummary> {
  assertRole(actor, "EDITOR");
  if (actor.projectId !== projectId) throw new AppError("forbidden", "The actor does not belong to this project");
  const parsed = createDatasetSchema.safeParse(input);
  if (!parsed.success) throw new AppError("unprocessable", parsed.error.issues[0]?.message ?? "Invalid dataset", { issues: toIssues(parsed.error.issues) });
  const db = getDb();
  try {
    const id = await db.$transaction(async (tx) => {
      const row = await tx.dataset.create({ data: { projectId, name: parsed.data.name, description: parsed.data.description }, select: { id: true } });
      await recordAudit(tx, actor, { action: "dataset.create", targetType: "dataset", targetId: row.id, after: { name: parsed.data.name } });
      return row.id;
    });
    return (await getDataset(projectId, id))!;
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("conflict", `A dataset named "${parsed.data.name}" already exists in this project`, {
        issues: [{ path: "name", message: "name already taken" }],
      });
    }
    throw error;
  }
}

/** Edits a dataset's description. EDITOR+. */
export async function updateDatasetDescription(datasetId: string, description: string, actor: Actor): Promise<DatasetSummary> {
  assertRole(actor, "EDITOR");
  const parsed = createDatasetSchema.shape.description.safeParse(description);
  if (!parsed.success) throw new AppError("unprocessable", parsed.error.issues[0]?.message ?? "Invalid description");
  const db = getDb();
  await db.$transaction(async (tx) => {
    const updated = await tx.dataset.updateMany({ where: { id: datasetId, projectId: actor.projectId }, data: { description: parsed.data } });
    if (updated.count === 0) throw new AppError("not_found", "Dataset not found");
    await recordAudit(tx, actor, { action: "dataset.update", targetType: "dataset", targetId: datasetId, after: { description: parsed.data } });
  });
  return (await getDataset(actor.projectId, datasetId))!;
}

export interface VersionChange {
  /** The dataset's state under the lock. */
  datasetId: string;
  /** The number the new version gets. */
  version: number;
  /** Items in the previous version. */
  previousCount: number;
  /** The next free ordinal (items are appended at the end). */
  nextOrdinal: number;
}

export interface ChangeOutcome {
  added: number;
  removed: number;
  /** What changed, in words, stored on the version. */
  note: string;
  audit: { action: string; after?: Prisma.InputJsonValue };
}

export interface NewVersion {
  datasetId: string;
  version: number;
  itemCount: number;
  added: number;
  removed: number;
}

/**
 * Runs `change` inside one transaction holding the dataset's row lock (`SELECT ... FOR UPDATE`),
 * so concurrent changes queue up and make consecutive versions; then records the new immutable
 * version, moves `latestVersion` and writes the audit event. Anything thrown rolls everything
 * back: no version, no items. EDITOR+.
 */
export async function changeDataset(
  datasetId: string,
  actor: Actor,
  change: (tx: Tx, state: VersionChange) => Promise<ChangeOutcome>,
  options: { long?: boolean } = {},
): Promise<NewVersion> {
  assertRole(actor, "EDITOR");
  const db = getDb();
  return db.$transaction(
    async (tx) => {
      const locked = await tx.$queryRaw<Array<{ latestVersion: number }>>`SELECT "latestVersion" FROM "Dataset"
        WHERE id = ${datasetId} AND "projectId" = ${actor.projectId} FOR UPDATE`;
      const current = locked[0];
      if (!current) throw new AppError("not_found", "Dataset not found");
      const previous = await tx.datasetVersion.findUnique({
        where: { datasetId_number: { datasetId, number: current.latestVersion } },
        select: { itemCount: true },
      });
      const maxOrdinal = await tx.$queryRaw<Array<{ max: number | null }>>`SELECT max(ordinal) AS max FROM "DatasetItem" WHERE "datasetId" = ${datasetId}`;
      const state: VersionChange = {
        datasetId,
        version: current.latestVersion + 1,
        previousCount: previous?.itemCount ?? 0,
        nextOrdinal: (maxOrdinal[0]?.max ?? -1) + 1,
      };
      const outcome = await change(tx, state);
      const itemCount = state.previousCount + outcome.added - outcome.removed;
      await tx.datasetVersion.create({
        data: { datasetId, number: state.version, itemCount, note: outcome.note.slice(0, 500), authorId: actorUserId(actor) },
      });
      await tx.dataset.update({ where: { id: datasetId }, data: { latestVersion: state.version } });
      await recordAudit(tx, actor, {
        action: outcome.audit.action,
        targetType: "dataset",
        targetId: datasetId,
        after: {
          version: state.version,
          itemCount,
          added: outcome.added,
          removed: outcome.removed,
          ...(outcome.audit.after ? { detail: outcome.audit.after } : {}),
        },
      });
      return { datasetId, version: state.version, itemCount, added: outcome.added, removed: outcome.removed };
    },
    options.long ? { timeout: LONG_TRANSACTION_MS, maxWait: 60_000 } : { timeout: 60_000, maxWait: 30_000 },
  );
}

/** A validated item ready to insert (key and ordinal assigned). */
export interface ItemRow {
  key: string;
  ordinal: number;
  variables: Record<string, unknown>;
  expected: unknown;
  metadata: Record<string, unknown>;
  tags: string[];
  sourceCallId: string | null;
}

/** The `$1` of INSERT_ITEMS_SQL: the rows as one JSON array (one parameter, any row count). */
function encodeRows(rows: readonly ItemRow[]): string {
  return JSON.stringify(rows.map((r) => [randomUUID(), r.key, r.ordinal, r.variables, r.expected ?? null, r.metadata, r.tags, r.sourceCallId]));
}

/**
 * Inserts item rows valid from `version` in multi-row INSERTs of INSERT_CHUNK rows (the rows go
 * as one JSON parameter, unpacked by PostgreSQL), inside the caller's transaction.
 */
export async function insertItemRows(tx: Tx, datasetId: string, version: number, rows: readonly ItemRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    await tx.$executeRaw`INSERT INTO "DatasetItem" (id, "datasetId", key, ordinal, "fromVersion", variables, expected, metadata, tags, "sourceCallId")
      SELECT r->>0, ${datasetId}, r->>1, (r->>2)::int, ${version}::int, r->3, NULLIF(r->4, 'null'::jsonb), r->5,
             ARRAY(SELECT jsonb_array_elements_text(r->6)), r->>7
      FROM jsonb_array_elements(${encodeRows(chunk)}::jsonb) AS r`;
  }
}

/** Which of `keys` the current version already has. */
export async function existingKeys(tx: Tx, datasetId: string, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await tx.$queryRaw<Array<{ key: string }>>`SELECT key FROM "DatasetItem"
    WHERE "datasetId" = ${datasetId} AND "toVersion" IS NULL AND key = ANY(${[...keys]}::text[])`;
  return new Set(rows.map((r) => r.key));
}

/** Byte size of an item's stored JSON, checked against MAX_ITEM_BYTES. */
export function itemSizeProblem(item: Pick<ItemRow, "variables" | "expected" | "metadata" | "tags">): string | null {
  const size = Buffer.byteLength(JSON.stringify([item.variables, item.expected ?? null, item.metadata, item.tags]), "utf8");
  return size > MAX_ITEM_BYTES
    ? `the item is ${size.toLocaleString("en-US")} bytes; an item may be at most ${MAX_ITEM_BYTES.toLocaleString("en-US")} bytes`
    : null;
}

/**
 * Adds items as a new version. Every item is validated first and every problem listed
 * (`items.<i>.<field>`); keys must be new (to the batch and to the current version); missing keys
 * are generated. Nothing is written when anything is wrong. EDITOR+.
 */
export async function addItems(datasetId: string, items: readonly DatasetItemInput[], actor: Actor, options: { note?: string } = {}): Promise<NewVersion> {
  assertRole(actor, "EDITOR");
  if (items.length === 0) throw new AppError("unprocessable", "No items to add", { issues: [{ path: "items", message: "give at least one item" }] });
  if (items.length > MAX_ITEMS_PER_REQUEST) {
    throw new AppError("unprocessable", `At most ${MAX_ITEMS_PER_REQUEST.toLocaleString("en-US")} items per request; import a CSV or JSONL file for more`, {
      issues: [{ path: "items", message: `${items.length} items` }],
    });
  }
  const issues: ErrorIssue[] = [];
  const parsed: DatasetItemData[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const result = datasetItemInputSchema.safeParse(item);
    if (!result.success) {
      for (const issue of toIssues(result.error.issues)) issues.push({ path: `items.${i}${issue.path ? `.${issue.path}` : ""}`, message: issue.message });
      return;
    }
    const size = itemSizeProblem({ ...result.data, expected: result.data.expected });
    if (size) issues.push({ path: `items.${i}`, message: size });
    if (result.data.key !== undefined) {
      if (seen.has(result.data.key)) issues.push({ path: `items.${i}.key`, message: `key "${result.data.key}" appears more than once` });
      seen.add(result.data.key);
    }
    parsed.push(result.data);
  });
  if (issues.length > 0) throw invalidItems(issues);

  return changeDataset(datasetId, actor, async (tx, state) => {
    const taken = await existingKeys(tx, datasetId, [...seen]);
    if (taken.size > 0) {
      throw invalidItems(
        parsed.flatMap((item, i) =>
          item.key !== undefined && taken.has(item.key) ? [{ path: `items.${i}.key`, message: `key "${item.key}" already exists in this dataset` }] : [],
        ),
        "conflict",
      );
    }
    const rows: ItemRow[] = parsed.map((item, i) => ({
      key: item.key ?? newItemKey(),
      ordinal: state.nextOrdinal + i,
      variables: item.variables,
      expected: item.expected ?? null,
      metadata: item.metadata,
      tags: [...new Set(item.tags)],
      sourceCallId: item.sourceCallId ?? null,
    }));
    await insertItemRows(tx, datasetId, state.version, rows);
    return {
      added: rows.length,
      removed: 0,
      note: options.note ?? `added ${rows.length} item${rows.length === 1 ? "" : "s"}`,
      audit: { action: "dataset.items.add", after: { keys: rows.slice(0, 20).map((r) => r.key) } },
    };
  });
}

function invalidItems(issues: ErrorIssue[], code: "unprocessable" | "conflict" = "unprocessable"): AppError {
  const shown = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : "";
  return new AppError(code, `Invalid items: ${shown.join("; ")}${more}`, { issues: issues.slice(0, 1000) });
}

/**
 * Edits one item (by key) as a new version: the current row is closed at the new version and its
 * successor (same key and ordinal) inserted. Absent patch fields keep their values. EDITOR+.
 */
export async function updateItem(datasetId: string, key: string, patch: DatasetItemPatch, actor: Actor): Promise<NewVersion & { item: DatasetItemView }> {
  assertRole(actor, "EDITOR");
  const parsed = datasetItemPatchSchema.safeParse(patch);
  if (!parsed.success) throw invalidItems(toIssues(parsed.error.issues));
  const result = await changeDataset(datasetId, actor, async (tx, state) => {
    const current = await getItemByKey(datasetId, key, state.version - 1, tx);
    if (!current) throw new AppError("not_found", `Item "${key}" is not in the current version`);
    const next: ItemRow = {
      key,
      ordinal: current.ordinal,
      variables: parsed.data.variables ?? current.variables,
      expected: parsed.data.expected !== undefined ? parsed.data.expected : current.expected,
      metadata: parsed.data.metadata ?? current.metadata,
      tags: parsed.data.tags ? [...new Set(parsed.data.tags)] : current.tags,
      sourceCallId: current.sourceCallId,
    };
    const size = itemSizeProblem(next);
    if (size) throw invalidItems([{ path: "item", message: size }]);
    await tx.$executeRaw`UPDATE "DatasetItem" SET "toVersion" = ${state.version} WHERE id = ${current.id}`;
    await insertItemRows(tx, datasetId, state.version, [next]);
    return { added: 1, removed: 1, note: `edited item ${key}`, audit: { action: "dataset.items.update", after: { key } } };
  });
  const item = await getItemByKey(datasetId, key, result.version);
  return { ...result, item: item! };
}

/** Deletes items (by key) as a new version: their rows are closed. Unknown keys are a 404 naming them. EDITOR+. */
export async function deleteItems(datasetId: string, keys: readonly string[], actor: Actor): Promise<NewVersion> {
  assertRole(actor, "EDITOR");
  const unique = [...new Set(keys)];
  if (unique.length === 0) throw new AppError("unprocessable", "No items to delete", { issues: [{ path: "keys", message: "give at least one key" }] });
  if (unique.length > MAX_ITEMS_PER_REQUEST) throw new AppError("unprocessable", `At most ${MAX_ITEMS_PER_REQUEST} keys per request`);
  return changeDataset(datasetId, actor, async (tx, state) => {
    const closed = await tx.$queryRaw<Array<{ key: string }>>`UPDATE "DatasetItem" SET "toVersion" = ${state.version}
      WHERE "datasetId" = ${datasetId} AND "toVersion" IS NULL AND key = ANY(${unique}::text[]) RETURNING key`;
    if (closed.length !== unique.length) {
      const found = new Set(closed.map((r) => r.key));
      const missing = unique.filter((k) => !found.has(k));
      throw new AppError(
        "not_found",
        `Not in the current version: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ` (and ${missing.length - 10} more)` : ""}`,
        {
          issues: missing.slice(0, 1000).map((k) => ({ path: "keys", message: `no item "${k}"` })),
        },
      );
    }
    return {
      added: 0,
      removed: closed.length,
      note: closed.length === 1 ? `deleted item ${closed[0]!.key}` : `deleted ${closed.length} items`,
      audit: { action: "dataset.items.delete", after: { keys: unique.slice(0, 20) } },
    };
  });
}
