/**
 * The metrics pages keep their range and filters in the page's query string, under the same
 * names as GET /api/v1/metrics (`range`, `from`, `to`, `label`, `model`, `rule`, `source`, `bucket`,
 * `playground`), so a view is a shareable link, back and forward step through filter changes,
 * and a reload keeps them. Pure (client components import it).
 */
export const URL_FILTER_KEYS = ["range", "from", "to", "label", "model", "rule", "source", "bucket", "playground"] as const;
export type UrlFilterKey = (typeof URL_FILTER_KEYS)[number];
export type UrlFilters = Partial<Record<UrlFilterKey, string>>;

export type UrlDefaults = Readonly<Record<"range" | "playground", string>>;

/**
 * What a metrics chart page shows without query parameters: the last 24 hours, playground calls
 * left out. (The cost view passes its own: 30 days, every call counted, since spend is spend.)
 */
export const DASHBOARD_DEFAULTS: UrlDefaults = { range: "24h", playground: "exclude" };

function isKey(k: string): k is UrlFilterKey {
  return (URL_FILTER_KEYS as readonly string[]).includes(k);
}

/** The filters a page's query string sets (unknown keys and empty values ignored, defaults filled in). */
export function readUrlFilters(search: string | URLSearchParams, defaults: UrlDefaults = DASHBOARD_DEFAULTS): UrlFilters & UrlDefaults {
  const params = typeof search === "string" ? new URLSearchParams(search) : search;
  const out: UrlFilters = {};
  for (const [k, v] of params) if (isKey(k) && v !== "") out[k] = v;
  return { ...defaults, ...out };
}

/**
 * The query string after a change: `patch` merged into the current filters (undefined or "" clears
 * a key), defaults and empty values left out, `from`/`to` kept only for a custom range, keys in a
 * fixed order (equal views get equal links). Without the leading "?".
 */
export function nextUrlSearch(current: string | URLSearchParams, patch: UrlFilters, defaults: UrlDefaults = DASHBOARD_DEFAULTS): string {
  const merged: UrlFilters = { ...readUrlFilters(current, defaults), ...patch };
  const out = new URLSearchParams();
  for (const k of URL_FILTER_KEYS) {
    const v = merged[k];
    if (v === undefined || v === "") continue;
    if ((k === "range" || k === "playground") && v === defaults[k]) continue;
    if ((k === "from" || k === "to") && merged.range !== "custom") continue;
    out.set(k, v);
  }
  return out.toString();
}
