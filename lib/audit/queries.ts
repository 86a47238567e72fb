import { z } from "zod";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { getDb } from "@/lib/db/client";
import { AppError, toIssues } from "@/lib/errors";

/** Rows per page of the audit log. */
export const AUDIT_PAGE_SIZE = 50;

const dateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-01-31")
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), "Not a real date");

const text = (label: string) =>
  z
    .string()
    .trim()
    .max(200, `${label} is too long`)
    .optional()
    .transform((v) => (v ? v : undefined));

/**
 * The audit log's filters, as they come from the address bar (every field optional, empty =
 * not filtered). `actor` is a user id or an `api_key:<id>` label; `from` and `to` are UTC days,
 * both inclusive. `cursor` is the keyset position of the next page.
 */
export const auditFilterSchema = z
  .object({
    actor: text("Actor"),
    action: text("Action"),
    targetType: text("Target type"),
    target: text("Target id"),
    from: dateSchema.optional().or(z.literal("").transform(() => undefined)),
    to: dateSchema.optional().or(z.literal("").transform(() => undefined)),
    cursor: text("Cursor"),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { path: ["to"], message: "The end date is before the start date" });
export type AuditFilter = z.output<typeof auditFilterSchema>;

/** Parses the page's search parameters (first value of each); bad values are AppError bad_request with issues. */
export function parseAuditFilter(params: Record<string, string | string[] | undefined>): AuditFilter {
  const first = Object.fromEntries(
    ["actor", "action", "targetType", "target", "from", "to", "cursor"].map((k) => {
      const v = params[k];
      return [k, Array.isArray(v) ? v[0] : v];
    }),
  );
  const parsed = auditFilterSchema.safeParse(first);
  if (!parsed.success) {
    const issues = toIssues(parsed.error.issues);
    throw new AppError("bad_request", issues[0]?.message ?? "Invalid filter", { issues });
  }
  return parsed.data;
}

interface Cursor {
  at: Date;
  id: string;
}

export function encodeAuditCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.at.toISOString()}|${cursor.id}`, "utf8").toString("base64url");
}

function decodeCursor(value: string): Cursor {
  const raw = Buffer.from(value, "base64url").toString("utf8");
  const [at, id] = raw.split("|");
  const date = at ? new Date(at) : new Date(Number.NaN);
  if (!id || Number.isNaN(date.getTime()) || !/^[A-Za-z0-9_-]{1,100}$/.test(id)) {
    throw new AppError("bad_request", "That page link is not valid: go back to the first page", { issues: [{ path: "cursor", message: "invalid cursor" }] });
  }
  return { at: date, id };
}

function whereOf(projectId: string, filter: AuditFilter): Prisma.AuditEventWhereInput {
  const where: Prisma.AuditEventWhereInput = { projectId };
  if (filter.actor) {
    if (filter.actor.startsWith("api_key:")) where.actorLabel = filter.actor;
    else where.actorId = filter.actor;
  }
  if (filter.action) where.action = filter.action;
  if (filter.targetType) where.targetType = filter.targetType;
  if (filter.target) where.targetId = filter.target;
  if (filter.from || filter.to) {
    where.at = {
      ...(filter.from ? { gte: new Date(`${filter.from}T00:00:00.000Z`) } : {}),
      ...(filter.to ? { lt: new Date(new Date(`${filter.to}T00:00:00.000Z`).getTime() + 86_400_000) } : {}),
    };
  }
  return where;
}

export interface AuditRow {
  id: string;
  at: Date;
  action: string;
  targetType: string;
  targetId: string | null;
  /** Who acted, for display: the user's email (or name), the API key's name, or "system". */
  actor: string;
  /** The filter value for this actor (user id or api_key:<id>), null for system events. */
  actorKey: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditPage {
  rows: AuditRow[];
  /** The cursor of the next (older) page; null on the last page. */
  next: string | null;
}

/**
 * One page of a project's audit events, newest first (keyset on (at, id), through the
 * (projectId, at) index: page 1,000 costs what page 1 does), with the filters applied.
 */
export async function listAuditEvents(
  projectId: string,
  filter: AuditFilter,
  options: { limit?: number } = {},
  db: PrismaClient = getDb(),
): Promise<AuditPage> {
  const limit = options.limit ?? AUDIT_PAGE_SIZE;
  const where = whereOf(projectId, filter);
  if (filter.cursor) {
    const c = decodeCursor(filter.cursor);
    where.AND = [{ OR: [{ at: { lt: c.at } }, { at: c.at, id: { lt: c.id } }] }];
  }
  const events = await db.auditEvent.findMany({
    where,
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: {
      id: true,
      at: true,
      action: true,
      targetType: true,
      targetId: true,
      actorId: true,
      actorLabel: true,
      before: true,
      after: true,
      actor: { select: { email: true } },
    },
  });
  const page = events.slice(0, limit);
  const keyIds = [...new Set(page.flatMap((e) => (e.actorLabel?.startsWith("api_key:") ? [e.actorLabel.slice("api_key:".length)] : [])))];
  const keys = keyIds.length ? await db.apiKey.findMany({ where: { id: { in: keyIds } }, select: { id: true, name: true, prefix: true } }) : [];
  const keyName = new Map(keys.map((k) => [k.id, `API key ${k.name} (${k.prefix}…)`]));
  const rows = page.map((e): AuditRow => {
    const keyId = e.actorLabel?.startsWith("api_key:") ? e.actorLabel.slice("api_key:".length) : null;
    return {
      id: e.id,
      at: e.at,
      action: e.action,
      targetType: e.targetType,
      targetId: e.targetId,
      actor: e.actor?.email ?? (keyId ? (keyName.get(keyId) ?? "API key (deleted)") : e.actorLabel?.startsWith("user:") ? "user (deleted)" : "system"),
      actorKey: e.actorId ?? (keyId ? `api_key:${keyId}` : null),
      before: e.before,
      after: e.after,
    };
  });
  const last = page[page.length - 1];
  return { rows, next: events.length > limit && last ? encodeAuditCursor({ at: last.at, id: last.id }) : null };
}

export interface AuditFilterOptions {
  actors: Array<{ value: string; label: string }>;
  actions: string[];
  targetTypes: string[];
}

/** The values the filters offer: every actor, action and target type in the project's log. */
export async function auditFilterOptions(projectId: string, db: PrismaClient = getDb()): Promise<AuditFilterOptions> {
  const [actions, targetTypes, users, keys] = await Promise.all([
    db.auditEvent.findMany({ where: { projectId }, distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } }),
    db.auditEvent.findMany({ where: { projectId }, distinct: ["targetType"], select: { targetType: true }, orderBy: { targetType: "asc" } }),
    db.auditEvent.findMany({
      where: { projectId, actorId: { not: null } },
      distinct: ["actorId"],
      select: { actorId: true, actor: { select: { email: true } } },
    }),
    db.auditEvent.findMany({ where: { projectId, actorLabel: { startsWith: "api_key:" } }, distinct: ["actorLabel"], select: { actorLabel: true } }),
  ]);
  const keyIds = keys.flatMap((k) => (k.actorLabel ? [k.actorLabel.slice("api_key:".length)] : []));
  const keyRows = keyIds.length ? await db.apiKey.findMany({ where: { id: { in: keyIds } }, select: { id: true, name: true } }) : [];
  const keyName = new Map(keyRows.map((k) => [k.id, k.name]));
  const actors = [
    ...users
      .flatMap((u) => (u.actorId ? [{ value: u.actorId, label: u.actor?.email ?? "user (deleted)" }] : []))
      .sort((a, b) => a.label.localeCompare(b.label)),
    ...keyIds.map((id) => ({ value: `api_key:${id}`, label: `API key ${keyName.get(id) ?? "(deleted)"}` })),
  ];
  return { actors, actions: actions.map((a) => a.action), targetTypes: targetTypes.map((t) => t.targetType) };
}

/**
 * Every event matching `filter` (the cursor ignored), newest first, page by page: what the CSV
 * export streams, so memory stays bounded whatever the log's size.
 */
export async function* iterateAuditEvents(projectId: string, filter: AuditFilter, db: PrismaClient = getDb()): AsyncGenerator<AuditRow> {
  let cursor: string | undefined;
  for (;;) {
    const page = await listAuditEvents(projectId, { ...filter, cursor }, { limit: 500 }, db);
    yield* page.rows;
    if (!page.next) return;
    cursor = page.next;
  }
}
