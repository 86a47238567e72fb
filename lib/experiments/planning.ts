import { getDb } from "@/lib/db/client";
import { getPriceBook } from "@/lib/models/pricing";
import { previewCost } from "@/lib/prompts/cost";
import { parseVersionContent } from "@/lib/prompts/schemas";
import { versionLabel } from "@/lib/prompts/queries";

/** Assumed output per call for the planning estimate (capped by the version's max_tokens). */
export const PLANNING_OUTPUT_TOKENS = 300;
/** Assumed share of calls that read the cached prefix. */
export const PLANNING_HIT_RATE = 0.5;

export interface CandidatePrompt {
  name: string;
  labels: Array<{ name: string; version: string; protected: boolean }>;
  versions: Array<{ id: string; version: string; model: string; costPerCallMicros: number | null }>;
}

/**
 * Prompts that can host an experiment (at least one label and two published versions) with each
 * published version's estimated cost per call: `previewCost` at the database price of the
 * version's model, 300 output tokens (or max_tokens if lower) and a 50% cache hit rate.
 */
export async function listExperimentCandidates(projectId: string): Promise<CandidatePrompt[]> {
  const prompts = await getDb().prompt.findMany({
    where: { projectId },
    orderBy: { name: "asc" },
    select: {
      name: true,
      labels: { orderBy: { name: "asc" }, select: { name: true, protected: true, version: { select: { major: true, minor: true, patch: true } } } },
      versions: { where: { status: "PUBLISHED" }, orderBy: [{ major: "desc" }, { minor: "desc" }, { patch: "desc" }] },
    },
  });
  const prices = getPriceBook();
  const out: CandidatePrompt[] = [];
  for (const p of prompts) {
    if (p.versions.length < 2 || p.labels.length === 0) continue;
    const versions = [];
    for (const v of p.versions) {
      let cost: number | null = null;
      let model = "";
      try {
        const content = parseVersionContent(v);
        model = content.modelConfig.model;
        const spec = await prices.spec(model);
        if (spec) {
          cost = previewCost(content, {
            model: spec,
            expectedOutputTokens: Math.min(PLANNING_OUTPUT_TOKENS, content.modelConfig.max_tokens),
            hitRate: PLANNING_HIT_RATE,
          }).blendedMicros;
        }
      } catch {
        cost = null;
      }
      versions.push({ id: v.id, version: versionLabel(v), model, costPerCallMicros: cost });
    }
    out.push({ name: p.name, labels: p.labels.map((l) => ({ name: l.name, version: versionLabel(l.version), protected: l.protected })), versions });
  }
  return out;
}
