import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { findModel } from "@/lib/models/catalog";
import { getClaudeTransport, resetClaudeTransport } from "@/lib/claude/client";
import { countPrefixTokens } from "@/lib/claude/count-tokens";
import { renderVersion } from "@/lib/prompts/render";
import type { PromptVersionContent } from "@/lib/prompts/schemas";

// countPrefixTokens through the client factory (getClaudeTransport), forced to a simulator on a
// loopback port: the exact count_tokens path the editor takes against Anthropic, checked against
// what a real request through the same SDK bills.
let sim: Simulator;
const previousUrl = process.env.PROMPTDECK_SIMULATOR_URL;

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  sim = await startSimulator({ port: 0, host: "127.0.0.1", speed: 100 });
  process.env.PROMPTDECK_SIMULATOR_URL = sim.url;
  await resetClaudeTransport();
});

afterAll(async () => {
  await resetClaudeTransport();
  if (previousUrl === undefined) delete process.env.PROMPTDECK_SIMULATOR_URL;
  else process.env.PROMPTDECK_SIMULATOR_URL = previousUrl;
  await sim.close();
});

const model = "claude-sonnet-5-5";
const min = findModel(model)!.minCacheableTokens;
// Each cached part alone is above the model's minimum, so both breakpoints write.
const filler = (word: string) => `${word} `.repeat(Math.ceil((min * 4) / (word.length + 1)));

const content: PromptVersionContent = {
  system: [
    { type: "text", role: "instructions", text: "You answer questions about the refund policy." },
    { type: "text", role: "reference", text: `<policy>${filler("refund")}</policy>`, cache_control: { type: "ephemeral", ttl: "1h" } },
  ],
  messages: [
    { role: "user", content: [{ type: "text", text: `Examples: ${filler("example")}`, cache_control: { type: "ephemeral" } }] },
    { role: "assistant", content: [{ type: "text", text: "Understood." }] },
    { role: "user", content: [{ type: "text", text: "A question without variables." }] },
  ],
  variables: {},
  modelConfig: { model, max_tokens: 64 },
  outputSchema: { format: "text" },
  policy: {},
};

describe("countPrefixTokens against the simulator", () => {
  it("counts the total and each cached prefix exactly as a request through the same SDK bills them", async () => {
    const counts = await countPrefixTokens(content);
    expect(counts.simulated).toBe(true);
    expect(counts.breakpoints.map((b) => b.location)).toEqual(["system.1", "messages.0.content.0"]);
    const [system, examples] = counts.breakpoints;
    expect(system!.prefixTokens).toBeGreaterThanOrEqual(min);
    expect(examples!.prefixTokens).toBeGreaterThan(system!.prefixTokens + min);

    // A cold request writes both prefixes: the 1h part ends at system.1, the whole write at messages.0.content.0.
    const transport = await getClaudeTransport();
    const message = await transport.createMessage(renderVersion(content, {}), { timeoutMs: 10_000 });
    const usage = message.usage;
    expect(usage.cache_creation_input_tokens).toBe(examples!.prefixTokens);
    expect(usage.cache_creation?.ephemeral_1h_input_tokens).toBe(system!.prefixTokens);
    expect(usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0)).toBe(counts.totalTokens);
  });

  it("reports an unknown model as an upstream error (the editor falls back to the estimate)", async () => {
    const error = await countPrefixTokens({ ...content, modelConfig: { model: "claude-unknown-1", max_tokens: 64 } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "upstream" });
  });
});
