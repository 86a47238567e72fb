import { z } from "zod";
import { canonicalJson } from "@/lib/canonical-json";
import type { ErrorIssue } from "@/lib/errors";
import type { VariableDef } from "@/lib/prompts/schemas";

/**
 * Chat history: the value of a `messages`-typed variable, an array of Messages API turns
 * (`{ role, content }`) that render inserts among the version's own turns at the variable's
 * `position`. Checked on every render with every problem named (`historyProblems`), and turned
 * into request turns (`historyTurns`). The playground's continuation (the tool call and the
 * result the user typed) is checked by the same rules. Framework-free and client-safe.
 */

export type HistoryRole = "user" | "assistant";

/**
 * The wire shape of turns a caller sends (the API's and the playground's `continuation`): bounded
 * sizes only; what the turns say is checked by `historyProblems`, which names every problem.
 */
export const conversationTurnsSchema = z
  .array(
    z.strictObject({
      role: z.enum(["user", "assistant"]),
      content: z.union([z.string().max(200_000), z.array(z.record(z.string(), z.unknown())).max(64)]),
    }),
  )
  .max(100);

/** The content block types a history turn may hold. */
export const HISTORY_BLOCK_TYPES = ["text", "tool_use", "tool_result"] as const;

export interface HistoryTextBlock {
  type: "text";
  text: string;
  cache_control?: { type: "ephemeral"; ttl?: "5m" | "1h" };
}
export interface HistoryToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
  cache_control?: { type: "ephemeral"; ttl?: "5m" | "1h" };
}
export interface HistoryToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content?: string | Array<{ type: "text"; text: string }>;
  is_error?: boolean;
  cache_control?: { type: "ephemeral"; ttl?: "5m" | "1h" };
}
export type HistoryBlock = HistoryTextBlock | HistoryToolUseBlock | HistoryToolResultBlock;

/** A turn as render sends it: content always as blocks. */
export interface HistoryTurn {
  role: HistoryRole;
  content: HistoryBlock[];
}

export interface HistoryContext {
  /** Path prefix of the issues, e.g. `variables.history`. */
  path: string;
  /** What the turns are called in messages ("history message", "continuation message"). */
  noun?: string;
  /** Role of the version's turn right before the inserted turns; undefined at the start (then the first must be from the user). */
  before?: HistoryRole;
  /** Role of the version's turn right after; undefined at the end. */
  after?: HistoryRole;
  /** tool_use ids of the turn right before (an assistant turn), which the first turn's tool_results may answer. */
  pendingToolUseIds?: readonly string[];
  /** Whether the inserted turns may end with unanswered tool calls (the playground's own answer); default false. */
  allowTrailingToolUse?: boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const ROLE_NAME: Record<HistoryRole, string> = { user: "the user", assistant: "the assistant" };

/** Parses a string value as JSON (form input); other values pass through. */
export function coerceHistoryValue(value: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (typeof value !== "string") return { ok: true, value };
  if (value.trim() === "") return { ok: true, value: [] };
  try {
    return { ok: true, value: JSON.parse(value) as unknown };
  } catch {
    return { ok: false, message: "must be a JSON array of messages ({ role, content })" };
  }
}

/**
 * Every problem of `value` as turns inserted between a `before` and an `after` turn, one issue
 * each (`<path>.<i>.role`, `<path>.<i>.content.<j>.type`, ...): not an array; a turn that is not
 * `{ role: "user" | "assistant", content }`; empty content; a block type other than text,
 * tool_use, tool_result (tool_use only from the assistant, tool_result only from the user); an
 * empty text; two turns in a row from the same role (inside the history or at either edge); a
 * tool_result that answers no tool_use of the turn before; a tool_use left without its
 * tool_result in the next turn. Never throws.
 */
export function historyProblems(value: unknown, ctx: HistoryContext): ErrorIssue[] {
  const issues: ErrorIssue[] = [];
  const noun = ctx.noun ?? "history message";
  if (!Array.isArray(value)) return [{ path: ctx.path, message: "must be an array of messages ({ role, content })" }];
  let previousRole: HistoryRole | undefined = ctx.before;
  let pending: readonly string[] = ctx.pendingToolUseIds ?? [];
  value.forEach((turn: unknown, i) => {
    const at = `${ctx.path}.${i}`;
    const label = `${noun} ${i + 1}`;
    if (!isObj(turn)) {
      issues.push({ path: at, message: `${label} must be an object { role, content }` });
      previousRole = undefined;
      pending = [];
      return;
    }
    for (const key of Object.keys(turn))
      if (key !== "role" && key !== "content") issues.push({ path: `${at}.${key}`, message: `${label}: unknown field "${key}"` });
    const role = turn.role === "user" || turn.role === "assistant" ? turn.role : null;
    if (role === null) issues.push({ path: `${at}.role`, message: `${label}: role must be "user" or "assistant"` });
    else if (previousRole === undefined && i === 0 && ctx.before === undefined && role !== "user") {
      issues.push({ path: `${at}.role`, message: `${label} is from the assistant, but a conversation starts with the user` });
    } else if (previousRole === role) {
      const where = i === 0 ? "the turn before the history" : `${noun} ${i}`;
      issues.push({ path: `${at}.role`, message: `${label} and ${where} are both from ${ROLE_NAME[role]}: user and assistant turns must alternate` });
    }
    const answered = new Set<string>();
    const uses: string[] = [];
    const content = turn.content;
    if (typeof content === "string") {
      if (content.trim() === "") issues.push({ path: `${at}.content`, message: `${label}: content must not be empty` });
    } else if (!Array.isArray(content)) {
      issues.push({ path: `${at}.content`, message: `${label}: content must be a string or an array of blocks` });
    } else if (content.length === 0) {
      issues.push({ path: `${at}.content`, message: `${label}: content must not be empty` });
    } else {
      content.forEach((block: unknown, j) => {
        const bat = `${at}.content.${j}`;
        const bl = `${label} block ${j + 1}`;
        if (!isObj(block) || typeof block.type !== "string") {
          issues.push({ path: `${bat}.type`, message: `${bl} must be an object with a type (${HISTORY_BLOCK_TYPES.join(", ")})` });
          return;
        }
        switch (block.type) {
          case "text":
            if (typeof block.text !== "string" || block.text.trim() === "")
              issues.push({ path: `${bat}.text`, message: `${bl}: text must be a non-empty string` });
            break;
          case "tool_use":
            if (role === "user") issues.push({ path: `${bat}.type`, message: `${bl}: tool_use blocks come from the assistant, not the user` });
            if (typeof block.id !== "string" || block.id === "") issues.push({ path: `${bat}.id`, message: `${bl}: tool_use needs an id` });
            else if (role === "assistant") uses.push(block.id);
            if (typeof block.name !== "string" || block.name === "") issues.push({ path: `${bat}.name`, message: `${bl}: tool_use needs the tool's name` });
            if (!isObj(block.input)) issues.push({ path: `${bat}.input`, message: `${bl}: tool_use input must be an object` });
            break;
          case "tool_result": {
            if (role === "assistant") issues.push({ path: `${bat}.type`, message: `${bl}: tool_result blocks come from the user, not the assistant` });
            const id = block.tool_use_id;
            if (typeof id !== "string" || id === "")
              issues.push({ path: `${bat}.tool_use_id`, message: `${bl}: tool_result needs the tool_use_id it answers` });
            else if (!pending.includes(id))
              issues.push({ path: `${bat}.tool_use_id`, message: `${bl}: tool_result answers "${id}", which no tool_use in the turn before has` });
            else answered.add(id);
            const c = block.content;
            const okContent =
              c === undefined ||
              typeof c === "string" ||
              (Array.isArray(c) && c.every((x: unknown) => isObj(x) && x.type === "text" && typeof x.text === "string"));
            if (!okContent) issues.push({ path: `${bat}.content`, message: `${bl}: tool_result content must be a string or text blocks` });
            if (block.is_error !== undefined && typeof block.is_error !== "boolean")
              issues.push({ path: `${bat}.is_error`, message: `${bl}: is_error must be a boolean` });
            break;
          }
          default:
            issues.push({ path: `${bat}.type`, message: `${bl}: content type "${block.type}" is not allowed (allowed: ${HISTORY_BLOCK_TYPES.join(", ")})` });
        }
      });
    }
    for (const id of pending) {
      if (!answered.has(id)) issues.push({ path: at, message: `${label} does not answer the tool call "${id}" of the turn before with a tool_result` });
    }
    previousRole = role ?? undefined;
    pending = uses;
  });
  const last = value.length > 0 ? `${ctx.path}.${value.length - 1}` : ctx.path;
  if (value.length > 0 && ctx.after !== undefined && previousRole === ctx.after) {
    issues.push({
      path: `${last}.role`,
      message: `the last ${noun} and the turn after the history are both from ${ROLE_NAME[ctx.after]}: user and assistant turns must alternate`,
    });
  }
  if (pending.length > 0 && !ctx.allowTrailingToolUse) {
    issues.push({
      path: last,
      message: `the tool call${pending.length > 1 ? "s" : ""} ${pending.map((p) => `"${p}"`).join(", ")} of the last ${noun} get no tool_result`,
    });
  }
  return issues;
}

/**
 * Valid history (checked with `historyProblems` first) as request turns: string content becomes
 * one text block; with `cacheControl`, the last block of the last turn carries the breakpoint
 * (so the next turn of the conversation reads everything up to here from the cache).
 */
export function historyTurns(value: readonly unknown[], cacheControl?: { type: "ephemeral"; ttl?: "5m" | "1h" }): HistoryTurn[] {
  const turns = value.map((raw): HistoryTurn => {
    const turn = raw as { role: HistoryRole; content: string | HistoryBlock[] };
    const content = typeof turn.content === "string" ? [{ type: "text" as const, text: turn.content }] : turn.content.map((b) => ({ ...b }));
    return { role: turn.role, content };
  });
  const lastTurn = turns.at(-1);
  const lastBlock = lastTurn?.content.at(-1);
  if (cacheControl && lastTurn && lastBlock) lastTurn.content[lastTurn.content.length - 1] = { ...lastBlock, cache_control: { ...cacheControl } };
  return turns;
}

type HistoryDef = Extract<VariableDef, { type: "messages" }>;

/**
 * The semver findings of a chat history kept between two versions (its declaration as a variable,
 * added or removed, is the variables contract's: `diffVariableContracts`): moved to another
 * position MINOR (the request's turn order changes), its breakpoint changed PATCH (no request
 * content changes, only what is cached). The one rule behind `proposeBump` and the diff.
 */
export function compareHistoryPlacement(name: string, a: HistoryDef, b: HistoryDef): Array<{ bump: "minor" | "patch"; message: string }> {
  const out: Array<{ bump: "minor" | "patch"; message: string }> = [];
  if (a.position !== b.position) out.push({ bump: "minor", message: `chat history "${name}" moved from position ${a.position} to ${b.position}` });
  if (canonicalJson(a.cache_control ?? null) !== canonicalJson(b.cache_control ?? null)) {
    out.push({ bump: "patch", message: `chat history "${name}" cache breakpoint changed` });
  }
  return out;
}
