// Promote is one transaction: ending the experiment and moving the label commit together. A
// failure inside the label move (injected with a trigger that, after a pause, refuses this label's
// LabelEvent insert, i.e. after the label row itself was updated) leaves the experiment RUNNING,
// the label on its old version and no promotion recorded, and no other connection saw the
// experiment ended meanwhile; once the fault is gone the same promote succeeds.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCallLogWriter } from "@/lib/metrics/call-log-writer";
import { getDb } from "@/lib/db/client";
import { createExperiment, promoteExperiment, transitionExperiment } from "@/lib/experiments/mutations";
import { createExperimentSchema } from "@/lib/experiments/schemas";
import { getExperiment } from "@/lib/experiments/queries";
import { startTraffic } from "@/lib/experiments/traffic";
import { moveLabel } from "@/lib/prompts/mutations";
import { makeTestProject, publishPrompt, simpleContent, type TestProject } from "./serving-helpers";

process.env.PROMPTDECK_SIMULATOR_SPEED = "20";

let ctx: TestProject;
let promptId: string;
const fn = `pd_test_fail_label_event_${randomUUID().replace(/-/g, "").slice(0, 12)}`;

beforeAll(async () => {
  if (process.env.ANTHROPIC_API_KEY) throw new Error("these tests expect the simulator: unset ANTHROPIC_API_KEY");
  ctx = await makeTestProject();
  promptId = await publishPrompt(ctx.admin, "promote-atomic", [simpleContent("One sentence."), simpleContent("One friendly sentence.")], []);
  const v100 = await getDb().promptVersion.findFirstOrThrow({ where: { promptId, major: 1, minor: 0, patch: 0 } });
  await moveLabel(ctx.admin, { promptId, label: "staging", versionId: v100.id });
});

afterAll(async () => {
  await getDb().$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${fn}() CASCADE`);
  await getCallLogWriter().flush({ timeoutMs: 10_000 });
});

describe("promote in one transaction", () => {
  it("a failure in the label move leaves the experiment RUNNING and the label unmoved; the retry promotes", async () => {
    const db = getDb();
    const exp = await createExperiment(
      ctx.admin,
      createExperimentSchema.parse({
        prompt: "promote-atomic",
        label: "staging",
        name: "atomic",
        primaryMetric: "latency",
        variants: [
          { version: "1.0.0", weight: 50 },
          { version: "1.1.0", weight: 50 },
        ],
      }),
    );
    await transitionExperiment(ctx.admin, exp.id, "start");
    const final = await (await startTraffic(ctx.admin, exp.id, { mode: "generate", count: 20, concurrency: 4 })).done;
    expect(final.byVariant.B).toBeGreaterThan(0);
    await getCallLogWriter().flush({ timeoutMs: 10_000 });

    const label = await db.label.findUniqueOrThrow({ where: { promptId_name: { promptId, name: "staging" } } });
    const eventsBefore = await db.labelEvent.count({ where: { labelId: label.id } });
    const movesBefore = await db.auditEvent.count({ where: { targetId: label.id, action: "label.moved" } });
    await db.$executeRawUnsafe(
      `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.4); RAISE EXCEPTION 'injected label-move failure'; END $$`,
    );
    await db.$executeRawUnsafe(`CREATE TRIGGER ${fn} BEFORE INSERT ON "LabelEvent" FOR EACH ROW WHEN (NEW."labelId" = '${label.id}') EXECUTE FUNCTION ${fn}()`);

    // While the failing move is in progress, other connections never see the experiment ended
    // (with a claim committed before the move, they would for the length of the move).
    const seen = new Set<string>();
    let settled = false;
    const watcher = (async () => {
      while (!settled) {
        seen.add((await db.experiment.findUniqueOrThrow({ where: { id: exp.id }, select: { status: true } })).status);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    await expect(promoteExperiment(ctx.admin, exp.id, { variant: "B" }).finally(() => (settled = true))).rejects.toThrow(/injected label-move failure/);
    await watcher;
    expect([...seen]).toEqual(["RUNNING"]);
    const after = await getExperiment(ctx.projectId, exp.id);
    expect(after).toMatchObject({ status: "RUNNING", endedAt: null, winnerVariantId: null });
    const labelAfter = await db.label.findUniqueOrThrow({ where: { id: label.id } });
    expect(labelAfter.versionId).toBe(label.versionId);
    expect(await db.labelEvent.count({ where: { labelId: label.id } })).toBe(eventsBefore);
    expect(await db.auditEvent.count({ where: { targetId: exp.id, action: "experiment.promoted" } })).toBe(0);
    expect(await db.auditEvent.count({ where: { targetId: label.id, action: "label.moved" } })).toBe(movesBefore);

    await db.$executeRawUnsafe(`DROP FUNCTION ${fn}() CASCADE`);
    const promoted = await promoteExperiment(ctx.admin, exp.id, { variant: "B" });
    expect(promoted).toMatchObject({ status: "COMPLETED", promoted: { key: "B", version: "1.1.0" } });
    const moved = await db.label.findUniqueOrThrow({ where: { id: label.id }, include: { events: { orderBy: { at: "desc" }, take: 1 } } });
    expect(moved.versionId).toBe(promoted.variants.find((v) => v.key === "B")!.versionId);
    expect(moved.events[0]?.reason).toBe("promoted from experiment atomic");
    expect(await db.auditEvent.count({ where: { targetId: exp.id, action: "experiment.promoted" } })).toBe(1);
    // Ended: a second promote is refused and changes nothing.
    await expect(promoteExperiment(ctx.admin, exp.id, { variant: "A" })).rejects.toThrow(/it has ended/);
  });
});
