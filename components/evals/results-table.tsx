"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import { useInfiniteQuery, type InfiniteData } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { queryKeys } from "@/lib/query-keys";
import { diffText } from "@/lib/prompts/diff";
import { DiffLines } from "@/components/prompts/diff-lines";
import { fmtMs, fmtUsd } from "@/components/metrics/format";
import { Badge, FormError, cx } from "@/components/ui";
import type { EvalItemResult, EvalItemRow } from "./contract";
import { fmtCount, fmtScore } from "./format";
import { RESULTS_PAGE_SIZE } from "./contract";

export type ResultsFilter = "all" | "regressions" | "failed" | "unreviewed";
export interface ResultsPage {
  rows: EvalItemRow[];
  nextCursor: string | null;
  total: number;
}

export const RESULTS_FILTERS: Array<{ value: ResultsFilter; label: string }> = [
  { value: "all", label: "All" },
  { value: "regressions", label: "Regressions" },
  { value: "failed", label: "Failed" },
  { value: "unreviewed", label: "Unreviewed" },
];

const ROW_HEIGHT = 56;

/** URL of one page of a run's per-item results (the run page's `results/route.ts`). */
export function resultsUrl(project: string, runId: string, filter: ResultsFilter, after: string | null, limit = RESULTS_PAGE_SIZE): string {
  const q = new URLSearchParams({ filter, limit: String(limit), ...(after ? { after } : {}) });
  return `/p/${encodeURIComponent(project)}/evals/${encodeURIComponent(runId)}/results?${q.toString()}`;
}

export async function fetchResultsPage(url: string): Promise<ResultsPage> {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `Could not load results (${res.status})`);
  }
  return (await res.json()) as ResultsPage;
}

function preview(text: string | null, max = 140): string {
  if (text === null) return "";
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

function ResultCell({ r }: { r: EvalItemResult | undefined }) {
  if (!r) return <span className="text-fg-muted">–</span>;
  if (r.outcome !== "succeeded") {
    return (
      <span className="flex min-w-0 items-center gap-1.5">
        <Badge tone={r.outcome === "pending" ? "neutral" : "danger"}>{r.outcome}</Badge>
        <span className="truncate text-xs text-fg-muted">{preview(r.error, 80)}</span>
      </span>
    );
  }
  return (
    <span className="flex min-w-0 items-center gap-1.5">
      {r.passed === null ? <Badge>no score</Badge> : <Badge tone={r.passed ? "success" : "danger"}>{r.passed ? "pass" : "fail"}</Badge>}
      <span className="w-8 shrink-0 text-xs tabular-nums">{fmtScore(r.score)}</span>
      <span className="truncate font-mono text-xs text-fg-muted">{preview(r.output)}</span>
    </span>
  );
}

/**
 * A run's per-item results: one row per dataset item with each version's verdict, score and
 * output; a click opens the item (variables, expected, outputs side by side with their diff
 * against the baseline, each evaluator's score and the judge's reason). Virtualised (only the
 * rows in view are in the DOM) and keyset-paged, so 10,000 items x 3 versions scroll smoothly.
 * The first page comes from the server render (`initial`), so the first rows show without a fetch.
 */
export function ResultsTable({
  project,
  runId,
  versions,
  baselineIndex,
  filter,
  initial,
  live,
}: {
  project: string;
  runId: string;
  versions: Array<{ id: string; display: string }>;
  baselineIndex: number;
  filter: ResultsFilter;
  initial?: ResultsPage;
  /** The run is still going: refetch what is loaded now and then. */
  live: boolean;
}) {
  const query = useInfiniteQuery<ResultsPage, Error, InfiniteData<ResultsPage, string | null>, readonly unknown[], string | null>({
    queryKey: queryKeys.project(project).evalResults(runId, filter),
    queryFn: ({ pageParam }) => fetchResultsPage(resultsUrl(project, runId, filter, pageParam)),
    initialPageParam: null,
    getNextPageParam: (last) => last.nextCursor,
    ...(initial ? { initialData: { pages: [initial], pageParams: [null] } } : {}),
    refetchInterval: live ? 5_000 : false,
    staleTime: live ? 0 : 60_000,
  });
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.rows) ?? [], [query.data]);
  const total = query.data?.pages[0]?.total ?? 0;
  const [open, setOpen] = useState<string | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualiser must re-render with the scroll position; the compiler leaves this component unmemoised, as it should
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    // Lets the server render the first rows (no scroll element there).
    initialRect: { width: 1200, height: 640 },
    getItemKey: (i) => rows[i]?.itemId ?? i,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= rows.length - 40) void fetchNextPage();
  }, [lastIndex, rows.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  const columns = `minmax(9rem,1.1fr) ${versions.map(() => "minmax(12rem,2fr)").join(" ")}`;
  if (query.isError) return <FormError message={query.error.message} testId="results-error" />;
  return (
    <div data-testid="results-table" data-total={total}>
      <p className="mb-2 text-xs text-fg-muted" data-testid="results-count">
        {query.isPending ? "Loading…" : `${fmtCount(total)} item${total === 1 ? "" : "s"}${rows.length < total ? ` · ${fmtCount(rows.length)} loaded` : ""}`}
      </p>
      <div className="overflow-x-auto rounded-md border border-border">
        <div className="min-w-[48rem]">
          <div className="grid border-b border-border bg-muted/40 text-xs font-medium text-fg-muted" style={{ gridTemplateColumns: columns }} role="row">
            <div className="px-3 py-2" role="columnheader">
              Item
            </div>
            {versions.map((v, i) => (
              <div key={v.id} className="px-3 py-2 font-mono" role="columnheader">
                {v.display}
                {i === baselineIndex ? <span className="ml-1 font-sans text-fg-muted">(baseline)</span> : null}
              </div>
            ))}
          </div>
          <div ref={scrollRef} className="relative h-[min(640px,70vh)] overflow-y-auto" data-testid="results-scroll">
            {rows.length === 0 && !query.isPending ? (
              <p className="p-6 text-center text-sm text-fg-muted" data-testid="results-empty">
                {filter === "regressions" ? "No regressions: no item passed on the baseline and fails now." : "No items match this filter."}
              </p>
            ) : null}
            <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
              {items.map((vi) => {
                const row = rows[vi.index]!;
                const expanded = open === row.itemId;
                return (
                  <div
                    key={vi.key}
                    data-index={vi.index}
                    ref={virtualizer.measureElement}
                    className="absolute top-0 left-0 w-full border-b border-border"
                    style={{ transform: `translateY(${vi.start}px)` }}
                    data-testid="result-row"
                    data-item={row.key}
                    data-regression={row.regression ? "true" : undefined}
                  >
                    <button
                      type="button"
                      className={cx("grid w-full items-center text-left text-sm hover:bg-muted/50", expanded && "bg-muted/40")}
                      style={{ gridTemplateColumns: columns, minHeight: ROW_HEIGHT }}
                      onClick={() => setOpen(expanded ? null : row.itemId)}
                      aria-expanded={expanded}
                    >
                      <span className="min-w-0 px-3 py-2">
                        <span className="flex items-center gap-1.5">
                          <span className="font-mono text-xs text-fg-muted">#{row.ordinal + 1}</span>
                          {row.regression ? <Badge tone="danger">regression</Badge> : null}
                        </span>
                        <span className="block truncate text-xs">{preview(JSON.stringify(row.variables), 80)}</span>
                      </span>
                      {versions.map((v) => (
                        <span key={v.id} className="min-w-0 px-3 py-2">
                          <ResultCell r={row.results.find((r) => r.runVersionId === v.id)} />
                        </span>
                      ))}
                    </button>
                    {expanded ? <ItemDetail row={row} versions={versions} baselineIndex={baselineIndex} /> : null}
                  </div>
                );
              })}
            </div>
          </div>
        </div>
      </div>
      {isFetchingNextPage ? <p className="mt-1 text-xs text-fg-muted">Loading more…</p> : null}
    </div>
  );
}

function show(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? v : JSON.stringify(v, null, 2);
}

/** One item opened: its input, the expected output, and each version's output and scores. */
function ItemDetail({ row, versions, baselineIndex }: { row: EvalItemRow; versions: Array<{ id: string; display: string }>; baselineIndex: number }) {
  const baseline = row.results.find((r) => r.runVersionId === versions[baselineIndex]?.id);
  return (
    <div className="space-y-3 bg-surface px-3 pt-1 pb-4 text-sm" data-testid="result-detail">
      <div className="grid gap-3 md:grid-cols-2">
        <div>
          <p className="mb-1 text-xs font-medium text-fg-muted">Variables</p>
          <pre className="max-h-48 overflow-auto rounded-md bg-muted/50 p-2 font-mono text-xs whitespace-pre-wrap">
            {JSON.stringify(row.variables, null, 2)}
          </pre>
        </div>
        <div>
          <p className="mb-1 text-xs font-medium text-fg-muted">Expected</p>
          <pre className="max-h-48 overflow-auto rounded-md bg-muted/50 p-2 font-mono text-xs whitespace-pre-wrap">
            {row.expected === null || row.expected === undefined ? <span className="text-fg-muted italic">none</span> : show(row.expected)}
          </pre>
        </div>
      </div>
      <div className="grid gap-3" style={{ gridTemplateColumns: `repeat(${versions.length}, minmax(0, 1fr))` }}>
        {versions.map((v, i) => {
          const r = row.results.find((x) => x.runVersionId === v.id);
          const lines = r?.output != null && baseline?.output != null && i !== baselineIndex ? diffText(baseline.output, r.output) : null;
          return (
            <div key={v.id} className="min-w-0 rounded-md border border-border" data-testid="result-version">
              <div className="flex items-center gap-2 border-b border-border bg-muted/40 px-2 py-1 text-xs">
                <span className="font-mono font-medium">{v.display}</span>
                {i === baselineIndex ? <span className="text-fg-muted">baseline</span> : lines ? <span className="text-fg-muted">diff vs baseline</span> : null}
                {r ? (
                  <span className="ml-auto text-fg-muted tabular-nums">
                    {fmtMs(r.latencyMs)} · {fmtUsd(r.costMicros)}
                  </span>
                ) : null}
              </div>
              {!r ? (
                <p className="p-2 text-xs text-fg-muted">No result.</p>
              ) : r.outcome !== "succeeded" ? (
                <p className="p-2 text-xs text-danger">
                  {r.outcome}: {r.error ?? "no output"}
                </p>
              ) : lines ? (
                <div className="max-h-64 overflow-auto py-1">
                  <DiffLines lines={lines} side="after" />
                </div>
              ) : (
                <pre className="max-h-64 overflow-auto p-2 font-mono text-xs whitespace-pre-wrap">{r.output}</pre>
              )}
              {r ? (
                <ul className="space-y-1 border-t border-border p-2 text-xs">
                  {Object.entries(r.scores).map(([id, s]) => (
                    <li key={id} data-testid="result-score" data-evaluator={id}>
                      <span className="font-mono">{id}</span>{" "}
                      {s.pass === null ? <Badge>no score</Badge> : <Badge tone={s.pass ? "success" : "danger"}>{s.pass ? "pass" : "fail"}</Badge>}{" "}
                      <span className="tabular-nums">{fmtScore(s.score)}</span>
                      {s.reason ? (
                        <span className="block text-fg-muted" data-testid="judge-reason">
                          {s.reason}
                        </span>
                      ) : null}
                      {s.error ? <span className="block text-danger">{s.error}</span> : null}
                    </li>
                  ))}
                  {r.review ? (
                    <li data-testid="result-review">
                      Reviewed:{" "}
                      <Badge tone={r.review.verdict === "correct" ? "success" : r.review.verdict === "incorrect" ? "danger" : "neutral"}>
                        {r.review.verdict}
                      </Badge>
                      {r.review.note ? <span className="text-fg-muted"> — {r.review.note}</span> : null}
                    </li>
                  ) : null}
                </ul>
              ) : null}
            </div>
          );
        })}
      </div>
    </div>
  );
}
