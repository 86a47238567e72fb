import { getDb } from "@/lib/db/client";
import { childLogger } from "@/lib/logger";
import { activeVariants } from "./assignment";
import { pauseVariantForGuardrail } from "./mutations";
import { experimentInclude, loadVariantAggregates, toExperimentView, type ExperimentView } from "./queries";
import type { VariantAggregate } from "./results";
import { METRICS, type Guardrail } from "./schemas";
import { binomialUpperTail } from "./stats";

const log = childLogger({ component: "guardrails" });

export interface GuardrailBreach {
  variantId: string;
  key: string;
  metric: Guardrail["metric"];
  threshold: number;
  events: number;
  calls: number;
  pValue: number;
  reason: string;
}

/**
 * Which active variants breach a guardrail: at least `minCalls` calls and the rate significantly
 * above the threshold by a one-sided exact binomial test (P(X >= k | n, threshold) < alpha).
 * Pure: the caller pauses them.
 */
export function findBreaches(
  experiment: Pick<ExperimentView, "variants" | "guardrails">,
  aggregates: readonly VariantAggregate[],
  options: { alpha: number; minCalls: number },
): GuardrailBreach[] {
  const breaches: GuardrailBreach[] = [];
  const active = new Set(activeVariants(experiment.variants).map((v) => v.id));
  for (const agg of aggregates) {
    if (!active.has(agg.variantId) || agg.calls < options.minCalls) continue;
    for (const g of experiment.guardrails) {
      const events = g.metric === "error_rate" ? agg.errors : agg.refusals;
      const pValue = binomialUpperTail(events, agg.calls, g.threshold);
      if (pValue < options.alpha) {
        const rate = events / agg.calls;
        breaches.push({
          variantId: agg.variantId,
          key: agg.key,
          metric: g.metric,
          threshold: g.threshold,
          events,
          calls: agg.calls,
          pValue,
          reason: `${METRICS[g.metric].label} ${(rate * 100).toFixed(1)}% (${events} of ${agg.calls} calls) is above the ${(g.threshold * 100).toFixed(1)}% guardrail (one-sided p = ${pValue < 0.0001 ? "< 0.0001" : pValue.toFixed(4)})`,
        });
        break;
      }
    }
  }
  return breaches;
}

/**
 * Evaluates a RUNNING experiment's guardrails against its logged calls and pauses every breaching
 * variant (audit event "experiment.variant_paused", banner on the results page; traffic returns
 * to the others). Returns what was paused.
 */
export async function enforceGuardrails(experimentId: string): Promise<GuardrailBreach[]> {
  const row = await getDb().experiment.findUnique({ where: { id: experimentId }, include: experimentInclude });
  if (!row || row.status !== "RUNNING") return [];
  const experiment = toExperimentView(row);
  if (experiment.guardrails.length === 0) return [];
  const aggregates = await loadVariantAggregates(experiment);
  const breaches = findBreaches(experiment, aggregates, { alpha: experiment.design.guardrailAlpha, minCalls: experiment.design.guardrailMinCalls });
  const paused: GuardrailBreach[] = [];
  for (const b of breaches) {
    if (await pauseVariantForGuardrail(experimentId, b.variantId, b.reason)) paused.push(b);
  }
  return paused;
}

/**
 * A cheap, throttled guardrail check for live API traffic: `observe(id)` after each logged call
 * starts at most one check per experiment per `intervalMs` (default 5 s), in the background,
 * after the call log's buffer is flushed. Errors go to `onError`, never to the caller.
 */
export class GuardrailMonitor {
  private readonly last = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly options: {
      intervalMs?: number;
      flush?: () => Promise<unknown>;
      enforce?: (id: string) => Promise<unknown>;
      onError?: (error: unknown) => void;
      now?: () => number;
    } = {},
  ) {}

  observe(experimentId: string): void {
    const now = (this.options.now ?? Date.now)();
    const interval = this.options.intervalMs ?? 5_000;
    if (this.stopped || this.running.has(experimentId) || now - (this.last.get(experimentId) ?? -Infinity) < interval) return;
    this.last.set(experimentId, now);
    const check = (async () => {
      try {
        await this.options.flush?.();
        await (this.options.enforce ?? enforceGuardrails)(experimentId);
      } catch (error) {
        (this.options.onError ?? ((e) => log.error({ err: e }, "guardrail check failed")))(error);
      } finally {
        this.running.delete(experimentId);
      }
    })();
    this.running.set(experimentId, check);
  }

  /** Starts no new checks and resolves when the running ones are done (they use the database: stop before the pools close). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running.values());
  }
}
