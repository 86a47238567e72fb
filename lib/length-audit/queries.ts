import { getDb } from "@/lib/db/client";
import { countBlockTokens, tokenCountingAvailable } from "@/lib/claude/count-tokens";
import { AppError } from "@/lib/errors";
import { getModelSpec } from "@/lib/models/pricing";
import type { ModelSpec } from "@/lib/models/catalog";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { childLogger } from "@/lib/logger";
import { estimateTokens } from "@/lib/models/tokens";
import { versionBreakdown, type Breakdown } from "./breakdown";
import { summarizeCalls, type AuditCall, type CallStats } from "./calls";
import { auditFindings, type Finding } from "./findings";

const log = childLogger({ component: "length-audit" });

/** How many of the newest calls the audit reads (one index range scan on (versionId, createdAt)). */
export const AUDIT_SAMPLE = 500;

/** The sources that are the version's real traffic (playground tries and eval runs are not). */
const TRAFFIC_SOURCES = ["api", "experiment", "ingest"] as const;

/**
 * The newest `limit` (1..5,000) production calls of a version, newest first: tokens, cache
 * traffic and the variables the log kept (`metadata.variables`, null when it kept none). Calls
 * that failed before Claude answered (no tokens) are left out. Bounded: an index range scan on
 * (versionId, createdAt) that stops after `limit` rows, whatever the size of the log.
 */
export async function sampleAuditCalls(projectId: string, versionId: string, limit: number = AUDIT_SAMPLE): Promise<AuditCall[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 5_000) throw new AppError("bad_request", "The audit sample must be 1 to 5,000 calls");
  const rows = await getDb().callLog.findMany({
    where: { versionId, projectId, source: { in: [...TRAFFIC_SOURCES] }, status: { not: "error" } },
    orderBy: { createdAt: "desc" },
    take: limit,
    select: {
      createdAt: true,
      inputTokens: true,
      outputTokens: true,
      cacheWriteTokens: true,
      cacheWrite1hTokens: true,
      cacheReadTokens: true,
      metadata: true,
    },
  });
  return rows.map((r) => {
    const meta = r.metadata;
    const vars = meta && typeof meta === "object" && !Array.isArray(meta) ? (meta as Record<string, unknown>).variables : undefined;
    return {
      createdAt: r.createdAt,
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      cacheWriteTokens: r.cacheWriteTokens,
      cacheWrite1hTokens: r.cacheWrite1hTokens,
      cacheReadTokens: r.cacheReadTokens,
      variables: vars && typeof vars === "object" && !Array.isArray(vars) ? (vars as Record<string, unknown>) : null,
    };
  });
}

export interface LengthAudit {
  model: string;
  /** The price row used (null when the model is not in the catalog: no savings then). */
  spec: ModelSpec | null;
  breakdown: Breakdown;
  stats: CallStats | null;
  findings: Finding[];
  /** How the tokens were counted. */
  counting: "count_tokens" | "estimate";
  /** Set when counting with messages.countTokens failed and the estimate was used instead. */
  countingError?: string;
  sampleLimit: number;
}

/**
 * The length audit of one version: token breakdown (messages.countTokens per block when an API key
 * is set, else the labelled estimate), statistics of its newest calls, and the findings with their
 * savings at the ModelPrice table's prices. A version without calls gets the static findings and
 * `stats: null`.
 */
export async function auditVersion(input: { projectId: string; versionId: string; content: PromptVersionContent; limit?: number }): Promise<LengthAudit> {
  const limit = input.limit ?? AUDIT_SAMPLE;
  const [calls, spec] = await Promise.all([sampleAuditCalls(input.projectId, input.versionId, limit), getModelSpec(input.content.modelConfig.model)]);
  let countTokens: ((text: string) => number) | undefined;
  let countingError: string | undefined;
  if (tokenCountingAvailable()) {
    try {
      const counts = await countBlockTokens(input.content);
      countTokens = (text) => counts.get(text) ?? estimateTokens(text);
    } catch (error) {
      countingError = error instanceof Error ? error.message : String(error);
      log.warn({ err: error }, "length audit: counting tokens failed, using the estimate");
    }
  }
  const stats = summarizeCalls(calls, input.content.variables, {
    contextWindow: spec?.contextWindow ?? Number.POSITIVE_INFINITY,
    maxTokens: input.content.modelConfig.max_tokens,
  });
  const breakdown = versionBreakdown(input.content, spec, { ...(countTokens ? { countTokens } : {}), stats });
  const findings = spec ? auditFindings({ content: input.content, spec, breakdown, stats, calls, ...(countTokens ? { countTokens } : {}) }) : [];
  return {
    model: input.content.modelConfig.model,
    spec: spec ?? null,
    breakdown,
    stats,
    findings,
    counting: countTokens ? "count_tokens" : "estimate",
    ...(countingError ? { countingError } : {}),
    sampleLimit: limit,
  };
}
