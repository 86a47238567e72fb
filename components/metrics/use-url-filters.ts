"use client";

import { useCallback, useMemo } from "react";
import { usePathname, useSearchParams } from "next/navigation";
import { DASHBOARD_DEFAULTS, nextUrlSearch, readUrlFilters, type UrlDefaults, type UrlFilters } from "@/lib/metrics/url-state";

/**
 * The page's metrics filters, read from and written to its query string (lib/metrics/url-state.ts):
 * each change is a history entry (pushState), so the link is shareable, back/forward step through changes and
 * a reload keeps them.
 */
export function useUrlFilters(defaults: UrlDefaults = DASHBOARD_DEFAULTS) {
  const params = useSearchParams();
  const pathname = usePathname();
  const search = params.toString();
  const filters = useMemo(() => readUrlFilters(search, defaults), [search, defaults]);
  const set = useCallback(
    (patch: UrlFilters) => {
      // The address bar, not this render's snapshot: two changes before the next render (clear the
      // model, then pick a source) must not bring back what the first one removed.
      const current = window.location.search.replace(/^\?/, "");
      const next = nextUrlSearch(current, patch, defaults);
      // The native history API is synced with Next's router (useSearchParams updates) without
      // re-rendering the server page: the data comes from the metrics data route anyway.
      // Typing a custom from/to replaces the entry instead of adding one per keystroke.
      const typing = Object.keys(patch).every(
        (k) => k === "from" || k === "to" || (k === "range" && patch.range === "custom" && current.includes("range=custom")),
      );
      window.history[typing ? "replaceState" : "pushState"](null, "", next ? `${pathname}?${next}` : pathname);
    },
    [pathname, defaults],
  );
  return { filters, set };
}
