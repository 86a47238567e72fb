// Batch jobs for apps over HTTP and through the simulator's Message Batches API: validation up
// front (422 naming each item, nothing stored; skipInvalid), every item outcome (succeeded,
// transient error retried once in a follow-up batch, errored, expired, canceled), a job split
// into several batches, results as JSON lines in the caller's order matched by id, every call
// logged at the batch price, cancel keeping what finished, and the bad-input cases.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@/lib/claude-simulator";
import { createClaudeTransport, type ClaudeTransport } from "@/lib/claude/client";
import { advanceBatchJob, type BatchJobStepOptions } from "@/lib/batch-jobs/worker";
import { ITEM_INSERT_CHUNK, type BatchJobView, type BatchResultLine } from "@/lib/batch-jobs/jobs";
import { PromptdeckClient } from "@/lib/client";
import { getDb } from "@/lib/db/client";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import {
  bearer,
  getJson,
  makeTestProject,
  publishPrompt,
  sendJson,
  simpleContent,
  sleep,
  startApiServer,
  type ApiError,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let sim: Simulator;
let transport: ClaudeTransport;
let runKey: string;
let readKey: string;

const url = (path: string) => `${server.url}/api/v1${path}`;

function stepOptions(extra: Partial<BatchJobStepOptions> = {}): BatchJobStepOptions {
  return { pollSeconds: 0.05, deps: { batch: { transport } }, ...extra };
}

async function runToEnd(jobId: string, options: BatchJobStepOptions, maxSteps = 400): Promise<number> {
  for (let i = 1; i <= maxSteps; i++) {
    const next = await advanceBatchJob(jobId, options);
    if (next === null) {
      await getCallLogWriter().flush({ timeoutMs: 10_000 });
      return i;
    }
    if (next > 0) await sleep(next * 1000);
  }
  throw new Error(`job ${jobId} did not end within ${maxSteps} steps`);
}

async function results(jobId: string, query = ""): Promise<{ status: number; type: string | null; lines: BatchResultLine[] }> {
  const res = await fetch(url(`/batches/${jobId}/results${query}`), { headers: bearer(runKey) });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    lines: text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as BatchResultLine),
  };
}

beforeAll(async () => {
  server = await startApiServer();
  ctx = await makeTestProject();
  runKey = (await ctx.key(["prompts:run"])).key;
  readKey = (await ctx.key(["prompts:read"])).key;
  await publishPrompt(ctx.admin, "answerer", [simpleContent()]);
  sim = await startSimulator({ port: 0, speed: Infinity, batchProcessingMs: 150 });
  transport = createClaudeTransport({ baseURL: sim.url });
});

afterAll(async () => {
  await sim.close();
  await server.close();
});

const jobCount = () => getDb().batchJob.count({ where: { projectId: ctx.projectId } });

describe("batch jobs: creating", () => {
  it("refuses invalid items up front, naming each by path, and stores nothing", async () => {
    const before = await jobCount();
    const res = await sendJson<ApiError>(
      "POST",
      url("/prompts/answerer/batches"),
      {
        items: [
          { id: "a", variables: { question: "ok" } },
          { id: "b", variables: {} },
          { id: "c", variables: { question: "x", limit: "many" } },
        ],
      },
      bearer(runKey),
    );
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain("2 of 3 items");
    expect(res.body.error.message).toContain("skipInvalid");
    const paths = res.body.error.issues!.map((i) => i.path);
    expect(paths).toContain("items.1.variables.question");
    expect(paths).toContain("items.2.variables.limit");
    expect(await jobCount()).toBe(before);
  });

  it("with skipInvalid runs the valid items and reports the others", async () => {
    const res = await sendJson<BatchJobView>(
      "POST",
      url("/prompts/answerer/batches"),
      {
        items: [
          { id: "a", variables: { question: "ok" } },
          { id: "b", variables: {} },
        ],
        skipInvalid: true,
      },
      bearer(runKey),
    );
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toBe(`/api/v1/batches/${res.body.id}`);
    expect(res.body).toMatchObject({ status: "queued", itemCount: 1, prompt: "answerer", version: "1.0.0", label: "production" });
    expect(res.body.invalidItems).toEqual([expect.objectContaining({ id: "b", index: 1 })]);
    expect(await getDb().batchJobItem.count({ where: { jobId: res.body.id } })).toBe(1);
    // What was refused stays on the job: GET (and the dashboard's job page) report it too.
    const got = await getJson<BatchJobView>(url(`/batches/${res.body.id}`), bearer(runKey));
    expect(got.body.invalidCount).toBe(1);
    expect(got.body.invalidItems).toEqual([{ id: "b", index: 1, issues: [expect.objectContaining({ path: "items.1.variables.question" })] }]);
  });

  it("keeps the first 100 refused items on the job and counts them all", async () => {
    const items = [{ id: "good", variables: { question: "ok" } }, ...Array.from({ length: 150 }, (_, i) => ({ id: `bad-${i}`, variables: {} }))];
    const res = await sendJson<BatchJobView>("POST", url("/prompts/answerer/batches"), { items, skipInvalid: true }, bearer(runKey));
    expect(res.status).toBe(202);
    expect(res.body.invalidItems).toHaveLength(150);
    const got = await getJson<BatchJobView>(url(`/batches/${res.body.id}`), bearer(runKey));
    expect(got.body.invalidCount).toBe(150);
    expect(got.body.invalidItems).toHaveLength(100);
    expect(got.body.invalidItems![99]!.id).toBe("bad-99");
    await sendJson("POST", url(`/batches/${res.body.id}/cancel`), {}, bearer(runKey));
  });

  it("answers the bad-input cases clearly", async () => {
    const post = (body: unknown, key = runKey, name = "answerer") => sendJson<ApiError>("POST", url(`/prompts/${name}/batches`), body, bearer(key));
    const empty = await post({ items: [] });
    expect(empty.status).toBe(422);
    expect(empty.body.error.message).toContain("at least one item");
    const dup = await post({
      items: [
        { id: "x", variables: { question: "1" } },
        { id: "x", variables: { question: "2" } },
      ],
    });
    expect(dup.status).toBe(422);
    expect(dup.body.error.issues![0]!.path).toBe("items.1.id");
    const allBad = await post({ items: [{ variables: {} }], skipInvalid: true });
    expect(allBad.status).toBe(422);
    expect(allBad.body.error.message).toContain("no item is valid");
    expect((await post({ items: [{ variables: { question: "q" } }] }, readKey)).status).toBe(403);
    expect((await post({ items: [{ variables: { question: "q" } }] }, runKey, "no-such-prompt")).status).toBe(404);
    expect((await post({ items: [{ variables: { question: "q" } }], label: "production", version: "1.0.0" })).status).toBe(400);
    const nul = await post({ items: [{ variables: { question: "a\u0000b" } }] });
    expect(nul.status).toBe(400);
    // Over the limit: refused with the limit named, before anything is stored.
    const before = await jobCount();
    const huge = await post({ items: Array.from({ length: 250_001 }, () => ({})) });
    expect(huge.status).toBe(422);
    expect(huge.body.error.message).toContain("at most 250,000 items");
    expect(await jobCount()).toBe(before);
    expect((await getJson<ApiError>(url("/batches/nope"), bearer(runKey))).status).toBe(404);
    expect((await getJson<ApiError>(url("/batches/bad%20id"), bearer(runKey))).status).toBe(404);
  });
});

describe("batch jobs: storing the items", () => {
  // A trigger that fails the insert of the item whose caller id is `marker` (with an error, or by
  // ending the session: PostgreSQL gone in the middle of the transaction), for a failure part way.
  async function failInsertAt(marker: string, how: "raise" | "terminate"): Promise<() => Promise<void>> {
    const name = `batch_fail_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const action = how === "raise" ? `RAISE EXCEPTION 'injected failure at %', NEW."externalId"` : "PERFORM pg_terminate_backend(pg_backend_pid())";
    await getDb().$executeRawUnsafe(
      `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW."externalId" = '${marker}' THEN ${action}; END IF; RETURN NEW; END $$`,
    );
    await getDb().$executeRawUnsafe(`CREATE TRIGGER ${name} BEFORE INSERT ON "BatchJobItem" FOR EACH ROW EXECUTE FUNCTION ${name}()`);
    return async () => {
      await getDb().$executeRawUnsafe(`DROP TRIGGER IF EXISTS ${name} ON "BatchJobItem"`);
      await getDb().$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${name}()`);
    };
  }

  it("stores every item in the caller's order with its id and variables, in chunks of ITEM_INSERT_CHUNK", async () => {
    const n = ITEM_INSERT_CHUNK * 2 + 7; // three statements, the last one short
    const items = Array.from({ length: n }, (_, i) => ({
      id: `k-${n - i}`, // ids that do not sort like positions
      variables: i === 1 ? { question: '日本語 ✓ \u{1F600} "quoted" \\ back', limit: 1e300 } : { question: `q${i}`, limit: i },
    }));
    const res = await sendJson<BatchJobView>("POST", url("/prompts/answerer/batches"), { items }, bearer(runKey));
    expect(res.status).toBe(202);
    expect(res.body.itemCount).toBe(n);
    const jobId = res.body.id;
    const stored = await getDb().batchJobItem.findMany({
      where: { jobId },
      orderBy: { position: "asc" },
      select: { id: true, position: true, externalId: true, variables: true, status: true, attempts: true },
    });
    expect(stored).toHaveLength(n);
    expect(stored.map((r) => r.position)).toEqual(items.map((_, i) => i));
    expect(stored.map((r) => r.externalId)).toEqual(items.map((item) => item.id));
    expect(stored.map((r) => r.variables)).toEqual(items.map((item) => item.variables));
    expect(stored.every((r) => r.status === "pending" && r.attempts === 0)).toBe(true);
    // Item ids are the Message Batches custom_ids: unique, within the API's pattern.
    expect(new Set(stored.map((r) => r.id)).size).toBe(n);
    expect(stored.every((r) => /^[a-zA-Z0-9_-]{1,64}$/.test(r.id))).toBe(true);
    await sendJson("POST", url(`/batches/${jobId}/cancel`), {}, bearer(runKey));
  });

  it("a failure part way through the items leaves nothing (no job, no item), and a retry stores them all", async () => {
    const marker = `boom-${randomUUID()}`;
    const n = ITEM_INSERT_CHUNK + 50;
    const items = Array.from({ length: n }, (_, i) => ({ id: i === ITEM_INSERT_CHUNK + 10 ? marker : `f-${i}`, variables: { question: `q${i}` } }));
    const before = await jobCount();
    const itemsBefore = await getDb().batchJobItem.count();
    const drop = await failInsertAt(marker, "raise");
    try {
      const res = await sendJson<ApiError>("POST", url("/prompts/answerer/batches"), { items }, bearer(runKey));
      expect(res.status).toBe(500);
    } finally {
      await drop();
    }
    // The first chunk was inserted before the failure: rolled back with the job.
    expect(await jobCount()).toBe(before);
    expect(await getDb().batchJobItem.count()).toBe(itemsBefore);
    const again = await sendJson<BatchJobView>("POST", url("/prompts/answerer/batches"), { items }, bearer(runKey));
    expect(again.status).toBe(202);
    expect(await getDb().batchJobItem.count({ where: { jobId: again.body.id } })).toBe(n);
    await sendJson("POST", url(`/batches/${again.body.id}/cancel`), {}, bearer(runKey));
  });

  it("the database connection lost part way: 503 with Retry-After, and nothing half-created", async () => {
    const marker = `gone-${randomUUID()}`;
    const n = ITEM_INSERT_CHUNK + 20;
    const items = Array.from({ length: n }, (_, i) => ({ id: i === n - 1 ? marker : `g-${i}`, variables: { question: `q${i}` } }));
    const before = await jobCount();
    const itemsBefore = await getDb().batchJobItem.count();
    const drop = await failInsertAt(marker, "terminate");
    try {
      const res = await sendJson<ApiError>("POST", url("/prompts/answerer/batches"), { items }, bearer(runKey));
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).not.toBeNull();
    } finally {
      await drop();
    }
    expect(await jobCount()).toBe(before);
    expect(await getDb().batchJobItem.count()).toBe(itemsBefore);
  });
});

describe("batch jobs: running", () => {
  it("runs every outcome, splits into batches, retries transient errors once, logs at the batch price", async () => {
    const questions = [
      ["q-ok-1", "What is 2+2?"],
      ["q-retry", "busy [[sim:529;count=1;key=batch-job-retry]]"],
      ["q-400", "broken [[sim:400]]"],
      ["q-expired", "late [[sim:expired]]"],
      ["q-canceled", "stopped [[sim:canceled]]"],
      ["q-unicode", "日本語 ✓ \u{1F600}"],
      ["q-ok-2", "Another question"],
    ];
    const created = await sendJson<BatchJobView>(
      "POST",
      url("/prompts/answerer/batches"),
      { items: questions.map(([id, question]) => ({ id, variables: { question } })), metadata: { app: "nightly" } },
      bearer(runKey),
    );
    expect(created.status).toBe(202);
    const jobId = created.body.id;
    // Pending before the worker runs: every item listed as pending, in order.
    const early = await results(jobId);
    expect(early.lines.map((l) => [l.id, l.status])).toEqual(questions.map(([id]) => [id, "pending"]));

    await runToEnd(jobId, stepOptions({ maxRequestsPerBatch: 3 }));
    const job = (await getJson<BatchJobView>(url(`/batches/${jobId}`), bearer(runKey))).body;
    expect(job.status).toBe("completed");
    expect(job.counts).toEqual({ pending: 0, succeeded: 4, errored: 1, expired: 1, canceled: 1 });
    // 7 items in batches of at most 3, then one follow-up batch for the transient error.
    const batches = await getDb().batchJobBatch.findMany({ where: { jobId }, orderBy: { submittedAt: "asc" } });
    expect(batches.map((b) => [b.attempt, b.requestCount])).toEqual([
      [1, 3],
      [1, 3],
      [1, 1],
      [2, 1],
    ]);

    const out = await results(jobId);
    expect(out.status).toBe(200);
    expect(out.type).toContain("application/x-ndjson");
    expect(out.lines.map((l) => l.id)).toEqual(questions.map(([id]) => id));
    const byId = Object.fromEntries(out.lines.map((l) => [l.id, l]));
    expect(byId["q-ok-1"]).toMatchObject({ status: "succeeded", error: null });
    expect(byId["q-ok-1"]!.output!.length).toBeGreaterThan(0);
    expect(byId["q-retry"]!.status).toBe("succeeded");
    expect(byId["q-400"]).toMatchObject({ status: "errored", output: null, error: { type: "invalid_request_error" } });
    expect(byId["q-expired"]).toMatchObject({ status: "expired" });
    expect(byId["q-canceled"]).toMatchObject({ status: "canceled" });
    expect(byId["q-unicode"]!.status).toBe("succeeded");
    expect((await results(jobId, "?status=errored")).lines.map((l) => l.id)).toEqual(["q-400"]);

    // Every call the API answered is logged, linked to the version, at the batch price.
    const calls = await getDb().callLog.findMany({ where: { projectId: ctx.projectId, metadata: { path: ["batchJobId"], equals: jobId } } });
    expect(calls.length).toBe(6); // 4 succeeded + the retried one's first error + the 400
    expect(calls.every((c) => c.batch && c.source === "api" && c.versionId !== null)).toBe(true);
    const okCost = calls.filter((c) => c.status === "ok").reduce((sum, c) => sum + Number(c.costMicros), 0);
    expect(job.costMicros).toBe(okCost);
    expect(job.savedMicros).toBe(job.costMicros);
    const succeeded = out.lines.filter((l) => l.status === "succeeded");
    expect(new Set(succeeded.map((l) => l.callId)).size).toBe(4);
    expect(calls.find((c) => c.id === byId["q-ok-1"]!.callId)?.metadata).toMatchObject({ app: "nightly", batchItemId: "q-ok-1" });
  });

  it("resumes in a new worker after a stop between steps", async () => {
    const created = await sendJson<BatchJobView>(
      "POST",
      url("/prompts/answerer/batches"),
      { items: Array.from({ length: 5 }, (_, i) => ({ variables: { question: `q${i}` } })) },
      bearer(runKey),
    );
    const jobId = created.body.id;
    // One step submits; the "process" stops; a later step (any worker) picks up from the tables.
    expect(await advanceBatchJob(jobId, stepOptions())).toBeGreaterThan(0);
    expect(await getDb().batchJobBatch.count({ where: { jobId } })).toBe(1);
    await runToEnd(jobId, stepOptions());
    const out = await results(jobId);
    expect(out.lines.map((l) => [l.id, l.status])).toEqual(["0", "1", "2", "3", "4"].map((id) => [id, "succeeded"]));
    expect(await getDb().batchJobBatch.count({ where: { jobId } })).toBe(1);
  });

  it("a batch read again (a step stopped after logging a page, before storing its items) logs no call twice", async () => {
    const created = await sendJson<BatchJobView>(
      "POST",
      url("/prompts/answerer/batches"),
      { items: Array.from({ length: 4 }, (_, i) => ({ id: `r${i}`, variables: { question: `q${i}` } })) },
      bearer(runKey),
    );
    const jobId = created.body.id;
    await runToEnd(jobId, stepOptions());
    const calls = () => getDb().callLog.count({ where: { projectId: ctx.projectId, metadata: { path: ["batchJobId"], equals: jobId } } });
    expect(await calls()).toBe(4);
    // As PostgreSQL stopping between the two writes left it: calls logged, items and batch not stored.
    await getDb().batchJobItem.updateMany({ where: { jobId }, data: { status: "pending", callLogId: null, endedAt: null } });
    await getDb().batchJobBatch.updateMany({ where: { jobId }, data: { endedAt: null } });
    await getDb().batchJob.update({ where: { id: jobId }, data: { status: "running", endedAt: null } });
    await runToEnd(jobId, stepOptions());
    expect(await calls()).toBe(4);
    const out = await results(jobId);
    expect(out.lines.every((l) => l.status === "succeeded" && l.callId !== null)).toBe(true);
  });

  it("stores the results of a batch the API had already ended when it answered the create (no follow-up)", async () => {
    // With no processing time the simulator ends a batch before answering its create, as a busy
    // machine did with 2,500 items: the worker took the "ended" batch as stored and sent every item
    // again in a follow-up batch (paid twice), whose results it then dropped the same way.
    const instant = await startSimulator({ port: 0, speed: Infinity, batchProcessingMs: 0 });
    try {
      const options: BatchJobStepOptions = { pollSeconds: 0.05, deps: { batch: { transport: createClaudeTransport({ baseURL: instant.url }) } } };
      const created = await sendJson<BatchJobView>(
        "POST",
        url("/prompts/answerer/batches"),
        { items: Array.from({ length: 6 }, (_, i) => ({ id: `i${i}`, variables: { question: `q${i}` } })) },
        bearer(runKey),
      );
      const jobId = created.body.id;
      await runToEnd(jobId, options);
      const job = (await getJson<BatchJobView>(url(`/batches/${jobId}`), bearer(runKey))).body;
      expect(job).toMatchObject({ status: "completed", counts: { pending: 0, succeeded: 6, errored: 0, expired: 0, canceled: 0 } });
      const batches = await getDb().batchJobBatch.findMany({ where: { jobId } });
      expect(batches.map((b) => [b.attempt, b.requestCount, b.endedAt !== null])).toEqual([[1, 6, true]]);
    } finally {
      await instant.close();
    }
  });

  it("cancels: the submitted batch is canceled, pending items end canceled, a second cancel is a 409", async () => {
    const slowSim = await startSimulator({ port: 0, speed: Infinity, batchProcessingMs: 60_000 });
    try {
      const slow = createClaudeTransport({ baseURL: slowSim.url });
      const created = await sendJson<BatchJobView>(
        "POST",
        url("/prompts/answerer/batches"),
        { items: Array.from({ length: 4 }, (_, i) => ({ id: `c${i}`, variables: { question: `q${i}` } })) },
        bearer(runKey),
      );
      const jobId = created.body.id;
      const options: BatchJobStepOptions = { pollSeconds: 0.05, deps: { batch: { transport: slow } } };
      await advanceBatchJob(jobId, options);
      const cancel = await sendJson<BatchJobView>("POST", url(`/batches/${jobId}/cancel`), {}, bearer(runKey));
      expect(cancel.status).toBe(202);
      await runToEnd(jobId, options);
      const job = (await getJson<BatchJobView>(url(`/batches/${jobId}`), bearer(runKey))).body;
      expect(job.status).toBe("canceled");
      expect(job.counts.pending).toBe(0);
      expect(job.counts.canceled + job.counts.succeeded).toBe(4);
      const again = await sendJson<ApiError>("POST", url(`/batches/${jobId}/cancel`), {}, bearer(runKey));
      expect(again.status).toBe(409);
      expect(again.body.error.message).toContain("already ended");
    } finally {
      await slowSim.close();
    }
  });

  it("a cancel while a job's batches are being submitted stops before the next batch", async () => {
    const slowSim = await startSimulator({ port: 0, speed: Infinity, batchProcessingMs: 60_000 });
    try {
      const created = await sendJson<BatchJobView>(
        "POST",
        url("/prompts/answerer/batches"),
        { items: Array.from({ length: 6 }, (_, i) => ({ id: `m${i}`, variables: { question: `q${i}` } })) },
        bearer(runKey),
      );
      const jobId = created.body.id;
      // The caller cancels right after the first of three batches is created.
      const slow = createClaudeTransport({ baseURL: slowSim.url });
      let submitted = 0;
      const transport: ClaudeTransport = {
        ...slow,
        async createBatch(requests, options) {
          const batch = await slow.createBatch(requests, options);
          if (++submitted === 1) expect((await sendJson("POST", url(`/batches/${jobId}/cancel`), {}, bearer(runKey))).status).toBe(202);
          return batch;
        },
      };
      const options: BatchJobStepOptions = { pollSeconds: 0.05, maxRequestsPerBatch: 2, deps: { batch: { transport } } };
      await runToEnd(jobId, options);
      expect(submitted).toBe(1);
      const job = (await getJson<BatchJobView>(url(`/batches/${jobId}`), bearer(runKey))).body;
      expect(job).toMatchObject({ status: "canceled", counts: { pending: 0, canceled: 6 } });
    } finally {
      await slowSim.close();
    }
  });

  it("a batch kept in progress by the simulator ([[sim:slow]]) stays running until canceled", async () => {
    const created = await sendJson<BatchJobView>(
      "POST",
      url("/prompts/answerer/batches"),
      {
        items: [
          { id: "s0", variables: { question: "slow [[sim:slow;ms=600000]]" } },
          { id: "s1", variables: { question: "fast" } },
        ],
      },
      bearer(runKey),
    );
    const jobId = created.body.id;
    for (let i = 0; i < 3; i++) expect(await advanceBatchJob(jobId, stepOptions())).toBeGreaterThan(0);
    expect((await getJson<BatchJobView>(url(`/batches/${jobId}`), bearer(runKey))).body.status).toBe("running");
    await sleep(300); // past the fast item's end (150 ms of simulated processing)
    expect((await sendJson("POST", url(`/batches/${jobId}/cancel`), {}, bearer(runKey))).status).toBe(202);
    await runToEnd(jobId, stepOptions());
    const job = (await getJson<BatchJobView>(url(`/batches/${jobId}`), bearer(runKey))).body;
    expect(job.status).toBe("canceled");
    // The fast item finished before the cancel (kept: it was paid for); the slow one never did.
    expect(job.counts).toMatchObject({ pending: 0, succeeded: 1, canceled: 1 });
  });

  it("works through the typed client: create, follow, read the results as they stream", async () => {
    const client = new PromptdeckClient({ baseUrl: server.url, apiKey: runKey });
    const items = Array.from({ length: 2_500 }, (_, i) => ({ id: `item-${i}`, variables: { question: `Question number ${i}?` } }));
    const job = await client.createBatchJob("answerer", { items: items as [(typeof items)[number], ...typeof items] });
    expect(job).toMatchObject({ status: "queued", itemCount: 2_500 });
    await runToEnd(job.id, stepOptions());
    expect((await client.getBatchJob(job.id)).counts).toMatchObject({ pending: 0, succeeded: 2_500 });
    let n = 0;
    for await (const line of client.batchJobResults(job.id)) {
      expect(line.id).toBe(`item-${n}`);
      expect(line.status).toBe("succeeded");
      n++;
    }
    expect(n).toBe(2_500);
    // A clean job is one Message Batch per 10,000 items (DEFAULT_REQUESTS_PER_BATCH), no follow-up.
    const batches = await getDb().batchJobBatch.findMany({ where: { jobId: job.id } });
    expect(batches.map((b) => [b.attempt, b.requestCount])).toEqual([[1, 2_500]]);
    await expect(client.cancelBatchJob(job.id)).rejects.toMatchObject({ status: 409 });
  });

  it("lists the project's jobs, newest first, and never another project's", async () => {
    const list = await getJson<{ data: BatchJobView[] }>(url("/batches?limit=2"), bearer(runKey));
    expect(list.status).toBe(200);
    expect(list.body.data.length).toBe(2);
    const other = await makeTestProject();
    const otherKey = (await other.key(["prompts:run"])).key;
    expect((await getJson<{ data: BatchJobView[] }>(url("/batches"), bearer(otherKey))).body.data).toEqual([]);
    const someJob = list.body.data[0]!.id;
    expect((await getJson<ApiError>(url(`/batches/${someJob}`), bearer(otherKey))).status).toBe(404);
    expect((await results(someJob)).status).toBe(200);
    const foreign = await fetch(url(`/batches/${someJob}/results`), { headers: bearer(otherKey) });
    expect(foreign.status).toBe(404);
  });
});
