// Model routing at every door that runs a version without the runner: the render API answers the
// request on the model the rules pick (and says which rule), batch jobs for apps send each item to
// its routed model, and the CallLog rows they write keep the requested model, the routed model and
// the rule. Claude is the built-in simulator (its Message Batches for the job).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { createClaudeTransport, type ClaudeTransport } from "@/lib/claude/client";
import { advanceBatchJob } from "@/lib/batch-jobs/worker";
import type { BatchJobView } from "@/lib/batch-jobs/jobs";
import { getDb } from "@/lib/db/client";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { bearer, makeTestProject, sendJson, sleep, startApiServer, type RunningServer, type TestProject, taskRoutedDocument } from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let sim: Simulator;
let transport: ClaudeTransport;
let writeKey: string;
let runKey: string;
const NAME = `doors-routed-${Date.now().toString(36)}`;

const document = taskRoutedDocument({
  rules: [
    { name: "simple-classification", when: [{ signal: "variable", name: "task_type", op: "equals", value: "classification" }], model: "claude-haiku-5-5" },
    { name: "enterprise", when: [{ signal: "metadata", key: "tier", op: "equals", value: "enterprise" }], model: "claude-opus-5-5" },
  ],
});

interface RenderAnswer {
  request: { model: string };
  routing: { requestedModel: string; routedModel: string; rule: string; inputTokens: number } | null;
}

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  server = await startApiServer();
  ctx = await makeTestProject();
  writeKey = (await ctx.key(["prompts:read", "prompts:write"])).key;
  runKey = (await ctx.key(["prompts:read", "prompts:run"])).key;
  const created = await sendJson<{ version: string }>("POST", `${server.url}/api/v1/prompts/${NAME}/versions`, document, bearer(writeKey));
  expect(created.status).toBe(201);
  expect((await sendJson("PUT", `${server.url}/api/v1/prompts/${NAME}/labels/production`, { version: created.body.version }, bearer(writeKey))).status).toBe(
    200,
  );
  sim = await startSimulator({ port: 0, speed: Infinity, batchProcessingMs: 100 });
  transport = createClaudeTransport({ baseURL: sim.url });
});

afterAll(async () => {
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
  await sim.close();
  await server.close();
});

describe("render API", () => {
  it("renders on the model the rules pick for these variables and metadata, and names the rule", async () => {
    const render = (variables: Record<string, string>, metadata?: Record<string, unknown>) =>
      sendJson<RenderAnswer>("POST", `${server.url}/api/v1/prompts/${NAME}/render`, { variables, ...(metadata ? { metadata } : {}) }, bearer(runKey));
    const classify = await render({ task_type: "classification", input: "spam?" });
    expect(classify.status).toBe(200);
    expect(classify.body.request.model).toBe("claude-haiku-5-5");
    expect(classify.body.routing).toMatchObject({ requestedModel: "claude-sonnet-5-5", routedModel: "claude-haiku-5-5", rule: "simple-classification" });
    expect(classify.body.routing!.inputTokens).toBeGreaterThan(0);
    const enterprise = await render({ task_type: "generation", input: "a poem" }, { tier: "enterprise" });
    expect(enterprise.body.request.model).toBe("claude-opus-5-5");
    expect(enterprise.body.routing?.rule).toBe("enterprise");
    const plain = await render({ task_type: "generation", input: "a poem" });
    expect(plain.body.request.model).toBe("claude-sonnet-5-5");
    expect(plain.body.routing).toMatchObject({ routedModel: "claude-sonnet-5-5", rule: "default" });
    // Bad variables are still a 422; metadata of the wrong type a 422 naming it.
    expect((await render({ task_type: "nonsense", input: "x" })).status).toBe(422);
    const badMetadata = await sendJson("POST", `${server.url}/api/v1/prompts/${NAME}/render`, { variables: {}, metadata: "tier" }, bearer(runKey));
    expect(badMetadata.status).toBe(422);
  });
});

describe("batch jobs", () => {
  it("send each item to its routed model (the job's metadata counts) and log requested model, routed model and rule", async () => {
    const created = await sendJson<BatchJobView>(
      "POST",
      `${server.url}/api/v1/prompts/${NAME}/batches`,
      {
        items: [
          { id: "c1", variables: { task_type: "classification", input: "spam?" } },
          { id: "g1", variables: { task_type: "generation", input: "a poem" } },
        ],
        metadata: { tier: "enterprise" },
      },
      bearer(runKey),
    );
    expect(created.status).toBe(202);
    const jobId = created.body.id;
    for (let i = 0; i < 400; i++) {
      const next = await advanceBatchJob(jobId, { pollSeconds: 0.05, deps: { batch: { transport } } });
      if (next === null) break;
      if (next > 0) await sleep(next * 1000);
    }
    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    const calls = await getDb().callLog.findMany({
      where: { projectId: ctx.projectId, metadata: { path: ["batchJobId"], equals: jobId } },
      select: { metadata: true, model: true, requestedModel: true, routedModel: true, routingRule: true, batch: true },
    });
    const byItem = Object.fromEntries(calls.map((c) => [(c.metadata as { batchItemId: string }).batchItemId, c]));
    expect(byItem.c1).toMatchObject({
      batch: true,
      model: "claude-haiku-5-5",
      requestedModel: "claude-sonnet-5-5",
      routedModel: "claude-haiku-5-5",
      routingRule: "simple-classification",
    });
    // Not a classification: the job's metadata (tier enterprise) routes it to Opus.
    expect(byItem.g1).toMatchObject({
      model: "claude-opus-5-5",
      requestedModel: "claude-sonnet-5-5",
      routedModel: "claude-opus-5-5",
      routingRule: "enterprise",
    });
  });
});
