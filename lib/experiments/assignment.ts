import { createHash } from "node:crypto";

/**
 * Sticky variant assignment.
 *
 * Scheme: every (experiment id, subject key) pair hashes to a bucket in [0, 10000):
 * `bucket = uint48(first 6 bytes of SHA-256("<experimentId>:<subject>")) mod 10000` (the modulo
 * bias is below 1e-10). The bucket space is divided between variants by an ALLOCATION: for each
 * variant key a list of half-open ranges [start, end) of buckets, 100 buckets per weight point.
 * A new experiment lays the variants out contiguously in variant-key order (A, B, C...).
 *
 * Weight changes do not re-lay the space out: every variant whose weight drops releases buckets
 * from the end of its ranges, and the released buckets are handed to the variants whose weight
 * grows (in key order). So exactly sum(max(0, old - new)) percent of subjects move: the total
 * variation distance between the two splits, which is the minimum any scheme can achieve.
 * Subjects never move between two variants whose weights did not change.
 *
 * Paused variants (e.g. by a guardrail) keep their buckets but get no traffic: a subject whose
 * bucket belongs to a paused variant is re-hashed with a second salt
 * (`"<experimentId>:reroute:<subject>"`) over the ACTIVE variants' weights renormalised to 100%
 * (cumulative, key order). Subjects of active variants keep their variant. Without a subject key,
 * the bucket is uniform random (Math.random by default).
 */

export const BUCKETS = 10_000;
const BUCKETS_PER_POINT = BUCKETS / 100;

/** `[start, end)` bucket ranges per variant key. */
export type Allocation = Record<string, Array<[number, number]>>;

export interface WeightedKey {
  key: string;
  weight: number;
}

/** The bucket of a subject in an experiment: uint in [0, 10000). */
export function bucketOf(experimentId: string, subject: string, salt = ""): number {
  const digest = createHash("sha256").update(`${experimentId}:${salt}${subject}`).digest();
  return digest.readUIntBE(0, 6) % BUCKETS;
}

function byKey<T extends { key: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function merge(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = out.at(-1);
    if (last && last[1] === s) last[1] = e;
    else out.push([s, e]);
  }
  return out;
}

function size(ranges: ReadonlyArray<readonly [number, number]>): number {
  return ranges.reduce((n, [s, e]) => n + (e - s), 0);
}

/** Contiguous layout in key order: A gets [0, wA*100), B the next wB*100 buckets, ... */
export function initialAllocation(variants: readonly WeightedKey[]): Allocation {
  const allocation: Allocation = {};
  let start = 0;
  for (const v of byKey(variants)) {
    const end = start + v.weight * BUCKETS_PER_POINT;
    allocation[v.key] = end > start ? [[start, end]] : [];
    start = end;
  }
  return allocation;
}

/**
 * The allocation after a weight change that moves the fewest buckets: shrinking variants give
 * up buckets from the end of their ranges; growing variants receive them in key order.
 * `next` must have the same keys as `current` and weights summing to 100.
 */
export function reallocate(current: Allocation, next: readonly WeightedKey[]): Allocation {
  const result: Allocation = {};
  const freed: Array<[number, number]> = [];
  for (const v of byKey(next)) {
    const ranges = merge((current[v.key] ?? []).map(([s, e]) => [s, e] as [number, number]));
    const target = v.weight * BUCKETS_PER_POINT;
    let excess = size(ranges) - target;
    while (excess > 0) {
      const last = ranges.at(-1);
      if (!last) break;
      const take = Math.min(excess, last[1] - last[0]);
      freed.push([last[1] - take, last[1]]);
      last[1] -= take;
      if (last[1] === last[0]) ranges.pop();
      excess -= take;
    }
    result[v.key] = ranges;
  }
  const pool = merge(freed);
  for (const v of byKey(next)) {
    const ranges = result[v.key] ?? [];
    let missing = v.weight * BUCKETS_PER_POINT - size(ranges);
    while (missing > 0) {
      const first = pool[0];
      if (!first) break;
      const take = Math.min(missing, first[1] - first[0]);
      ranges.push([first[0], first[0] + take]);
      first[0] += take;
      if (first[0] === first[1]) pool.shift();
      missing -= take;
    }
    result[v.key] = merge(ranges);
  }
  return result;
}

/** Whether `allocation` covers [0, 10000) exactly once and matches the weights. */
export function isValidAllocation(allocation: Allocation, variants: readonly WeightedKey[]): boolean {
  const all: Array<[number, number]> = [];
  for (const v of variants) {
    const ranges = allocation[v.key];
    if (!ranges || size(ranges) !== v.weight * BUCKETS_PER_POINT) return false;
    all.push(...ranges);
  }
  if (Object.keys(allocation).length !== variants.length) return false;
  const sorted = [...all].sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [s, e] of sorted) {
    if (s !== at || e < s) return false;
    at = e;
  }
  return at === BUCKETS;
}

/** The variant key owning `bucket`, or undefined when the allocation has a gap. */
export function ownerOf(allocation: Allocation, bucket: number): string | undefined {
  for (const [key, ranges] of Object.entries(allocation)) {
    for (const [s, e] of ranges) if (bucket >= s && bucket < e) return key;
  }
  return undefined;
}

export interface AssignableVariant extends WeightedKey {
  id: string;
  paused: boolean;
}

export interface AssignableExperiment {
  id: string;
  variants: readonly AssignableVariant[];
  /** Stored allocation; when missing or stale, the contiguous layout of the current weights. */
  allocation?: Allocation | null;
}

/** The variants that can take traffic now (not paused, weight above 0), in key order. */
export function activeVariants<V extends AssignableVariant>(variants: readonly V[]): V[] {
  return byKey(variants).filter((v) => !v.paused && v.weight > 0);
}

/**
 * Effective traffic shares (percent, summing to 100 over active variants, 0 for paused ones):
 * paused variants' weight is spread over the others in proportion to their weights.
 */
export function effectiveWeights(variants: readonly AssignableVariant[]): Record<string, number> {
  const active = activeVariants(variants);
  const total = active.reduce((n, v) => n + v.weight, 0);
  const out: Record<string, number> = {};
  for (const v of variants) out[v.key] = total > 0 && !v.paused ? (v.weight / total) * 100 : 0;
  return out;
}

/**
 * Picks the variant for one call. With a subject key the answer is a pure function of
 * (experiment id, subject, allocation, paused set): the same user gets the same variant on every
 * call and every instance. Without one the pick is uniform over the weights (`random` in [0, 1)).
 * Returns null when no variant can take traffic (all paused): the caller serves the label.
 */
export function assignVariant<V extends AssignableVariant>(
  experiment: AssignableExperiment & { variants: readonly V[] },
  subject: string | null | undefined,
  random: () => number = Math.random,
): V | null {
  const active = activeVariants(experiment.variants);
  if (active.length === 0) return null;
  const allocation =
    experiment.allocation && isValidAllocation(experiment.allocation, experiment.variants) ? experiment.allocation : initialAllocation(experiment.variants);
  const bucket = subject ? bucketOf(experiment.id, subject) : Math.min(BUCKETS - 1, Math.floor(random() * BUCKETS));
  const owner = ownerOf(allocation, bucket);
  const direct = active.find((v) => v.key === owner);
  if (direct) return direct;
  // The bucket's owner is paused: spread over the active variants, renormalised.
  const second = subject ? bucketOf(experiment.id, subject, "reroute:") : Math.min(BUCKETS - 1, Math.floor(random() * BUCKETS));
  const total = active.reduce((n, v) => n + v.weight, 0);
  const point = (second / BUCKETS) * total;
  let cumulative = 0;
  for (const v of active) {
    cumulative += v.weight;
    if (point < cumulative) return v;
  }
  return active.at(-1) ?? null;
}
