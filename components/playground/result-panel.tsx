"use client";

import type { ReactNode } from "react";
import Link from "next/link";
import { formatMicros } from "@/lib/models/catalog";
import type { PlaygroundFacts } from "@/lib/playground/schemas";
import { Badge, Card, cx } from "@/components/ui";
import { SimulatedBadge } from "@/components/playground/simulated-badge";
import type { RunState } from "@/components/playground/use-playground-run";
import { RoundTranscript, ToolCallList, type ToolRound } from "@/components/playground/tool-calls";

const STATUS_TONE = { ok: "success", error: "danger", refusal: "warning", invalid_output: "warning", cancelled: "neutral" } as const;

function ms(value: number | null): string {
  if (value === null) return "—";
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value} ms`;
}

const n = (value: number) => value.toLocaleString("en-US");

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xxs font-medium tracking-wide text-fg-muted uppercase">{label}</dt>
      <dd className="mt-0.5 truncate text-sm" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

function TokenTable({ facts }: { facts: PlaygroundFacts }) {
  const u = facts.usage;
  const c = facts.cost;
  const write5m = u.cacheWriteTokens - u.cacheWrite1hTokens;
  const rows: Array<{ key: string; label: string; tokens: number; micros: number | null }> = [
    { key: "input", label: "Input (uncached)", tokens: u.inputTokens, micros: c?.inputMicros ?? null },
    { key: "cache-write-5m", label: "Cache write 5m", tokens: write5m, micros: c?.cacheWrite5mMicros ?? null },
    { key: "cache-write-1h", label: "Cache write 1h", tokens: u.cacheWrite1hTokens, micros: c?.cacheWrite1hMicros ?? null },
    { key: "cache-read", label: "Cache read", tokens: u.cacheReadTokens, micros: c?.cacheReadMicros ?? null },
    { key: "output", label: "Output", tokens: u.outputTokens, micros: c?.outputMicros ?? null },
  ];
  return (
    <table className="w-full text-xs" data-testid="token-table">
      <thead>
        <tr className="text-left text-fg-muted">
          <th className="py-1 font-medium">Tokens</th>
          <th className="py-1 text-right font-medium">Count</th>
          <th className="py-1 text-right font-medium">Cost{c && !c.exact ? "*" : ""}</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-border">
        {rows.map((r) => (
          <tr key={r.key} className={r.tokens === 0 ? "text-fg-muted" : undefined}>
            <td className="py-1">{r.label}</td>
            <td className="py-1 text-right font-mono tabular-nums" data-testid={`tokens-${r.key}`}>
              {n(r.tokens)}
            </td>
            <td className="py-1 text-right font-mono tabular-nums">{r.micros === null ? "—" : formatMicros(r.micros)}</td>
          </tr>
        ))}
        <tr className="font-medium">
          <td className="py-1">Total</td>
          <td className="py-1 text-right font-mono tabular-nums">{n(u.inputTokens + u.cacheWriteTokens + u.cacheReadTokens + u.outputTokens)}</td>
          <td className="py-1 text-right font-mono tabular-nums" data-testid="cost-total" title={`${facts.costMicros} micro-dollars`}>
            {formatMicros(facts.costMicros)}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

function Attempts({ facts }: { facts: PlaygroundFacts }) {
  return (
    <ol className="space-y-1 text-xs" data-testid="attempts">
      {facts.attempts.map((a, i) => (
        <li key={i} className="flex flex-wrap items-center gap-1.5" data-testid="attempt">
          <span className="w-4 text-right text-fg-muted tabular-nums">{i + 1}.</span>
          <span className="font-mono">{a.model}</span>
          <Badge>{a.kind}</Badge>
          <Badge tone={a.status === "ok" ? "success" : a.status === "refusal" ? "warning" : "danger"}>
            {a.error ? `${a.error.type}${a.error.httpStatus ? ` ${a.error.httpStatus}` : ""}` : a.status}
          </Badge>
          <span className="text-fg-muted tabular-nums">{ms(a.durationMs)}</span>
          {a.error ? (
            <span className="w-full truncate pl-5.5 text-fg-muted" title={a.error.message}>
              {a.error.message}
            </span>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

/** One run: streamed output, then status, model, tokens, exact cost, timings, attempts and the log id. */
export function ResultPanel({
  title,
  run,
  simulated,
  testId,
  callsPath,
  rounds = [],
  toolForm,
}: {
  title: ReactNode;
  run: RunState;
  simulated: boolean;
  testId: string;
  /** `/p/:project/calls`: the logged call's id links to its page there. */
  callsPath: string;
  /** Earlier rounds of a tool conversation (shown above this run). */
  rounds?: ToolRound[];
  /** The form to answer this run's tool calls, when the conversation can go on. */
  toolForm?: ReactNode;
}) {
  const facts = run.facts;
  const showSimulated = facts ? facts.simulated : simulated;
  return (
    <Card className="flex min-w-0 flex-col" data-testid={testId} aria-busy={run.phase === "running"}>
      <div className="flex items-center justify-between gap-2 border-b border-border px-4 py-2.5">
        <div className="flex min-w-0 items-center gap-2 text-sm font-medium">{title}</div>
        <div className="flex shrink-0 items-center gap-1.5">
          {run.phase === "running" ? (
            <Badge tone="accent" data-testid="result-running">
              {run.attempts.length > 1 ? `attempt ${run.attempts.length}` : "streaming"}…
            </Badge>
          ) : null}
          {facts ? (
            <Badge tone={STATUS_TONE[facts.status]} data-testid="result-status" className="text-xs">
              {facts.status}
            </Badge>
          ) : null}
          {showSimulated && (run.phase === "running" || facts) ? <SimulatedBadge /> : null}
        </div>
      </div>

      <RoundTranscript rounds={rounds} />
      <div className="space-y-3 px-4 py-3">
        {rounds.length > 0 ? <Badge tone="accent">Round {rounds.length + 1}</Badge> : null}
        {run.phase === "idle" ? (
          <p className="text-sm text-fg-muted">Fill in the variables and press Run. The answer streams here as it is generated.</p>
        ) : (run.phase === "failed" || (facts && facts.toolCalls.length > 0)) && run.text === "" ? null : (
          <pre
            data-testid="result-output"
            className={cx(
              "max-h-[28rem] min-h-16 overflow-y-auto rounded-md bg-muted/60 p-3 font-sans text-sm leading-relaxed break-words whitespace-pre-wrap",
              run.phase === "running" &&
                "after:ml-0.5 after:inline-block after:h-4 after:w-1.5 after:animate-pulse after:bg-accent after:align-text-bottom after:content-['']",
            )}
          >
            {run.text}
          </pre>
        )}
        {run.error ? (
          <div className="rounded-md border border-danger/30 bg-danger/10 px-3 py-2 text-sm text-danger" data-testid="result-error">
            {run.error.message}
          </div>
        ) : null}
        {facts?.message ? (
          <div
            className={cx(
              "rounded-md border px-3 py-2 text-sm",
              facts.status === "error" ? "border-danger/30 bg-danger/10 text-danger" : "border-warning/30 bg-warning/10 text-warning",
            )}
            data-testid="result-message"
          >
            <span className="font-medium">
              {facts.status === "error"
                ? `Error${facts.errorType ? ` (${facts.errorType}${facts.httpStatus ? `, HTTP ${facts.httpStatus}` : ""})` : ""}`
                : facts.status === "refusal"
                  ? "Refusal"
                  : "Invalid output"}
              :{" "}
            </span>
            {facts.message}
          </div>
        ) : null}
        {facts ? <ToolCallList facts={facts} /> : null}
        {toolForm}
        {run.ignoredVariables.length > 0 ? (
          <p className="text-xs text-fg-muted">
            Not declared by this version, left out: <span className="font-mono">{run.ignoredVariables.join(", ")}</span>
          </p>
        ) : null}
      </div>

      {facts ? (
        <div className="space-y-4 border-t border-border px-4 py-3" data-testid="result-facts">
          <dl className="grid grid-cols-2 gap-x-4 gap-y-3 sm:grid-cols-3">
            <Fact label="Model" testId="result-model">
              <span className="font-mono text-xs" title={`requested ${facts.requestedModel}, answered by ${facts.model}`}>
                {facts.requestedModel === facts.model ? facts.model : `${facts.requestedModel} → ${facts.model}`}
              </span>
            </Fact>
            {facts.routingRule ? (
              <Fact label="Routing" testId="result-routing">
                <span
                  className="font-mono text-xs"
                  title={`the version's model is ${facts.requestedModel}; its routing rules picked ${facts.routedModel ?? "?"}`}
                >
                  {facts.routingRule === "default" ? "no rule matched (default)" : `rule ${facts.routingRule}`} → {facts.routedModel}
                </span>
              </Fact>
            ) : null}
            <Fact label="Cost" testId="result-cost">
              <span className="font-mono" title={`${facts.costMicros} micro-dollars`}>
                {formatMicros(facts.costMicros)}
              </span>
            </Fact>
            <Fact label="Stop reason">
              <span className="font-mono text-xs">{facts.stopReason ?? "—"}</span>
            </Fact>
            <Fact label="Latency" testId="result-latency">
              {ms(facts.latencyMs)}
            </Fact>
            <Fact label="Time to first token" testId="result-ttft">
              {ms(facts.ttftMs)}
            </Fact>
            <Fact label="Fallback" testId="result-fallback">
              {facts.fallbackUsed ? <span className="font-mono text-xs">{facts.fallbackUsed}</span> : <span className="text-fg-muted">none</span>}
            </Fact>
          </dl>
          <TokenTable facts={facts} />
          {facts.cost && !facts.cost.exact ? (
            <p className="text-xxs text-fg-muted">* Lines at {facts.cost.pricedModel} prices; several models were billed, so only the total is exact.</p>
          ) : null}
          <div>
            <h3 className="mb-1.5 text-xxs font-medium tracking-wide text-fg-muted uppercase">Attempts ({facts.attempts.length})</h3>
            <Attempts facts={facts} />
          </div>
          <p className="text-xs text-fg-muted">
            Logged as call{" "}
            {facts.callId ? (
              <Link href={`${callsPath}/${encodeURIComponent(facts.callId)}`} className="font-mono text-accent hover:underline" data-testid="call-id">
                {facts.callId}
              </Link>
            ) : (
              <span className="font-mono text-fg" data-testid="call-id">
                not logged
              </span>
            )}{" "}
            (source playground{facts.fault ? `, fault ${facts.fault}` : ""}).
          </p>
        </div>
      ) : null}
    </Card>
  );
}
