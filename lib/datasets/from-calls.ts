import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/audit/actor";
import { assertRole, changeDataset, existingKeys, insertItemRows, itemSizeProblem, type ItemRow, type NewVersion } from "./mutations";
import { jsonValueProblem } from "./schemas";

/** Calls added in one go (the explorer selects a page of them). */
export const MAX_CALLS_PER_ADD = 1000;

export interface SkippedCall {
  callId: string;
  reason: string;
}

/** The text of a Messages API response body as the call log stores it (null when absent or truncated). */
export function responseText(response: unknown): string | null {
  if (typeof response !== "object" || response === null || Array.isArray(response)) return null;
  const content = (response as { content?: unknown }).content;
  if (!Array.isArray(content)) return null;
  const texts = content.flatMap((b) =>
    typeof b === "object" && b !== null && (b as { type?: unknown }).type === "text" && typeof (b as { text?: unknown }).text === "string"
      ? [(b as { text: string }).text]
      : [],
  );
  return texts.length > 0 ? texts.join("") : null;
}

/**
 * Adds logged calls to a dataset as one new version: each call's variables (kept in
 * `metadata.variables` when the project stores bodies) and, as expected output, the expected
 * output recorded with its score, else its own output when it was marked correct (score 1). The
 * item key is the call id, so a call is added at most once. Calls without stored variables, or
 * already in the dataset, are skipped and listed; none addable is a 422. EDITOR+.
 */
export async function addItemsFromCalls(datasetId: string, callIds: readonly string[], actor: Actor): Promise<NewVersion & { skipped: SkippedCall[] }> {
  assertRole(actor, "EDITOR");
  const unique = [...new Set(callIds)];
  if (unique.length === 0) throw new AppError("unprocessable", "Select at least one call", { issues: [{ path: "callIds", message: "no calls" }] });
  if (unique.length > MAX_CALLS_PER_ADD) throw new AppError("unprocessable", `At most ${MAX_CALLS_PER_ADD} calls at a time`);
  const calls = await getDb().callLog.findMany({
    where: { projectId: actor.projectId, id: { in: unique } },
    select: { id: true, metadata: true, response: true, score: true, expectedOutput: true, model: true, createdAt: true, status: true },
  });
  const byId = new Map(calls.map((c) => [c.id, c]));
  const skipped: SkippedCall[] = [];
  const candidates: Array<Omit<ItemRow, "ordinal">> = [];
  for (const id of unique) {
    const call = byId.get(id);
    if (!call) {
      skipped.push({ callId: id, reason: "no such call in this project" });
      continue;
    }
    const metadata = call.metadata as Record<string, unknown> | null;
    const variables = metadata?.variables;
    if (typeof variables !== "object" || variables === null || Array.isArray(variables)) {
      skipped.push({
        callId: id,
        reason: "its variables were not stored (the project does not keep request bodies, or the call was logged before variables were kept)",
      });
      continue;
    }
    const expected = call.expectedOutput ?? (call.score === 1 ? responseText(call.response) : null);
    const item: Omit<ItemRow, "ordinal"> = {
      key: id,
      variables: variables as Record<string, unknown>,
      expected,
      metadata: { source: "call", model: call.model, calledAt: call.createdAt.toISOString(), ...(call.score !== null ? { score: call.score } : {}) },
      tags: [],
      sourceCallId: id,
    };
    const problem = jsonValueProblem(item.variables, "variables") ?? (itemSizeProblem(item) ? { path: "", message: itemSizeProblem(item)! } : null);
    if (problem) {
      skipped.push({ callId: id, reason: problem.message });
      continue;
    }
    candidates.push(item);
  }
  if (candidates.length === 0) {
    throw new AppError("unprocessable", `None of the selected calls can be added: ${skipped[0]?.reason ?? "no calls"}`, {
      issues: skipped.map((s) => ({ path: `calls.${s.callId}`, message: s.reason })),
    });
  }
  const result = await changeDataset(datasetId, actor, async (tx, state) => {
    const taken = await existingKeys(
      tx,
      datasetId,
      candidates.map((c) => c.key),
    );
    const rows: ItemRow[] = [];
    for (const c of candidates) {
      if (taken.has(c.key)) skipped.push({ callId: c.key, reason: "already in this dataset" });
      else rows.push({ ...c, ordinal: state.nextOrdinal + rows.length });
    }
    if (rows.length === 0) throw new AppError("conflict", "The selected calls are already in this dataset");
    await insertItemRows(tx, datasetId, state.version, rows);
    return {
      added: rows.length,
      removed: 0,
      note: `added ${rows.length} logged call${rows.length === 1 ? "" : "s"}`,
      audit: { action: "dataset.items.from_calls", after: { calls: rows.slice(0, 20).map((r) => r.key) } },
    };
  });
  return { ...result, skipped };
}
