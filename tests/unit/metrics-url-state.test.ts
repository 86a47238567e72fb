import { describe, expect, it } from "vitest";
import { nextUrlSearch, readUrlFilters } from "@/lib/metrics/url-state";
import { fitBucketToData, resolveWindow } from "@/lib/metrics/window";

// Issue 18 (daily use): the metrics pages keep range and filters in the URL; fresh data draws a line.
describe("metrics filters in the URL", () => {
  it("reads the page's query string with the dashboard defaults filled in (24h, playground left out)", () => {
    expect(readUrlFilters("")).toEqual({ range: "24h", playground: "exclude" });
    expect(readUrlFilters("range=7d&label=production&junk=1&model=")).toEqual({ range: "7d", playground: "exclude", label: "production" });
    expect(readUrlFilters("playground=include", { range: "30d", playground: "include" })).toEqual({ range: "30d", playground: "include" });
  });

  it("writes a change as a stable, minimal query string (defaults and empty values dropped, from/to only for custom)", () => {
    expect(nextUrlSearch("", { range: "7d" })).toBe("range=7d");
    expect(nextUrlSearch("range=7d", { label: "production" })).toBe("range=7d&label=production");
    expect(nextUrlSearch("label=production&range=7d", { label: "" })).toBe("range=7d");
    expect(nextUrlSearch("range=7d", { range: "24h" })).toBe("");
    expect(nextUrlSearch("", { playground: "include" })).toBe("playground=include");
    expect(nextUrlSearch("playground=include", { playground: "exclude" })).toBe("");
    expect(nextUrlSearch("", { range: "custom", from: "2026-12-01T10:00" })).toBe("range=custom&from=2026-12-01T10%3A00");
    expect(nextUrlSearch("range=custom&from=2026-12-01T10%3A00&to=2026-12-02T10%3A00", { range: "1h", from: undefined, to: undefined })).toBe("range=1h");
    // The cost view's own defaults.
    expect(nextUrlSearch("", { range: "30d", playground: "include" }, { range: "30d", playground: "include" })).toBe("");
  });
});

describe("buckets that draw a line", () => {
  const now = new Date("2026-12-03T12:40:00Z");
  const extent = (first: string, last: string) => ({ first: new Date(first), last: new Date(last) });

  it("calls all in one bucket of the range's default get the largest finer bucket that gives two points", () => {
    // 30 days in days; calls only from 10:05 to 11:50 today (one 6-hour bucket): hourly (minute buckets reach past the 14-day retention).
    const month = resolveWindow({ range: "30d" }, now, 14);
    expect(month.bucketMinutes).toBe(1440);
    expect(fitBucketToData(month, extent("2026-12-03T10:05:00Z", "2026-12-03T11:50:00Z"), now, 14)).toBe("1h");
    // 7 days in 6-hour buckets; calls in the last 40 minutes (one hour): 15-minute buckets.
    const week = resolveWindow({ range: "7d" }, now, 14);
    expect(week.bucketMinutes).toBe(360);
    expect(fitBucketToData(week, extent("2026-12-03T12:00:00Z", "2026-12-03T12:39:00Z"), now, 14)).toBe("15m");
    // 24 hours hourly; calls in the last 20 minutes.
    const day = resolveWindow({ range: "24h" }, now, 14);
    expect(fitBucketToData(day, extent("2026-12-03T12:20:00Z", "2026-12-03T12:39:00Z"), now, 14)).toBe("15m");
  });

  it("keeps the bucket when the data already spans two, when nothing finer fits, or without data", () => {
    const week = resolveWindow({ range: "7d" }, now, 14);
    expect(fitBucketToData(week, extent("2026-11-28T09:00:00Z", "2026-12-03T12:39:00Z"), now, 14)).toBeNull();
    expect(fitBucketToData(week, null, now, 14)).toBeNull();
    // All calls in one minute: no bucket gives two points.
    const hour = resolveWindow({ range: "1h" }, now, 14);
    expect(fitBucketToData(hour, extent("2026-12-03T12:30:00Z", "2026-12-03T12:30:00Z"), now, 14)).toBeNull();
    // 30 days past the minute retention, calls in one hour: hourly is the finest allowed, and gives one point.
    const month = resolveWindow({ range: "30d" }, now, 14);
    expect(fitBucketToData(month, extent("2026-12-03T12:01:00Z", "2026-12-03T12:39:00Z"), now, 14)).toBeNull();
  });
});
