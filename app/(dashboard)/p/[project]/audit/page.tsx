import type { Metadata } from "next";
import Link from "next/link";
import { requirePageRole } from "@/lib/auth/session";
import { diffAuditValues, type DiffLine } from "@/lib/audit/diff";
import { auditFilterOptions, listAuditEvents, parseAuditFilter, type AuditFilter } from "@/lib/audit/queries";
import { isAppError } from "@/lib/errors";
import { ButtonLink, Card, EmptyState, FormError, PageHeader, buttonClass, cx } from "@/components/ui";
import { formatRelative, formatUtc } from "@/components/format";

export const metadata: Metadata = { title: "Audit log" };

const inputClass =
  "block h-9 w-full rounded-md border border-border bg-surface px-2.5 text-sm text-fg focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none";

function query(filter: Partial<AuditFilter>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (typeof v === "string" && v) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : "";
}

function Diff({ lines }: { lines: DiffLine[] }) {
  if (lines.length === 0) return <span className="text-xs text-fg-muted">no details</span>;
  return (
    <ul className="space-y-0.5 font-mono text-xs break-all" data-testid="audit-diff">
      {lines.map((l) => (
        <li key={`${l.kind}:${l.path}`}>
          <span className="text-fg-muted">{l.path || "(value)"}:</span>{" "}
          {l.kind === "added" ? (
            <span className="text-success">{l.after}</span>
          ) : l.kind === "removed" ? (
            <span className="text-danger line-through">{l.before}</span>
          ) : (
            <>
              <span className="text-danger line-through">{l.before}</span> → <span className="text-success">{l.after}</span>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

// /p/:project/audit - admins: every audit event of the project, newest first, filtered, paged by keyset, exportable as CSV.
export default async function AuditPage({
  params,
  searchParams,
}: {
  params: Promise<{ project: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "ADMIN");
  const raw = await searchParams;
  let filter: AuditFilter = {
    actor: undefined,
    action: undefined,
    targetType: undefined,
    target: undefined,
    from: undefined,
    to: undefined,
    cursor: undefined,
  };
  let filterError: string | null = null;
  try {
    filter = parseAuditFilter(raw);
  } catch (error) {
    if (!isAppError(error)) throw error;
    filterError = error.message;
  }
  const [page, options] = await Promise.all([
    filterError ? Promise.resolve({ rows: [], next: null }) : listAuditEvents(access.project.id, filter),
    auditFilterOptions(access.project.id),
  ]);
  const { cursor: _cursor, ...withoutCursor } = filter;
  const base = `/p/${access.project.slug}/audit`;
  const filtered = Object.values(withoutCursor).some(Boolean);
  const now = new Date();
  const str = (v: string | string[] | undefined) => (typeof v === "string" ? v : "");

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change made in this project, by people and API keys, newest first."
        actions={
          <ButtonLink href={`${base}/export${query(withoutCursor)}`} prefetch={false} data-testid="audit-export">
            Export CSV
          </ButtonLink>
        }
      />
      <form
        method="get"
        action={base}
        className="mb-4 grid gap-3 rounded-lg border border-border bg-surface p-3 sm:grid-cols-3 lg:grid-cols-6"
        data-testid="audit-filters"
      >
        <label className="space-y-1 text-xs font-medium">
          Actor
          <select name="actor" defaultValue={str(raw.actor)} className={inputClass} data-testid="audit-filter-actor">
            <option value="">Anyone</option>
            {options.actors.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        <label className="space-y-1 text-xs font-medium">
          Action
          <select name="action" defaultValue={str(raw.action)} className={inputClass} data-testid="audit-filter-action">
            <option value="">Any action</option>
            {options.actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label className="space-y-1 text-xs font-medium">
          Target
          <select name="targetType" defaultValue={str(raw.targetType)} className={inputClass} data-testid="audit-filter-target-type">
            <option value="">Any target</option>
            {options.targetTypes.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label className="space-y-1 text-xs font-medium">
          Target id
          <input
            name="target"
            defaultValue={str(raw.target)}
            placeholder="exact id"
            className={cx(inputClass, "font-mono")}
            data-testid="audit-filter-target"
          />
        </label>
        <label className="space-y-1 text-xs font-medium">
          From (UTC)
          <input type="date" name="from" defaultValue={str(raw.from)} className={inputClass} data-testid="audit-filter-from" />
        </label>
        <label className="space-y-1 text-xs font-medium">
          To (UTC)
          <input type="date" name="to" defaultValue={str(raw.to)} className={inputClass} data-testid="audit-filter-to" />
        </label>
        <div className="flex items-center gap-2 sm:col-span-3 lg:col-span-6">
          <button type="submit" className={buttonClass("primary", "sm")} data-testid="audit-filter-apply">
            Apply filters
          </button>
          {filtered ? (
            <Link href={base} className={buttonClass("ghost", "sm")} data-testid="audit-filter-clear">
              Clear
            </Link>
          ) : null}
        </div>
      </form>
      <FormError message={filterError} testId="audit-filter-error" />
      {page.rows.length === 0 ? (
        filterError ? null : (
          <EmptyState title={filtered ? "No events match these filters" : "No audit events yet"} testId="audit-empty">
            {filtered ? "Widen the date range or clear a filter." : "Changes to prompts, labels, experiments, keys, members and settings will be listed here."}
          </EmptyState>
        )
      ) : (
        <Card>
          <table className="w-full text-sm" data-testid="audit-table">
            <thead>
              <tr className="border-b border-border text-left text-xs text-fg-muted">
                <th className="px-4 py-2 font-medium">When</th>
                <th className="px-4 py-2 font-medium">Actor</th>
                <th className="px-4 py-2 font-medium">Action</th>
                <th className="px-4 py-2 font-medium">Target</th>
                <th className="px-4 py-2 font-medium">Changes</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {page.rows.map((r) => (
                <tr key={r.id} className="align-top" data-testid="audit-row">
                  <td className="px-4 py-2.5 text-xs whitespace-nowrap text-fg-muted" title={formatUtc(r.at)}>
                    {formatRelative(r.at, now)}
                  </td>
                  <td className="max-w-48 px-4 py-2.5 text-xs break-all">{r.actor}</td>
                  <td className="px-4 py-2.5 font-mono text-xs whitespace-nowrap">{r.action}</td>
                  <td className="max-w-48 px-4 py-2.5 text-xs">
                    <div>{r.targetType}</div>
                    {r.targetId ? <div className="font-mono break-all text-fg-muted">{r.targetId}</div> : null}
                  </td>
                  <td className="max-w-md px-4 py-2.5">
                    <Diff lines={diffAuditValues(r.before, r.after)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="flex items-center justify-between border-t border-border px-4 py-2.5 text-xs text-fg-muted">
            <span>{filter.cursor ? "Older events" : "Newest events"}</span>
            <span className="flex gap-2">
              {filter.cursor ? (
                <Link href={`${base}${query(withoutCursor)}`} className={buttonClass("ghost", "sm")} data-testid="audit-newest">
                  Newest
                </Link>
              ) : null}
              {page.next ? (
                <Link href={`${base}${query({ ...withoutCursor, cursor: page.next })}`} className={buttonClass("secondary", "sm")} data-testid="audit-older">
                  Older →
                </Link>
              ) : null}
            </span>
          </div>
        </Card>
      )}
    </>
  );
}
