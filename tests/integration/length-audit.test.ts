import { randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/audit/actor";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { CallLogWriter, sqlCallLogSink } from "@/lib/calls/writer";
import { createClaudeTransport, type ClaudeTransport } from "@/lib/claude/client";
import { ResponseCache } from "@/lib/claude/response-cache";
import { getDb } from "@/lib/db/client";
import { isAppError } from "@/lib/errors";
import { logCall } from "@/lib/metrics/call-log-writer";
import { createPriceBook } from "@/lib/models/pricing";
import { createPrompt, publishDraft } from "@/lib/prompts/mutations";
import { readVersionContent, type PromptVersionContent } from "@/lib/prompts/schemas";
import type { RunAndLogDeps } from "@/lib/runs/run-and-log";
import { condenseBlock } from "@/lib/length-audit/condense";
import { auditVersion, sampleAuditCalls } from "@/lib/length-audit/queries";

// The length audit against PostgreSQL: the bounded call sample (only the version's own
// production traffic, newest first), the audit's statistics and findings from it, and Condense
// through runAndLog against the Claude simulator into the prompt's draft.

let sim: Simulator;
let transport: ClaudeTransport;
let writer: CallLogWriter;
let admin: Actor;
let projectId: string;
let promptId: string;
let versionId: string;
let otherVersionId: string;

const FACTS = Array.from(
  { length: 10 },
  (_, i) => `Fact ${i + 1}: parcels to zone ${i + 1} take ${i + 2} business days and cost ${i + 4} dollars to ship.`,
).join("\n");

const content = (system: string): PromptVersionContent =>
  ({
    system: [{ type: "text", role: "instructions", text: system }],
    messages: [{ role: "user", content: [{ type: "text", text: "<context>\n{{context}}\n</context>\n\n{{question}}" }] }],
    variables: { question: { type: "string", required: true }, context: { type: "string", required: false, default: "" } },
    modelConfig: { model: "claude-sonnet-5-5", max_tokens: 300 },
    outputSchema: { format: "text" },
    policy: {},
  }) as PromptVersionContent;

const SYSTEM = [
  "You answer questions about Acme orders.",
  "Please make sure to quote the order number you are talking about.",
  "Never share full card numbers, passwords or one-time codes with anyone.",
  "Never share full card numbers, passwords or one-time codes with anyone.",
].join("\n");

const T0 = Date.now() - 3_600_000;

function row(i: number, over: Record<string, unknown> = {}) {
  return {
    projectId,
    promptId,
    versionId,
    source: "api" as const,
    model: "claude-sonnet-5-5",
    requestedModel: "claude-sonnet-5-5",
    status: "ok" as const,
    inputTokens: 400,
    outputTokens: 100 + i,
    createdAt: new Date(T0 + i * 60_000),
    metadata: { variables: { question: `Where is order ${i}?`, context: `Customer ${i}\n${FACTS}` } },
    ...over,
  };
}

function deps(): RunAndLogDeps {
  return {
    runDeps: { transport, prices: createPriceBook(() => Promise.resolve([])), responseCache: new ResponseCache(), sleep: () => Promise.resolve() },
    log: (result, context, options) => logCall(result, context, { ...options, writer }),
  };
}

async function expectAppError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isAppError(error) ? error.code : error).toBe(code);
  expect(isAppError(error) ? error.message : "").toMatch(message);
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speed: Infinity });
  transport = createClaudeTransport({ baseURL: sim.url });
  writer = new CallLogWriter({ sink: sqlCallLogSink(getDb()), flushIntervalMs: 20, logger: pino({ level: "silent" }) });
  const db = getDb();
  const suffix = randomUUID().slice(0, 8);
  const user = await db.user.create({ data: { email: `audit-${suffix}@example.test`, name: "Audit" } });
  const project = await db.project.create({ data: { slug: `audit-${suffix}`, name: `Audit ${suffix}` } });
  await db.membership.create({ data: { userId: user.id, projectId: project.id, role: "EDITOR" } });
  projectId = project.id;
  admin = { kind: "user", userId: user.id, projectId, role: "EDITOR" };
  const created = await createPrompt(admin, { name: `audit-${suffix}`, content: content(SYSTEM) });
  promptId = created.id;
  versionId = (await publishDraft(admin, { promptId, changelog: "first" })).id;
  await createPrompt(admin, { name: `audit-other-${suffix}`, content: content("Other prompt.") });
  const other = await db.prompt.findFirstOrThrow({ where: { projectId, name: `audit-other-${suffix}` } });
  otherVersionId = (await publishDraft(admin, { promptId: other.id, changelog: "first" })).id;

  await db.callLog.createMany({
    data: [
      ...Array.from({ length: 30 }, (_, i) => row(i)),
      // Not the version's production traffic: playground tries, eval runs, failed calls, another version.
      ...Array.from({ length: 5 }, (_, i) => row(100 + i, { source: "playground" })),
      ...Array.from({ length: 5 }, (_, i) => row(200 + i, { source: "eval" })),
      ...Array.from({ length: 3 }, (_, i) => row(300 + i, { status: "error", inputTokens: 0, outputTokens: 0 })),
      ...Array.from({ length: 4 }, (_, i) => row(400 + i, { versionId: otherVersionId, promptId: other.id })),
      // Kept no variables (body storage off).
      row(30, { metadata: {} }),
    ],
  });
});

afterAll(async () => {
  await writer.close();
  await sim.close();
});

describe("sampleAuditCalls", () => {
  it("reads only the version's own production calls, newest first, at most `limit`", async () => {
    const all = await sampleAuditCalls(projectId, versionId);
    expect(all).toHaveLength(31);
    expect(all[0]!.variables).toBeNull();
    expect(all[1]!.outputTokens).toBe(129);
    const times = all.map((c) => c.createdAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const ten = await sampleAuditCalls(projectId, versionId, 10);
    expect(ten.map((c) => c.outputTokens)).toEqual(all.slice(0, 10).map((c) => c.outputTokens));
    // Another project's id reads nothing, even with the right version id.
    expect(await sampleAuditCalls(`${projectId}x`, versionId)).toEqual([]);
  });

  it("refuses a sample size outside 1..5,000", async () => {
    for (const bad of [0, -1, 5_001, 1.5, Number.NaN]) await expectAppError(sampleAuditCalls(projectId, versionId, bad), "bad_request", /1 to 5,000/);
  });
});

describe("auditVersion", () => {
  it("call statistics and findings from the sample", async () => {
    const version = await getDb().promptVersion.findUniqueOrThrow({ where: { id: versionId } });
    const audit = await auditVersion({ projectId, versionId, content: readVersionContent(version) });
    expect(audit.counting).toBe("estimate");
    expect(audit.stats?.calls).toBe(31);
    expect(audit.stats?.callsWithVariables).toBe(30);
    const context = audit.stats?.variables.find((v) => v.name === "context");
    expect(context?.emptyShare).toBe(0);
    expect(context?.p50Tokens).toBeGreaterThan(100);
    const codes = audit.findings.map((f) => f.code).sort();
    expect(codes).toEqual(["repeated_sentences", "repeated_variable_text"]);
    const repeated = audit.findings.find((f) => f.code === "repeated_variable_text")!;
    expect(repeated.savingMicrosPer1k).toBeGreaterThan(0);
    expect(repeated.savingMicrosPer30Days).toBeGreaterThan(0);
  });

  it("a version without calls: no statistics, the static findings", async () => {
    const audit = await auditVersion({ projectId, versionId: `never-called-${randomUUID()}`, content: content(SYSTEM) });
    expect(audit.stats).toBeNull();
    expect(audit.findings.map((f) => f.code)).toEqual(["repeated_sentences"]);
    expect(audit.findings[0]!.savingMicrosPer30Days).toBeNull();
  });
});

describe("condenseBlock", () => {
  it("Claude's shorter block becomes the draft; the call is logged without a prompt link", async () => {
    const result = await condenseBlock(admin, { promptId, versionId, location: "system.0" }, deps());
    expect(result.tokensAfter).toBeLessThan(result.tokensBefore);
    expect(result.after.split("Never share full card numbers").length - 1).toBe(1);
    expect(result.after).toContain("Quote the order number");
    expect(result.savingMicrosPer1k).toBeGreaterThan(0);
    expect(result.fromVersion).toBe("1.0.0");
    const draft = await getDb().promptVersion.findUniqueOrThrow({ where: { id: result.draftId } });
    expect(draft.status).toBe("DRAFT");
    expect(readVersionContent(draft).system[0]!.text).toBe(result.after);
    expect(draft.changelog).toMatch(/^Condensed System block 1 \(from 1\.0\.0\)/);
    await writer.flush();
    const call = await getDb().callLog.findUniqueOrThrow({ where: { id: result.callId! } });
    expect(call.promptId).toBeNull();
    expect(call.versionId).toBeNull();
    expect(call.source).toBe("playground");
    expect(call.metadata).toMatchObject({ purpose: "condense", promptId, versionId, location: "system.0" });
  });

  it("refuses to overwrite the draft from a published version, bad locations, and a proposal that is not shorter", async () => {
    await expectAppError(condenseBlock(admin, { promptId, versionId, location: "system.0" }, deps()), "conflict", /already has a draft/);
    const draft = await getDb().promptVersion.findFirstOrThrow({ where: { promptId, status: "DRAFT" } });
    await expectAppError(condenseBlock(admin, { promptId, versionId: draft.id, location: "system.7" }, deps()), "bad_request", /not a block/);
    await expectAppError(condenseBlock(admin, { promptId, versionId: draft.id, location: "tools.0" }, deps()), "bad_request", /not a block/);
    // The draft's block has nothing left to shorten: nothing is saved.
    const before = draft.lockVersion;
    await expectAppError(condenseBlock(admin, { promptId, versionId: draft.id, location: "system.0" }, deps()), "unprocessable", /not shorter/);
    const after = await getDb().promptVersion.findUniqueOrThrow({ where: { id: draft.id } });
    expect(after.lockVersion).toBe(before);
    await expectAppError(
      condenseBlock({ ...admin, projectId: `${projectId}x` }, { promptId, versionId, location: "system.0" }, deps()),
      "not_found",
      /does not exist/,
    );
  });
});
