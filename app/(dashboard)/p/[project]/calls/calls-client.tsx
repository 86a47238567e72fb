"use client";

import Link from "next/link";
import { useState } from "react";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { FilterSelect, LoadState } from "@/components/metrics/filter-bar";
import { fmtMs, fmtNumber, fmtUsd } from "@/components/metrics/format";
import { toSearch } from "@/components/metrics/use-metrics";
import { Badge, Button } from "@/components/ui";
import { queryKeys } from "@/lib/query-keys";
import type { CallPage } from "@/lib/metrics/calls";
import { SOURCES } from "@/lib/metrics/window";
import { AddToDataset, type AddCallsToDatasetAction } from "./add-to-dataset";

const STATUS_TONE = { ok: "success", error: "danger", refusal: "warning", invalid_output: "warning", cancelled: "neutral" } as const;

export function CallsClient({
  projectSlug,
  initialPrompt,
  datasets = [],
  canEdit = false,
  addToDataset,
}: {
  projectSlug: string;
  initialPrompt: string;
  datasets?: string[];
  canEdit?: boolean;
  addToDataset?: AddCallsToDatasetAction;
}) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [prompt, setPrompt] = useState(initialPrompt);
  const [status, setStatus] = useState("");
  const [source, setSource] = useState("");
  const [model, setModel] = useState("");
  const [scored, setScored] = useState("");
  const filters = { prompt, status, source, model, scored, limit: "50" };
  const query = useInfiniteQuery({
    queryKey: queryKeys.project(projectSlug).calls(filters),
    initialPageParam: "",
    queryFn: async ({ pageParam, signal }) => {
      const res = await fetch(`/p/${encodeURIComponent(projectSlug)}/calls/data?${toSearch({ ...filters, cursor: pageParam || undefined })}`, { signal });
      const body = (await res.json()) as unknown;
      if (!res.ok) throw new Error((body as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`);
      return body as CallPage;
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="space-y-3" data-testid="call-explorer">
      <div className="flex flex-wrap items-center gap-3">
        <label className="flex items-center gap-1.5 text-xs text-fg-muted">
          Prompt
          <input
            data-testid="filter-prompt"
            className="h-8 w-44 rounded-md border border-border bg-surface px-2 text-sm text-fg"
            value={prompt}
            placeholder="name"
            onChange={(e) => setPrompt(e.target.value.trim())}
          />
        </label>
        <FilterSelect
          testId="filter-status"
          label="Status"
          value={status}
          onChange={setStatus}
          options={["ok", "error", "refusal", "invalid_output", "cancelled"].map((s) => ({ value: s, label: s }))}
        />
        <FilterSelect testId="filter-source" label="Source" value={source} onChange={setSource} options={SOURCES.map((s) => ({ value: s, label: s }))} />
        <label className="flex items-center gap-1.5 text-xs text-fg-muted">
          Model
          <input
            className="h-8 w-44 rounded-md border border-border bg-surface px-2 text-sm text-fg"
            value={model}
            placeholder="any"
            onChange={(e) => setModel(e.target.value.trim())}
          />
        </label>
        <FilterSelect
          testId="filter-scored"
          label="Scored"
          value={scored}
          onChange={setScored}
          options={[
            { value: "yes", label: "scored" },
            { value: "no", label: "not scored" },
          ]}
        />
      </div>
      {canEdit && addToDataset ? (
        <AddToDataset project={projectSlug} datasets={datasets} selected={[...selected]} add={addToDataset} onDone={() => setSelected(new Set())} />
      ) : null}
      <LoadState isLoading={query.isLoading} error={query.error} />
      <div className="overflow-x-auto rounded-lg border border-border bg-surface">
        <table className="w-full text-sm" data-testid="calls-table">
          <thead className="text-left text-xxs tracking-wide text-fg-muted uppercase">
            <tr>
              {canEdit ? (
                <th className="w-8 px-3 py-2">
                  <input
                    type="checkbox"
                    aria-label="Select all shown calls"
                    data-testid="calls-select-all"
                    checked={items.length > 0 && items.every((c) => selected.has(c.id))}
                    onChange={(e) => setSelected(e.target.checked ? new Set(items.map((c) => c.id)) : new Set())}
                  />
                </th>
              ) : null}
              <th className="px-3 py-2">Time (UTC)</th>
              <th className="px-3 py-2">Prompt</th>
              <th className="px-3 py-2">Status</th>
              <th className="px-3 py-2">Source</th>
              <th className="px-3 py-2">Model</th>
              <th className="px-3 py-2 text-right">Latency</th>
              <th className="px-3 py-2 text-right">Tokens in / out</th>
              <th className="px-3 py-2 text-right">Cost</th>
              <th className="px-3 py-2 text-right">Score</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id} className="border-t border-border hover:bg-muted/50" data-testid="call-row">
                {canEdit ? (
                  <td className="px-3 py-1.5">
                    <input
                      type="checkbox"
                      aria-label={`Select call ${c.id}`}
                      data-testid="call-select"
                      checked={selected.has(c.id)}
                      onChange={(e) => {
                        const next = new Set(selected);
                        if (e.target.checked) next.add(c.id);
                        else next.delete(c.id);
                        setSelected(next);
                      }}
                    />
                  </td>
                ) : null}
                <td className="px-3 py-1.5 whitespace-nowrap">
                  <Link className="text-accent hover:underline" href={`/p/${projectSlug}/calls/${c.id}`}>
                    {c.createdAt.slice(0, 19).replace("T", " ")}
                  </Link>
                </td>
                <td className="px-3 py-1.5">
                  {c.prompt ?? "–"} {c.version ? <span className="text-xxs text-fg-muted">v{c.version}</span> : null}
                </td>
                <td className="px-3 py-1.5">
                  <Badge tone={STATUS_TONE[c.status as keyof typeof STATUS_TONE] ?? "neutral"}>{c.status}</Badge>
                </td>
                <td className="px-3 py-1.5 text-xs">{c.source}</td>
                <td className="px-3 py-1.5 text-xs">{c.model}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtMs(c.latencyMs)}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  {fmtNumber(c.inputTokens + c.cacheReadTokens)} / {fmtNumber(c.outputTokens)}
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">{fmtUsd(c.costMicros)}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  {c.score === null ? "–" : c.score === 1 ? "✓ correct" : c.score === 0 ? "✗ incorrect" : c.score.toFixed(2)}
                </td>
              </tr>
            ))}
            {query.data && items.length === 0 ? (
              <tr>
                <td colSpan={canEdit ? 10 : 9} className="px-3 py-6 text-center text-fg-muted" data-testid="calls-empty">
                  No calls match these filters.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {query.hasNextPage ? (
        <Button data-testid="calls-more" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? "Loading…" : "Load more"}
        </Button>
      ) : null}
    </div>
  );
}
