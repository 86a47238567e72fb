// The webhook retry schedule: exponential with equal jitter, capped, and nothing after 24 hours.
import { describe, expect, it } from "vitest";
import { DELIVERY_WINDOW_MS, nextRetryAt, retryDelayMs } from "@/lib/webhooks/backoff";

describe("webhook backoff", () => {
  it("doubles from 10 s up to the 1 h cap, each wait between half and all of it", () => {
    const expected = [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600].map((s) => s * 1000);
    expected.forEach((full, i) => {
      expect(retryDelayMs(i + 1, { random: () => 0 })).toBe(full / 2);
      expect(retryDelayMs(i + 1, { random: () => 0.999999 })).toBeCloseTo(full, -1);
      const d = retryDelayMs(i + 1);
      expect(d).toBeGreaterThanOrEqual(full / 2);
      expect(d).toBeLessThanOrEqual(full);
    });
    expect(retryDelayMs(1000, { random: () => 1 })).toBe(3_600_000);
  });

  it("jitter spreads endpoints that failed together", () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(5)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it("schedules retries for 24 hours after the event, then stops", () => {
    const eventAt = new Date("2026-01-01T00:00:00Z");
    let now = eventAt;
    let attempts = 1;
    for (;;) {
      const at = nextRetryAt(eventAt, attempts, now, { random: () => 1 });
      if (!at) break;
      expect(at.getTime()).toBeGreaterThan(now.getTime());
      expect(at.getTime() - eventAt.getTime()).toBeLessThanOrEqual(DELIVERY_WINDOW_MS);
      now = at;
      attempts++;
    }
    // 10 s .. 1 h doubling (about 2.4 h), then hourly: about 31 attempts in the day.
    expect(attempts).toBeGreaterThanOrEqual(28);
    expect(attempts).toBeLessThanOrEqual(34);
    expect(eventAt.getTime() + DELIVERY_WINDOW_MS - now.getTime()).toBeLessThan(3_600_000);
    expect(nextRetryAt(eventAt, 3, new Date(eventAt.getTime() + DELIVERY_WINDOW_MS), {})).toBeNull();
  });
});
