import { DASH } from "@/components/metrics/format";

/** A [0, 1] score as "0.82", or a dash. */
export function fmtScore(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? DASH : v.toFixed(2);
}

/** A 95% interval of scores: "0.78 – 0.86", or empty when there is none. */
export function fmtScoreInterval(ci: readonly [number, number] | null | undefined): string {
  return ci ? `${fmtScore(ci[0])} – ${fmtScore(ci[1])}` : "";
}

/** A 95% interval of rates: "71% – 84%". */
export function fmtRateInterval(ci: readonly [number, number] | null | undefined): string {
  return ci ? `${Math.round(ci[0] * 100)}% – ${Math.round(ci[1] * 100)}%` : "";
}

/** A signed difference of scores or rates in points: "+0.04", "−0.12". */
export function fmtSignedScore(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const s = Math.abs(v).toFixed(2);
  return v > 0 ? `+${s}` : v < 0 ? `−${s}` : s;
}

/** Counts with thousands separators: "10,000". */
export function fmtCount(n: number): string {
  return n.toLocaleString("en-US");
}

export interface KappaReading {
  /** Landis & Koch band: "almost perfect", "substantial", "moderate", "fair", "slight", "poor". */
  band: string;
  /** What a team should do with the judge, in a sentence. */
  advice: string;
  tone: "success" | "warning" | "danger" | "neutral";
}

/**
 * Cohen's kappa in plain words (Landis & Koch bands), judged on the lower end of its 95%
 * interval when there is one: a judge whose agreement could still be "moderate" is not yet
 * trusted for pass/fail, however good the point estimate looks.
 */
export function kappaReading(kappa: number | null, ci: readonly [number, number] | null, n: number): KappaReading {
  if (kappa === null || n === 0) {
    return { band: "unknown", advice: "No item has both a person's verdict and the judge's: review a few items to measure agreement.", tone: "neutral" };
  }
  const band = (k: number) => (k > 0.8 ? "almost perfect" : k > 0.6 ? "substantial" : k > 0.4 ? "moderate" : k > 0.2 ? "fair" : k > 0 ? "slight" : "poor");
  const point = band(kappa);
  const low = ci ? ci[0] : kappa;
  const few = n < 20 ? ` Only ${n} reviewed item${n === 1 ? "" : "s"}: review more to narrow the interval.` : "";
  if (low > 0.6) return { band: point, advice: `${capitalize(point)} agreement — trust the judge for pass/fail.${few}`, tone: "success" };
  if (kappa > 0.6) {
    return {
      band: point,
      advice: `${capitalize(point)} agreement, but the interval reaches down to ${band(low)} — spot-check the judge before trusting it.${few}`,
      tone: "warning",
    };
  }
  if (kappa > 0.4)
    return { band: point, advice: `${capitalize(point)} agreement — use the judge as a hint and review its failures by hand.${few}`, tone: "warning" };
  return { band: point, advice: `${capitalize(point)} agreement — do not trust the judge for pass/fail; fix its rubric.${few}`, tone: "danger" };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
