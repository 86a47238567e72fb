// Publishing and diffing versions with tools and a chat history (issue 15): the stored version keeps
// both, the bump and the diff name every tool and history change, bad tools are refused with their
// path at publish and through the API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { diffVersions } from "@/lib/prompts/diff";
import { supportAgentToolsContent as agent } from "@/lib/prompts/fixtures/support-agent-tools";
import { createPrompt, previewPublish, publishDraft, saveDraft } from "@/lib/prompts/mutations";
import { getVersionById } from "@/lib/prompts/queries";
import { parseVersionContent, type PromptVersionContent } from "@/lib/prompts/schemas";
import type { ToolDef } from "@/lib/prompts/tools";
import { bearer, makeTestProject, sendJson, startApiServer, type RunningServer, type TestProject } from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;

beforeAll(async () => {
  server = await startApiServer();
  ctx = await makeTestProject();
});

afterAll(async () => {
  await server.close();
});

/** The agent with a short exchange before the customer's message, so its history can move. */
const v1: PromptVersionContent = {
  ...agent,
  messages: [
    { role: "user", content: [{ type: "text", text: "Context: the customer is signed in." }] },
    { role: "assistant", content: [{ type: "text", text: "Understood." }] },
    { role: "user", content: [{ type: "text", text: "{{question}}" }] },
  ],
};
const [lookup, refund] = agent.modelConfig.tools as [ToolDef, ToolDef];
const history = agent.variables.history as Extract<PromptVersionContent["variables"][string], { type: "messages" }>;

async function stored(promptId: string, versionId: string): Promise<PromptVersionContent> {
  return parseVersionContent(await getVersionById(promptId, versionId));
}

describe("a version with tools and a chat history", () => {
  it("publishes both as they are, and the next version's bump and diff name each tool and history change", async () => {
    const prompt = await createPrompt(ctx.admin, { name: "agent-tools-history", content: v1 });
    const first = await publishDraft(ctx.admin, { promptId: prompt.id, changelog: "first" });
    const one = await stored(prompt.id, first.id);
    expect(one.modelConfig.tools).toEqual(agent.modelConfig.tools);
    expect(one.modelConfig.tool_choice).toEqual({ type: "auto" });
    expect(one.variables.history).toEqual(history);

    // v2: lookup_order removed, issue_refund narrowed, a new tool, tool_choice forced, the history moved before the new message.
    const { cache_control: _bp, ...refundPlain } = refund;
    const narrowed: ToolDef = {
      ...refundPlain,
      input_schema: {
        ...refund.input_schema,
        required: ["order_id", "amount_cents", "reason", "note"],
        properties: { ...(refund.input_schema.properties as object), note: { type: "string" } },
      },
    };
    const cancel: ToolDef = {
      name: "cancel_order",
      description: "Cancel an order that has not shipped.",
      input_schema: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"] },
    };
    const v2: PromptVersionContent = {
      ...v1,
      modelConfig: { ...v1.modelConfig, tools: [narrowed, cancel], tool_choice: { type: "any" } },
      variables: { ...v1.variables, history: { ...history, position: 2 } },
    };
    await saveDraft(ctx.admin, { promptId: prompt.id, content: v2 });
    const plan = await previewPublish(ctx.admin, prompt.id);
    expect(plan.errors).toEqual([]);
    expect(plan.bump).toBe("major");
    expect(plan.reasons).toEqual(
      expect.arrayContaining([
        'major: tool "lookup_order" removed',
        "major: tool_choice changed auto -> any",
        'minor: tool "cancel_order" added',
        'minor: chat history "history" moved from position 0 to 2',
      ]),
    );
    const second = await publishDraft(ctx.admin, { promptId: prompt.id, changelog: "second" });
    expect([second.major, second.minor, second.patch]).toEqual([2, 0, 0]);

    const diff = diffVersions(one, await stored(prompt.id, second.id));
    expect(diff.identical).toBe(false);
    expect(diff.tools.changes.map((c) => [c.name, c.type])).toEqual([
      ["issue_refund", "changed"],
      ["cancel_order", "added"],
      ["lookup_order", "removed"],
    ]);
    expect(diff.tools.changes[0]?.reasons.map((r) => r.bump)).toEqual(["major", "patch"]);
    expect(diff.tools.toolChoice).toMatchObject({ changed: true, before: { type: "auto" }, after: { type: "any" } });
    expect(diff.histories.changes).toEqual([
      expect.objectContaining({ name: "history", type: "moved", reasons: [{ bump: "minor", message: 'chat history "history" moved from position 0 to 2' }] }),
    ]);
    expect(diff.modelConfig.changed).toBe(false);
  });

  it("saves a draft with bad tools but refuses to publish it, naming each tool's path", async () => {
    const bad: PromptVersionContent = {
      ...agent,
      modelConfig: {
        ...agent.modelConfig,
        tools: [
          { ...lookup, input_schema: { type: "object", properties: { order_id: { type: "strin" } } } },
          { ...refund, name: "lookup_order" },
        ],
      },
    };
    const prompt = await createPrompt(ctx.admin, { name: "agent-bad-tools", content: agent });
    await saveDraft(ctx.admin, { promptId: prompt.id, content: bad });
    const error = await publishDraft(ctx.admin, { promptId: prompt.id, changelog: "bad" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    const paths = ((error as AppError).issues ?? []).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["modelConfig.tools.1.name", expect.stringMatching(/^modelConfig\.tools\.0\.input_schema/)]));
  });

  it("answers the API's version write with 422 and the document path of each bad tool", async () => {
    const { key } = await ctx.key(["prompts:read", "prompts:write"]);
    const res = await sendJson<{ error: { code: string; issues: { path: string; message: string }[] } }>(
      "POST",
      `${server.url}/api/v1/prompts/agent-api-tools/versions`,
      {
        request: {
          model: "claude-sonnet-5-5",
          max_tokens: 256,
          messages: [{ role: "user", content: "{{question}}" }],
          tools: [
            { name: "a", description: "first", input_schema: { type: "object", properties: { x: { type: "strin" } } } },
            { name: "a", description: "second", input_schema: { type: "object" } },
          ],
        },
        variables: { question: { type: "string", required: true } },
      },
      bearer(key),
    );
    expect(res.status).toBe(422);
    const paths = res.body.error.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["request.tools.1.name", expect.stringMatching(/^request\.tools\.0\.input_schema/)]));
    expect(res.body.error.issues.find((i) => i.path === "request.tools.1.name")?.message).toBe('tool name "a" is already used by tool 1');
  });
});
