// A/B experiments end to end against PostgreSQL and the built-in Claude simulator: create through
// the API, start, live traffic through /run (sticky subjects), weights, results numbers, guardrail
// auto-pause of a fault-injected variant (a `[[sim:400]]` token in its system prompt), promote
// (label moved + release recorded), and every refusal leaving no partial state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { getDb } from "@/lib/db/client";
import { createExperiment, promoteExperiment, transitionExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import { computeExperimentResults, getExperiment, listExperimentHistory, type ExperimentView } from "@/lib/experiments/queries";
import type { ExperimentResults } from "@/lib/experiments/results";
import { experimentResultsResponseSchema } from "@/lib/http/api-schemas";
import { startTraffic } from "@/lib/experiments/traffic";
import { saveDraft } from "@/lib/prompts/mutations";
import {
  bearer,
  getJson,
  makeTestProject,
  publishPrompt,
  sendJson,
  simpleContent,
  startApiServer,
  type ApiError,
  type RunningServer,
  type TestProject,
} from "./serving-helpers";

let server: RunningServer;
let ctx: TestProject;
let writeKey: string;
let adminKey: string;
let readKey: string;
let promptId: string;
let otherPromptVersionId: string;

// Faster simulated latency (the simulator starts lazily on the first call of this file's process).
process.env.PROMPTDECK_SIMULATOR_SPEED = "20";

const url = (path: string) => `${server.url}/api/v1${path}`;
const flush = () => getCallLogWriter().flush({ timeoutMs: 10_000 });

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  server = await startApiServer();
  ctx = await makeTestProject();
  writeKey = (await ctx.key(["prompts:read", "prompts:run", "experiments:write"])).key;
  adminKey = (await ctx.key(["prompts:read", "experiments:write", "admin"])).key;
  readKey = (await ctx.key(["prompts:read"])).key;
  promptId = await publishPrompt(ctx.admin, "ab-answerer", [
    simpleContent("You answer questions in one sentence."),
    simpleContent("You answer questions in one short, friendly sentence."),
    simpleContent("You answer questions. [[sim:400]]"),
  ]);
  // production -> 1.0.0, canary -> 1.0.0 (not protected), and a draft that is not publishable as a variant.
  const db = getDb();
  const v100 = await db.promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 0, patch: 0 } });
  const { moveLabel } = await import("@/lib/prompts/mutations");
  await moveLabel(ctx.admin, { promptId, label: "production", versionId: v100.id });
  await moveLabel(ctx.admin, { promptId, label: "canary", versionId: v100.id });
  await saveDraft(ctx.admin, { promptId, content: simpleContent("Draft text") });
  const other = await publishPrompt(ctx.admin, "ab-other", [simpleContent("Other prompt")]);
  otherPromptVersionId = (await db.promptVersion.findFirstOrThrow({ where: { promptId: other, status: "PUBLISHED" } })).id;
});

afterAll(async () => {
  await flush();
  await server?.close();
});

describe("bad input is refused with a clear message and leaves nothing behind", () => {
  it("weights not summing to 100, unpublished or foreign versions, unknown prompt", async () => {
    const before = await getDb().experiment.count({ where: { promptId } });
    const weights = await sendJson<ApiError>(
      "POST",
      url("/experiments"),
      {
        prompt: "ab-answerer",
        name: "bad",
        variants: [
          { version: "1.0.0", weight: 60 },
          { version: "1.1.0", weight: 50 },
        ],
      },
      bearer(writeKey),
    );
    expect(weights.status).toBe(422);
    expect(weights.body.error.issues?.[0]?.message).toMatch(/sum to 100 \(they sum to 110\)/);
    const draft = await getDb().promptVersion.findFirstOrThrow({ where: { promptId, status: "DRAFT" } });
    const unpublished = await sendJson<ApiError>(
      "POST",
      url("/experiments"),
      {
        prompt: "ab-answerer",
        name: "bad",
        variants: [
          { version: "1.0.0", weight: 50 },
          { versionId: draft.id, weight: 50 },
        ],
      },
      bearer(writeKey),
    );
    expect(unpublished.status).toBe(422);
    expect(unpublished.body.error.issues).toEqual([{ path: "variants.1.version", message: "only published versions can be variants" }]);
    const foreign = await sendJson<ApiError>(
      "POST",
      url("/experiments"),
      {
        prompt: "ab-answerer",
        name: "bad",
        variants: [
          { version: "1.0.0", weight: 50 },
          { versionId: otherPromptVersionId, weight: 50 },
        ],
      },
      bearer(writeKey),
    );
    expect(foreign.status).toBe(422);
    expect(foreign.body.error.message).toMatch(/not a version of "ab-answerer"/);
    const missing = await sendJson<ApiError>(
      "POST",
      url("/experiments"),
      {
        prompt: "ab-answerer",
        name: "bad",
        variants: [
          { version: "1.0.0", weight: 50 },
          { version: "9.9.9", weight: 50 },
        ],
      },
      bearer(writeKey),
    );
    expect(missing.status).toBe(422);
    const noScope = await sendJson<ApiError>(
      "POST",
      url("/experiments"),
      {
        prompt: "ab-answerer",
        name: "x",
        variants: [
          { version: "1.0.0", weight: 50 },
          { version: "1.1.0", weight: 50 },
        ],
      },
      bearer(readKey),
    );
    expect(noScope.status).toBe(403);
    expect(await getDb().experiment.count({ where: { promptId } })).toBe(before);
  });
});

describe("an experiment on production, through the public API", () => {
  let exp: ExperimentView;
  const seen = new Map<string, string>();

  it("is created as a draft and started", async () => {
    const created = await sendJson<ExperimentView>(
      "POST",
      url("/experiments"),
      {
        prompt: "ab-answerer",
        label: "production",
        name: "friendlier",
        hypothesis: "Friendlier answers do as well",
        primaryMetric: "latency",
        variants: [
          { version: "1.0.0", weight: 50 },
          { version: "1.1.0", weight: 50 },
        ],
      },
      bearer(writeKey),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: "DRAFT",
      label: "production",
      variants: [
        { key: "A", version: "1.0.0", weight: 50 },
        { key: "B", version: "1.1.0", weight: 50 },
      ],
    });
    expect(created.body.design.plannedPerVariant).toBe(393);
    exp = created.body;
    const got = await getJson<ExperimentView>(url(`/experiments/${exp.id}`), bearer(readKey));
    expect(got.body.id).toBe(exp.id);
    // Draft: /run still serves the label.
    const before = await sendJson<{ variant: string | null; version: string }>(
      "POST",
      url("/prompts/ab-answerer/run"),
      { variables: { question: "hi" }, subject: "u0" },
      bearer(writeKey),
    );
    expect(before.body).toMatchObject({ variant: null, version: "1.0.0" });
    // production is protected: starting an experiment on it needs an admin key (the editor key gets 403).
    expect((await sendJson<ApiError>("POST", url(`/experiments/${exp.id}/start`), {}, bearer(writeKey))).status).toBe(403);
    const started = await sendJson<ExperimentView>("POST", url(`/experiments/${exp.id}/start`), {}, bearer(adminKey));
    expect(started.status).toBe(200);
    expect(started.body.status).toBe("RUNNING");
  });

  it("a second experiment on the same label is refused; the partial unique index backs it", async () => {
    const second = await sendJson<ApiError>(
      "POST",
      url("/experiments"),
      {
        prompt: "ab-answerer",
        name: "second",
        variants: [
          { version: "1.0.0", weight: 50 },
          { version: "1.1.0", weight: 50 },
        ],
      },
      bearer(writeKey),
    );
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/already has an active experiment on the "production" label/);
    // Bypassing the lib check, the database itself refuses a second active row.
    await expect(
      getDb().experiment.create({ data: { promptId, labelName: "production", name: "raw", primaryMetric: "latency", status: "RUNNING" } }),
    ).rejects.toThrow();
  });

  it("routes /run traffic by subject, sticky across calls, and logs experiment + variant", async () => {
    for (let round = 0; round < 3; round++) {
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          sendJson<{ variant: string; version: string; callId: string }>(
            "POST",
            url("/prompts/ab-answerer/run"),
            { variables: { question: `question ${i}` }, subject: `user-${i}` },
            bearer(writeKey),
          ),
        ),
      );
      responses.forEach((res, i) => {
        expect(res.status).toBe(200);
        expect(res.headers.get("x-promptdeck-variant")).toBe(res.body.variant);
        expect(res.body.version).toBe(res.body.variant === "A" ? "1.0.0" : "1.1.0");
        const previous = seen.get(`user-${i}`);
        if (previous) expect(res.body.variant).toBe(previous);
        seen.set(`user-${i}`, res.body.variant);
      });
    }
    expect(new Set(seen.values())).toEqual(new Set(["A", "B"]));
    const anonymous = await sendJson<{ variant: string }>("POST", url("/prompts/ab-answerer/run"), { variables: { question: "no subject" } }, bearer(writeKey));
    expect(["A", "B"]).toContain(anonymous.body.variant);
    // An explicit version bypasses the split.
    const pinned = await sendJson<{ variant: string | null; version: string }>(
      "POST",
      url("/prompts/ab-answerer/run"),
      { variables: { question: "pinned" }, version: "1.0.0" },
      bearer(writeKey),
    );
    expect(pinned.body).toMatchObject({ variant: null, version: "1.0.0" });
    await flush();
    const rows = await getDb().callLog.findMany({ where: { experimentId: exp.id } });
    expect(rows).toHaveLength(37);
    expect(rows.every((r) => r.variantId !== null && r.source === "api")).toBe(true);
    expect(rows.filter((r) => r.subjectHash !== null)).toHaveLength(36);
  });

  it("results over the API are exactly the numbers computeExperimentResults gives the page", async () => {
    const res = await getJson<{ experiment: ExperimentView; results: ExperimentResults }>(url(`/experiments/${exp.id}/results`), bearer(readKey));
    expect(res.status).toBe(200);
    const direct = await computeExperimentResults(await getExperiment(ctx.projectId, exp.id));
    expect(res.body.results).toEqual(JSON.parse(JSON.stringify(direct)));
    const r = res.body.results;
    expect(r.totalCalls).toBe(37);
    const perVariant = [...seen.values()].reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 3 }), {});
    for (const v of r.variants) expect(v.calls - (perVariant[v.key] ?? 0)).toBeLessThanOrEqual(1); // +1 for the anonymous call
    const b = r.variants.find((v) => v.key === "B")!;
    expect(b.metrics.latency.comparison?.test).toBe("welch t");
    expect(b.metrics.latency.outcome).toBe("not_enough_data");
    expect(r.winnerKey).toBeNull();
    expect(r.verdict).toMatch(/No winner yet on latency: about \d+ more calls per variant needed to reach the planned 393/);
    expect(b.metrics.latency.ci!.low).toBeLessThan(b.metrics.latency.mean!);
  });

  it("PATCH weights moves only B -> A subjects and records the change", async () => {
    const bad = await sendJson<ApiError>("PATCH", url(`/experiments/${exp.id}`), { weights: { A: 80, B: 30 } }, bearer(adminKey));
    expect(bad.status).toBe(422);
    const res = await sendJson<ExperimentView>("PATCH", url(`/experiments/${exp.id}`), { weights: { A: 80, B: 20 } }, bearer(adminKey));
    expect(res.status).toBe(200);
    expect(res.body.variants.map((v) => v.weight)).toEqual([80, 20]);
    const stayA = [...seen].filter(([, v]) => v === "A").map(([subject]) => subject);
    const again = await Promise.all(
      stayA.map((subject) =>
        sendJson<{ variant: string }>("POST", url("/prompts/ab-answerer/run"), { variables: { question: "again" }, subject }, bearer(writeKey)),
      ),
    );
    expect(again.map((r) => r.body.variant)).toEqual(stayA.map(() => "A"));
    const audit = await getDb().auditEvent.findFirstOrThrow({ where: { targetId: exp.id, action: "experiment.weights_changed" } });
    expect(audit.before).toEqual({ A: 50, B: 50 });
    expect(audit.after).toEqual({ A: 80, B: 20, movedPercent: 30 });
    // The history names the API key that acted (not its id).
    const history = await listExperimentHistory(ctx.projectId, exp.id);
    expect(history.find((h) => h.action === "experiment.weights_changed")?.actor).toBe('API key "key prompts:read,experiments:write,admin"');
  });

  it("promote: paused is refused, a non-admin cannot move the protected label, an admin promotes (release recorded)", async () => {
    expect((await sendJson<ExperimentView>("POST", url(`/experiments/${exp.id}/pause`), {}, bearer(writeKey))).body.status).toBe("PAUSED");
    const whilePaused = await sendJson<{ variant: string | null; version: string }>(
      "POST",
      url("/prompts/ab-answerer/run"),
      { variables: { question: "hi" }, subject: "user-1" },
      bearer(writeKey),
    );
    expect(whilePaused.body).toMatchObject({ variant: null, version: "1.0.0" });
    const paused = await sendJson<ApiError>("POST", url(`/experiments/${exp.id}/promote`), { variant: "B" }, bearer(adminKey));
    expect(paused.status).toBe(409);
    expect(paused.body.error.message).toMatch(/resume it first/);
    expect((await sendJson<ExperimentView>("POST", url(`/experiments/${exp.id}/resume`), {}, bearer(adminKey))).body.status).toBe("RUNNING");
    const noWinner = await sendJson<ApiError>("POST", url(`/experiments/${exp.id}/promote`), {}, bearer(adminKey));
    expect(noWinner.status).toBe(409);
    expect(noWinner.body.error.message).toMatch(/no winner yet/);
    const notAdmin = await sendJson<ApiError>("POST", url(`/experiments/${exp.id}/promote`), { variant: "B" }, bearer(writeKey));
    expect(notAdmin.status).toBe(403);
    expect((await getExperiment(ctx.projectId, exp.id)).status).toBe("RUNNING");
    const promoted = await sendJson<ExperimentView & { promoted: { key: string; version: string } }>(
      "POST",
      url(`/experiments/${exp.id}/promote`),
      { variant: "B" },
      bearer(adminKey),
    );
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ status: "COMPLETED", promoted: { key: "B", version: "1.1.0" } });
    const label = await getDb().label.findUniqueOrThrow({
      where: { promptId_name: { promptId, name: "production" } },
      include: { events: { orderBy: { at: "desc" }, take: 1 } },
    });
    expect(label.events[0]?.reason).toBe("promoted from experiment friendlier");
    const served = await sendJson<{ variant: string | null; version: string }>(
      "POST",
      url("/prompts/ab-answerer/run"),
      { variables: { question: "after" }, subject: "user-1" },
      bearer(writeKey),
    );
    expect(served.body).toMatchObject({ variant: null, version: "1.1.0" });
  });
});

describe("guardrails pause a failing variant automatically", () => {
  it("dashboard traffic to a [[sim:400]] variant pauses it; traffic returns to the control", async () => {
    const exp = await createExperiment(
      ctx.admin,
      createExperimentSchema.parse({
        prompt: "ab-answerer",
        label: "canary",
        name: "broken-candidate",
        primaryMetric: "error_rate",
        variants: [
          { version: "1.0.0", weight: 50 },
          { version: "1.2.0", weight: 50 },
        ],
        guardrails: [{ metric: "error_rate", threshold: 0.1 }],
      }),
    );
    await expect(promoteExperiment(ctx.admin, exp.id, { variant: "A" })).rejects.toThrow(/cannot promote this experiment: it is draft/i);
    await transitionExperiment(ctx.admin, exp.id, "start");
    await expect(promoteExperiment(ctx.admin, exp.id, { variant: "A" })).rejects.toThrow(/no calls yet/);
    const { progress, done } = await startTraffic(ctx.admin, exp.id, { mode: "generate", count: 60, concurrency: 4 }, { batchSize: 10 });
    expect(progress.total).toBe(60);
    const final = await done;
    expect(final.status).toBe("done");
    expect(final.done).toBe(60);
    expect(final.pausedVariants.join(" ")).toMatch(/^B: Error rate 100\.0% \(\d+ of \d+ calls\) is above the 10\.0% guardrail/);
    const after = await getExperiment(ctx.projectId, exp.id);
    const b = after.variants.find((v) => v.key === "B")!;
    expect(b.paused).toBe(true);
    expect(b.pausedReason).toMatch(/above the 10\.0% guardrail/);
    expect(after.status).toBe("RUNNING");
    await flush();
    // Once paused, B got no new calls: only those already in flight (at most concurrency - 1) finished after the pause.
    const bCalls = await getDb().callLog.findMany({ where: { variantId: b.id }, select: { createdAt: true, status: true } });
    expect(bCalls.every((c) => c.status === "error")).toBe(true);
    expect(bCalls.filter((c) => c.createdAt > new Date(b.pausedAt!)).length).toBeLessThanOrEqual(3);
    expect(bCalls.length).toBeLessThan(30);
    expect(final.byVariant.A).toBeGreaterThan(final.byVariant.B!);
    const audit = await getDb().auditEvent.findFirstOrThrow({ where: { targetId: exp.id, action: "experiment.variant_paused" } });
    expect(audit.actorLabel).toBe("system:guardrail");
    // Live API traffic on canary now only reaches A.
    const live = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        sendJson<{ variant: string }>(
          "POST",
          url("/prompts/ab-answerer/run"),
          { variables: { question: "q" }, subject: `g${i}`, label: "canary" },
          bearer(writeKey),
        ),
      ),
    );
    expect(live.map((r) => r.body.variant)).toEqual(Array(10).fill("A"));
    // Promoting the paused variant is refused; the control can be promoted onto the unprotected label by an editor key.
    const refused = await sendJson<ApiError>("POST", url(`/experiments/${exp.id}/promote`), { variant: "B" }, bearer(writeKey));
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/Variant B is paused/);
    const ok = await sendJson<ExperimentView>("POST", url(`/experiments/${exp.id}/promote`), { variant: "A" }, bearer(writeKey));
    expect(ok.status).toBe(200);
  });
});

describe("more than two variants: multiple-comparison correction", () => {
  it("plans for 2 comparisons, and GET /results says Holm–Bonferroni with 97.5% intervals (schema-valid)", async () => {
    // canary is free again: the guardrail test promoted its experiment.
    const created = await sendJson<ExperimentView>(
      "POST",
      url("/experiments"),
      {
        prompt: "ab-answerer",
        label: "canary",
        name: "three-way",
        primaryMetric: "latency",
        variants: [
          { version: "1.0.0", weight: 34 },
          { version: "1.1.0", weight: 33 },
          { version: "1.2.0", weight: 33 },
        ],
        guardrails: [],
      },
      bearer(writeKey),
    );
    expect(created.status).toBe(201);
    // 2 (z(1 - 0.025/2) + z(0.8))^2 0.25 / 0.1^2 = 475.3 -> 476 per variant (393 with one comparison).
    expect(created.body.design.plannedPerVariant).toBe(476);
    expect((await sendJson("POST", url(`/experiments/${created.body.id}/start`), {}, bearer(writeKey))).status).toBe(200);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        sendJson("POST", url("/prompts/ab-answerer/run"), { variables: { question: `q${i}` }, subject: `three-${i}`, label: "canary" }, bearer(writeKey)),
      ),
    );
    await flush();
    const res = await getJson<{ results: ExperimentResults }>(url(`/experiments/${created.body.id}/results`), bearer(readKey));
    expect(res.status).toBe(200);
    expect(experimentResultsResponseSchema.safeParse(res.body).success).toBe(true);
    expect(res.body.results.correction).toMatchObject({ method: "holm-bonferroni", comparisons: 2, intervalLevel: 0.975 });
    const tested = res.body.results.variants
      .flatMap((v) => Object.values(v.metrics))
      .map((m) => m.comparison)
      .filter((c) => c !== null);
    expect(tested.length).toBeGreaterThan(0);
    for (const c of tested) expect(c.pValue).toBeGreaterThanOrEqual(c.pValueUnadjusted);
    await transitionExperiment(ctx.admin, created.body.id, "complete");
  });
});
