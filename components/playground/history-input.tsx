"use client";

import { Button, cx } from "@/components/ui";

/** One turn as the form edits it. */
interface EditedTurn {
  role: "user" | "assistant";
  content: string;
}

/** The turns a history form value holds (a JSON array of `{ role, content }`; "" is none). Content that is not text is shown as its JSON. */
export function historyTurnsOf(value: string): EditedTurn[] {
  if (value.trim() === "") return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.map((t: unknown) => {
      const turn = (t ?? {}) as { role?: unknown; content?: unknown };
      return {
        role: turn.role === "assistant" ? "assistant" : "user",
        content: typeof turn.content === "string" ? turn.content : JSON.stringify(turn.content ?? ""),
      };
    });
  } catch {
    return [];
  }
}

/** The form value for a list of turns: "" for none (the variable is then not given), else their JSON. */
export function historyValueOf(turns: readonly EditedTurn[]): string {
  return turns.length === 0 ? "" : JSON.stringify(turns);
}

/**
 * The input for a `messages` variable (chat history): a list of turns, each a role and its text,
 * with add and remove. What the turns must satisfy (roles alternate with the prompt's turns
 * around the history, no empty content) is checked by the server, which names every problem;
 * `errors` shows them under the list.
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
  const turns = historyTurnsOf(value);
  const update = (next: EditedTurn[]) => onChange(historyValueOf(next));
  const nextRole: EditedTurn["role"] = turns.at(-1)?.role === "user" ? "assistant" : "user";
  return (
    <div
      id={id}
      className={cx("space-y-2 rounded-md border p-2", invalid ? "border-danger" : "border-border")}
      aria-describedby={describedBy}
      data-testid="history-input"
    >
      {turns.length === 0 ? <p className="px-1 text-xs text-fg-muted">No earlier turns: the conversation starts with this run.</p> : null}
      {turns.map((turn, i) => (
        <div key={i} className="flex items-start gap-2" data-testid="history-turn">
          <span className="mt-2 w-5 text-right text-xxs text-fg-muted tabular-nums">{i + 1}.</span>
          <select
            aria-label={`Role of turn ${i + 1}`}
            value={turn.role}
            onChange={(e) => update(turns.map((t, j) => (j === i ? { ...t, role: e.target.value as EditedTurn["role"] } : t)))}
            disabled={disabled}
            data-testid="history-role"
            className="h-8 rounded-md border border-border bg-surface px-2 text-xs"
          >
            <option value="user">user</option>
            <option value="assistant">assistant</option>
          </select>
          <textarea
            aria-label={`Content of turn ${i + 1}`}
            rows={2}
            value={turn.content}
            onChange={(e) => update(turns.map((t, j) => (j === i ? { ...t, content: e.target.value } : t)))}
            disabled={disabled}
            data-testid="history-content"
            className="block min-w-0 flex-1 rounded-md border border-border bg-surface px-2.5 py-1.5 text-sm focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none"
          />
          <Button
            type="button"
            size="sm"
            onClick={() => update(turns.filter((_, j) => j !== i))}
            disabled={disabled}
            aria-label={`Remove turn ${i + 1}`}
            data-testid="history-remove"
          >
            Remove
          </Button>
        </div>
      ))}
      <Button type="button" size="sm" onClick={() => update([...turns, { role: nextRole, content: "" }])} disabled={disabled} data-testid="history-add">
        Add {nextRole} turn
      </Button>
    </div>
  );
}
