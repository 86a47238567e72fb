"use client";

import { useState } from "react";
import { HISTORY_BLOCK_TYPES } from "@/lib/prompts/history";
import { Button, cx } from "@/components/ui";

/**
 * One turn as the form edits it: its role and either plain text or its content blocks as JSON text
 * (what a chat history may hold beyond text: the assistant's tool_use blocks and the user's
 * tool_result blocks, `HISTORY_BLOCK_TYPES`).
 */
export interface EditedTurn {
  role: "user" | "assistant";
  kind: "text" | "blocks";
  text: string;
}

/** The form value while a turn's blocks are not a JSON array: not JSON, so the server refuses the run and nothing stale is sent. */
export const UNPARSED_HISTORY = "(a turn's content blocks are not a JSON array yet)";

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

/** The turns a history form value holds (a JSON array of `{ role, content }`; "" is none): string content as text, block arrays as their JSON. */
export function historyTurnsOf(value: string): EditedTurn[] {
  if (value.trim() === "") return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.map((t: unknown): EditedTurn => {
      const turn = (t ?? {}) as { role?: unknown; content?: unknown };
      const role = turn.role === "assistant" ? "assistant" : "user";
      return typeof turn.content === "string" ? { role, kind: "text", text: turn.content } : { role, kind: "blocks", text: pretty(turn.content ?? []) };
    });
  } catch {
    return [];
  }
}

/**
 * The form value for a list of turns and the problems the form can name itself: "" for none (the
 * variable is then not given), else their JSON, text turns as strings and block turns as their
 * parsed arrays. A block turn whose text is not a JSON array is a problem at that turn, and the
 * value is then `UNPARSED_HISTORY` (never a guess at what was meant). What the turns must satisfy
 * beyond that (roles alternate, allowed block types, a tool_result answers a tool_use) is the
 * server's check, which names every problem.
 */
export function historyValueOf(turns: readonly EditedTurn[]): { value: string; problems: string[] } {
  if (turns.length === 0) return { value: "", problems: [] };
  const problems: string[] = [];
  const out = turns.map((turn, i) => {
    if (turn.kind === "text") return { role: turn.role, content: turn.text };
    try {
      const blocks = JSON.parse(turn.text) as unknown;
      if (Array.isArray(blocks)) return { role: turn.role, content: blocks };
      problems.push(`Turn ${i + 1}: content blocks must be a JSON array, e.g. [{"type": "text", "text": "…"}]`);
    } catch (e) {
      problems.push(`Turn ${i + 1}: content blocks are not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    return null;
  });
  return problems.length > 0 ? { value: UNPARSED_HISTORY, problems } : { value: JSON.stringify(out), problems };
}

/**
 * A turn switched between text and blocks: text becomes one text block; blocks that are all text
 * become their text joined by blank lines; other blocks (tool calls and results) stay as their
 * JSON, so switching back loses nothing.
 */
export function switchTurnKind(turn: EditedTurn, kind: EditedTurn["kind"]): EditedTurn {
  if (turn.kind === kind) return turn;
  if (kind === "blocks") return { ...turn, kind, text: pretty(turn.text === "" ? [] : [{ type: "text", text: turn.text }]) };
  try {
    const blocks = JSON.parse(turn.text) as unknown;
    if (Array.isArray(blocks) && blocks.every((b: unknown) => typeof b === "object" && b !== null && (b as { type?: unknown }).type === "text")) {
      return { ...turn, kind, text: blocks.map((b) => String((b as { text?: unknown }).text ?? "")).join("\n\n") };
    }
  } catch {
    // not JSON: kept as typed
  }
  return { ...turn, kind: "blocks" };
}

const TOOL_USE_EXAMPLE = '[{"type": "tool_use", "id": "toolu_1", "name": "lookup_order", "input": {"order_id": "A-1042"}}]';
const TOOL_RESULT_EXAMPLE = '[{"type": "tool_result", "tool_use_id": "toolu_1", "content": "{\\"status\\": \\"shipped\\"}"}]';

/**
 * The input for a `messages` variable (chat history): a list of turns, each a role and either its
 * text or its content blocks as JSON (an assistant's tool calls, the user's tool results), with
 * add and remove. Block JSON that does not parse is named under its turn and the run is refused
 * rather than sent without it; what the turns must satisfy (roles alternate with the prompt's
 * turns around the history, allowed block types, each tool_result answering a tool_use) is
 * checked by the server, which names every problem (shown under the field by the form).
 */
export function HistoryInput({
  id,
  value,
  onChange,
  disabled,
  invalid,
  describedBy,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  disabled?: boolean;
  invalid: boolean;
  describedBy: string;
}) {
  // The rows are the source of truth while they are edited (block JSON may be half typed); a value
  // set from outside (a reset, another run's values) replaces them.
  const [rows, setRows] = useState(() => historyTurnsOf(value));
  const [synced, setSynced] = useState(value);
  if (value !== synced) {
    setSynced(value);
    setRows(historyTurnsOf(value));
  }
  const { problems } = historyValueOf(rows);
  const update = (next: EditedTurn[]) => {
    const out = historyValueOf(next);
    setRows(next);
    setSynced(out.value);
    onChange(out.value);
  };
  const nextRole: EditedTurn["role"] = rows.at(-1)?.role === "user" ? "assistant" : "user";
  return (
    <div
      id={id}
      className={cx("space-y-2 rounded-md border p-2", invalid || problems.length > 0 ? "border-danger" : "border-border")}
      aria-describedby={describedBy}
      data-testid="history-input"
    >
      {rows.length === 0 ? <p className="px-1 text-xs text-fg-muted">No earlier turns: the conversation starts with this run.</p> : null}
      {rows.map((turn, i) => (
        <div key={i} className="flex items-start gap-2" data-testid="history-turn" data-kind={turn.kind}>
          <span className="mt-2 w-5 shrink-0 text-right text-xxs text-fg-muted tabular-nums">{i + 1}.</span>
          <div className="flex shrink-0 flex-col gap-1">
            <select
              aria-label={`Role of turn ${i + 1}`}
              value={turn.role}
              onChange={(e) => update(rows.map((t, j) => (j === i ? { ...t, role: e.target.value as EditedTurn["role"] } : t)))}
              disabled={disabled}
              data-testid="history-role"
              className="h-8 rounded-md border border-border bg-surface px-2 text-xs"
            >
              <option value="user">user</option>
              <option value="assistant">assistant</option>
            </select>
            <select
              aria-label={`Content of turn ${i + 1} as`}
              value={turn.kind}
              onChange={(e) => update(rows.map((t, j) => (j === i ? switchTurnKind(t, e.target.value as EditedTurn["kind"]) : t)))}
              disabled={disabled}
              data-testid="history-kind"
              className="h-8 rounded-md border border-border bg-surface px-2 text-xs"
            >
              <option value="text">text</option>
              <option value="blocks">blocks (JSON)</option>
            </select>
          </div>
          <textarea
            aria-label={`Content of turn ${i + 1}`}
            rows={turn.kind === "blocks" ? 4 : 2}
            value={turn.text}
            spellCheck={turn.kind === "text"}
            placeholder={turn.kind === "blocks" ? (turn.role === "assistant" ? TOOL_USE_EXAMPLE : TOOL_RESULT_EXAMPLE) : undefined}
            onChange={(e) => update(rows.map((t, j) => (j === i ? { ...t, text: e.target.value } : t)))}
            disabled={disabled}
            data-testid="history-content"
            className={cx(
              "block min-w-0 flex-1 rounded-md border border-border bg-surface px-2.5 py-1.5 focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none",
              turn.kind === "blocks" ? "font-mono text-xs" : "text-sm",
            )}
          />
          <Button
            type="button"
            size="sm"
            onClick={() => update(rows.filter((_, j) => j !== i))}
            disabled={disabled}
            aria-label={`Remove turn ${i + 1}`}
            data-testid="history-remove"
          >
            Remove
          </Button>
        </div>
      ))}
      {problems.length > 0 ? (
        <ul className="space-y-0.5 px-1" data-testid="history-json-problems">
          {problems.map((p) => (
            <li key={p} className="text-xs text-danger">
              {p}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="flex flex-wrap items-center gap-2">
        <Button
          type="button"
          size="sm"
          onClick={() => update([...rows, { role: nextRole, kind: "text", text: "" }])}
          disabled={disabled}
          data-testid="history-add"
        >
          Add {nextRole} turn
        </Button>
        <span className="text-xxs text-fg-muted">
          A turn holds text, or blocks as JSON: {HISTORY_BLOCK_TYPES.join(", ")} (tool_use from the assistant, tool_result from the user).
        </span>
      </div>
    </div>
  );
}
