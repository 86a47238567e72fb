import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { createClaudeTransport } from "@/lib/claude/client";
import { ResponseCache } from "@/lib/claude/response-cache";
import { createPriceBook } from "@/lib/models/pricing";
import { executePlaygroundRun, preparePlaygroundRun } from "@/lib/playground/run";
import type { PlaygroundEvent } from "@/lib/playground/schemas";
import { store } from "@/tests/fixtures/playground";

// The playground run through the real SDK against a simulator server (the pure parts are in
// tests/unit/playground-run.test.ts; both use tests/fixtures/playground.ts).
const prices = createPriceBook(() => Promise.resolve([]));

describe("executePlaygroundRun against the simulator (real SDK)", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, speed: Infinity });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("streams the answer, retries an injected 429 twice and reports three attempts", async () => {
    const prepared = await preparePlaygroundRun(
      {
        projectId: "proj",
        promptName: "support",
        userId: "u1",
        body: { versionId: "v1", variables: { question: "My parcel arrived damaged, what now?", limit: "5", verbose: true }, fault: "429" },
      },
      { store: store(), simulated: () => true, newKey: randomUUID },
    );
    const events: PlaygroundEvent[] = [];
    const facts = await executePlaygroundRun(
      prepared,
      { onEvent: (e) => events.push(e) },
      {
        prices,
        log: () => "logged",
        runDeps: { transport: createClaudeTransport({ baseURL: sim.url }), prices, responseCache: new ResponseCache(), sleep: () => Promise.resolve() },
      },
    );
    expect(facts.status).toBe("ok");
    expect(facts.simulated).toBe(true);
    expect(facts.attempts.map((a) => a.error?.httpStatus ?? a.status)).toEqual([429, 429, "ok"]);
    expect(events.filter((e) => e.type === "attempt")).toHaveLength(3);
    const streamed = events.flatMap((e) => (e.type === "text" ? [e.delta] : [])).join("");
    expect(streamed.length).toBeGreaterThan(0);
    expect(streamed).toBe(facts.output);
    expect(facts.ttftMs).not.toBeNull();
    expect(facts.usage.outputTokens).toBeGreaterThan(0);
    expect(facts.cost?.exact).toBe(true);
  });
});
