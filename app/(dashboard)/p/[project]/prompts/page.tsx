import type { Metadata } from "next";
import Link from "next/link";
import { z } from "zod";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { listPrompts } from "@/lib/prompts/queries";
import { PlusIcon, PromptsIcon } from "@/components/icons";
import { Badge, ButtonLink, Card, EmptyState, PageHeader, buttonClass, cx } from "@/components/ui";
import { formatRelative, formatUtc } from "@/components/format";
import { LabelBadge } from "@/components/prompts/label-badge";
import { promptPath } from "@/lib/prompts/paths";

export const metadata: Metadata = { title: "Prompts" };

const PAGE_SIZE = 50;
const querySchema = z.object({
  q: z.string().max(200).optional().catch(undefined),
  tag: z.string().max(40).optional().catch(undefined),
  sort: z.enum(["updated", "name"]).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).optional().catch(undefined),
  archived: z.literal("1").optional().catch(undefined),
  deleted: z.string().max(200).optional().catch(undefined),
});

// /p/:project/prompts - every prompt of the project: search, tag filter, sort, labels, last publish.
export default async function PromptsPage({
  params,
  searchParams,
}: {
  params: Promise<{ project: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { project: slug } = await params;
  const raw = await searchParams;
  const query = querySchema.parse({
    q: typeof raw.q === "string" ? raw.q : undefined,
    tag: typeof raw.tag === "string" && raw.tag ? raw.tag : undefined,
    sort: typeof raw.sort === "string" ? raw.sort : undefined,
    page: typeof raw.page === "string" ? raw.page : undefined,
    archived: typeof raw.archived === "string" ? raw.archived : undefined,
    deleted: typeof raw.deleted === "string" ? raw.deleted : undefined,
  });
  const access = await requirePageRole(slug, "VIEWER");
  const sort = query.sort ?? "updated";
  const page = query.page ?? 1;
  const {
    items: prompts,
    total,
    tags,
  } = await listPrompts(access.project.id, {
    search: query.q,
    tag: query.tag,
    sort,
    skip: (page - 1) * PAGE_SIZE,
    take: PAGE_SIZE,
    withTags: true,
    archived: query.archived ? "include" : "exclude",
    // Snippets are listed with the prompts, marked as such.
    kind: "any",
  });
  const canEdit = hasRole(access.role, "EDITOR");
  const now = new Date();
  const project = access.project.slug;
  const filtered = Boolean(query.q || query.tag);

  const href = (patch: Record<string, string | undefined>): string => {
    const next = new URLSearchParams();
    const merged = { q: query.q, tag: query.tag, sort: query.sort, archived: query.archived, ...patch };
    for (const [k, v] of Object.entries(merged)) if (v) next.set(k, v);
    const s = next.toString();
    return `/p/${project}/prompts${s ? `?${s}` : ""}`;
  };

  const newButton = canEdit ? (
    <ButtonLink href={`/p/${project}/prompts/new`} variant="primary" data-testid="new-prompt">
      <PlusIcon />
      New prompt
    </ButtonLink>
  ) : null;

  const sortHeader = (key: "name" | "updated", label: string, className: string) => (
    <th className={cx("px-4 py-2 font-medium", className)} aria-sort={sort === key ? (key === "name" ? "ascending" : "descending") : "none"}>
      <Link href={href({ sort: key, page: undefined })} className={cx("hover:text-fg", sort === key && "text-fg")} data-testid={`sort-${key}`}>
        {label}
        {sort === key ? (key === "name" ? " ↑" : " ↓") : ""}
      </Link>
    </th>
  );

  return (
    <>
      <PageHeader title="Prompts" description="Versioned prompts your apps fetch by label. Published versions are immutable." actions={newButton} />
      {query.deleted ? (
        <div className="mb-4 rounded-md border border-success/30 bg-success/10 px-3 py-2 text-sm text-success" data-testid="deleted-banner">
          Deleted <span className="font-mono">{query.deleted}</span>.
        </div>
      ) : null}
      {total === 0 && !filtered && !query.archived ? (
        <EmptyState testId="prompts-empty" icon={<PromptsIcon width={20} height={20} />} title="No prompts yet" action={newButton}>
          {canEdit
            ? "Create your first prompt: write the system prompt and message template, declare its variables, then publish version 1.0.0 and point the production label at it."
            : "Nothing to see yet. An editor of this project creates prompts; ask one to add the first."}
        </EmptyState>
      ) : (
        <>
          <form method="get" action={`/p/${project}/prompts`} className="mb-3 flex flex-wrap items-center gap-2" role="search">
            <input
              type="search"
              name="q"
              defaultValue={query.q ?? ""}
              placeholder="Search name or description"
              aria-label="Search prompts"
              data-testid="prompt-search"
              className="h-8 w-64 rounded-md border border-border bg-surface px-2.5 text-sm placeholder:text-fg-muted/70 focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none"
            />
            <select
              name="tag"
              defaultValue={query.tag ?? ""}
              aria-label="Filter by tag"
              data-testid="prompt-tag-filter"
              className="h-8 rounded-md border border-border bg-surface px-2 text-sm"
            >
              <option value="">All tags</option>
              {tags.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
            {query.sort ? <input type="hidden" name="sort" value={query.sort} /> : null}
            {query.archived ? <input type="hidden" name="archived" value="1" /> : null}
            <button type="submit" className={buttonClass("secondary")}>
              Filter
            </button>
            {filtered ? (
              <Link href={href({ q: undefined, tag: undefined })} className="text-xs text-fg-muted hover:text-fg">
                Clear
              </Link>
            ) : null}
            <span className="ml-auto flex items-center gap-3 text-xs text-fg-muted">
              <Link
                href={href({ archived: query.archived ? undefined : "1", page: undefined })}
                className="hover:text-fg"
                aria-pressed={Boolean(query.archived)}
                data-testid="toggle-archived"
              >
                <span
                  aria-hidden
                  className={cx("mr-1 inline-block size-3 rounded-sm border align-[-1px]", query.archived ? "border-accent bg-accent" : "border-border")}
                />
                Show archived
              </Link>
              <span data-testid="prompt-count">
                {total} prompt{total === 1 ? "" : "s"}
              </span>
            </span>
          </form>
          {/* Fixed layout: a long name (up to 128 characters) truncates instead of pushing the other
              columns out; below min-w the table scrolls sideways rather than clipping them. */}
          <Card className="overflow-x-auto">
            <table className="w-full min-w-[760px] table-fixed text-sm" data-testid="prompt-table">
              <colgroup>
                <col />
                <col className="w-36" />
                <col className="w-64" />
                <col className="w-32" />
                <col className="w-28" />
              </colgroup>
              <thead>
                <tr className="border-b border-border bg-muted/50 text-left text-xs text-fg-muted">
                  {sortHeader("name", "Name", "")}
                  <th className="px-4 py-2 font-medium">Latest</th>
                  <th className="px-4 py-2 font-medium">Labels</th>
                  <th className="px-4 py-2 font-medium">Last published</th>
                  {sortHeader("updated", "Updated", "text-right")}
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {prompts.length === 0 ? (
                  <tr>
                    <td colSpan={5} className="px-4 py-8 text-center text-sm text-fg-muted" data-testid="prompts-no-match">
                      No prompt matches these filters.
                    </td>
                  </tr>
                ) : null}
                {prompts.map((p) => (
                  <tr
                    key={p.id}
                    className={cx("align-top hover:bg-muted/40", p.archivedAt && "bg-muted/30")}
                    data-testid="prompt-row"
                    data-archived={p.archivedAt ? "true" : undefined}
                  >
                    <td className="min-w-0 px-4 py-3">
                      <Link
                        href={promptPath(project, p.name)}
                        className="block truncate font-mono text-[13px] font-medium text-accent hover:underline"
                        title={p.name}
                        data-testid="prompt-name"
                      >
                        {p.name}
                      </Link>
                      {p.kind === "SNIPPET" ? (
                        <Badge
                          className="mt-1 mr-1"
                          tone="accent"
                          title="Shared text that prompts include with {{> name@label}}"
                          data-testid="prompt-kind-snippet"
                        >
                          snippet
                        </Badge>
                      ) : null}
                      {p.archivedAt ? (
                        <Badge className="mt-1" title={`Archived ${formatUtc(p.archivedAt)}`}>
                          archived
                        </Badge>
                      ) : null}
                      {p.description ? <div className="mt-0.5 line-clamp-2 text-xs break-words text-fg-muted">{p.description}</div> : null}
                      {p.tags.length > 0 ? (
                        <div className="mt-1.5 flex flex-wrap gap-1">
                          {p.tags.map((t) => (
                            <Link key={t} href={href({ tag: t, page: undefined })} title={`Only prompts tagged ${t}`}>
                              <Badge className={cx(query.tag === t && "border-accent text-accent")}>{t}</Badge>
                            </Link>
                          ))}
                        </div>
                      ) : null}
                    </td>
                    <td className="px-4 py-3 whitespace-nowrap">
                      {p.latestVersion ? (
                        <span className="font-mono text-[13px]">v{p.latestVersion}</span>
                      ) : (
                        <span className="text-xs text-fg-muted">unpublished</span>
                      )}
                      {p.hasDraft ? (
                        <Badge tone="warning" className="ml-1.5" title="An unpublished draft exists">
                          draft
                        </Badge>
                      ) : null}
                      <div className="mt-0.5 text-xxs text-fg-muted">
                        {p.versionCount} published version{p.versionCount === 1 ? "" : "s"}
                      </div>
                    </td>
                    <td className="px-4 py-3">
                      {p.labels.length === 0 ? (
                        <span className="text-xs text-fg-muted">none</span>
                      ) : (
                        <div className="flex flex-wrap gap-1">
                          {p.labels.map((l) => (
                            <LabelBadge key={l.name} {...l} />
                          ))}
                        </div>
                      )}
                    </td>
                    <td className="px-4 py-3 text-xs whitespace-nowrap text-fg-muted">
                      {p.lastPublishedAt ? <span title={formatUtc(p.lastPublishedAt)}>{formatRelative(p.lastPublishedAt, now)}</span> : "never"}
                    </td>
                    <td className="px-4 py-3 text-right text-xs whitespace-nowrap text-fg-muted" title={formatUtc(p.updatedAt)}>
                      {formatRelative(p.updatedAt, now)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
          {total > PAGE_SIZE ? (
            <div className="mt-3 flex items-center justify-end gap-2 text-xs text-fg-muted">
              <span>
                Page {page} of {Math.ceil(total / PAGE_SIZE)}
              </span>
              {page > 1 ? (
                <ButtonLink size="sm" href={href({ page: String(page - 1) })}>
                  Previous
                </ButtonLink>
              ) : null}
              {page * PAGE_SIZE < total ? (
                <ButtonLink size="sm" href={href({ page: String(page + 1) })}>
                  Next
                </ButtonLink>
              ) : null}
            </div>
          ) : null}
        </>
      )}
    </>
  );
}
