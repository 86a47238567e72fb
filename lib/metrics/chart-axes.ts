// Pure axis and annotation layout for the dashboard's charts (components/charts): ticks whose
// labels never repeat, time ticks on round times, release markers that do not overlap.

const NICE_STEPS = [1, 2, 2.5, 5];

/** Nice steps (1, 2, 2.5, 5 x 10^k) from the smallest one at or above `min`, ascending. */
function* niceSteps(min: number): Generator<number> {
  let exponent = Math.floor(Math.log10(min));
  for (;;) {
    for (const base of NICE_STEPS) {
      const step = base * 10 ** exponent;
      if (step >= min * (1 - 1e-9)) yield step;
    }
    exponent++;
  }
}

/**
 * Y ticks from 0 up to at least `max` on a nice step, at most `maxTicks` of them, whose labels
 * under `format` are all different: the smallest such step wins, so a rate of at most 0.12 % shown
 * with one decimal gets 0.0 %, 0.1 %, 0.2 %, never "0.1 %, 0.1 %, 0.1 %". `max` <= 0 (no data or
 * all zeros) gives [0, the first step whose label differs from 0's].
 */
export function distinctYTicks(max: number, format: (v: number) => string, maxTicks = 5): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 0;
  const start = top > 0 ? top / Math.max(1, maxTicks - 1) : 1e-6;
  let guard = 0;
  for (const step of niceSteps(start)) {
    if (++guard > 60) break;
    const count = Math.max(1, Math.ceil(top / step - 1e-9));
    if (count + 1 > maxTicks) continue;
    const ticks = Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)));
    const labels = ticks.map(format);
    if (new Set(labels).size === labels.length) return ticks;
  }
  return [0, top > 0 ? top : 1];
}

const MINUTE = 60_000;
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160, 43200].map((m) => m * MINUTE);

/**
 * Ticks for a time axis from `min` to `max` (ms): multiples of a round step (1, 2, 5, 10, 15,
 * 30 minutes, 1, 2, 3, 6, 12 hours, 1, 2, 7, 14, 30 days) no finer than `bucketMs`, at most
 * `maxTicks` of them, inside [min, max]. A single point gets one tick.
 */
export function timeTicks(min: number, max: number, bucketMs: number, maxTicks = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  if (max === min) return [min];
  const span = max - min;
  const step = TIME_STEPS.find((s) => s >= bucketMs && span / s <= maxTicks - 1) ?? Math.max(bucketMs, Math.ceil(span / (maxTicks - 1) / MINUTE) * MINUTE);
  const first = Math.ceil(min / step) * step;
  const ticks: number[] = [];
  for (let t = first; t <= max && ticks.length < maxTicks; t += step) ticks.push(t);
  return ticks.length > 0 ? ticks : [min];
}

export interface PlacedMarker {
  t: number;
  /** The label drawn at this line; "" when it was merged into an earlier marker's label. */
  label: string;
  /** Row of the label from the top (0 .. rows - 1): labels close in time sit on different rows. */
  row: number;
}

/**
 * Lays out release markers on a time axis of `[min, max]`. Every marker keeps its line; labels
 * closer than `labelFraction` of the span (about a label's width) are staggered over `rows`
 * rows, and a marker closer than `mergeFraction` to the previous label, or finding no free row,
 * adds its text to that label ("v1.2.0 / v1.3.0") and draws none. Markers outside the range are
 * dropped. Input order does not matter; output is by time.
 */
export function layoutMarkers(
  markers: ReadonlyArray<{ t: number; label: string }>,
  min: number,
  max: number,
  options: { mergeFraction?: number; labelFraction?: number; rows?: number } = {},
): PlacedMarker[] {
  const span = Math.max(1, max - min);
  const mergeGap = (options.mergeFraction ?? 0.02) * span;
  const labelGap = (options.labelFraction ?? 0.16) * span;
  const rows = options.rows ?? 3;
  const sorted = markers.filter((m) => m.t >= min && m.t <= max).sort((a, b) => a.t - b.t);
  const out: PlacedMarker[] = [];
  // Per row, the time of the last label drawn on it.
  const lastOnRow: Array<number | undefined> = [];
  let holder: PlacedMarker | null = null;
  for (const m of sorted) {
    let row = -1;
    if (!holder || m.t - holder.t >= mergeGap) {
      for (let r = 0; r < rows; r++) {
        const last = lastOnRow[r];
        if (last === undefined || m.t - last >= labelGap) {
          row = r;
          break;
        }
      }
    }
    if (row === -1 && holder) {
      holder.label = `${holder.label} / ${m.label}`;
      out.push({ t: m.t, label: "", row: holder.row });
      continue;
    }
    const placed: PlacedMarker = { t: m.t, label: m.label, row: Math.max(0, row) };
    lastOnRow[placed.row] = m.t;
    holder = placed;
    out.push(placed);
  }
  return out;
}
