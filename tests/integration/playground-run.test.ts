import { randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { CallLogWriter, sqlCallLogSink } from "@/lib/calls/writer";
import { logCall } from "@/lib/metrics/call-log-writer";
import { computeCallCost, findModel } from "@/lib/models/catalog";
import { createClaudeTransport, type ClaudeTransport } from "@/lib/claude/client";
import { createPriceBook } from "@/lib/models/pricing";
import { ResponseCache } from "@/lib/claude/response-cache";
import { getDb } from "@/lib/db/client";
import { executePlaygroundRun, preparePlaygroundRun, type PlaygroundDeps } from "@/lib/playground/run";
import { getPlaygroundPrompt } from "@/lib/playground/queries";
import type { PlaygroundEvent } from "@/lib/playground/schemas";
import { supportAgentToolsContent } from "@/lib/prompts/fixtures/support-agent-tools";

// A real playground run: version loaded from PostgreSQL, called through the real SDK against the
// simulator with streaming, logged by the real writer, and the CallLog row read back.
let sim: Simulator;
let transport: ClaudeTransport;
let writer: CallLogWriter;
let projectId: string;
let publishedId: string;
let draftId: string;
let agentId: string;
const prices = createPriceBook(() => Promise.resolve([]));
const POLICY_DOC = Array.from(
  { length: 120 },
  (_, i) => `Rule ${i + 1}: refunds for order class ${i} are issued within ${(i % 9) + 2} business days after the return is scanned.`,
).join("\n");

const content = {
  system: [
    { type: "text", role: "instructions", text: "You answer customer questions about Acme orders, politely and briefly." },
    { type: "text", role: "reference", text: `<policy>\n${POLICY_DOC}\n</policy>`, cache_control: { type: "ephemeral", ttl: "1h" } },
  ],
  messages: [{ role: "user", content: [{ type: "text", text: "Tier: {{tier}}\n\n{{question}}" }] }],
  variables: {
    question: { type: "string", required: true },
    tier: { type: "enum", required: false, values: ["standard", "plus"], default: "standard" },
  },
  modelConfig: { model: "claude-sonnet-5-5", max_tokens: 300 },
  outputSchema: { format: "text" },
  policy: { max_retries: 2, fallback_model: "claude-haiku-5-5" },
};

function deps(): PlaygroundDeps {
  return {
    simulated: () => true,
    prices,
    log: (result, context, options) => logCall(result, context, { ...options, writer }),
    runDeps: { transport, prices, responseCache: new ResponseCache(), sleep: () => Promise.resolve() },
  };
}

async function runAndFetch(versionId: string, variables: Record<string, string | boolean>, fault: string | null = null) {
  const run = await preparePlaygroundRun({ projectId, promptName: "pg-support", userId: "user-1", body: { versionId, variables, fault } }, deps());
  const events: PlaygroundEvent[] = [];
  const facts = await executePlaygroundRun(run, { onEvent: (e) => events.push(e) }, deps());
  await writer.flush();
  expect(facts.callId).not.toBeNull();
  const row = await getDb().callLog.findUniqueOrThrow({ where: { id: facts.callId! } });
  return { facts, events, row };
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speed: 40 });
  transport = createClaudeTransport({ baseURL: sim.url });
  writer = new CallLogWriter({ sink: sqlCallLogSink(getDb()), flushIntervalMs: 50, logger: pino({ level: "silent" }) });
  const suffix = randomUUID().slice(0, 8);
  const db = getDb();
  const project = await db.project.create({ data: { slug: `pg-${suffix}`, name: `Playground ${suffix}` } });
  projectId = project.id;
  const prompt = await db.prompt.create({ data: { projectId, name: "pg-support", description: "playground test" } });
  const published = await db.promptVersion.create({
    data: { promptId: prompt.id, major: 1, minor: 0, patch: 0, status: "PUBLISHED", contentHash: "h1", publishedAt: new Date(), ...content },
  });
  const draft = await db.promptVersion.create({
    data: {
      promptId: prompt.id,
      major: -1,
      minor: 0,
      patch: 0,
      status: "DRAFT",
      contentHash: "h2",
      ...content,
      modelConfig: { model: "claude-haiku-5-5", max_tokens: 200 },
    },
  });
  publishedId = published.id;
  draftId = draft.id;
  await db.label.create({ data: { promptId: prompt.id, name: "production", versionId: publishedId } });
  const agent = await db.prompt.create({ data: { projectId, name: "pg-agent", description: "tools" } });
  const { system, messages, variables, modelConfig, outputSchema, policy } = supportAgentToolsContent;
  agentId = (
    await db.promptVersion.create({
      data: {
        promptId: agent.id,
        major: 1,
        minor: 0,
        patch: 0,
        status: "PUBLISHED",
        contentHash: "h3",
        publishedAt: new Date(),
        system,
        messages,
        variables,
        modelConfig,
        outputSchema,
        policy,
      } as never,
    })
  ).id;
});

afterAll(async () => {
  await writer?.close();
  await sim?.close();
});

describe("playground against PostgreSQL and the simulator", () => {
  it("lists the draft first and defaults to the production label's version", async () => {
    const p = await getPlaygroundPrompt(projectId, "pg-support");
    expect(p.versions.map((v) => v.label)).toEqual(["draft", "1.0.0"]);
    expect(p.defaultVersionId).toBe(publishedId);
    expect(p.versions[1]).toMatchObject({ labels: ["production"], model: "claude-sonnet-5-5", fallbackModel: "claude-haiku-5-5", outputFormat: "text" });
    expect(Object.keys(p.versions[1]!.variables)).toEqual(["question", "tier"]);
  });

  it("streams a run, logs it with source playground, and a second identical run reads the 1h cache", async () => {
    const first = await runAndFetch(publishedId, { question: "How long does a refund take?", tier: "plus" });
    expect(first.facts.status).toBe("ok");
    const streamed = first.events.flatMap((e) => (e.type === "text" ? [e.delta] : [])).join("");
    expect(streamed).toBe(first.facts.output);
    expect(first.facts.usage.cacheWrite1hTokens).toBeGreaterThan(0);
    expect(first.facts.usage.cacheReadTokens).toBe(0);

    const row = first.row;
    expect(row).toMatchObject({
      projectId,
      versionId: publishedId,
      source: "playground",
      status: "ok",
      model: "claude-sonnet-5-5",
      requestedModel: "claude-sonnet-5-5",
      simulated: true,
      attempts: 1,
      inputTokens: first.facts.usage.inputTokens,
      outputTokens: first.facts.usage.outputTokens,
      cacheWriteTokens: first.facts.usage.cacheWriteTokens,
      cacheWrite1hTokens: first.facts.usage.cacheWrite1hTokens,
      cacheReadTokens: 0,
      outputChars: first.facts.output.length,
    });
    expect(row.costMicros).toBe(BigInt(first.facts.costMicros));
    expect(row.ttftMs).not.toBeNull();
    expect(row.metadata).toMatchObject({ userId: "user-1" });
    expect(JSON.stringify(row.request)).toContain("Tier: plus");

    const second = await runAndFetch(publishedId, { question: "How long does a refund take?", tier: "plus" });
    expect(second.facts.usage.cacheReadTokens).toBe(first.facts.usage.cacheWriteTokens);
    expect(second.facts.usage.cacheWriteTokens).toBe(0);
    expect(second.row.cacheReadTokens).toBe(second.facts.usage.cacheReadTokens);
    const spec = findModel("claude-sonnet-5-5")!;
    expect(second.facts.costMicros).toBe(computeCallCost(second.facts.usage, spec).totalMicros);
    expect(second.facts.costMicros).toBeLessThan(first.facts.costMicros);
  });

  it("an injected 529 exhausts the retries and the fallback model answers; the row records it", async () => {
    const { facts, row } = await runAndFetch(publishedId, { question: "Is my order late?" }, "529");
    expect(facts.status).toBe("ok");
    expect(facts.attempts.map((a) => `${a.model}:${a.error?.httpStatus ?? a.status}`)).toEqual([
      "claude-sonnet-5-5:529",
      "claude-sonnet-5-5:529",
      "claude-sonnet-5-5:529",
      "claude-haiku-5-5:ok",
    ]);
    expect(facts.model).toBe("claude-haiku-5-5");
    expect(facts.fallbackUsed).toBe("model:claude-haiku-5-5");
    expect(row).toMatchObject({ model: "claude-haiku-5-5", requestedModel: "claude-sonnet-5-5", attempts: 4, fallbackUsed: "model:claude-haiku-5-5" });
    expect(row.metadata).toMatchObject({ fault: "529" });
  });

  it("runs the draft; a version of another project is not found", async () => {
    const { facts, row } = await runAndFetch(draftId, { question: "Hello" });
    expect(facts.versionLabel).toBe("draft");
    expect(row.versionId).toBe(draftId);
    expect(row.model).toBe("claude-haiku-5-5");
    const other = await getDb().project.create({ data: { slug: `pg-other-${randomUUID().slice(0, 8)}`, name: "Other" } });
    await expect(
      preparePlaygroundRun({ projectId: other.id, promptName: "pg-support", userId: "u", body: { versionId: draftId, variables: {} } }, deps()),
    ).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("a tool conversation in the playground", () => {
  const round = async (body: Record<string, unknown>) => {
    const run = await preparePlaygroundRun({ projectId, promptName: "pg-agent", userId: "user-1", body: { versionId: agentId, ...body } }, deps());
    const facts = await executePlaygroundRun(run, { onEvent: () => undefined }, deps());
    await writer.flush();
    return facts;
  };

  it("a tool call, its typed result, and the answer after it; each round logged with its own tokens and cost", async () => {
    const variables = {
      question: "Where is my order A-1042?",
      history: JSON.stringify([
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!" },
      ]),
    };
    const first = await round({ variables });
    expect(first).toMatchObject({ status: "ok", stopReason: "tool_use", toolRepairs: [] });
    expect(first.toolCalls).toEqual([expect.objectContaining({ name: "lookup_order", valid: true, problems: [] })]);
    const call = first.toolCalls[0]!;
    expect(first.content).toContainEqual({ type: "tool_use", id: call.id, name: call.name, input: call.input });

    const second = await round({
      variables,
      continuation: [{ role: "assistant", content: first.content }],
      toolResults: [{ toolUseId: call.id, format: "json", content: '{"status":"shipped"}' }],
    });
    expect(second).toMatchObject({ status: "ok", stopReason: "end_turn", toolCalls: [] });
    expect(second.output.length).toBeGreaterThan(0);
    expect(second.costMicros).toBeGreaterThan(0);
    const rows = await getDb().callLog.findMany({ where: { id: { in: [first.callId!, second.callId!] } } });
    expect(rows.map((r) => r.source)).toEqual(["playground", "playground"]);
    expect(second.usage.inputTokens + second.usage.cacheReadTokens + second.usage.cacheWriteTokens).toBeGreaterThan(
      first.usage.inputTokens + first.usage.cacheReadTokens + first.usage.cacheWriteTokens,
    );
  });

  it("the invalid_tool_input fault shows the repair retry: the rejected input with its problems, then a fitting call", async () => {
    const facts = await round({ variables: { question: "Where is my order A-7?" }, fault: "invalid_tool_input" });
    expect(facts.attempts.map((a) => a.kind)).toEqual(["initial", "repair"]);
    expect(facts.toolRepairs[0]?.calls[0]).toMatchObject({ name: "lookup_order", problems: ["the input must have required property 'order_id'"] });
    expect(facts.toolCalls[0]).toMatchObject({ name: "lookup_order", valid: true });
  });
});
