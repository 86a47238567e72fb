import { describe, expect, it } from "vitest";
import {
  BUCKETS,
  assignVariant,
  bucketOf,
  effectiveWeights,
  initialAllocation,
  isValidAllocation,
  ownerOf,
  reallocate,
  type Allocation,
  type AssignableVariant,
} from "@/lib/experiments/assignment";

const variants = (weights: Record<string, number>, paused: string[] = []): AssignableVariant[] =>
  Object.entries(weights).map(([key, weight]) => ({ id: `v-${key}`, key, weight, paused: paused.includes(key) }));

function counts(experiment: { id: string; variants: AssignableVariant[]; allocation?: Allocation }, n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const v = assignVariant(experiment, `user-${i}`);
    if (v) out[v.key] = (out[v.key] ?? 0) + 1;
  }
  return out;
}

describe("bucketOf", () => {
  it("is stable, in range and depends on the experiment", () => {
    expect(bucketOf("exp1", "alice")).toBe(bucketOf("exp1", "alice"));
    const b = bucketOf("exp1", "alice");
    expect(b).toBeGreaterThanOrEqual(0);
    expect(b).toBeLessThan(BUCKETS);
    const differs = Array.from({ length: 50 }, (_, i) => bucketOf("exp1", `u${i}`) !== bucketOf("exp2", `u${i}`)).filter(Boolean).length;
    expect(differs).toBeGreaterThan(45);
  });
});

describe("assignVariant", () => {
  it("respects 70/20/10 over 100k subjects within sampling error (4 sd)", () => {
    const n = 100_000;
    const exp = { id: "exp-weights", variants: variants({ A: 70, B: 20, C: 10 }) };
    const c = counts(exp, n);
    for (const [key, w] of Object.entries({ A: 0.7, B: 0.2, C: 0.1 })) {
      const sd = Math.sqrt(n * w * (1 - w));
      expect(Math.abs((c[key] ?? 0) - n * w)).toBeLessThan(4 * sd);
    }
  });

  it("is sticky: the same subject gets the same variant on every call and instance", () => {
    const exp = { id: "exp-sticky", variants: variants({ A: 50, B: 50 }) };
    for (let i = 0; i < 200; i++) expect(assignVariant(exp, `s${i}`)?.key).toBe(assignVariant({ ...exp, variants: [...exp.variants].reverse() }, `s${i}`)?.key);
  });

  it("is uniform random without a subject", () => {
    const exp = { id: "exp-random", variants: variants({ A: 50, B: 50 }) };
    let a = 0;
    for (let i = 0; i < 20_000; i++) if (assignVariant(exp, undefined)?.key === "A") a++;
    expect(Math.abs(a - 10_000)).toBeLessThan(4 * Math.sqrt(20_000 * 0.25));
    expect(assignVariant(exp, undefined, () => 0.2)?.key).toBe("A");
    expect(assignVariant(exp, undefined, () => 0.7)?.key).toBe("B");
  });

  it("gives paused variants no traffic, renormalises the rest, and keeps the others' subjects", () => {
    const before = { id: "exp-pause", variants: variants({ A: 50, B: 30, C: 20 }) };
    const after = { ...before, variants: variants({ A: 50, B: 30, C: 20 }, ["B"]) };
    const n = 50_000;
    const c = counts(after, n);
    expect(c.B ?? 0).toBe(0);
    // A and C share 100% in the ratio 50:20.
    const wA = 50 / 70;
    expect(Math.abs((c.A ?? 0) - n * wA)).toBeLessThan(4 * Math.sqrt(n * wA * (1 - wA)));
    expect(effectiveWeights(after.variants)).toEqual({ A: (50 / 70) * 100, B: 0, C: (20 / 70) * 100 });
    for (let i = 0; i < 2000; i++) {
      const was = assignVariant(before, `user-${i}`)!.key;
      if (was !== "B") expect(assignVariant(after, `user-${i}`)!.key).toBe(was);
    }
    expect(assignVariant({ ...before, variants: variants({ A: 50, B: 50 }, ["A", "B"]) }, "x")).toBeNull();
  });
});

describe("allocation and weight changes", () => {
  it("lays variants out contiguously in key order", () => {
    const alloc = initialAllocation([
      { key: "B", weight: 40 },
      { key: "A", weight: 60 },
    ]);
    expect(alloc).toEqual({ A: [[0, 6000]], B: [[6000, 10000]] });
    expect(
      isValidAllocation(alloc, [
        { key: "A", weight: 60 },
        { key: "B", weight: 40 },
      ]),
    ).toBe(true);
    expect(
      isValidAllocation(alloc, [
        { key: "A", weight: 50 },
        { key: "B", weight: 50 },
      ]),
    ).toBe(false);
  });

  it("moves exactly the minimum share of subjects (total variation distance), also with 3 variants", () => {
    const cases: Array<[Record<string, number>, Record<string, number>]> = [
      [
        { A: 50, B: 50 },
        { A: 70, B: 30 },
      ],
      [
        { A: 34, B: 33, C: 33 },
        { A: 33, B: 33, C: 34 },
      ],
      [
        { A: 20, B: 30, C: 50 },
        { A: 50, B: 10, C: 40 },
      ],
      [
        { A: 10, B: 10, C: 80 },
        { A: 40, B: 40, C: 20 },
      ],
    ];
    for (const [from, to] of cases) {
      const old = initialAllocation(Object.entries(from).map(([key, weight]) => ({ key, weight })));
      const next = reallocate(
        old,
        Object.entries(to).map(([key, weight]) => ({ key, weight })),
      );
      expect(
        isValidAllocation(
          next,
          Object.entries(to).map(([key, weight]) => ({ key, weight })),
        ),
      ).toBe(true);
      let movedBuckets = 0;
      for (let b = 0; b < BUCKETS; b++) if (ownerOf(old, b) !== ownerOf(next, b)) movedBuckets++;
      const minimum = Object.keys(from).reduce((n, k) => n + Math.max(0, (from[k] ?? 0) - (to[k] ?? 0)), 0) * 100;
      expect(movedBuckets).toBe(minimum);
    }
  });

  it("over 100k subjects a 50/50 -> 70/30 change moves about 20%, all from B to A", () => {
    const w1 = variants({ A: 50, B: 50 });
    const alloc1 = initialAllocation(w1);
    const w2 = variants({ A: 70, B: 30 });
    const alloc2 = reallocate(alloc1, w2);
    const e1 = { id: "exp-move", variants: w1, allocation: alloc1 };
    const e2 = { id: "exp-move", variants: w2, allocation: alloc2 };
    let moved = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const a = assignVariant(e1, `u${i}`)!.key;
      const b = assignVariant(e2, `u${i}`)!.key;
      if (a !== b) {
        moved++;
        expect([a, b]).toEqual(["B", "A"]);
      }
    }
    expect(Math.abs(moved - 0.2 * n)).toBeLessThan(4 * Math.sqrt(n * 0.2 * 0.8));
  });

  it("chains of changes stay valid and minimal", () => {
    let alloc = initialAllocation([
      { key: "A", weight: 50 },
      { key: "B", weight: 25 },
      { key: "C", weight: 25 },
    ]);
    let prev = { A: 50, B: 25, C: 25 } as Record<string, number>;
    for (const w of [
      { A: 10, B: 45, C: 45 },
      { A: 90, B: 5, C: 5 },
      { A: 0, B: 100, C: 0 },
      { A: 33, B: 33, C: 34 },
    ]) {
      const next = reallocate(
        alloc,
        Object.entries(w).map(([key, weight]) => ({ key, weight })),
      );
      let moved = 0;
      for (let b = 0; b < BUCKETS; b++) if (ownerOf(alloc, b) !== ownerOf(next, b)) moved++;
      expect(moved).toBe(Object.keys(w).reduce((n, k) => n + Math.max(0, (prev[k] ?? 0) - (w as Record<string, number>)[k]!), 0) * 100);
      alloc = next;
      prev = w;
    }
  });
});
