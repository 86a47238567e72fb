"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { queryKeys } from "@/lib/query-keys";
import type { MetricsApiResult } from "@/lib/metrics/api";

export type MetricsQuery = Record<string, string | undefined>;

/** Query string of the set filters only (stable key order, so equal filter sets share a cache entry). */
export function toSearch(filters: MetricsQuery): string {
  const p = new URLSearchParams();
  for (const k of Object.keys(filters).sort()) {
    const v = filters[k];
    if (v !== undefined && v !== "") p.set(k, v);
  }
  return p.toString();
}

/** Metrics data for one filter set, cached per filter set; keeps showing the previous data while a new set loads. */
export function useMetrics<V extends MetricsApiResult["view"]>(projectSlug: string, view: V, filters: MetricsQuery) {
  const all = { ...filters, view };
  return useQuery({
    queryKey: queryKeys.project(projectSlug).metrics(all),
    queryFn: async ({ signal }) => {
      const res = await fetch(`/p/${encodeURIComponent(projectSlug)}/metrics/data?${toSearch(all)}`, { signal });
      const body = (await res.json()) as unknown;
      if (!res.ok) throw new Error((body as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`);
      return body as Extract<MetricsApiResult, { view: V }>;
    },
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
}
