// Model routing end to end: a version document with routing rules written through the API (422s
// with the path for bad rules), runs through POST /run routed by variable, metadata and input
// tokens, and the call log keeping the requested model, the routed model and the rule that fired.
// Claude is the built-in simulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { getDb } from "@/lib/db/client";
import { listCalls, callListFilterSchema } from "@/lib/metrics/calls";
import { bearer, makeTestProject, sendJson, startApiServer, type ApiError, type RunningServer, type TestProject, taskRoutedDocument } from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let writeKey: string;
let runKey: string;

const document = (routing: unknown) => taskRoutedDocument(routing, 512);

const rules = {
  rules: [
    { name: "simple-classification", when: [{ signal: "variable", name: "task_type", op: "equals", value: "classification" }], model: "claude-haiku-5-5" },
    { name: "enterprise", when: [{ signal: "metadata", key: "tier", op: "in", value: ["enterprise"] }], model: "claude-opus-5-5" },
    { name: "long-input", when: [{ signal: "input_tokens", op: ">", value: 400 }], model: "claude-opus-5-5" },
  ],
};

interface RunResponse {
  callId: string;
  model: string;
  requestedModel: string;
  routedModel: string | null;
  routingRule: string | null;
}

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  server = await startApiServer();
  ctx = await makeTestProject();
  writeKey = (await ctx.key(["prompts:read", "prompts:write"])).key;
  runKey = (await ctx.key(["prompts:read", "prompts:run"])).key;
});

afterAll(async () => {
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
  await server.close();
});

describe("model routing through the API", () => {
  it("refuses rules naming unknown models or variables and rules that never fire, with the path; nothing is created", async () => {
    const post = (routing: unknown) => sendJson<ApiError>("POST", `${server.url}/api/v1/prompts/routed-bad/versions`, document(routing), bearer(writeKey));
    const unknownModel = await post({ rules: [{ name: "a", when: [], model: "claude-nope-9" }] });
    expect(unknownModel.status).toBe(422);
    expect(unknownModel.body.error.issues).toEqual([{ path: "routing.rules.0.model", message: 'unknown model "claude-nope-9"' }]);

    const unknownVariable = await post({
      rules: [{ name: "a", when: [{ signal: "variable", name: "tier", op: "equals", value: "pro" }], model: "claude-haiku-5-5" }],
    });
    expect(unknownVariable.status).toBe(422);
    expect(unknownVariable.body.error.issues).toEqual([
      { path: "routing.rules.0.when.0.name", message: 'rule 1 "a": variable "tier" is not in the variables contract' },
    ]);

    const neverFires = await post({
      rules: [
        { name: "everything", when: [], model: "claude-haiku-5-5" },
        { name: "long", when: [{ signal: "input_tokens", op: ">=", value: 1000 }], model: "claude-opus-5-5" },
      ],
    });
    expect(neverFires.status).toBe(422);
    expect(neverFires.body.error.issues).toEqual([
      { path: "routing.rules.1", message: 'rule 2 "long" never fires: rule 1 "everything" before it matches every call (it has no conditions)' },
    ]);

    const malformed = await post({ rules: [{ name: "a", when: [{ signal: "input_tokens", op: "between", value: 3 }], model: "claude-haiku-5-5" }] });
    expect(malformed.status).toBe(422);
    expect(malformed.body.error.issues?.[0]?.path).toBe("routing.rules.0.when.0.op");

    const hostile = await post({
      rules: [{ name: "a", when: [{ signal: "variable", name: "input", op: "matches", value: "(a|b+)+$" }], model: "claude-haiku-5-5" }],
    });
    expect(hostile.status).toBe(422);
    expect(hostile.body.error.issues?.[0]).toMatchObject({ path: "routing.rules.0.when.0.value", message: expect.stringMatching(/exponential time/) });

    expect(await getDb().prompt.count({ where: { projectId: ctx.projectId, name: "routed-bad" } })).toBe(0);
  });

  it("routes each run by variable, metadata and input tokens and logs requested model, routed model and rule", async () => {
    const created = await sendJson<{ version: string; routing: unknown }>(
      "POST",
      `${server.url}/api/v1/prompts/routed/versions`,
      document(rules),
      bearer(writeKey),
    );
    expect(created.status).toBe(201);
    expect(created.body.routing).toEqual(rules);
    const moved = await sendJson("PUT", `${server.url}/api/v1/prompts/routed/labels/production`, { version: created.body.version }, bearer(writeKey));
    expect(moved.status).toBe(200);

    const run = (variables: Record<string, string>, metadata?: Record<string, unknown>) =>
      sendJson<RunResponse>("POST", `${server.url}/api/v1/prompts/routed/run`, { variables, ...(metadata ? { metadata } : {}) }, bearer(runKey));
    const classify = await run({ task_type: "classification", input: "Is this spam?" });
    const enterprise = await run({ task_type: "generation", input: "Write a haiku." }, { tier: "enterprise" });
    const long = await run({ task_type: "generation", input: "word ".repeat(600) });
    const plain = await run({ task_type: "reasoning", input: "Why is the sky blue?" });
    for (const r of [classify, enterprise, long, plain]) expect(r.status).toBe(200);
    expect(classify.body).toMatchObject({
      requestedModel: "claude-sonnet-5-5",
      routedModel: "claude-haiku-5-5",
      routingRule: "simple-classification",
      model: "claude-haiku-5-5",
    });
    expect(enterprise.body).toMatchObject({ routedModel: "claude-opus-5-5", routingRule: "enterprise", model: "claude-opus-5-5" });
    expect(long.body).toMatchObject({ routedModel: "claude-opus-5-5", routingRule: "long-input" });
    expect(plain.body).toMatchObject({
      requestedModel: "claude-sonnet-5-5",
      routedModel: "claude-sonnet-5-5",
      routingRule: "default",
      model: "claude-sonnet-5-5",
    });

    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    const row = await getDb().callLog.findUniqueOrThrow({ where: { id: classify.body.callId } });
    expect(row).toMatchObject({
      requestedModel: "claude-sonnet-5-5",
      routedModel: "claude-haiku-5-5",
      routingRule: "simple-classification",
      model: "claude-haiku-5-5",
    });
    expect((await getDb().callLog.findUniqueOrThrow({ where: { id: plain.body.callId } })).routingRule).toBe("default");

    // The call explorer filters by rule.
    const page = await listCalls(ctx.projectId, callListFilterSchema.parse({ prompt: "routed", rule: "long-input" }));
    expect(page.items.map((i) => i.id)).toEqual([long.body.callId]);
    expect(page.items[0]).toMatchObject({ routingRule: "long-input", routedModel: "claude-opus-5-5", requestedModel: "claude-sonnet-5-5" });
  });
});
