// Logged calls -> dataset items: variables from metadata.variables (kept by runAndLog when bodies
// are stored), expected = the expected output recorded with a score, else the output of a call
// marked correct; skips listed; a call is added once.
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { addItemsFromCalls, responseText } from "@/lib/datasets/from-calls";
import { createDataset } from "@/lib/datasets/mutations";
import { listItems } from "@/lib/datasets/queries";
import { runAndLog } from "@/lib/runs/run-and-log";
import { DEFAULT_BODY_POLICY, type CallContext } from "@/lib/calls/record";
import type { RunResult } from "@/lib/claude/runner";
import { makeTestProject, type TestProject } from "./serving-helpers";

let ctx: TestProject;

beforeAll(async () => {
  ctx = await makeTestProject();
});

async function logCall(data: { metadata?: object; score?: number | null; expectedOutput?: string | null; text?: string }) {
  const row = await getDb().callLog.create({
    data: {
      projectId: ctx.projectId,
      source: "api",
      model: "claude-sonnet-5-5",
      requestedModel: "claude-sonnet-5-5",
      status: "ok",
      metadata: data.metadata ?? {},
      score: data.score ?? null,
      expectedOutput: data.expectedOutput ?? null,
      response: { content: [{ type: "text", text: data.text ?? "output" }] },
    },
  });
  return row.id;
}

describe("datasets: items from logged calls", () => {
  it("keeps variables and the expected output of correct calls; skips what cannot be added", async () => {
    const ds = await createDataset(ctx.projectId, { name: "from-calls" }, ctx.admin);
    const correct = await logCall({ metadata: { variables: { question: "2+2?" } }, score: 1, text: "4" });
    const corrected = await logCall({ metadata: { variables: { question: "capital of France?" } }, score: 0, expectedOutput: "Paris", text: "Lyon" });
    const unscored = await logCall({ metadata: { variables: { question: "hi" } }, text: "hello" });
    const noVariables = await logCall({ metadata: { feature: "faq" }, score: 1 });
    const result = await addItemsFromCalls(ds.id, [correct, corrected, unscored, noVariables, "missing-call"], ctx.admin);
    expect(result).toMatchObject({ version: 1, added: 3 });
    expect(result.skipped.map((s) => s.callId)).toEqual([noVariables, "missing-call"]);
    const { items } = await listItems(ds.id, {});
    expect(items.map((i) => [i.key, i.variables, i.expected, i.sourceCallId])).toEqual([
      [correct, { question: "2+2?" }, "4", correct],
      [corrected, { question: "capital of France?" }, "Paris", corrected],
      [unscored, { question: "hi" }, null, unscored],
    ]);
    // A second add of the same calls adds nothing.
    await expect(addItemsFromCalls(ds.id, [correct], ctx.admin)).rejects.toMatchObject({ code: "conflict" });
    await expect(addItemsFromCalls(ds.id, [noVariables], ctx.admin)).rejects.toMatchObject({ code: "unprocessable" });
  });

  it("runAndLog keeps the variables with the call when bodies are stored, and not otherwise", async () => {
    const logged: CallContext[] = [];
    const fakeRun = async () => ({ status: "ok" }) as unknown as RunResult;
    const request = {
      projectId: ctx.projectId,
      promptId: "p",
      versionId: "v",
      version: {} as never,
      variables: { question: "Where?" },
      source: "api" as const,
    };
    const log = (_r: RunResult, context: CallContext) => {
      logged.push(context);
      return "id";
    };
    await runAndLog({ ...request, settings: { bodies: DEFAULT_BODY_POLICY, evalGate: null } as never }, { run: fakeRun, log });
    await runAndLog({ ...request, settings: { bodies: { ...DEFAULT_BODY_POLICY, storeBodies: false }, evalGate: null } as never }, { run: fakeRun, log });
    expect(logged[0]!.metadata).toEqual({ variables: { question: "Where?" } });
    expect(logged[1]!.metadata).toBeUndefined();
  });

  it("reads the text of a stored response", () => {
    expect(responseText({ content: [{ type: "text", text: "a" }, { type: "tool_use" }, { type: "text", text: "b" }] })).toBe("ab");
    expect(responseText({ truncated: true, preview: "..." })).toBeNull();
    expect(responseText(null)).toBeNull();
  });
});
