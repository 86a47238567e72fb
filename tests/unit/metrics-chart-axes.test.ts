import { describe, expect, it } from "vitest";
import { distinctYTicks, layoutMarkers, timeTicks } from "@/lib/metrics/chart-axes";

const pct1 = (v: number) => `${(v * 100).toFixed(1)}%`;
const usd = (v: number) => `$${v.toFixed(2)}`;

describe("distinctYTicks", () => {
  it("a small rate shown with one decimal gets distinct ticks (was 0.1%, 0.1%, 0.1%)", () => {
    const ticks = distinctYTicks(0.0012, pct1);
    const labels = ticks.map(pct1);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toEqual(["0.0%", "0.1%", "0.2%"]);
  });

  it("covers the maximum with at most maxTicks ticks on a nice step", () => {
    const ticks = distinctYTicks(1900, (v) => `${v} ms`);
    expect(ticks).toEqual([0, 500, 1000, 1500, 2000]);
    expect(distinctYTicks(0.37, pct1)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
  });

  it("every label differs whatever the precision", () => {
    for (const max of [0.0001, 0.004, 0.013, 0.05, 0.9, 3, 47, 12345]) {
      for (const format of [pct1, usd, (v: number) => v.toFixed(0)]) {
        const labels = distinctYTicks(max, format).map(format);
        expect(new Set(labels).size, `${max} ${labels.join(",")}`).toBe(labels.length);
        expect(labels.length).toBeLessThanOrEqual(5);
      }
    }
  });

  it("no data: 0 and one step above it", () => {
    expect(distinctYTicks(0, pct1).map(pct1)).toEqual(["0.0%", "0.1%"]);
  });
});

describe("timeTicks", () => {
  const h = 3_600_000;
  const t0 = Date.UTC(2026, 11, 1, 9, 17);
  it("ticks on round times, no finer than the bucket, at most maxTicks", () => {
    const ticks = timeTicks(t0, t0 + 10 * h, h);
    expect(ticks.length).toBeLessThanOrEqual(6);
    expect(ticks.every((t) => t % (2 * h) === 0)).toBe(true);
    expect(ticks[0]).toBe(Date.UTC(2026, 11, 1, 10));
  });

  it("minute buckets over 30 minutes tick every 10 minutes", () => {
    const ticks = timeTicks(t0, t0 + 30 * 60_000, 60_000);
    expect(ticks.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(["09:20", "09:30", "09:40"]);
  });

  it("one point, one tick", () => {
    expect(timeTicks(t0, t0, h)).toEqual([t0]);
  });
});

describe("layoutMarkers", () => {
  it("labels close in time are staggered on rows; far apart ones share row 0", () => {
    const placed = layoutMarkers(
      [
        { t: 50, label: "v1.2.0" },
        { t: 10, label: "v1.0.0" },
        { t: 15, label: "v1.1.0" },
        { t: 90, label: "v1.3.0" },
      ],
      0,
      100,
    );
    expect(placed).toEqual([
      { t: 10, label: "v1.0.0", row: 0 },
      { t: 15, label: "v1.1.0", row: 1 },
      { t: 50, label: "v1.2.0", row: 0 },
      { t: 90, label: "v1.3.0", row: 0 },
    ]);
  });

  it("markers on top of each other, or with no free row, merge into one label and keep their lines", () => {
    const placed = layoutMarkers(
      [
        { t: 10, label: "a" },
        { t: 10.5, label: "b" },
        { t: 12, label: "c" },
        { t: 14, label: "d" },
        { t: 16, label: "e" },
      ],
      0,
      100,
    );
    expect(placed.map((m) => [m.t, m.label, m.row])).toEqual([
      [10, "a / b", 0],
      [10.5, "", 0],
      [12, "c", 1],
      [14, "d / e", 2],
      [16, "", 2],
    ]);
  });

  it("drops markers outside the range", () => {
    expect(layoutMarkers([{ t: -5, label: "x" }], 0, 100)).toEqual([]);
  });
});
