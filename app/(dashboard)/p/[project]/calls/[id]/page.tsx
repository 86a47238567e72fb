import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { isAppError } from "@/lib/errors";
import { getCallDetail, type CallDetail } from "@/lib/metrics/calls";
import { Badge, ButtonLink, Card, PageHeader } from "@/components/ui";
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

// /p/:project/calls/:id - a call's request, response, usage, cost breakdown, attempts, fallbacks and score.
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
  return (
    <>
      <PageHeader
        title={`Call ${call.id}`}
        description={`${call.createdAt.replace("T", " ").slice(0, 19)} UTC · ${call.prompt ?? "no prompt"}${call.version ? ` v${call.version}` : ""} · ${call.source}`}
        actions={
          <ButtonLink href={`/p/${slug}/calls`} size="sm">
            All calls
          </ButtonLink>
        }
      />
      <div className="grid gap-4 lg:grid-cols-3" data-testid="call-detail">
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
      <div className="mt-4 grid gap-4 lg:grid-cols-2">
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
    </>
  );
}
