// Eval runs in realtime mode through runAndLog (the runner's retries, every call logged with
// source "eval"), versions frozen at creation (a draft edited or a version deleted meanwhile does
// not change the run), and the refusals of createEvalRun, each a 422 naming the problem.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addItems, createDataset } from "@/lib/datasets/mutations";
import { getDb } from "@/lib/db/client";
import { createEvalRun, getEvalRun, listEvalRuns } from "@/lib/evals/runs";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { saveDraft } from "@/lib/prompts/mutations";
import { classifierContent, makeEvalFixture, resultsOf, runToEnd, type EvalFixture } from "./evals-helpers";

let fx: EvalFixture;

beforeAll(async () => {
  fx = await makeEvalFixture([
    { review: "I love it, positive", expected: "positive" },
    { review: "So negative", expected: "negative" },
    { review: "flaky network positive [[sim:529;count=1;key=rt-retry]]", expected: "positive" },
    { review: "bad [[sim:400]]", expected: null },
    ...Array.from({ length: 20 }, (_, i) => ({ review: `more ${i} positive`, expected: "positive" })),
  ]);
});

afterAll(async () => {
  await fx.close();
});

const exact = { type: "exact_match" as const, id: "exact" };

describe("eval runs: realtime mode", () => {
  it("runs every item x version through the runner, logs each call, scores, completes", async () => {
    const view = await createEvalRun(
      {
        prompt: "sentiment",
        versions: ["production", "draft"],
        dataset: "reviews",
        evaluators: [exact, { type: "llm_judge", id: "judge", prompt: "judge-json" }],
        mode: "realtime",
      },
      { projectId: fx.projectId, actor: fx.admin },
    );
    // The draft changes after the run was created: the run keeps what it froze.
    await saveDraft(fx.admin, { promptId: fx.promptId, content: classifierContent(["happy", "sad"]) });

    await runToEnd(view.id, { ...fx.step, concurrency: 4 });
    const done = (await getEvalRun(view.id, fx.projectId))!;
    expect(done).toMatchObject({ status: "completed", phase: "done", error: null, progress: { done: 96 - 2, total: 96 } });
    for (const v of done.versions) expect(v.counts).toEqual({ pending: 0, succeeded: 23, errored: 1, canceled: 0, expired: 0 });

    const results = await resultsOf(view.id);
    const retried = results.filter((r) => r.item.key === "r2");
    for (const r of retried) expect(r.outcome).toBe("succeeded");
    const bad = results.find((r) => r.item.key === "r3")!;
    expect(bad.error).toMatch(/invalid_request/);
    const first = results.find((r) => r.item.key === "r0" && r.runVersion.display === "draft")!;
    expect(first.latencyMs).toBeGreaterThanOrEqual(0);
    expect(first.callLogId).not.toBeNull();
    expect(first.scores).toMatchObject({ exact: { score: 1, pass: true }, judge: { score: expect.any(Number) } });

    await getCallLogWriter().flush();
    const call = await getDb().callLog.findUnique({ where: { id: first.callLogId! } });
    expect(call).toMatchObject({ source: "eval", batch: false, promptId: fx.promptId });
    // The frozen draft was sent, not the edited one.
    expect(JSON.stringify(call!.request)).toContain("positive, negative, neutral");
    expect(JSON.stringify(call!.request)).not.toContain("happy");
    const judgeCalls = await getDb().callLog.count({ where: { projectId: fx.projectId, source: "eval", promptId: { not: fx.promptId } } });
    expect(judgeCalls).toBe(46);
    expect(done.costMicros).toBeGreaterThan(0);
    expect((await listEvalRuns(fx.projectId)).map((r) => r.id)).toContain(view.id);
    // The completion joined the change feed's outbox (webhooks' eval.completed), once.
    const events = await getDb().projectEvent.findMany({ where: { projectId: fx.projectId, type: "eval.completed" } });
    const mine = events.filter((e) => (e.data as { evalRun?: { id?: string } }).evalRun?.id === view.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.data).toMatchObject({ prompt: "sentiment", evalRun: { id: view.id, mode: "realtime" }, dataset: { name: "reviews" } });
    expect((mine[0]!.data as { versions: unknown[] }).versions).toHaveLength(2);
  });

  it("a version deleted meanwhile: the run uses its snapshot and logs calls without the version link", async () => {
    const view = await createEvalRun(
      { prompt: "sentiment", versions: ["draft"], dataset: "reviews", evaluators: [exact], mode: "realtime" },
      { projectId: fx.projectId, actor: fx.admin },
    );
    const draft = await getDb().promptVersion.findFirstOrThrow({ where: { promptId: fx.promptId, status: "DRAFT" } });
    await getDb().promptVersion.delete({ where: { id: draft.id } });
    await runToEnd(view.id, fx.step);
    const done = (await getEvalRun(view.id, fx.projectId))!;
    expect(done.status).toBe("completed");
    expect(done.versions[0]).toMatchObject({ display: "draft", versionId: null, counts: { succeeded: 23, errored: 1 } });
    const withCall = (await resultsOf(view.id)).filter((r) => r.callLogId);
    expect(withCall.length).toBe(24);
    await saveDraft(fx.admin, { promptId: fx.promptId, content: classifierContent(["positive", "negative", "neutral"]) });
  });
});

describe("createEvalRun refuses what cannot run, with a clear 422", () => {
  const run = (input: Record<string, unknown>) =>
    createEvalRun({ prompt: "sentiment", versions: ["production"], dataset: "reviews", evaluators: [exact], mode: "realtime", ...input } as never, {
      projectId: fx.projectId,
      actor: fx.admin,
    });

  it("unknown dataset, prompt, version, label; an empty dataset", async () => {
    await expect(run({ dataset: "nope" })).rejects.toMatchObject({ code: "unprocessable", message: 'Dataset "nope" does not exist' });
    await expect(run({ prompt: "nope" })).rejects.toMatchObject({ code: "unprocessable", message: 'Prompt "nope" does not exist' });
    await expect(run({ versions: ["9.9.9"] })).rejects.toMatchObject({ message: 'Prompt "sentiment" has no published version 9.9.9' });
    await expect(run({ versions: ["staging"] })).rejects.toMatchObject({ message: 'Prompt "sentiment" has no version or label "staging"' });
    await expect(run({ versions: ["production", "1.0.0"] })).rejects.toMatchObject({ message: expect.stringContaining("are the same version") });
    await expect(run({ datasetVersion: 99 })).rejects.toMatchObject({ message: expect.stringContaining("has no version 99") });
    await createDataset(fx.projectId, { name: "empty", description: "" }, fx.admin);
    await expect(run({ dataset: "empty" })).rejects.toMatchObject({
      code: "unprocessable",
      message: 'Dataset "empty" is empty: add items before running an eval',
    });
  });

  it("items that break the variable contract are listed", async () => {
    const ds = await createDataset(fx.projectId, { name: "broken", description: "" }, fx.admin);
    await addItems(
      ds.id,
      [
        { key: "ok", variables: { review: "fine" } },
        { key: "missing", variables: {} },
        { key: "extra", variables: { review: "x", mood: "odd" } },
      ],
      fx.admin,
    );
    const error = await run({ dataset: "broken" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "unprocessable" });
    const message = (error as Error).message;
    expect(message).toContain("2 item(s) do not fit");
    expect(message).toContain('item "missing" vs 1.0.0: Invalid variables: missing required variable "review"');
    expect(message).toContain('unknown variable "mood"');
    expect((error as { issues: unknown[] }).issues).toHaveLength(2);
  });

  it("evaluator problems and judges that do not resolve", async () => {
    await expect(run({ evaluators: [{ type: "json_schema", id: "schema" }] })).rejects.toMatchObject({
      code: "unprocessable",
      message: expect.stringContaining("no JSON output schema"),
    });
    await expect(run({ evaluators: [{ type: "regex", id: "re", pattern: "(a+)+$", flags: "" }] })).rejects.toMatchObject({
      message: expect.stringContaining("exponential"),
    });
    await expect(run({ evaluators: [{ type: "llm_judge", id: "j", prompt: "ghost", version: "production", threshold: 0.5 }] })).rejects.toMatchObject({
      message: expect.stringContaining('the judge prompt "ghost" does not exist'),
    });
    await expect(run({ evaluators: [{ type: "llm_judge", id: "j", prompt: "judge-json", version: "7.0.0", threshold: 0.5 }] })).rejects.toMatchObject({
      message: expect.stringContaining("has no published version 7.0.0"),
    });
    await expect(run({ versions: [] })).rejects.toMatchObject({ code: "unprocessable" });
    await expect(run({ versions: ["a\u0000b"] })).rejects.toMatchObject({ code: "unprocessable" });
    await expect(run({ datasetVersion: 1e300 })).rejects.toMatchObject({ code: "unprocessable" });
  });
});
