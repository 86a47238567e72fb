import type { Actor } from "@/lib/audit/actor";
import { countTextTokens, tokenCountingAvailable } from "@/lib/claude/count-tokens";
import type { RunnableVersion } from "@/lib/claude/runner";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { computeCallCost, type ModelSpec } from "@/lib/models/catalog";
import { getModelSpec } from "@/lib/models/pricing";
import { estimateTokens } from "@/lib/models/tokens";
import { describeLocation } from "@/lib/prompts/locations";
import { saveDraft } from "@/lib/prompts/mutations";
import { parseVersionContent, type PromptVersionContent } from "@/lib/prompts/schemas";
import { runAndLog, type RunAndLogDeps } from "@/lib/runs/run-and-log";
import { versionBreakdown } from "./breakdown";

/**
 * "Condense": Claude proposes a shorter version of one block of a prompt version (through
 * `runAndLog`, the one run-and-log path, so the call is priced and logged), and the proposal
 * becomes the prompt's draft with that block replaced, ready to diff and to evaluate before
 * anyone publishes it.
 */

/** The tag the condense prompt wraps the block in (the simulator recognises it). */
export const CONDENSE_INPUT_TAG = "text_to_condense";
/** The tag Claude answers in. */
export const CONDENSE_OUTPUT_TAG = "condensed";
/** Blocks longer than this are refused (the answer must fit one call comfortably). */
export const CONDENSE_MAX_CHARS = 100_000;

const CONDENSE_SYSTEM = [
  "You shorten blocks of prompts that a Claude application sends on every call, so they cost fewer tokens.",
  "Keep every instruction, fact, number, name, constraint and the tone; remove repetition, filler words and restatements; merge sentences that say the same thing.",
  // No literal double braces here: this text is itself a template.
  "Keep every template tag in double curly braces exactly as written: variables, optional sections (#name or ^name up to /name) and snippet includes (> name@label).",
  "Keep the same language and the same structure (lists stay lists, XML tags stay).",
  `Answer with the shortened text only, inside <${CONDENSE_OUTPUT_TAG}></${CONDENSE_OUTPUT_TAG}> tags.`,
].join("\n");

/** The prompt that condenses a block, run on `model` (the audited version's). */
export function condenseVersion(model: string, maxTokens: number): RunnableVersion {
  return {
    system: [{ type: "text", role: "instructions", text: CONDENSE_SYSTEM }],
    messages: [
      {
        role: "user",
        content: [{ type: "text", text: `Shorten this prompt block:\n<${CONDENSE_INPUT_TAG}>\n{{text}}\n</${CONDENSE_INPUT_TAG}>` }],
      },
    ],
    variables: { text: { type: "string", required: true, description: "The block to shorten" } },
    modelConfig: { model, max_tokens: maxTokens },
    outputSchema: { format: "text" },
    policy: {},
  };
}

/** The condensed text of an answer: inside the output tags when present, else the whole answer; trimmed. */
export function parseCondensed(output: string): string {
  const m = new RegExp(`<${CONDENSE_OUTPUT_TAG}>([\\s\\S]*?)</${CONDENSE_OUTPUT_TAG}>`).exec(output);
  return (m?.[1] ?? output).trim();
}

/** The template tags of a text ({{name}}, sections, includes), sorted, for comparison. */
export function templateTags(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => (m[1] ?? "").replace(/\s+/g, " ")).sort();
}

/** A block location of a version and its text, or a bad_request naming what is wrong. */
export function blockAt(content: Pick<PromptVersionContent, "system" | "messages">, location: string): string {
  const sys = /^system\.(\d{1,3})$/.exec(location);
  if (sys) {
    const block = content.system[Number(sys[1])];
    if (block) return block.text;
  }
  const msg = /^messages\.(\d{1,3})\.content\.(\d{1,3})$/.exec(location);
  if (msg) {
    const block = content.messages[Number(msg[1])]?.content[Number(msg[2])];
    if (block) return block.text;
  }
  throw new AppError("bad_request", `"${location.slice(0, 60)}" is not a block of this version (use system.N or messages.N.content.M)`);
}

/** `content` with the block at `location` replaced by `text`. */
export function replaceBlock(content: PromptVersionContent, location: string, text: string): PromptVersionContent {
  blockAt(content, location);
  const [head, a, , b] = location.split(".");
  if (head === "system") return { ...content, system: content.system.map((blk, i) => (i === Number(a) ? { ...blk, text } : blk)) };
  return {
    ...content,
    messages: content.messages.map((m, i) => (i === Number(a) ? { ...m, content: m.content.map((blk, j) => (j === Number(b) ? { ...blk, text } : blk)) } : m)),
  };
}

export interface CondenseResult {
  location: string;
  /** "System block 2" */
  label: string;
  before: string;
  after: string;
  tokensBefore: number;
  tokensAfter: number;
  /** True when the counts are the offline estimate. */
  estimated: boolean;
  /** What the shorter block saves per 1,000 calls at current prices (read price when the block is in the cached prefix). */
  savingMicrosPer1k: number;
  /** The logged condense call. */
  callId: string | null;
  costMicros: number;
  /** The draft that now holds the shorter block. */
  draftId: string;
  /** The version the draft was made from ("1.2.0" or "draft"). */
  fromVersion: string;
}

async function countPair(model: string, before: string, after: string): Promise<{ before: number; after: number; estimated: boolean }> {
  if (tokenCountingAvailable()) {
    const counts = await countTextTokens(model, [before, after]);
    return { before: counts.get(before) ?? estimateTokens(before), after: counts.get(after) ?? estimateTokens(after), estimated: false };
  }
  return { before: estimateTokens(before), after: estimateTokens(after), estimated: true };
}

function savingPer1k(tokens: number, cached: boolean, spec: ModelSpec): number {
  const usage = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
  return computeCallCost(cached ? { ...usage, cacheReadTokens: tokens * 1000 } : { ...usage, inputTokens: tokens * 1000 }, spec).totalMicros;
}

/**
 * Condenses the block at `location` of version `versionId` (of prompt `promptId` in the actor's
 * project): runs the condense prompt on the version's model through `runAndLog` (logged as a
 * playground call with no prompt link, `metadata.purpose = "condense"`, so the audited version's
 * statistics stay its own traffic), checks the answer (not empty, shorter, every template tag
 * kept) and saves the version with the shorter block as the prompt's draft. Condensing a
 * published version when the prompt already has a draft is a conflict (nothing is overwritten);
 * condensing the draft itself updates it. Errors: not_found, bad_request (location), conflict,
 * unprocessable (a proposal that is not shorter or drops a tag: nothing saved), upstream (the
 * call failed).
 */
export async function condenseBlock(
  actor: Actor,
  input: { promptId: string; versionId: string; location: string },
  deps: RunAndLogDeps = {},
): Promise<CondenseResult> {
  const db = getDb();
  const row = await db.promptVersion.findFirst({
    where: { id: input.versionId, promptId: input.promptId, prompt: { projectId: actor.projectId } },
  });
  if (!row) throw new AppError("not_found", "That version does not exist");
  const draft = await db.promptVersion.findFirst({ where: { promptId: input.promptId, status: "DRAFT" }, select: { id: true, lockVersion: true } });
  if (row.status !== "DRAFT" && draft) {
    throw new AppError("conflict", "This prompt already has a draft: condense the draft's block instead, or discard the draft first");
  }
  const content = parseVersionContent(row);
  const before = blockAt(content, input.location);
  if (before.trim() === "") throw new AppError("bad_request", `${describeLocation(input.location, content)} is empty: nothing to condense`);
  if (before.length > CONDENSE_MAX_CHARS)
    throw new AppError(
      "bad_request",
      `${describeLocation(input.location, content)} is over ${CONDENSE_MAX_CHARS.toLocaleString("en-US")} characters: split it first`,
    );
  const spec = await getModelSpec(content.modelConfig.model);
  if (!spec) throw new AppError("unprocessable", `The model "${content.modelConfig.model}" is not in the catalog`);

  const maxTokens = Math.min(spec.maxOutputTokens, Math.max(256, estimateTokens(before, 1.5) + 256));
  const { result, callId } = await runAndLog(
    {
      projectId: actor.projectId,
      promptId: null,
      versionId: null,
      version: condenseVersion(spec.model, maxTokens),
      variables: { text: before },
      source: "playground",
      metadata: { purpose: "condense", promptId: input.promptId, versionId: input.versionId, location: input.location },
    },
    deps,
  );
  if (result.status === "error") throw new AppError("upstream", `Claude could not condense the block: ${result.error.message}`);
  if (result.status === "refusal") throw new AppError("upstream", "Claude declined to condense the block");
  if (result.status === "cancelled") throw new AppError("upstream", "The condense call was cancelled");
  const after = parseCondensed(result.output);
  if (after === "") throw new AppError("unprocessable", "Claude's proposal was empty; nothing was saved");
  const lost = templateTags(before).filter((t, i, all) => all.indexOf(t) === i && !templateTags(after).includes(t));
  if (lost.length > 0) throw new AppError("unprocessable", `Claude's proposal dropped ${lost.map((t) => `{{${t}}}`).join(", ")}; nothing was saved`);
  const counts = await countPair(spec.model, before, after);
  if (counts.after >= counts.before) {
    throw new AppError("unprocessable", `Claude's proposal is not shorter (${counts.after} vs ${counts.before} tokens); nothing was saved`);
  }

  const next = replaceBlock(content, input.location, after);
  const label = describeLocation(input.location, content);
  const fromVersion = row.status === "DRAFT" ? "draft" : `${row.major}.${row.minor}.${row.patch}`;
  const saved = await saveDraft(actor, {
    promptId: input.promptId,
    content: next,
    ...(row.status === "DRAFT" && draft
      ? { lockVersion: draft.lockVersion }
      : { changelog: `Condensed ${label} (from ${fromVersion}): ${counts.before} -> ${counts.after} tokens` }),
  });
  const cached = versionBreakdown(content, spec).rows.find((r) => r.location === input.location.split(".").slice(0, 2).join("."))?.cached ?? false;
  return {
    location: input.location,
    label,
    before,
    after,
    tokensBefore: counts.before,
    tokensAfter: counts.after,
    estimated: counts.estimated,
    savingMicrosPer1k: savingPer1k(counts.before - counts.after, cached, spec),
    callId,
    costMicros: result.costMicros,
    draftId: saved.id,
    fromVersion,
  };
}
