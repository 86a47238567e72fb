import { getDb, type PrismaClient } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";

export interface DatasetSummary {
  id: string;
  projectId: string;
  name: string;
  description: string;
  /** Number of the newest version (0 = no version yet, no items). */
  latestVersion: number;
  /** Items in the latest version. */
  itemCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface DatasetItemView {
  id: string;
  /** Stable identity of the logical item across versions. */
  key: string;
  ordinal: number;
  variables: Record<string, unknown>;
  /** A JSON string is expected text; any other value is expected JSON; null = none. */
  expected: unknown;
  metadata: Record<string, unknown>;
  tags: string[];
  sourceCallId: string | null;
}

export interface DatasetVersionView {
  number: number;
  itemCount: number;
  note: string;
  authorId: string | null;
  createdAt: Date;
}

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

type Db = Pick<PrismaClient, "dataset" | "datasetVersion" | "$queryRaw">;

const summarySelect = {
  id: true,
  projectId: true,
  name: true,
  description: true,
  latestVersion: true,
  createdAt: true,
  updatedAt: true,
  versions: { select: { number: true, itemCount: true }, orderBy: { number: "desc" }, take: 1 },
} satisfies Prisma.DatasetSelect;

type SummaryRow = Prisma.DatasetGetPayload<{ select: typeof summarySelect }>;

function toSummary(row: SummaryRow): DatasetSummary {
  const latest = row.versions[0];
  return {
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    description: row.description,
    latestVersion: row.latestVersion,
    itemCount: latest && latest.number === row.latestVersion ? latest.itemCount : 0,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function getDatasetByName(projectId: string, name: string, db: Db = getDb()): Promise<DatasetSummary | null> {
  const row = await db.dataset.findUnique({ where: { projectId_name: { projectId, name } }, select: summarySelect });
  return row ? toSummary(row) : null;
}

export async function getDataset(projectId: string, datasetId: string, db: Db = getDb()): Promise<DatasetSummary | null> {
  const row = await db.dataset.findFirst({ where: { id: datasetId, projectId }, select: summarySelect });
  return row ? toSummary(row) : null;
}

/** The project's datasets, most recently changed first. */
export async function listDatasets(projectId: string, db: Db = getDb()): Promise<DatasetSummary[]> {
  const rows = await db.dataset.findMany({ where: { projectId }, select: summarySelect, orderBy: [{ updatedAt: "desc" }, { name: "asc" }] });
  return rows.map(toSummary);
}

/** Every version of a dataset, newest first. */
export async function listVersions(datasetId: string, db: Db = getDb()): Promise<DatasetVersionView[]> {
  return db.datasetVersion.findMany({
    where: { datasetId },
    select: { number: true, itemCount: true, note: true, authorId: true, createdAt: true },
    orderBy: { number: "desc" },
  });
}

/** The opaque keyset cursor: the last item's (ordinal, id), base64url JSON. */
export function encodeCursor(ordinal: number, id: string): string {
  return Buffer.from(JSON.stringify([ordinal, id]), "utf8").toString("base64url");
}

/** Decodes a cursor from `encodeCursor`; anything else is a 400 naming the cursor. */
export function decodeCursor(cursor: string): { ordinal: number; id: string } {
  try {
    if (cursor.length > 400) throw new Error("too long");
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === "string" && value[1].length <= 200) {
      return { ordinal: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through to the one message below
  }
  throw new AppError("bad_request", "cursor is not a cursor this API returned", { issues: [{ path: "cursor", message: "invalid cursor" }] });
}

interface ItemRow {
  id: string;
  key: string;
  ordinal: number;
  variables: unknown;
  expected: unknown;
  metadata: unknown;
  tags: string[];
  sourceCallId: string | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toItemView(row: ItemRow): DatasetItemView {
  return {
    id: row.id,
    key: row.key,
    ordinal: row.ordinal,
    variables: isRecord(row.variables) ? row.variables : {},
    expected: row.expected ?? null,
    metadata: isRecord(row.metadata) ? row.metadata : {},
    tags: row.tags,
    sourceCallId: row.sourceCallId,
  };
}

/** The SQL condition "this row is an item of version v" (see the README's model). */
function inVersion(datasetId: string, version: number): Prisma.Sql {
  return Prisma.sql`"datasetId" = ${datasetId} AND "fromVersion" <= ${version} AND ("toVersion" IS NULL OR "toVersion" > ${version})`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function filters(options: { search?: string; tag?: string }): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  const search = options.search?.trim();
  if (search) {
    // Key, variables and expected as text: a plain substring match (case-insensitive).
    const pattern = `%${escapeLike(search)}%`;
    parts.push(Prisma.sql`(key ILIKE ${pattern} OR variables::text ILIKE ${pattern} OR COALESCE(expected::text, '') ILIKE ${pattern})`);
  }
  if (options.tag) parts.push(Prisma.sql`${options.tag} = ANY(tags)`);
  return parts.length === 0 ? Prisma.empty : Prisma.sql` AND ${Prisma.join(parts, " AND ")}`;
}

async function resolveVersion(datasetId: string, version: number | undefined, db: Db): Promise<number> {
  const dataset = await db.dataset.findUnique({ where: { id: datasetId }, select: { latestVersion: true } });
  if (!dataset) throw new AppError("not_found", "Dataset not found");
  if (version === undefined) return dataset.latestVersion;
  if (!Number.isSafeInteger(version) || version < 0 || version > dataset.latestVersion) {
    throw new AppError("not_found", `Dataset version ${version} does not exist (latest is ${dataset.latestVersion})`, {
      issues: [{ path: "version", message: `no version ${version}` }],
    });
  }
  return version;
}

/**
 * Keyset page of a version's items (version defaults to latest), in (ordinal, id) order.
 * `after` is the opaque cursor of the previous page; `total` counts the version's items that
 * match `search` / `tag`. Limit is clamped to 1..1000.
 */
export async function listItems(
  datasetId: string,
  options: { version?: number; after?: string; limit?: number; search?: string; tag?: string },
  db: Db = getDb(),
): Promise<{ items: DatasetItemView[]; nextCursor: string | null; total: number }> {
  const version = await resolveVersion(datasetId, options.version, db);
  const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(options.limit ?? DEFAULT_PAGE_SIZE)));
  if (version === 0) return { items: [], nextCursor: null, total: 0 };
  const where = Prisma.sql`${inVersion(datasetId, version)}${filters(options)}`;
  const after = options.after ? decodeCursor(options.after) : null;
  const keyset = after ? Prisma.sql` AND (ordinal, id) > (${after.ordinal}, ${after.id})` : Prisma.empty;
  const filtered = Boolean(options.search?.trim() || options.tag);
  const [rows, total] = await Promise.all([
    db.$queryRaw<ItemRow[]>`SELECT id, key, ordinal, variables, expected, metadata, tags, "sourceCallId" FROM "DatasetItem"
      WHERE ${where}${keyset} ORDER BY ordinal, id LIMIT ${limit + 1}`,
    // Unfiltered, the version row knows its size: no count over 10^5 rows per page.
    filtered
      ? db.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM "DatasetItem" WHERE ${where}`.then((r) => r[0]?.n ?? 0)
      : db.datasetVersion
          .findUnique({ where: { datasetId_number: { datasetId, number: version } }, select: { itemCount: true } })
          .then((v) => v?.itemCount ?? 0),
  ]);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toItemView),
    nextCursor: rows.length > limit && last ? encodeCursor(last.ordinal, last.id) : null,
    total,
  };
}

/** One item of a version by key (null when the version has no such item). */
export async function getItemByKey(datasetId: string, key: string, version: number, db: Db = getDb()): Promise<DatasetItemView | null> {
  const rows = await db.$queryRaw<ItemRow[]>`SELECT id, key, ordinal, variables, expected, metadata, tags, "sourceCallId" FROM "DatasetItem"
    WHERE ${inVersion(datasetId, version)} AND key = ${key} LIMIT 1`;
  return rows[0] ? toItemView(rows[0]) : null;
}

/** Every tag used by a version's items, sorted (for the filter). */
export async function listTags(datasetId: string, version: number, db: Db = getDb()): Promise<string[]> {
  if (version === 0) return [];
  const rows = await db.$queryRaw<
    Array<{ tag: string }>
  >`SELECT DISTINCT unnest(tags) AS tag FROM "DatasetItem" WHERE ${inVersion(datasetId, version)} ORDER BY tag LIMIT 500`;
  return rows.map((r) => r.tag);
}

/**
 * Every item of one version, streamed page by page in (ordinal, id) order, for eval runs and
 * dataset traffic: memory holds one page (default 500 items), whatever the dataset's size.
 */
export async function* iterateItems(datasetId: string, version: number, pageSize = 500, db: Db = getDb()): AsyncIterable<DatasetItemView[]> {
  const size = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(pageSize)));
  let after: string | undefined;
  for (;;) {
    const page = await listItemsNoCount(datasetId, version, after, size, db);
    if (page.items.length > 0) yield page.items;
    if (!page.nextCursor) return;
    after = page.nextCursor;
  }
}

async function listItemsNoCount(datasetId: string, version: number, after: string | undefined, limit: number, db: Db) {
  const cursor = after ? decodeCursor(after) : null;
  const keyset = cursor ? Prisma.sql` AND (ordinal, id) > (${cursor.ordinal}, ${cursor.id})` : Prisma.empty;
  const rows = await db.$queryRaw<ItemRow[]>`SELECT id, key, ordinal, variables, expected, metadata, tags, "sourceCallId" FROM "DatasetItem"
    WHERE ${inVersion(datasetId, version)}${keyset} ORDER BY ordinal, id LIMIT ${limit + 1}`;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(toItemView), nextCursor: rows.length > limit && last ? encodeCursor(last.ordinal, last.id) : null };
}
