"use client";

import { useEffect, useRef, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { keepPreviousData, useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { Badge, Button, Card, FormError } from "@/components/ui";
import { queryKeys } from "@/lib/query-keys";
import type { DatasetItemView } from "@/lib/datasets/queries";
import type { DatasetItemData, DatasetItemPatch } from "@/lib/datasets/schemas";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { ItemForm } from "./item-form";
import { withSignIn } from "@/lib/http/signed-out";
import { useDebounced } from "@/components/use-debounced";

type VersionResult = { version: number };
export type AddItemAction = ServerAction<InProject<{ datasetId: string; item: DatasetItemData }>, VersionResult>;
export type UpdateItemAction = ServerAction<InProject<{ datasetId: string; key: string; patch: DatasetItemPatch }>, VersionResult>;
export type DeleteItemsAction = ServerAction<InProject<{ datasetId: string; keys: string[] }>, VersionResult>;

interface ItemsPage {
  items: DatasetItemView[];
  nextCursor: string | null;
  total: number;
}

const PAGE = 200;
const ROW_HEIGHT = 52;

function preview(value: unknown): string {
  if (value === null || value === undefined) return "–";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

/** The items of one version: keyset pages fetched as the virtualised list scrolls (10^5 items stay smooth), search, tag filter, version picker, add / edit / delete. */
export function ItemsClient({
  project,
  dataset,
  version,
  versions,
  tags,
  canEdit,
  addItem,
  updateItem,
  deleteItems,
}: {
  project: string;
  dataset: { id: string; name: string; latestVersion: number };
  version: number;
  versions: Array<{ number: number; itemCount: number; note: string; createdAt: string }>;
  tags: string[];
  canEdit: boolean;
  addItem: AddItemAction;
  updateItem: UpdateItemAction;
  deleteItems: DeleteItemsAction;
}) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const [tag, setTag] = useState("");
  const [editing, setEditing] = useState<DatasetItemView | "new" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, startTransition] = useTransition();
  const debouncedSearch = useDebounced(search.trim(), 250);
  const filters = { version, search: debouncedSearch || undefined, tag: tag || undefined };
  const base = `/p/${project}/datasets/${encodeURIComponent(dataset.name)}`;
  const query = useInfiniteQuery({
    queryKey: queryKeys.project(project).datasetItems(dataset.id, filters),
    initialPageParam: "",
    enabled: version > 0,
    queryFn: async ({ pageParam, signal }) => {
      const params = new URLSearchParams({ version: String(version), limit: String(PAGE) });
      if (pageParam) params.set("cursor", pageParam);
      if (filters.search) params.set("search", filters.search);
      if (filters.tag) params.set("tag", filters.tag);
      const res = await fetch(`${base}/data?${params}`, { signal });
      const body = (await res.json()) as unknown;
      if (!res.ok) throw new Error((body as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`);
      return body as ItemsPage;
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  const total = query.data?.pages[0]?.total ?? 0;
  const editable = canEdit && version === dataset.latestVersion;

  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual returns fresh functions by design
  const virtualizer = useVirtualizer({
    count: query.hasNextPage ? items.length + 1 : items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const lastIndex = virtualRows.at(-1)?.index ?? 0;
  useEffect(() => {
    if (lastIndex >= items.length - 1 && query.hasNextPage && !query.isFetchingNextPage) void query.fetchNextPage();
  }, [lastIndex, items.length, query]);

  async function afterChange(newVersion: number) {
    setEditing(null);
    await queryClient.invalidateQueries({ queryKey: queryKeys.project(project).all });
    startTransition(() => router.push(`${base}?version=${newVersion}`));
    router.refresh();
  }

  async function saveNew(item: DatasetItemData): Promise<string | null> {
    const result = await withSignIn(addItem)({ project, datasetId: dataset.id, item });
    if (!result.ok) return result.issues?.length ? result.issues.map((i) => `${i.path}: ${i.message}`).join("; ") : result.message;
    await afterChange(result.data.version);
    return null;
  }

  async function saveEdit(key: string, item: DatasetItemData): Promise<string | null> {
    const result = await withSignIn(updateItem)({
      project,
      datasetId: dataset.id,
      key,
      patch: { variables: item.variables, expected: item.expected ?? null, metadata: item.metadata, tags: item.tags },
    });
    if (!result.ok) return result.issues?.length ? result.issues.map((i) => `${i.path}: ${i.message}`).join("; ") : result.message;
    await afterChange(result.data.version);
    return null;
  }

  async function remove(key: string) {
    if (!window.confirm(`Delete item "${key}"? A new version is made; earlier versions keep it.`)) return;
    setError(null);
    const result = await withSignIn(deleteItems)({ project, datasetId: dataset.id, keys: [key] });
    if (result.ok) await afterChange(result.data.version);
    else setError(result.message);
  }

  return (
    <div className="min-w-0 space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <label className="flex items-center gap-1.5 text-xs text-fg-muted">
          Version
          <select
            data-testid="version-picker"
            className="h-8 rounded-md border border-border bg-surface px-2 text-sm text-fg"
            value={version}
            onChange={(e) => router.push(`${base}?version=${e.target.value}`)}
          >
            {versions.length === 0 ? <option value={0}>none yet</option> : null}
            {versions.map((v) => (
              <option key={v.number} value={v.number}>
                v{v.number} · {v.itemCount.toLocaleString("en-US")} items{v.number === dataset.latestVersion ? " (latest)" : ""} · {v.note}
              </option>
            ))}
          </select>
        </label>
        <input
          data-testid="items-search"
          className="h-8 w-56 rounded-md border border-border bg-surface px-2 text-sm text-fg"
          placeholder="Search key, variables, expected"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        {tags.length > 0 ? (
          <select
            data-testid="items-tag"
            className="h-8 rounded-md border border-border bg-surface px-2 text-sm text-fg"
            value={tag}
            onChange={(e) => setTag(e.target.value)}
          >
            <option value="">all tags</option>
            {tags.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        ) : null}
        <span className="text-xs text-fg-muted tabular-nums" data-testid="items-total">
          {total.toLocaleString("en-US")} item{total === 1 ? "" : "s"}
        </span>
        {editable ? (
          <Button size="sm" className="ml-auto" onClick={() => setEditing("new")} data-testid="add-item">
            Add item
          </Button>
        ) : canEdit && version !== dataset.latestVersion ? (
          <span className="ml-auto text-xs text-fg-muted">Older versions are read-only.</span>
        ) : null}
      </div>
      {editing === "new" ? <ItemForm submitLabel="Add item" onSubmit={saveNew} onCancel={() => setEditing(null)} /> : null}
      {editing && editing !== "new" ? (
        <ItemForm key={editing.id} initial={editing} submitLabel="Save" onSubmit={(item) => saveEdit(editing.key, item)} onCancel={() => setEditing(null)} />
      ) : null}
      <FormError message={error ?? (query.error ? query.error.message : null)} />
      <Card className="overflow-hidden">
        <div
          className="grid grid-cols-[9rem_minmax(0,2fr)_minmax(0,1fr)_8rem_6rem] gap-2 border-b border-border px-3 py-2 text-xxs tracking-wide text-fg-muted uppercase"
          role="row"
        >
          <span>Key</span>
          <span>Variables</span>
          <span>Expected</span>
          <span>Tags</span>
          <span />
        </div>
        <div ref={scrollRef} className="h-[60vh] overflow-y-auto" data-testid="items-scroll">
          {version === 0 || (query.data && items.length === 0) ? (
            <p className="px-3 py-8 text-center text-sm text-fg-muted" data-testid="items-empty">
              {version === 0 ? "No items yet: import a file, add logged calls from the call explorer, or add an item by hand." : "No items match."}
            </p>
          ) : (
            <div style={{ height: virtualizer.getTotalSize(), position: "relative" }} data-testid="items-table">
              {virtualRows.map((row) => {
                const item = items[row.index];
                return (
                  <div
                    key={row.key}
                    className="absolute inset-x-0 grid grid-cols-[9rem_minmax(0,2fr)_minmax(0,1fr)_8rem_6rem] items-center gap-2 border-b border-border px-3 text-xs hover:bg-muted/50"
                    style={{ top: row.start, height: row.size }}
                    data-testid={item ? "item-row" : "item-loading"}
                  >
                    {item ? (
                      <>
                        <span className="truncate font-mono" title={item.key}>
                          {item.key}
                        </span>
                        <span className="line-clamp-2 font-mono break-all text-fg" title={JSON.stringify(item.variables)}>
                          {preview(item.variables)}
                        </span>
                        <span className="line-clamp-2 break-all" data-testid="item-expected-cell">
                          {preview(item.expected)}
                        </span>
                        <span className="flex flex-wrap gap-1 overflow-hidden">
                          {item.tags.slice(0, 3).map((t) => (
                            <Badge key={t}>{t}</Badge>
                          ))}
                          {item.sourceCallId ? <Badge tone="accent">call</Badge> : null}
                        </span>
                        <span className="flex justify-end gap-2">
                          {editable ? (
                            <>
                              <button type="button" className="text-accent hover:underline" onClick={() => setEditing(item)} data-testid="item-edit">
                                Edit
                              </button>
                              <button type="button" className="text-danger hover:underline" onClick={() => void remove(item.key)} data-testid="item-delete">
                                Delete
                              </button>
                            </>
                          ) : null}
                        </span>
                      </>
                    ) : (
                      <span className="col-span-5 text-fg-muted">Loading…</span>
                    )}
                  </div>
                );
              })}
            </div>
          )}
        </div>
      </Card>
      {versions.length > 0 ? (
        <details className="text-xs text-fg-muted">
          <summary className="cursor-pointer">Version history ({versions.length})</summary>
          <ul className="mt-2 space-y-1" data-testid="version-history">
            {versions.map((v) => (
              <li key={v.number}>
                v{v.number} · {v.createdAt.slice(0, 16).replace("T", " ")} UTC · {v.itemCount.toLocaleString("en-US")} items · {v.note}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
