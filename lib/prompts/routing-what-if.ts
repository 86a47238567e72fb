import { computeCallCost, findModel, type ModelSpec, type TokenUsage } from "@/lib/models/catalog";
import { DEFAULT_ROUTE, evaluateRouting, plainPatternTest, signalText, type PatternTester, type Routing } from "@/lib/prompts/routing";

/**
 * "What if": a candidate rule set applied to logged calls of a prompt, priced at current prices.
 * Each call keeps its logged token usage (input, cache writes and reads, output) and is priced
 * twice: at the model that answered it and at the model the candidate rules pick. That is an
 * estimate: another model tokenizes and answers differently (lengths change), which only an
 * evaluation measures. Pure; `loadRoutingWhatIf` (queries) feeds it.
 */

/** What the what-if reads of one logged call. */
export interface WhatIfCall {
  model: string;
  batch: boolean;
  usage: TokenUsage;
  /** The call's metadata (request metadata at the top level; `variables` when the project stores bodies). */
  metadata: unknown;
}

export interface WhatIfRuleRow {
  /** Rule name, or `DEFAULT_ROUTE`. */
  rule: string;
  model: string;
  calls: number;
  /** Cost of these calls at current prices with the models that answered them. */
  currentMicros: number;
  /** Cost of the same tokens at current prices with the rule's model. */
  candidateMicros: number;
  /** candidate - current (negative = saving). */
  changeMicros: number;
}

export interface WhatIfReport {
  /** Calls read. */
  calls: number;
  /** Calls priced (the others are in `skipped`). */
  evaluated: number;
  /** Calls that could not be evaluated, with why. */
  skipped: { noVariables: number; unknownModel: number };
  rows: WhatIfRuleRow[];
  currentMicros: number;
  candidateMicros: number;
  changeMicros: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Applies `candidate` (with `defaultModel` for calls no rule matches) to `calls` and prices each
 * at `catalog`'s current prices: one row per rule in rule order (then the default), rules that
 * matched nothing included with zero calls. The input-token signal is the call's logged input
 * (input + cache write + cache read tokens, the API's count; at run time the rules see the offline
 * estimate). Calls without stored variables are skipped when a rule tests a variable (their
 * variables are unknown), as are calls whose model has no price.
 */
export function whatIfRouting(
  calls: readonly WhatIfCall[],
  candidate: Pick<Routing, "rules">,
  defaultModel: string,
  catalog: readonly ModelSpec[],
  test: PatternTester = plainPatternTest,
): WhatIfReport {
  const needsVariables = candidate.rules.some((r) => r.when.some((c) => c.signal === "variable"));
  const rows = new Map<string, WhatIfRuleRow>();
  for (const r of [...candidate.rules.map((x) => ({ rule: x.name, model: x.model })), { rule: DEFAULT_ROUTE, model: defaultModel }]) {
    rows.set(r.rule, { rule: r.rule, model: r.model, calls: 0, currentMicros: 0, candidateMicros: 0, changeMicros: 0 });
  }
  const skipped = { noVariables: 0, unknownModel: 0 };
  let evaluated = 0;
  for (const call of calls) {
    const metadata = isRecord(call.metadata) ? call.metadata : {};
    const stored = isRecord(metadata.variables) ? metadata.variables : null;
    if (needsVariables && !stored) {
      skipped.noVariables++;
      continue;
    }
    const variables: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(stored ?? {})) variables[k] = signalText(v);
    const u = call.usage;
    const decision = evaluateRouting(
      candidate,
      { inputTokens: u.inputTokens + u.cacheWriteTokens + u.cacheReadTokens, variables, metadata },
      defaultModel,
      test,
    );
    const now = findModel(call.model, catalog);
    const next = findModel(decision.model, catalog);
    const row = rows.get(decision.rule);
    if (!now || !next || !row) {
      skipped.unknownModel++;
      continue;
    }
    const current = computeCallCost(u, now, { batch: call.batch }).totalMicros;
    const routed = computeCallCost(u, next, { batch: call.batch }).totalMicros;
    row.calls++;
    row.currentMicros += current;
    row.candidateMicros += routed;
    row.changeMicros += routed - current;
    evaluated++;
  }
  const list = [...rows.values()];
  const sum = (f: (r: WhatIfRuleRow) => number) => list.reduce((n, r) => n + f(r), 0);
  return {
    calls: calls.length,
    evaluated,
    skipped,
    rows: list,
    currentMicros: sum((r) => r.currentMicros),
    candidateMicros: sum((r) => r.candidateMicros),
    changeMicros: sum((r) => r.changeMicros),
  };
}

/** The most calls a what-if reads. */
export const MAX_WHAT_IF_CALLS = 5_000;

/**
 * The what-if over the prompt's last `limit` logged calls (newest first; any version and source
 * except evaluations, which are not production traffic), at the price book's current prices.
 */
export async function loadRoutingWhatIf(input: {
  projectId: string;
  promptId: string;
  candidate: Pick<Routing, "rules">;
  defaultModel: string;
  limit: number;
}): Promise<WhatIfReport> {
  const [{ getDb }, { getPriceBook }] = await Promise.all([import("@/lib/db/client"), import("@/lib/models/pricing")]);
  const rows = await getDb().callLog.findMany({
    where: { projectId: input.projectId, promptId: input.promptId, source: { not: "eval" } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.max(1, Math.min(input.limit, MAX_WHAT_IF_CALLS)),
    select: {
      model: true,
      batch: true,
      inputTokens: true,
      outputTokens: true,
      cacheWriteTokens: true,
      cacheWrite1hTokens: true,
      cacheReadTokens: true,
      metadata: true,
    },
  });
  const calls: WhatIfCall[] = rows.map((r) => ({
    model: r.model,
    batch: r.batch,
    metadata: r.metadata,
    usage: {
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      cacheWriteTokens: r.cacheWriteTokens,
      cacheWrite1hTokens: r.cacheWrite1hTokens,
      cacheReadTokens: r.cacheReadTokens,
    },
  }));
  return whatIfRouting(calls, input.candidate, input.defaultModel, await getPriceBook().catalog());
}
