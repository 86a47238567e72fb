import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { createClaudeTransport, type ClaudeTransport } from "@/lib/claude/client";
import { createPriceBook } from "@/lib/models/pricing";
import { runPrompt, type RunnableVersion } from "@/lib/claude/runner";

// Many runs in flight at once (an experiment's traffic, a realtime eval, a busy playground) go
// through the runner, the SDK and the simulator without any one AbortSignal collecting a listener
// per run: 11 listeners on one signal make Node print MaxListenersExceededWarning (issue 18,
// defect 11).
let sim: Simulator;
let transport: ClaudeTransport;
const prices = createPriceBook(async () => []);

const version: RunnableVersion = {
  system: [{ type: "text", text: "You are a concise support assistant for Acme.", role: "instructions" }],
  messages: [{ role: "user", content: [{ type: "text", text: "{{question}}" }] }],
  variables: { question: { type: "string", required: true } },
  modelConfig: { model: "claude-haiku-5-5", max_tokens: 24 },
  outputSchema: { format: "text" },
  policy: {},
};

beforeAll(async () => {
  // Real-time speed: each request waits its time to first token, so all of them overlap.
  sim = await startSimulator({ speed: 1 });
  transport = createClaudeTransport({ baseURL: sim.url });
});
afterAll(async () => {
  await sim.close();
});

describe("runs in flight", () => {
  it("12 concurrent runs (streamed and not) raise no process warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          runPrompt({
            version,
            variables: { question: `Where is my order number ${i}?` },
            options: { source: "playground", stream: i % 2 === 0, policy: { timeoutMs: 30_000, deadlineMs: 60_000 } },
            deps: { transport, prices },
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(12).fill("ok"));
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).toEqual([]);
  });
});
