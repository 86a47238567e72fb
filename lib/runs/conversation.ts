import { invalidToolCalls, toolCallsOf, type ToolCall } from "@/lib/claude/output";
import type { RunResult } from "@/lib/claude/runner";
import { AppError, type ErrorIssue } from "@/lib/errors";
import { historyProblems, type HistoryRole } from "@/lib/prompts/history";
import type { ToolDef } from "@/lib/prompts/tools";

/**
 * Continuing a tool conversation, for every door that runs a prompt (the API's `continuation`,
 * the playground's tool results): the turns a caller sends after the rendered ones are checked
 * against the rendered conversation with every problem named, and a run's answer is described so
 * the caller can send it back (its content blocks) and see whether each tool call's input fitted
 * its schema and whether a repair retry happened. Framework-free.
 */

/** A rendered turn as far as the check needs it. */
interface RenderedTurn {
  role: HistoryRole;
  content: ReadonlyArray<{ type: string }> | string;
}

/**
 * Every problem of `continuation` as turns appended after `rendered` (one issue each, under
 * `path`): roles must alternate with the last rendered turn, the first turn's tool_results must
 * answer the tool calls of the turn before, every tool call gets its tool_result in the next turn
 * (unless `allowTrailingToolUse`: the playground's conversation before the typed results), block
 * types and contents as chat history allows. [] when fine. Never throws.
 */
export function continuationProblems(
  rendered: readonly RenderedTurn[],
  continuation: readonly unknown[],
  options: { path: string; allowTrailingToolUse?: boolean },
): ErrorIssue[] {
  if (continuation.length === 0) return [];
  const last = rendered.at(-1);
  return historyProblems(continuation, {
    path: options.path,
    noun: "continuation message",
    before: last?.role,
    pendingToolUseIds: last?.role === "assistant" && typeof last.content !== "string" ? toolCallsOf(last.content).map((c) => c.id) : [],
    allowTrailingToolUse: options.allowTrailingToolUse ?? false,
  });
}

/** Throws `unprocessable` listing every continuation problem (422 with the paths at the edges). */
export function assertContinuation(
  rendered: readonly RenderedTurn[],
  continuation: readonly unknown[],
  options: { path: string; allowTrailingToolUse?: boolean },
): void {
  const problems = continuationProblems(rendered, continuation, options);
  if (problems.length > 0) throw new AppError("unprocessable", `Invalid conversation: ${problems.map((p) => p.message).join("; ")}`, { issues: problems });
}

/** A content block of an answer, as a caller sends it back in the next request's assistant turn. */
export type AnswerBlock = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: unknown };

/**
 * The answer's text and tool_use blocks in order, reduced to the fields a request's assistant
 * turn takes (response-only fields such as `citations: null` or `caller` left out), so a caller
 * appends `{ role: "assistant", content }` and then its tool results. Other block kinds are left
 * out; [] when no answer arrived.
 */
export function answerContent(response: unknown): AnswerBlock[] {
  const content = response !== null && typeof response === "object" ? (response as { content?: unknown }).content : undefined;
  if (!Array.isArray(content)) return [];
  const out: AnswerBlock[] = [];
  for (const block of content as Array<Record<string, unknown>>) {
    if (block.type === "text" && typeof block.text === "string" && block.text !== "") out.push({ type: "text", text: block.text });
    else if (block.type === "tool_use") out.push({ type: "tool_use", id: String(block.id ?? ""), name: String(block.name ?? ""), input: block.input ?? {} });
  }
  return out;
}

/** A tool call of the answer with the verdict on its input. */
export interface ToolCallReport extends ToolCall {
  /** Whether the input fits the tool's input_schema (and the tool exists). */
  valid: boolean;
  /** What does not fit; [] when valid. */
  problems: string[];
}

/** The answer's tool calls, each validated against the version's tools (the runner already did; this says so per call). */
export function toolCallReports(result: Pick<RunResult, "toolCalls">, tools: readonly ToolDef[] | undefined): ToolCallReport[] {
  const calls = result.toolCalls ?? [];
  if (calls.length === 0) return [];
  const invalid = new Map(invalidToolCalls(calls, tools ?? []).map((i) => [i.call, i.problems]));
  return calls.map((call) => {
    const problems = invalid.get(call) ?? [];
    return { ...call, valid: problems.length === 0, problems };
  });
}
