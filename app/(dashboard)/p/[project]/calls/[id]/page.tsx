import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { isAppError } from "@/lib/errors";
import { getCallDetail, type CallDetail } from "@/lib/metrics/calls";
import Link from "next/link";
import { Badge, ButtonLink, Card, PageHeader, cx } from "@/components/ui";
import type { CallConversation, ConversationPart } from "@/lib/calls/conversation";
import { promptPath } from "@/lib/prompts/paths";
import { fmtMs, fmtNumber, fmtUsd } from "@/components/metrics/format";
import { ScoreForm } from "./score-form";

export const metadata: Metadata = { title: "Call" };

function Json({ value, testId }: { value: unknown; testId: string }) {
  return (
    <pre data-testid={testId} className="max-h-96 overflow-auto rounded-md bg-muted p-3 font-mono text-xs whitespace-pre-wrap">
      {value === null || value === undefined ? "(not stored)" : JSON.stringify(value, null, 2)}
    </pre>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex justify-between gap-4 border-t border-border py-1.5 text-sm first:border-t-0">
      <span className="text-fg-muted">{label}</span>
      <span className="text-right tabular-nums">{children}</span>
    </div>
  );
}

// /p/:project/calls/:id - a call as a conversation (variables, system, turns, answer) with links to its prompt version and experiment; outcome, usage, cost, score; the raw JSON.
export default async function CallPage({ params }: { params: Promise<{ project: string; id: string }> }) {
  const { project: slug, id } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  let call: CallDetail;
  try {
    call = await getCallDetail(access.project.id, id);
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
  const meta = (call.metadata ?? {}) as { attempts?: unknown; fallbacks?: unknown };
  const b = call.costBreakdown;
  const promptHref = call.prompt ? promptPath(slug, call.prompt) : null;
  return (
    <>
      <PageHeader
        title={`Call ${call.id}`}
        description={
          <span data-testid="call-links">
            {call.createdAt.replace("T", " ").slice(0, 19)} UTC ·{" "}
            {promptHref ? (
              <>
                <Link href={promptHref} className="font-mono text-accent hover:underline" data-testid="call-prompt-link">
                  {call.prompt}
                </Link>
                {call.version ? (
                  <>
                    {" "}
                    <Link
                      href={
                        call.version === "draft" ? promptPath(slug, call.prompt ?? "", "edit") : promptPath(slug, call.prompt ?? "", `versions/${call.version}`)
                      }
                      className="font-mono text-accent hover:underline"
                      data-testid="call-version-link"
                    >
                      {call.version === "draft" ? "draft" : `v${call.version}`}
                    </Link>
                  </>
                ) : null}
              </>
            ) : (
              "no prompt"
            )}
            {call.experiment ? (
              <>
                {" "}
                · experiment{" "}
                <Link
                  href={`/p/${slug}/experiments/${encodeURIComponent(call.experiment.id)}`}
                  className="text-accent hover:underline"
                  data-testid="call-experiment-link"
                >
                  {call.experiment.name}
                </Link>
                {call.experiment.variant ? ` (variant ${call.experiment.variant})` : null}
              </>
            ) : null}{" "}
            · {call.source}
          </span>
        }
        actions={
          <ButtonLink href={`/p/${slug}/calls`} size="sm">
            All calls
          </ButtonLink>
        }
      />
      <div className="grid gap-4 lg:grid-cols-3" data-testid="call-detail">
        <div className="min-w-0 lg:col-span-2">
          <Conversation conversation={call.conversation} status={call.status} errorMessage={call.errorMessage} />
        </div>
        <div className="space-y-4">
          <Card className="p-3">
            <h2 className="mb-2 text-sm font-semibold">Outcome</h2>
            <Row label="Status">
              <Badge tone={call.status === "ok" ? "success" : call.status === "error" ? "danger" : "warning"}>{call.status}</Badge>
            </Row>
            {call.errorType ? <Row label="Error">{`${call.errorType}${call.httpStatus ? ` (${call.httpStatus})` : ""}`}</Row> : null}
            {call.errorMessage ? <Row label="Message">{call.errorMessage.slice(0, 200)}</Row> : null}
            <Row label="Stop reason">{call.stopReason ?? "–"}</Row>
            {call.refusalCategory ? <Row label="Refusal">{call.refusalCategory}</Row> : null}
            <Row label="Model">{call.model}</Row>
            <Row label="Requested model">{call.requestedModel}</Row>
            <Row label="Attempts">{call.attempts}</Row>
            <Row label="Fallback used">{call.fallbackUsed ?? "no"}</Row>
            <Row label="Latency">{fmtMs(call.latencyMs)}</Row>
            <Row label="Time to first token">{fmtMs(call.ttftMs)}</Row>
            <Row label="Batch / simulated">{`${call.batch ? "batch" : "direct"} / ${call.simulated ? "simulator" : "Claude API"}`}</Row>
          </Card>
          <Card className="p-3" data-testid="call-cost">
            <h2 className="mb-2 text-sm font-semibold">Usage and cost</h2>
            <Row label="Input tokens">{fmtNumber(call.inputTokens)}</Row>
            <Row label="Cache write tokens">{`${fmtNumber(call.cacheWriteTokens)} (1h: ${fmtNumber(call.cacheWrite1hTokens)})`}</Row>
            <Row label="Cache read tokens">{fmtNumber(call.cacheReadTokens)}</Row>
            <Row label="Output tokens">{`${fmtNumber(call.outputTokens)} (${fmtNumber(call.outputChars)} chars)`}</Row>
            {b ? (
              <>
                <Row label="Input">{fmtUsd(b.inputMicros)}</Row>
                <Row label="Cache writes">{fmtUsd(b.cacheWrite5mMicros + b.cacheWrite1hMicros)}</Row>
                <Row label="Cache reads">{fmtUsd(b.cacheReadMicros)}</Row>
                <Row label="Output">{fmtUsd(b.outputMicros)}</Row>
                <Row label="Without caching">{fmtUsd(b.uncachedMicros)}</Row>
              </>
            ) : null}
            <Row label="Cost (logged)">
              <strong>{fmtUsd(call.costMicros)}</strong>
            </Row>
          </Card>
          <Card className="p-3">
            <h2 className="mb-2 text-sm font-semibold">Ground truth</h2>
            <ScoreForm projectSlug={slug} callId={call.id} score={call.score} canEdit={hasRole(access.role, "EDITOR")} />
            {call.expectedOutput ? (
              <div className="mt-2 text-xs">
                <div className="text-fg-muted">Expected output</div>
                <pre className="mt-1 rounded bg-muted p-2 whitespace-pre-wrap">{call.expectedOutput}</pre>
              </div>
            ) : null}
          </Card>
        </div>
      </div>
      <details className="mt-4" data-testid="call-raw">
        <summary className="cursor-pointer text-sm font-semibold select-none">Raw request, response, attempts and fallbacks (JSON)</summary>
        <div className="mt-2 grid gap-4 lg:grid-cols-2">
          <Card className="p-3">
            <h2 className="mb-2 text-sm font-semibold">Request</h2>
            <Json testId="call-request" value={call.request} />
          </Card>
          <Card className="p-3">
            <h2 className="mb-2 text-sm font-semibold">Response</h2>
            <Json testId="call-response" value={call.response} />
          </Card>
          <Card className="p-3">
            <h2 className="mb-2 text-sm font-semibold">Attempts</h2>
            <Json testId="call-attempts" value={meta.attempts ?? null} />
          </Card>
          <Card className="p-3">
            <h2 className="mb-2 text-sm font-semibold">Fallbacks</h2>
            <Json testId="call-fallbacks" value={meta.fallbacks ?? []} />
          </Card>
        </div>
      </details>
    </>
  );
}

function Part({ part }: { part: ConversationPart }) {
  switch (part.kind) {
    case "text":
      return <p className="text-sm whitespace-pre-wrap">{part.text}</p>;
    case "thinking":
      return (
        <details className="text-xs text-fg-muted">
          <summary className="cursor-pointer select-none">Thinking</summary>
          <p className="mt-1 whitespace-pre-wrap">{part.text}</p>
        </details>
      );
    case "tool_use":
      return (
        <div className="text-xs">
          <span className="text-fg-muted">Tool call</span> <span className="font-mono">{part.name}</span>
          <pre className="mt-1 overflow-auto rounded bg-muted p-2 font-mono whitespace-pre-wrap">{JSON.stringify(part.input, null, 2)}</pre>
        </div>
      );
    case "tool_result":
      return (
        <div className="text-xs">
          <span className="text-fg-muted">Tool result</span>
          <pre className="mt-1 overflow-auto rounded bg-muted p-2 font-mono whitespace-pre-wrap">{part.text}</pre>
        </div>
      );
    default:
      return <p className="text-xs text-fg-muted">({part.type} block)</p>;
  }
}

/** Variables, the rendered system prompt, the turns and the answer, top to bottom as Claude saw them. */
function Conversation({ conversation: c, status, errorMessage }: { conversation: CallConversation; status: string; errorMessage: string | null }) {
  return (
    <Card className="p-4" data-testid="call-conversation">
      <h2 className="mb-3 text-sm font-semibold">Conversation</h2>
      {c.variables ? (
        <section className="mb-4" data-testid="call-variables">
          <h3 className="mb-1 text-xxs font-medium tracking-wide text-fg-muted uppercase">Variables</h3>
          {Object.keys(c.variables).length === 0 ? (
            <p className="text-xs text-fg-muted">none</p>
          ) : (
            <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm">
              {Object.entries(c.variables).map(([k, v]) => (
                <div key={k} className="contents">
                  <dt className="font-mono text-xs text-fg-muted">{k}</dt>
                  <dd className="break-words whitespace-pre-wrap">{typeof v === "string" ? v : JSON.stringify(v)}</dd>
                </div>
              ))}
            </dl>
          )}
        </section>
      ) : null}
      {!c.readable ? (
        <p className="mb-3 text-sm text-fg-muted" data-testid="call-conversation-unreadable">
          {c.truncated.request
            ? "The request was longer than the project's body limit, so only a preview was kept: see the raw JSON below."
            : "The request was not stored as a Messages API request (bodies off, or logged by an app in its own shape): see the raw JSON below."}
        </p>
      ) : null}
      {c.system.length > 0 ? (
        <section className="mb-4" data-testid="call-system">
          <h3 className="mb-1 text-xxs font-medium tracking-wide text-fg-muted uppercase">System</h3>
          <div className="space-y-2">
            {c.system.map((s, i) => (
              <pre key={i} className="rounded-md border border-border bg-muted/50 p-2.5 font-sans text-sm whitespace-pre-wrap">
                {s}
              </pre>
            ))}
          </div>
        </section>
      ) : null}
      {c.turns.length > 0 ? (
        <section className="mb-4 space-y-2" data-testid="call-turns">
          {c.turns.map((t, i) => (
            <div
              key={i}
              data-testid="call-turn"
              className={cx("rounded-md border p-2.5", t.role === "user" ? "mr-8 border-border bg-surface" : "ml-8 border-accent/30 bg-accent/5")}
            >
              <div className="mb-1 text-xxs font-medium tracking-wide text-fg-muted uppercase">{t.role === "user" ? "User" : "Assistant"}</div>
              <div className="space-y-1.5">
                {t.parts.map((p, j) => (
                  <Part key={j} part={p} />
                ))}
              </div>
            </div>
          ))}
        </section>
      ) : null}
      <section data-testid="call-answer">
        <h3 className="mb-1 text-xxs font-medium tracking-wide text-fg-muted uppercase">Answer</h3>
        {c.answer && c.answer.length > 0 ? (
          <div className="ml-8 space-y-1.5 rounded-md border border-success/40 bg-success/5 p-2.5">
            {c.answer.map((p, j) => (
              <Part key={j} part={p} />
            ))}
          </div>
        ) : (
          <p className="text-sm text-fg-muted">
            {status === "ok"
              ? c.truncated.response
                ? "The answer was longer than the project's body limit: see the raw JSON below."
                : "The answer was not stored (the project does not keep bodies)."
              : `No answer: the call ended ${status}${errorMessage ? ` (${errorMessage.slice(0, 200)})` : ""}.`}
          </p>
        )}
      </section>
    </Card>
  );
}
