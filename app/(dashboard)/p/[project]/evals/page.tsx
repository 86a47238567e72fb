import type { Metadata } from "next";
import Link from "next/link";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { listEvalRuns } from "@/lib/evals/runs";
import { listRunAuthors } from "@/lib/evals/form-options";
import { EvalsIcon } from "@/components/icons";
import { ButtonLink, Card, EmptyState, PageHeader } from "@/components/ui";
import { formatRelative, formatUtc } from "@/components/format";
import { fmtUsd } from "@/components/metrics/format";
import { asRunSummary } from "@/components/evals/contract";
import { EvalProgress, EvalStatusBadge } from "@/components/evals/run-status";
import { fmtScore } from "@/components/evals/format";

export const metadata: Metadata = { title: "Evaluations" };

/** Runs listed on the page (newest first). */
const RUNS_SHOWN = 100;

// /p/:project/evals - offline evaluations: prompt versions run over a dataset version and scored.
export default async function EvalsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const runs = await listEvalRuns(access.project.id, { limit: RUNS_SHOWN });
  const authors = await listRunAuthors(
    access.project.id,
    runs.map((r) => r.id),
  );
  const canEdit = hasRole(access.role, "EDITOR");
  const base = `/p/${access.project.slug}/evals`;
  const now = new Date();
  return (
    <>
      <PageHeader
        title="Evaluations"
        description="Run prompt versions over a dataset's test cases, score every output, and compare with a baseline before users see it."
        actions={
          canEdit ? (
            <ButtonLink variant="primary" href={`${base}/new`} data-testid="new-eval">
              New evaluation
            </ButtonLink>
          ) : null
        }
      />
      {runs.length === 0 ? (
        <EmptyState
          testId="evals-empty"
          icon={<EvalsIcon width={20} height={20} />}
          title="No evaluations yet"
          action={
            canEdit ? (
              <ButtonLink variant="primary" href={`${base}/new`}>
                Start an evaluation
              </ButtonLink>
            ) : (
              <ButtonLink href={`/p/${access.project.slug}/datasets`}>Go to datasets</ButtonLink>
            )
          }
        >
          An evaluation runs one or more versions of a prompt (the draft included) over a dataset, scores each output with code checks or Claude as a judge, and
          tells you, with intervals, whether the draft is better than production. Batch mode costs half.
        </EmptyState>
      ) : (
        <Card className="overflow-x-auto">
          <table className="w-full text-sm" data-testid="evals-table">
            <thead className="border-b border-border text-left text-xs text-fg-muted">
              <tr>
                <th className="px-3 py-2 font-medium">Prompt · versions</th>
                <th className="px-3 py-2 font-medium">Dataset</th>
                <th className="px-3 py-2 font-medium">Mode</th>
                <th className="px-3 py-2 font-medium">Status</th>
                <th className="px-3 py-2 font-medium">Score</th>
                <th className="px-3 py-2 text-right font-medium">Cost</th>
                <th className="px-3 py-2 font-medium">Started</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => {
                const first = r.evaluators[0];
                return (
                  <tr key={r.id} className="border-b border-border last:border-0 hover:bg-muted/50" data-testid="eval-row">
                    <td className="px-3 py-2">
                      <Link href={`${base}/${r.id}`} className="font-mono font-medium text-accent hover:underline">
                        {r.prompt.name}
                      </Link>
                      <span className="block font-mono text-xs text-fg-muted">
                        {r.versions.map((v) => v.display + (v.baseline ? " (baseline)" : "")).join(" vs ")}
                      </span>
                    </td>
                    <td className="px-3 py-2 font-mono text-xs">
                      {r.dataset.name}@v{r.dataset.version}
                    </td>
                    <td className="px-3 py-2 text-xs">{r.mode}</td>
                    <td className="px-3 py-2">
                      <div className="flex items-center gap-2">
                        <EvalStatusBadge status={r.status} cancelRequested={r.cancelRequested} />
                        {r.status === "queued" || r.status === "running" ? <EvalProgress done={r.progress.done} total={r.progress.total} compact /> : null}
                      </div>
                    </td>
                    <td className="px-3 py-2 text-xs" data-testid="eval-row-score">
                      {first
                        ? r.versions.map((v) => {
                            const s = asRunSummary(v.summary)?.evaluators[first.id];
                            return (
                              <span key={v.id} className="mr-2 whitespace-nowrap">
                                <span className="font-mono text-fg-muted">{v.display}</span> {fmtScore(s?.mean)}
                                {s?.passRate !== null && s?.passRate !== undefined ? (
                                  <span className="text-fg-muted"> ({Math.round(s.passRate * 100)}% pass)</span>
                                ) : null}
                              </span>
                            );
                          })
                        : "–"}
                      {first ? <span className="block text-xxs text-fg-muted">{first.id}</span> : null}
                    </td>
                    <td className="px-3 py-2 text-right text-xs tabular-nums">{fmtUsd(r.costMicros)}</td>
                    <td className="px-3 py-2 text-xs text-fg-muted" title={formatUtc(new Date(r.createdAt))}>
                      {formatRelative(new Date(r.createdAt), now)}
                      {authors.get(r.id) ? <span className="block">by {authors.get(r.id)}</span> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
