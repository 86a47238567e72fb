import { describe, expect, it } from "vitest";
import { ExperimentRouter, type RoutedExperiment } from "@/lib/experiments/serving";

function experiment(id: string): RoutedExperiment {
  return { id, name: id, allocation: null, variants: [{ id: `${id}-a`, key: "a", weight: 100, paused: false, versionId: "v1", version: "1.0.0" }] };
}

/** A lookup the test controls: which experiment runs per prompt, and whether the database answers. */
function fakeLoad() {
  const state = { calls: 0, down: false, running: new Map<string, RoutedExperiment | null>() };
  const load = async (_projectId: string, name: string, label: string) => {
    state.calls++;
    if (state.down) throw new Error("connect ECONNREFUSED");
    return state.running.get(`${name}/${label}`) ?? null;
  };
  return { state, load };
}

describe("ExperimentRouter", () => {
  it("answers from memory within the TTL, asks again after it, and drops a prompt's entries on invalidation", async () => {
    const { state, load } = fakeLoad();
    let now = 0;
    const router = new ExperimentRouter({ load, now: () => now, ttlMs: 1000 });
    state.running.set("support/production", experiment("e1"));
    expect((await router.get("p", "support", "production"))?.id).toBe("e1");
    now = 500;
    await router.get("p", "support", "production");
    expect(state.calls).toBe(1);
    now = 1500;
    await router.get("p", "support", "production");
    expect(state.calls).toBe(2);
    state.running.set("support/production", experiment("e2"));
    router.invalidatePrompt("p", "support");
    expect((await router.get("p", "support", "production"))?.id).toBe("e2");
    expect(state.calls).toBe(3);
  });

  it("keeps the last known answer past its TTL when the lookup fails", async () => {
    const { state, load } = fakeLoad();
    let now = 0;
    const errors: unknown[] = [];
    const router = new ExperimentRouter({ load, now: () => now, ttlMs: 1000, onError: (e) => errors.push(e) });
    state.running.set("support/production", experiment("e1"));
    await router.get("p", "support", "production");
    now = 10_000;
    state.down = true;
    expect((await router.get("p", "support", "production"))?.id).toBe("e1");
    expect(errors).toHaveLength(1);
    expect(await router.get("p", "other", "production")).toBeNull();
  });

  it("shares one lookup between concurrent misses and keeps at most maxEntries answers", async () => {
    const { state, load } = fakeLoad();
    const router = new ExperimentRouter({ load, maxEntries: 2 });
    await Promise.all([router.get("p", "a", "production"), router.get("p", "a", "production")]);
    expect(state.calls).toBe(1);
    await router.get("p", "b", "production");
    await router.get("p", "a", "production"); // a is now the most recently used
    await router.get("p", "c", "production"); // evicts b
    expect(state.calls).toBe(3);
    await router.get("p", "a", "production");
    expect(state.calls).toBe(3);
    await router.get("p", "b", "production");
    expect(state.calls).toBe(4);
  });
});
