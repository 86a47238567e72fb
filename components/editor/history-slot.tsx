"use client";

import { useMemo, useState, type Dispatch } from "react";
import { Badge, cx } from "@/components/ui";
import { formatMicros, type ModelSpec } from "@/lib/models/catalog";
import { previewHistoryCost, type HistoryCostPreview } from "@/lib/prompts/cost";
import type { PromptVersionContent } from "@/lib/prompts/schemas";
import { IconButton } from "./block-toolbar";
import { CacheToggle } from "./cache-toggle";
import type { EditorEdit } from "./editor-edits";
import { historyPlacement, issuesAt, type EditorIssue, type TurnState, type VariableState } from "./editor-model";
import { inputClass } from "./editor-styles";
import { FieldIssues } from "./tools-section";

const ROLE = { user: "the user", assistant: "the assistant" } as const;

/** "before Turn 1", "between Turn 1 and Turn 2", "after Turn 2" for each position among `count` turns. */
export function positionLabel(position: number, count: number): string {
  if (count === 0) return "the only messages";
  if (position === 0) return "before Turn 1";
  if (position >= count) return `after Turn ${count}`;
  return `between Turn ${position} and Turn ${position + 1}`;
}

function historyCost(content: PromptVersionContent, name: string, spec: ModelSpec | undefined, turns: number, perExchange: number): HistoryCostPreview | null {
  if (!spec) return null;
  try {
    return previewHistoryCost(content, name, { turns, tokensPerExchange: perExchange, model: spec });
  } catch {
    return null;
  }
}

/**
 * A chat history (a `messages` variable) where it sits among the turns: its position, what its
 * first and last messages must be, the problems of its place (named), and the breakpoint on its
 * last message with why it helps and what it costs or saves over a conversation, priced by
 * `previewHistoryCost` (the model's price row).
 */
export function HistorySlot({
  variable,
  turns,
  content,
  spec,
  issues,
  dispatch,
}: {
  variable: VariableState;
  turns: readonly TurnState[];
  content: PromptVersionContent;
  spec: ModelSpec | undefined;
  issues: readonly EditorIssue[];
  dispatch: Dispatch<EditorEdit>;
}) {
  const name = variable.name.trim();
  const [conversationTurns, setConversationTurns] = useState(10);
  const [perExchange, setPerExchange] = useState(300);
  const placement = historyPlacement(turns, variable.position);
  const cost = useMemo(
    () => (name ? historyCost(content, name, spec, conversationTurns, perExchange) : null),
    [content, name, spec, conversationTurns, perExchange],
  );
  const saved = cost ? cost.withoutBreakpointMicros - cost.withBreakpointMicros : 0;
  const patch = (p: Partial<VariableState>) => dispatch({ type: "patchVariable", id: variable.id, patch: p });
  const located = issuesAt(issues, `variables.${name}.position`, `variables.${name}.cache_control`);
  const bad = placement.problems.length > 0 || located.some((i) => i.severity === "error");
  return (
    <li
      id={`history-${name}`}
      tabIndex={-1}
      className={cx("rounded-md border border-dashed p-2.5", bad ? "border-danger/60" : "border-accent/60 bg-accent/5")}
      data-testid="history-slot"
      data-name={name}
      data-position={variable.position}
    >
      <div className="mb-1 flex flex-wrap items-center gap-2">
        <Badge tone="accent">chat history</Badge>
        <span className="font-mono text-xs font-medium">{name || "(unnamed)"}</span>
        <span className="text-xxs text-fg-muted">{variable.required ? "required" : "optional"} · messages variable</span>
        <label className="ml-auto flex items-center gap-1 text-xxs text-fg-muted">
          Position
          <select
            aria-label={`Position of chat history ${name}`}
            value={variable.position}
            onChange={(e) => patch({ position: Number(e.target.value) })}
            className={cx(inputClass, "h-6 w-auto py-0 text-xxs")}
            data-testid={`history-position-${name}`}
          >
            {Array.from({ length: turns.length + 1 }, (_, p) => (
              <option key={p} value={p}>
                {positionLabel(p, turns.length)}
              </option>
            ))}
            {variable.position > turns.length ? <option value={variable.position}>position {variable.position} (past the last turn)</option> : null}
          </select>
        </label>
        <IconButton label={`Remove chat history ${name}`} onClick={() => dispatch({ type: "removeVariable", id: variable.id })}>
          ✕
        </IconButton>
      </div>
      <p className="text-xxs text-fg-muted">
        Inserted here on every call: the conversation so far as user and assistant turns (tool calls and results included), sent as the variable{" "}
        <span className="font-mono">{name}</span>. Its first message must be from {ROLE[placement.startsWith]}
        {placement.before ? ` (Turn ${placement.before.turn} before it is from ${ROLE[placement.before.role]})` : " (a conversation starts with the user)"}
        {placement.endsWith
          ? `, its last from ${ROLE[placement.endsWith]} (Turn ${placement.after?.turn} after it is from ${ROLE[placement.after?.role ?? "user"]}).`
          : "; the request ends with it, so its last message should be from the user."}
      </p>
      {placement.problems.length > 0 ? (
        <ul className="mt-1 space-y-0.5" data-testid="history-problems">
          {placement.problems.map((p) => (
            <li key={p} className="text-xxs text-danger">
              {p}
            </li>
          ))}
        </ul>
      ) : null}
      <FieldIssues issues={located} testId="history-issues" />

      <div className="mt-2 flex flex-wrap items-center gap-2 text-xxs text-fg-muted">
        <span className="font-medium text-fg">Breakpoint on the last history message</span>
        <CacheToggle
          value={variable.historyCache}
          onChange={(historyCache) => patch({ historyCache, historyCacheRaw: undefined })}
          label={`chat history ${name}`}
        />
      </div>
      <p className="mt-1 text-xxs text-fg-muted">
        Why: each turn of a chat resends the whole conversation. With a breakpoint on the last history message, every call writes the conversation so far to the
        cache and the next turn, which repeats it plus one new exchange, reads it back at the cache-read price instead of paying full input price again. The
        first write costs more than plain input, so it pays off from the third turn on.
      </p>
      {cost ? (
        <div className="mt-1.5 rounded-md border border-border bg-surface px-2 py-1.5 text-xxs" data-testid="history-cost">
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <label className="flex items-center gap-1 text-fg-muted">
              over
              <input
                type="number"
                min={1}
                max={200}
                value={conversationTurns}
                onChange={(e) => setConversationTurns(Math.min(200, Math.max(1, Math.trunc(Number(e.target.value)) || 1)))}
                className={cx(inputClass, "h-6 w-14 py-0 font-mono text-xxs")}
                aria-label="Turns in the conversation"
              />
              turns of
              <input
                type="number"
                min={0}
                max={100000}
                value={perExchange}
                onChange={(e) => setPerExchange(Math.min(100_000, Math.max(0, Math.trunc(Number(e.target.value)) || 0)))}
                className={cx(inputClass, "h-6 w-20 py-0 font-mono text-xxs")}
                aria-label="Tokens per exchange"
              />
              tokens per exchange ({cost.model}, input only)
            </label>
          </div>
          <div className="mt-1 flex flex-wrap gap-x-4">
            <span>
              with the breakpoint{" "}
              <span className="font-mono font-medium" data-testid="history-cost-with">
                {formatMicros(cost.withBreakpointMicros)}
              </span>
            </span>
            <span>
              without{" "}
              <span className="font-mono font-medium" data-testid="history-cost-without">
                {formatMicros(cost.withoutBreakpointMicros)}
              </span>
            </span>
            <span className={saved > 0 ? "text-success" : "text-warning"} data-testid="history-cost-saving">
              {saved > 0
                ? `saves ${formatMicros(saved)} (${Math.round((saved / Math.max(1, cost.withoutBreakpointMicros)) * 100)}%)`
                : saved < 0
                  ? `costs ${formatMicros(-saved)} more (too short a conversation, or below ${spec?.minCacheableTokens ?? "the minimum"} cacheable tokens)`
                  : "no difference (the prefix stays below the model's minimum cacheable length)"}
            </span>
          </div>
          {variable.historyCache === "off" ? <p className="mt-0.5 text-fg-muted">The breakpoint is off: calls pay the &quot;without&quot; figure.</p> : null}
        </div>
      ) : null}
    </li>
  );
}
