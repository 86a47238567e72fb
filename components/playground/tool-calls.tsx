"use client";

import { useState } from "react";
import type { ErrorIssue } from "@/lib/errors";
import { formatMicros } from "@/lib/models/catalog";
import { toolResultInputSchema, type PlaygroundFacts, type ToolResultInput } from "@/lib/playground/schemas";
import { Badge, Button, cx } from "@/components/ui";

/** A finished round of a tool conversation: the answer and the results the user sent back. */
export interface ToolRound {
  facts: PlaygroundFacts;
  results: ToolResultInput[];
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);
const n = (value: number) => value.toLocaleString("en-US");

/** stop reason · tokens in/out · cost, the line each round gets. */
export function RoundFacts({ facts }: { facts: PlaygroundFacts }) {
  const u = facts.usage;
  return (
    <span className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-fg-muted" data-testid="round-facts">
      <span>
        stop <span className="font-mono text-fg">{facts.stopReason ?? "—"}</span>
      </span>
      <span className="tabular-nums">
        {n(u.inputTokens + u.cacheWriteTokens + u.cacheReadTokens)} in{u.cacheReadTokens > 0 ? ` (${n(u.cacheReadTokens)} cached)` : ""} / {n(u.outputTokens)}{" "}
        out
      </span>
      <span className="font-mono text-fg" title={`${facts.costMicros} micro-dollars`}>
        {formatMicros(facts.costMicros)}
      </span>
    </span>
  );
}

/** The answer's tool calls: name, input (pretty JSON), the schema verdict, and any repair retry before it. */
export function ToolCallList({ facts }: { facts: PlaygroundFacts }) {
  if (facts.toolCalls.length === 0 && facts.toolRepairs.length === 0) return null;
  return (
    <div className="space-y-2" data-testid="tool-calls">
      <h3 className="text-xxs font-medium tracking-wide text-fg-muted uppercase">Tool calls ({facts.toolCalls.length})</h3>
      {facts.toolRepairs.map((repair, i) => (
        <div key={i} className="rounded-md border border-warning/30 bg-warning/10 px-3 py-2 text-xs" data-testid="tool-repair">
          <p className="font-medium text-warning">
            Repair retry: {repair.model} called with input{repair.calls.filter((c) => c.problems.length > 0).length > 1 ? "s" : ""} that broke the schema, so
            the problems went back as error tool_results and Claude was asked again.
          </p>
          <ul className="mt-1 space-y-0.5">
            {repair.calls
              .filter((c) => c.problems.length > 0)
              .map((c) => (
                <li key={c.id}>
                  <span className="font-mono">{c.name}</span> <span className="font-mono text-fg-muted">{JSON.stringify(c.input)}</span>:{" "}
                  {c.problems.join("; ")}
                </li>
              ))}
          </ul>
        </div>
      ))}
      {facts.toolCalls.map((call) => (
        <div key={call.id} className="rounded-md border border-border" data-testid="tool-call">
          <div className="flex flex-wrap items-center gap-2 border-b border-border px-3 py-1.5">
            <span className="font-mono text-sm font-medium" data-testid="tool-call-name">
              {call.name}
            </span>
            <span className="font-mono text-xxs text-fg-muted">{call.id}</span>
            <Badge tone={call.valid ? "success" : "danger"} className="ml-auto" data-testid="tool-call-valid">
              {call.valid ? "input fits the schema" : "input breaks the schema"}
            </Badge>
          </div>
          <pre className="max-h-48 overflow-auto px-3 py-2 font-mono text-xs" data-testid="tool-call-input">
            {pretty(call.input)}
          </pre>
          {call.problems.length > 0 ? (
            <ul className="border-t border-border px-3 py-1.5 text-xs text-danger">
              {call.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ))}
    </div>
  );
}

interface Draft {
  content: string;
  format: "text" | "json";
  isError: boolean;
}

/** Problems of the typed results by tool call id (client-side, the same zod schema the server parses with). */
function draftProblems(calls: PlaygroundFacts["toolCalls"], drafts: Record<string, Draft>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const call of calls) {
    const draft = drafts[call.id] ?? { content: "", format: "text", isError: false };
    const parsed = toolResultInputSchema.safeParse({ toolUseId: call.id, ...draft });
    if (!parsed.success)
      out[call.id] = parsed.error.issues.map((i) => `Result for ${call.name}: ${i.path.join(".") ? `${i.path.join(".")} ` : ""}${i.message}`);
  }
  return out;
}

/**
 * One result per tool call (text or JSON, an is_error toggle) to continue the conversation. The
 * results are checked with the server's own schema before sending; the server's refusal, if any,
 * is shown under the form (`serverIssues`).
 */
export function ToolResultsForm({
  facts,
  onSend,
  disabled,
  serverError,
}: {
  facts: PlaygroundFacts;
  onSend: (results: ToolResultInput[]) => void;
  disabled: boolean;
  serverError: { message: string; issues: ErrorIssue[] } | null;
}) {
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [shown, setShown] = useState<Record<string, string[]>>({});
  const calls = facts.toolCalls;
  const set = (id: string, patch: Partial<Draft>) => {
    setDrafts((d) => ({ ...d, [id]: { ...(d[id] ?? { content: "", format: "text", isError: false }), ...patch } }));
    // A problem shown for the old text is stale once the user edits it; the next send checks again.
    setShown((s) => (s[id] ? { ...s, [id]: [] } : s));
  };

  function send() {
    const problems = draftProblems(calls, drafts);
    setShown(problems);
    if (Object.keys(problems).length > 0) return;
    onSend(calls.map((c) => ({ toolUseId: c.id, ...(drafts[c.id] ?? { content: "", format: "text", isError: false }) })));
  }

  return (
    <form
      className="space-y-3 rounded-md border border-accent/30 bg-accent/5 p-3"
      data-testid="tool-results-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!disabled) send();
      }}
    >
      <div>
        <h3 className="text-sm font-semibold">Reply with the tool results</h3>
        <p className="text-xs text-fg-muted">
          Run the tool yourself and type what it returned. The next request sends Claude’s answer as the assistant turn and your results as tool_result blocks.
        </p>
      </div>
      {calls.map((call, i) => {
        const draft = drafts[call.id] ?? { content: "", format: "text" as const, isError: false };
        const id = `tool-result-${i}`;
        const problems = shown[call.id] ?? [];
        return (
          <div key={call.id} className="space-y-1.5" data-testid="tool-result">
            <div className="flex flex-wrap items-center gap-2">
              <label htmlFor={id} className="text-xs font-medium">
                Result of <span className="font-mono">{call.name}</span>
              </label>
              <div className="flex items-center rounded border border-border p-0.5" role="group" aria-label={`Format of the ${call.name} result`}>
                {(["text", "json"] as const).map((f) => (
                  <button
                    key={f}
                    type="button"
                    aria-pressed={draft.format === f}
                    data-testid={`tool-result-format-${f}`}
                    onClick={() => set(call.id, { format: f })}
                    disabled={disabled}
                    className={cx("rounded px-2 py-0.5 text-xxs font-medium", draft.format === f ? "bg-accent text-accent-fg" : "text-fg-muted hover:text-fg")}
                  >
                    {f === "text" ? "Text" : "JSON"}
                  </button>
                ))}
              </div>
              <label className="ml-auto flex items-center gap-1.5 text-xs">
                <input
                  type="checkbox"
                  checked={draft.isError}
                  onChange={(e) => set(call.id, { isError: e.target.checked })}
                  disabled={disabled}
                  data-testid="tool-result-is-error"
                  className="size-3.5 accent-[rgb(var(--accent))]"
                />
                is_error (the tool failed)
              </label>
            </div>
            <textarea
              id={id}
              rows={draft.format === "json" ? 4 : 2}
              spellCheck={draft.format === "text"}
              value={draft.content}
              onChange={(e) => set(call.id, { content: e.target.value })}
              disabled={disabled}
              aria-invalid={problems.length > 0 || undefined}
              placeholder={draft.format === "json" ? '{"status": "shipped"}' : "What the tool returned"}
              data-testid="tool-result-content"
              className={cx(
                "block w-full rounded-md border bg-surface px-2.5 py-1.5 text-sm focus:border-accent focus:ring-2 focus:ring-accent/25 focus:outline-none",
                draft.format === "json" && "font-mono text-xs",
                problems.length > 0 ? "border-danger" : "border-border",
              )}
            />
            {problems.map((p) => (
              <p key={p} className="text-xs text-danger" data-testid="tool-result-error">
                {p}
              </p>
            ))}
          </div>
        );
      })}
      {serverError ? (
        <div className="text-xs text-danger" data-testid="tool-results-refused">
          <p className="font-medium">{serverError.message}</p>
          {serverError.issues.length > 1 ? (
            <ul className="list-disc pl-4">
              {serverError.issues.map((i) => (
                <li key={`${i.path}:${i.message}`}>
                  <span className="font-mono">{i.path}</span>: {i.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <Button type="submit" variant="primary" size="sm" disabled={disabled} data-testid="send-tool-results">
        Send {calls.length > 1 ? `${calls.length} results` : "result"} and continue
      </Button>
    </form>
  );
}

/** The earlier rounds of the conversation: each answer's tool calls and the results sent back, with its stop reason, tokens and cost. */
export function RoundTranscript({ rounds }: { rounds: ToolRound[] }) {
  if (rounds.length === 0) return null;
  const total = rounds.reduce((sum, r) => sum + r.facts.costMicros, 0);
  return (
    <ol className="space-y-2 border-b border-border px-4 py-3" data-testid="tool-rounds">
      {rounds.map((round, i) => (
        <li key={i} className="space-y-1.5 rounded-md border border-border bg-muted/40 px-3 py-2" data-testid="tool-round">
          <div className="flex flex-wrap items-center gap-2">
            <Badge>Round {i + 1}</Badge>
            <RoundFacts facts={round.facts} />
          </div>
          {round.facts.output ? <p className="text-sm whitespace-pre-wrap">{round.facts.output}</p> : null}
          {round.facts.toolCalls.map((call) => {
            const result = round.results.find((r) => r.toolUseId === call.id);
            return (
              <div key={call.id} className="grid gap-1 text-xs sm:grid-cols-2">
                <div className="min-w-0">
                  <span className="text-fg-muted">called </span>
                  <span className="font-mono font-medium">{call.name}</span>
                  {call.valid ? null : (
                    <Badge tone="danger" className="ml-1">
                      invalid input
                    </Badge>
                  )}
                  <pre className="mt-0.5 overflow-x-auto font-mono text-xxs text-fg-muted">{JSON.stringify(call.input)}</pre>
                </div>
                <div className="min-w-0">
                  <span className="text-fg-muted">result{result?.format === "json" ? " (JSON)" : ""} </span>
                  {result?.isError ? <Badge tone="danger">is_error</Badge> : null}
                  <pre className="mt-0.5 overflow-x-auto font-mono text-xxs whitespace-pre-wrap" data-testid="tool-round-result">
                    {result?.content ?? ""}
                  </pre>
                </div>
              </div>
            );
          })}
        </li>
      ))}
      <li className="text-xs text-fg-muted" data-testid="tool-rounds-total">
        {rounds.length} earlier round{rounds.length > 1 ? "s" : ""}: {formatMicros(total)} (this round’s cost is below)
      </li>
    </ol>
  );
}
