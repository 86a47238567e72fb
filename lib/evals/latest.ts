import { z } from "zod";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { compareLabelNames } from "@/lib/prompts/labels";
import { checkReleaseGate, releaseGateFromSettings, snapshotContentHash, type ReleaseGateDecision } from "@/lib/prompts/release-gate";
import { formatVersion } from "@/lib/prompts/versioning";

/**
 * What the publish dialog shows about evaluations: the draft's latest eval run against the
 * version each label serves (per evaluator the mean with its 95% interval and the pass rate, the
 * regressions: items that passed on the label's version and fail on the draft), and for each
 * label whether the release gate would let it move to the draft now.
 */

const interval = z.tuple([z.number(), z.number()]).nullable().catch(null);
const evaluatorSummarySchema = z.object({
  n: z.number().catch(0),
  mean: z.number().nullable().catch(null),
  ci95: interval,
  passRate: z.number().nullable().catch(null),
  passCi95: interval,
});
/** EvalRunVersion.summary (lib/evals/README.md), read leniently: a field of another shape reads as missing. */
const runVersionSummarySchema = z.object({
  items: z.number().catch(0),
  errored: z.number().catch(0),
  costMicros: z.number().catch(0),
  evaluators: z.record(z.string(), evaluatorSummarySchema).catch({}),
  /** Written by summarizeRun: why the version passed or failed the release gate. */
  gate: z
    .object({ passed: z.boolean(), reasons: z.array(z.string()) })
    .optional()
    .catch(undefined),
});

export type EvaluatorSummary = z.infer<typeof evaluatorSummarySchema>;

export interface EvalSideSummary {
  /** The version as the run named it ("1.2.0", "1.3.0-draft"). */
  display: string;
  items: number;
  errored: number;
  costMicros: number;
  evaluators: Record<string, EvaluatorSummary>;
  /** Why the version passed or failed the release gate when the run was summarised (absent: no gate then). */
  gate?: { passed: boolean; reasons: string[] };
}

export interface PublishEvalRun {
  runId: string;
  status: "queued" | "running" | "completed" | "failed" | "canceled";
  progress: { done: number; total: number };
  createdAt: string;
  endedAt: string | null;
  /** The run evaluated the draft's current content (false: the draft changed since). */
  current: boolean;
  dataset: { name: string; version: number };
  draft: EvalSideSummary | null;
  /** The version the draft was compared with in this run (the label's version when the run had it, else the run's baseline). */
  baseline: (EvalSideSummary & { servedBy: string[] }) | null;
  /** Items that passed on the baseline and fail on the draft (null: no baseline in the run). */
  regressions: number | null;
  /** EvalRunVersion.gatePassed of the draft (null: not checked against a gate). */
  gatePassed: boolean | null;
  /** The verdict in plain words (pass rates against the baseline, the gate's verdict and reasons; the regressions are `regressions`). */
  verdict: string;
}

export interface PublishEvalStatus {
  draft: { id: string; contentHash: string } | null;
  labels: Array<{ name: string; version: string; versionId: string }>;
  latest: PublishEvalRun | null;
  /** The project's gate (null = none) and, for each gated label, whether it may move to the draft now. */
  gate: { rule: string; decisions: ReleaseGateDecision[] } | null;
}

function side(row: { display: string; summary: unknown }): EvalSideSummary {
  const parsed = runVersionSummarySchema.safeParse(row.summary ?? {});
  const s = parsed.success ? parsed.data : { items: 0, errored: 0, costMicros: 0, evaluators: {} };
  return { display: row.display, ...s };
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

function verdictFor(
  run: { status: string; progressDone: number; progressTotal: number },
  draft: EvalSideSummary | null,
  baseline: EvalSideSummary | null,
  gatePassed: boolean | null,
): string {
  if (run.status === "queued" || run.status === "running") return `Still running (${run.progressDone} of ${run.progressTotal} done).`;
  if (run.status === "failed") return "The run failed: see the run for the reason.";
  if (run.status === "canceled") return "The run was canceled before it finished.";
  const parts: string[] = [];
  if (draft && baseline) {
    const ids = Object.keys(draft.evaluators).filter((id) => baseline.evaluators[id]);
    const diffs = ids
      .map((id) => {
        const a = baseline.evaluators[id]?.passRate;
        const b = draft.evaluators[id]?.passRate;
        return a != null && b != null ? `${id}: ${pct(b)} pass vs ${pct(a)}` : null;
      })
      .filter((x): x is string => x !== null);
    if (diffs.length > 0) parts.push(`The draft vs ${baseline.display}: ${diffs.join("; ")}.`);
  }
  const reasons = draft?.gate?.reasons ?? [];
  if (gatePassed === true) parts.push("Passed the release gate.");
  else if (gatePassed === false) parts.push(`Did not pass the release gate${reasons.length > 0 ? `: ${reasons.join("; ")}` : ""}.`);
  return parts.join(" ") || "Finished.";
}

/** Items that passed on `baselineId` and fail on `draftId` (one indexed join on the two run versions). */
async function countRegressions(baselineRunVersionId: string, draftRunVersionId: string): Promise<number> {
  const rows = await getDb().$queryRaw<Array<{ n: bigint }>>`
    SELECT count(*)::int8 AS n
    FROM "EvalResult" b JOIN "EvalResult" d ON d."itemId" = b."itemId" AND d."runVersionId" = ${draftRunVersionId}
    WHERE b."runVersionId" = ${baselineRunVersionId} AND b."passed" = true AND d."passed" = false`;
  return Number(rows[0]?.n ?? 0);
}

/**
 * The publish dialog's eval panel for one prompt (not_found when it is not in the project). The
 * latest run is the newest that evaluated the draft row or its exact content; the side it is
 * compared with is the version a label serves when the run included it (production first), else
 * the run's baseline.
 */
export async function getPublishEvalStatus(projectId: string, promptId: string, now: Date = new Date()): Promise<PublishEvalStatus> {
  const db = getDb();
  const prompt = await db.prompt.findFirst({
    where: { id: promptId, projectId },
    select: {
      id: true,
      project: { select: { settings: true } },
      labels: { select: { name: true, versionId: true, version: { select: { major: true, minor: true, patch: true } } } },
      versions: { where: { status: "DRAFT" }, select: { id: true, contentHash: true }, take: 1 },
    },
  });
  if (!prompt) throw new AppError("not_found", "This prompt does not exist in the project");
  const draft = prompt.versions[0] ?? null;
  const labels = prompt.labels
    .map((l) => ({ name: l.name, versionId: l.versionId, version: formatVersion(l.version) }))
    .sort((a, b) => compareLabelNames(a.name, b.name));
  const gate = releaseGateFromSettings(prompt.project.settings) ?? null;
  if (!draft) return { draft: null, labels, latest: null, gate: gate ? { rule: "", decisions: [] } : null };

  const candidates = await db.evalRunVersion.findMany({
    where: {
      run: { projectId, promptId },
      OR: [{ versionId: draft.id }, { snapshot: { path: ["contentHash"], equals: draft.contentHash } }],
    },
    select: {
      id: true,
      snapshot: true,
      run: {
        select: {
          id: true,
          status: true,
          progressDone: true,
          progressTotal: true,
          createdAt: true,
          endedAt: true,
          datasetVersion: true,
          baselineRunVersionId: true,
          dataset: { select: { name: true } },
          versions: { select: { id: true, versionId: true, display: true, summary: true, gatePassed: true, position: true }, orderBy: { position: "asc" } },
        },
      },
    },
    orderBy: { run: { createdAt: "desc" } },
    take: 1,
  });
  let latest: PublishEvalRun | null = null;
  const hit = candidates[0];
  if (hit) {
    const run = hit.run;
    const draftRow = run.versions.find((v) => v.id === hit.id) ?? null;
    const byLabel = labels.find((l) => run.versions.some((v) => v.versionId === l.versionId && v.id !== hit.id));
    const baselineRow =
      (byLabel ? run.versions.find((v) => v.versionId === byLabel.versionId && v.id !== hit.id) : undefined) ??
      run.versions.find((v) => v.id === run.baselineRunVersionId && v.id !== hit.id) ??
      null;
    const draftSide = draftRow ? side(draftRow) : null;
    const baselineSide = baselineRow
      ? { ...side(baselineRow), servedBy: labels.filter((l) => l.versionId === baselineRow.versionId).map((l) => l.name) }
      : null;
    const regressions = baselineRow && draftRow && run.status === "completed" ? await countRegressions(baselineRow.id, draftRow.id) : null;
    const gatePassed = draftRow?.gatePassed ?? null;
    latest = {
      runId: run.id,
      status: run.status,
      progress: { done: run.progressDone, total: run.progressTotal },
      createdAt: run.createdAt.toISOString(),
      endedAt: run.endedAt?.toISOString() ?? null,
      current: snapshotContentHash(hit.snapshot) === draft.contentHash,
      dataset: { name: run.dataset.name, version: run.datasetVersion },
      draft: draftSide,
      baseline: baselineSide,
      regressions,
      gatePassed,
      verdict: verdictFor(run, draftSide, baselineSide, gatePassed),
    };
  }

  let gateStatus: PublishEvalStatus["gate"] = null;
  if (gate) {
    const decisions: ReleaseGateDecision[] = [];
    for (const label of [...gate.labels].sort(compareLabelNames)) {
      decisions.push(
        await checkReleaseGate(db, {
          projectId,
          promptId,
          label,
          version: { id: draft.id, contentHash: draft.contentHash, display: "the draft" },
          gate,
          now,
        }),
      );
    }
    gateStatus = { rule: decisions.find((d) => d.rule)?.rule ?? "", decisions };
  }
  return { draft, labels, latest, gate: gateStatus };
}
