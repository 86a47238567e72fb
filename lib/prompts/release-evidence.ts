import { findModel, type ModelSpec } from "@/lib/models/catalog";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/audit/actor";
import type { LabelMoveContractCheck } from "./contract-diff";
import { previewCost } from "./cost";
import { diffVersions, type VersionDiff } from "./diff";
import { checkLabelMove } from "./label-move-check";
import { checkReleaseGate, type ReleaseGateStatus } from "./release-gate";
import { parseVersionContent, type PromptVersionContent } from "./schemas";
import { formatVersion, proposeBump, type Bump } from "./versioning";

/** How far back "cost per logged call" looks. */
export const COST_WINDOW_DAYS = 7;
/** The cache hit rate the cost preview assumes (the editor's default). */
export const PREVIEW_HIT_RATE = 0.8;
/** Output tokens the preview assumes when no call of the served version was logged (the editor's default). */
export const DEFAULT_OUTPUT_TOKENS = 400;

/** Cost per call of one side of the move. */
export interface CostSide {
  version: string;
  model: string;
  /** The cost preview's blended cost per call (micro-dollars) at `hitRate` and `outputTokens`; null when the model is unknown. */
  previewMicros: number | null;
  /** Mean cost of the version's calls logged in the last `COST_WINDOW_DAYS` days; null without calls. */
  loggedMicros: number | null;
  loggedCalls: number;
}

/** The latest completed eval of the requested version, if any. */
export interface EvalEvidence {
  runId: string;
  display: string;
  endedAt: string;
  /** Combined mean score (0..1) and pass rate; null when not scored. */
  score: number | null;
  passRate: number | null;
  items: number | null;
  regressions: number | null;
  gatePassed: boolean | null;
  gateReasons: string[];
}

/**
 * What a reviewer needs to decide a release request, gathered when it is made and stored with it:
 * the diff against what the label serves (null for a new label), the semver bump that change calls
 * for with its reasons, the variables-contract changes (and the recent calls the target would
 * refuse), the latest eval of the version, what the eval release gate says, and cost per call
 * before and after (preview and logged calls).
 */
export interface ReleaseEvidence {
  label: string;
  from: { versionId: string; version: string } | null;
  to: { versionId: string; version: string };
  diff: VersionDiff | null;
  semver: { bump: Bump; reasons: string[] } | null;
  contract: LabelMoveContractCheck;
  eval: EvalEvidence | null;
  gate: { status: ReleaseGateStatus; allowed: boolean; message: string };
  cost: { before: CostSide | null; after: CostSide; hitRate: number; outputTokens: number; days: number };
}

type Content = PromptVersionContent;

/** Per-call cost of `content` as the cost preview computes it; null when its model is not in `catalog`. */
export function previewCallCost(content: Content, catalog: readonly ModelSpec[], outputTokens: number): number | null {
  const spec = findModel(content.modelConfig.model, catalog) ?? findModel(content.modelConfig.model);
  if (!spec) return null;
  return previewCost(content, { model: spec, expectedOutputTokens: outputTokens, hitRate: PREVIEW_HIT_RATE }).blendedMicros;
}

/**
 * The pure part of the evidence: diff, semver reasons and preview costs from the two contents
 * (`from` null for a new label), with what was read from the database (contract check, eval,
 * gate, logged costs) passed in.
 */
export function buildReleaseEvidence(input: {
  label: string;
  from: { versionId: string; version: string; content: Content; logged: { micros: number | null; calls: number } } | null;
  to: { versionId: string; version: string; content: Content; logged: { micros: number | null; calls: number } };
  contract: LabelMoveContractCheck;
  eval: EvalEvidence | null;
  gate: ReleaseEvidence["gate"];
  catalog: readonly ModelSpec[];
  /** Mean output tokens of the served version's logged calls, if any. */
  outputTokens?: number | null;
}): ReleaseEvidence {
  const outputTokens = Math.max(1, Math.round(input.outputTokens ?? DEFAULT_OUTPUT_TOKENS));
  const side = (s: NonNullable<typeof input.from>): CostSide => ({
    version: s.version,
    model: s.content.modelConfig.model,
    previewMicros: previewCallCost(s.content, input.catalog, outputTokens),
    loggedMicros: s.logged.micros,
    loggedCalls: s.logged.calls,
  });
  const from = input.from;
  return {
    label: input.label,
    from: from ? { versionId: from.versionId, version: from.version } : null,
    to: { versionId: input.to.versionId, version: input.to.version },
    diff: from ? diffVersions(from.content, input.to.content) : null,
    semver: from ? proposeBump(from.content, input.to.content, { catalog: input.catalog }) : null,
    contract: input.contract,
    eval: input.eval,
    gate: input.gate,
    cost: { before: from ? side(from) : null, after: side(input.to), hitRate: PREVIEW_HIT_RATE, outputTokens, days: COST_WINDOW_DAYS },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The eval evidence of one EvalRunVersion row (its `summary` as lib/evals wrote it). */
export function toEvalEvidence(row: {
  display: string;
  gatePassed: boolean | null;
  summary: unknown;
  run: { id: string; endedAt: Date | null; updatedAt: Date };
}): EvalEvidence {
  const summary = isObject(row.summary) ? row.summary : {};
  const combined = isObject(summary.combined) ? summary.combined : {};
  const gate = isObject(summary.gate) ? summary.gate : {};
  return {
    runId: row.run.id,
    display: row.display,
    endedAt: (row.run.endedAt ?? row.run.updatedAt).toISOString(),
    score: num(combined.mean),
    passRate: num(combined.passRate),
    items: num(summary.items),
    regressions: num(summary.regressions),
    gatePassed: row.gatePassed,
    gateReasons: Array.isArray(gate.reasons) ? gate.reasons.filter((r): r is string => typeof r === "string").slice(0, 5) : [],
  };
}

type VersionRow = Prisma.PromptVersionGetPayload<object>;

/**
 * Gathers the evidence for moving `label` to `to` (a published version of the prompt), inside the
 * caller's transaction: what the label serves now, the contract check, the newest completed eval
 * of `to`, the gate's decision and the mean logged cost per call of both versions.
 */
export async function gatherReleaseEvidence(
  tx: Prisma.TransactionClient,
  actor: Pick<Actor, "projectId">,
  input: { promptId: string; label: string; to: VersionRow; from: VersionRow | null; catalog: readonly ModelSpec[]; now?: Date },
): Promise<ReleaseEvidence> {
  const now = input.now ?? new Date();
  const since = new Date(now.getTime() - COST_WINDOW_DAYS * 86_400_000);
  const logged = async (versionId: string) => {
    const agg = await tx.callLog.aggregate({
      where: { versionId, createdAt: { gte: since } },
      _avg: { costMicros: true, outputTokens: true },
      _count: { _all: true },
    });
    const avgCost = agg._avg.costMicros as unknown;
    return {
      micros: avgCost === null || avgCost === undefined ? null : Math.round(Number(avgCost)),
      calls: agg._count._all,
      outputTokens: agg._avg.outputTokens === null ? null : Number(agg._avg.outputTokens),
    };
  };
  // One query at a time: they share the transaction's connection.
  const contract = await checkLabelMove(tx, actor, { promptId: input.promptId, label: input.label, versionId: input.to.id, now });
  const evalRow = await tx.evalRunVersion.findFirst({
    where: { versionId: input.to.id, run: { projectId: actor.projectId, status: "completed" } },
    orderBy: [{ run: { endedAt: { sort: "desc", nulls: "last" } } }, { run: { createdAt: "desc" } }],
    select: { display: true, gatePassed: true, summary: true, run: { select: { id: true, endedAt: true, updatedAt: true } } },
  });
  const gate = await checkReleaseGate(tx, {
    projectId: actor.projectId,
    promptId: input.promptId,
    label: input.label,
    version: { id: input.to.id, contentHash: input.to.contentHash, display: formatVersion(input.to) },
    now,
  });
  const toLogged = await logged(input.to.id);
  const fromLogged = input.from ? await logged(input.from.id) : null;
  return buildReleaseEvidence({
    label: input.label,
    from:
      input.from && fromLogged
        ? { versionId: input.from.id, version: formatVersion(input.from), content: parseVersionContent(input.from), logged: fromLogged }
        : null,
    to: { versionId: input.to.id, version: formatVersion(input.to), content: parseVersionContent(input.to), logged: toLogged },
    contract,
    eval: evalRow ? toEvalEvidence(evalRow) : null,
    gate: { status: gate.status, allowed: gate.allowed, message: gate.message },
    catalog: input.catalog,
    outputTokens: fromLogged?.outputTokens ?? toLogged.outputTokens,
  });
}
