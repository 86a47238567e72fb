"use client";

import { useState, useTransition } from "react";
import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { queryKeys } from "@/lib/query-keys";
import type { BatchJobView } from "@/lib/batch-jobs/jobs";
import type { InProject, ServerAction } from "@/lib/http/action-result";
import { withSignIn } from "@/lib/http/signed-out";
import { fmtUsd } from "@/components/metrics/format";
import { formatUtc } from "@/components/format";
import { Button, ButtonLink, Card, FormError, PageHeader } from "@/components/ui";
import { Dialog } from "@/components/prompts/dialog";
import { EvalProgress } from "@/components/evals/run-status";
import { BatchStatusBadge, OUTCOMES } from "@/components/batches/job-parts";

const ACTIVE = new Set(["queued", "running"]);

/**
 * A batch job's page: status and progress (polled while it runs), counts per outcome, cost at the
 * batch price and what it saved, the items refused at creation, the results as a JSON lines
 * download, and cancel (editors, after a confirmation).
 */
export function BatchJobClient({
  project,
  initial,
  canCancel,
  cancel,
}: {
  project: string;
  initial: BatchJobView;
  canCancel: boolean;
  cancel: ServerAction<InProject<{ id: string }>, { status: string }>;
}) {
  const queryClient = useQueryClient();
  const key = queryKeys.project(project).batchJob(initial.id);
  const base = `/p/${encodeURIComponent(project)}/batches/${encodeURIComponent(initial.id)}`;
  const { data: job } = useQuery({
    queryKey: key,
    queryFn: async (): Promise<BatchJobView> => {
      const res = await fetch(`${base}/data`);
      if (!res.ok) throw new Error(`Could not load the job (${res.status})`);
      return (await res.json()) as BatchJobView;
    },
    initialData: initial,
    refetchInterval: (q) => (q.state.data && ACTIVE.has(q.state.data.status) ? 2_000 : false),
    staleTime: 0,
  });
  const [confirming, setConfirming] = useState(false);
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const active = ACTIVE.has(job.status);
  const done = job.itemCount - job.counts.pending;

  function confirmCancel() {
    setError(null);
    startTransition(async () => {
      const r = await withSignIn(cancel)({ project, id: job.id });
      if (!r.ok) setError(r.message);
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: key });
    });
  }

  return (
    <>
      <div className="mb-1 text-xs text-fg-muted">
        <Link href={`/p/${project}/batches`} className="hover:text-fg">
          Batch jobs
        </Link>{" "}
        /
      </div>
      <PageHeader
        title={`${job.prompt}@${job.version}`}
        description={
          <span>
            {job.label ? `label ${job.label} · ` : ""}
            {job.itemCount.toLocaleString("en-US")} items · created {formatUtc(new Date(job.createdAt))}
            {job.endedAt ? ` · finished ${formatUtc(new Date(job.endedAt))}` : ""} · <span className="font-mono">{job.id}</span>
          </span>
        }
        actions={
          <>
            <BatchStatusBadge status={job.status} />
            <ButtonLink href={`${base}/results`} data-testid="download-results" download>
              Download results (JSON lines)
            </ButtonLink>
            {canCancel && active ? (
              <Button variant="danger" onClick={() => setConfirming(true)} disabled={pending} data-testid="cancel-batch">
                Cancel job
              </Button>
            ) : null}
          </>
        }
      />
      <FormError message={error} />
      <Card className="mb-4 space-y-3 p-4" data-testid="batch-progress">
        <EvalProgress
          done={done}
          total={job.itemCount}
          phase={active ? (job.status === "queued" ? "waiting for the worker" : "in Message Batches") : job.status}
        />
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5">
          {OUTCOMES.map((o) => (
            <div key={o.key} className="rounded-md border border-border px-3 py-2" data-testid={`outcome-${o.key}`}>
              <dt className="text-xxs tracking-wide text-fg-muted uppercase">{o.label}</dt>
              <dd className={`text-lg font-semibold tabular-nums ${job.counts[o.key] > 0 ? o.className : "text-fg-muted"}`}>
                {job.counts[o.key].toLocaleString("en-US")}
              </dd>
            </div>
          ))}
        </dl>
        <p className="text-sm" data-testid="batch-cost">
          Cost at the batch price <span className="font-semibold tabular-nums">{fmtUsd(job.costMicros)}</span>
          <span className="text-fg-muted"> · saved </span>
          <span className="font-semibold text-success tabular-nums">{fmtUsd(job.savedMicros)}</span>
          <span className="text-fg-muted"> against the same calls made one by one</span>
        </p>
        {job.error && job.status !== "canceled" ? <p className="text-sm text-danger">{job.error}</p> : null}
        {active ? (
          <p className="text-xs text-fg-muted">
            Results come back in any order; this page updates as they land. Items already finished stay in the results if you cancel.
          </p>
        ) : null}
      </Card>
      {job.invalidCount ? (
        <Card className="mb-4 p-4" data-testid="batch-invalid">
          <h2 className="text-sm font-semibold">
            {job.invalidCount.toLocaleString("en-US")} item{job.invalidCount === 1 ? " was" : "s were"} refused when the job was created
          </h2>
          <p className="mb-2 text-xs text-fg-muted">
            They did not fit the prompt&apos;s variables and were not run (sent with skipInvalid)
            {job.invalidItems && job.invalidItems.length < job.invalidCount ? `; the first ${job.invalidItems.length} are listed` : ""}.
          </p>
          <ul className="max-h-72 space-y-1 overflow-y-auto text-xs">
            {(job.invalidItems ?? []).map((item) => (
              <li key={`${item.index}-${item.id}`} className="rounded border border-border px-2 py-1" data-testid="batch-invalid-item">
                <span className="font-mono font-medium">{item.id}</span> <span className="text-fg-muted">(item {item.index})</span>
                {item.issues.map((issue, i) => (
                  <span key={i} className="block text-danger">
                    <span className="font-mono">{issue.path}</span>: {issue.message}
                  </span>
                ))}
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      <Dialog open={confirming} onClose={() => setConfirming(false)} title="Cancel this batch job?" testId="cancel-batch-dialog">
        <p className="text-sm">
          The submitted Message Batches are canceled. {done.toLocaleString("en-US")} finished item{done === 1 ? " is" : "s are"} kept (they were paid for); the{" "}
          {job.counts.pending.toLocaleString("en-US")} still pending end as canceled. This cannot be undone.
        </p>
        <div className="mt-4 flex justify-end gap-2">
          <Button onClick={() => setConfirming(false)} disabled={pending}>
            Keep running
          </Button>
          <Button variant="danger" onClick={confirmCancel} disabled={pending} data-testid="confirm-cancel-batch">
            Cancel job
          </Button>
        </div>
      </Dialog>
    </>
  );
}
