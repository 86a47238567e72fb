// Dataset-driven experiment traffic: each item of a chosen dataset version is sent once through
// the experiment's split (the simulator answers), logged with the item it came from; the item's
// key is its subject, so it keeps its variant. Bad choices (unknown dataset, version out of range,
// an empty dataset) are refused with the field named, before any call is made.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { getDb } from "@/lib/db/client";
import { addItems, createDataset, deleteItems } from "@/lib/datasets/mutations";
import { createExperiment, transitionExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import { startTraffic } from "@/lib/experiments/traffic";
import { AppError } from "@/lib/errors";
import { makeTestProject, publishPrompt, simpleContent, type TestProject } from "./serving-helpers";

process.env.PROMPTDECK_SIMULATOR_SPEED = "20";

let ctx: TestProject;
let experimentId: string;
let datasetId: string;

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  ctx = await makeTestProject();
  await publishPrompt(ctx.admin, "dataset-traffic", [simpleContent("You answer in one sentence."), simpleContent("You answer in one friendly sentence.")]);
  const exp = await createExperiment(
    ctx.admin,
    createExperimentSchema.parse({
      prompt: "dataset-traffic",
      label: "production",
      name: "from a dataset",
      primaryMetric: "latency",
      variants: [
        { version: "1.0.0", weight: 50 },
        { version: "1.1.0", weight: 50 },
      ],
    }),
  );
  await transitionExperiment(ctx.admin, exp.id, "start");
  experimentId = exp.id;
  const dataset = await createDataset(ctx.projectId, { name: "questions" }, ctx.admin);
  datasetId = dataset.id;
  // v1: 30 items; v2: 5 of them deleted (25 items).
  await addItems(
    datasetId,
    Array.from({ length: 30 }, (_, i) => ({ key: `q${i}`, variables: { question: `Question number ${i}?`, limit: (i % 5) + 1 } })),
    ctx.admin,
  );
  await deleteItems(datasetId, ["q0", "q1", "q2", "q3", "q4"], ctx.admin);
  await createDataset(ctx.projectId, { name: "empty" }, ctx.admin);
});

afterAll(async () => {
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
});

async function refusal(body: unknown): Promise<AppError> {
  const error = await startTraffic(ctx.admin, experimentId, body).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("traffic from a dataset", () => {
  it("sends every item of the chosen version once through the split, logged with its item", async () => {
    const { progress, done } = await startTraffic(ctx.admin, experimentId, { mode: "dataset", dataset: "questions", datasetVersion: 1, concurrency: 4 });
    expect(progress.total).toBe(30);
    const final = await done;
    expect(final).toMatchObject({ status: "done", total: 30, done: 30, ok: 30, failed: 0, invalid: 0 });
    expect((final.byVariant.A ?? 0) + (final.byVariant.B ?? 0)).toBe(30);
    expect(final.byVariant.A).toBeGreaterThan(0);
    expect(final.byVariant.B).toBeGreaterThan(0);

    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    const calls = await getDb().callLog.findMany({
      where: { projectId: ctx.projectId, experimentId, metadata: { path: ["trafficRunId"], equals: final.id } },
      select: { source: true, variantId: true, subjectHash: true, metadata: true },
    });
    expect(calls).toHaveLength(30);
    expect(calls.every((c) => c.source === "experiment" && c.variantId !== null)).toBe(true);
    const keys = calls.map((c) => (c.metadata as { datasetItemKey?: string }).datasetItemKey).sort();
    expect(keys).toEqual(Array.from({ length: 30 }, (_, i) => `q${i}`).sort());
    expect(calls.every((c) => (c.metadata as { datasetId?: string; datasetVersion?: number }).datasetVersion === 1)).toBe(true);

    // The latest version (no version given) has 25 items; each item keeps its variant (subject = its key).
    const variantByKey = new Map(calls.map((c) => [(c.metadata as { datasetItemKey: string }).datasetItemKey, c.variantId]));
    const second = await (await startTraffic(ctx.admin, experimentId, { mode: "dataset", dataset: "questions", concurrency: 3 })).done;
    expect(second).toMatchObject({ status: "done", total: 25, done: 25, ok: 25 });
    await getCallLogWriter().flush({ timeoutMs: 10_000 });
    const again = await getDb().callLog.findMany({
      where: { projectId: ctx.projectId, metadata: { path: ["trafficRunId"], equals: second.id } },
      select: { variantId: true, metadata: true },
    });
    expect(again).toHaveLength(25);
    for (const c of again) {
      const key = (c.metadata as { datasetItemKey: string }).datasetItemKey;
      expect(["q0", "q1", "q2", "q3", "q4"]).not.toContain(key);
      expect(c.variantId).toBe(variantByKey.get(key));
    }
  });

  it("refuses an unknown dataset, a version out of range, an empty dataset and hostile values, naming the field", async () => {
    let error = await refusal({ mode: "dataset", dataset: "nope" });
    expect(error.message).toBe('There is no dataset named "nope" in this project');
    expect(error.issues?.[0]?.path).toBe("dataset");

    error = await refusal({ mode: "dataset", dataset: "" });
    expect(error.message).toBe("Choose a dataset to send");

    error = await refusal({ mode: "dataset", dataset: "questions", datasetVersion: 7 });
    expect(error.message).toBe('Dataset "questions" has versions 1 to 2, not 7');
    expect(error.issues?.[0]?.path).toBe("datasetVersion");

    error = await refusal({ mode: "dataset", dataset: "empty" });
    expect(error.message).toBe('Dataset "empty" has no items yet');

    error = await refusal({ mode: "dataset", dataset: "questions", datasetVersion: 1e300 });
    expect(error.code).toBe("unprocessable");
    error = await refusal({ mode: "dataset", dataset: "questions", datasetVersion: 0 });
    expect(error.message).toMatch(/dataset versions start at 1/);
    error = await refusal({ mode: "dataset", dataset: "x".repeat(101) });
    expect(error.message).toMatch(/at most 100 characters/);
    error = await refusal({ mode: "dataset", dataset: "ques\u0000tions" });
    expect(error.message).toMatch(/^Not a dataset name: /);
    error = await refusal({ mode: "dataset", dataset: "../etc/passwd" });
    expect(error.issues?.[0]?.path).toBe("dataset");

    const runs = await getDb().experimentTrafficRun.count({ where: { experimentId } });
    expect(runs).toBe(2);
  });
});
