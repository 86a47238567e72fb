import type { Metadata } from "next";
import Link from "next/link";
import { requirePageRole } from "@/lib/auth/session";
import { listBatchJobs } from "@/lib/batch-jobs/jobs";
import { BatchesIcon } from "@/components/icons";
import { Card, EmptyState, PageHeader } from "@/components/ui";
import { formatRelative, formatUtc } from "@/components/format";
import { fmtUsd } from "@/components/metrics/format";
import { BatchStatusBadge, OutcomeCounts } from "@/components/batches/job-parts";

export const metadata: Metadata = { title: "Batch jobs" };

/** Jobs listed on the page (newest first). */
const JOBS_SHOWN = 100;

// /p/:project/batches - batch jobs for apps (POST /api/v1/prompts/{name}/batches): status, outcomes, cost and saving.
export default async function BatchJobsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const jobs = await listBatchJobs(access.project.id, { limit: JOBS_SHOWN });
  const base = `/p/${access.project.slug}/batches`;
  const now = new Date();
  return (
    <>
      <PageHeader
        title="Batch jobs"
        description="Bulk work your apps sent through the Message Batches API at half price: each job renders a prompt version for many variable sets and returns the results matched to your ids."
      />
      {jobs.length === 0 ? (
        <EmptyState testId="batches-empty" icon={<BatchesIcon width={20} height={20} />} title="No batch jobs yet">
          Apps start one with <code className="font-mono text-xs">POST /api/v1/prompts/&lt;name&gt;/batches</code> and a list of variable sets (a key with the{" "}
          <code className="font-mono text-xs">prompts:run</code> scope); every item is validated up front and runs at the batch price.
        </EmptyState>
      ) : (
        <Card className="overflow-x-auto">
          <table className="w-full text-sm" data-testid="batches-table">
            <thead className="border-b border-border text-left text-xs text-fg-muted">
              <tr>
                <th className="px-3 py-2 font-medium">Prompt · version</th>
                <th className="px-3 py-2 font-medium">Status</th>
                <th className="px-3 py-2 text-right font-medium">Items</th>
                <th className="px-3 py-2 font-medium">Outcomes</th>
                <th className="px-3 py-2 text-right font-medium">Cost</th>
                <th className="px-3 py-2 text-right font-medium">Saved</th>
                <th className="px-3 py-2 font-medium">Created</th>
                <th className="px-3 py-2 font-medium">Finished</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => (
                <tr key={job.id} className="border-b border-border last:border-0 hover:bg-muted/50" data-testid="batch-row" data-job-id={job.id}>
                  <td className="px-3 py-2">
                    <Link href={`${base}/${job.id}`} className="font-mono font-medium text-accent hover:underline">
                      {job.prompt}
                    </Link>
                    <span className="block font-mono text-xs text-fg-muted">
                      {job.version}
                      {job.label ? ` (${job.label})` : ""}
                    </span>
                  </td>
                  <td className="px-3 py-2">
                    <BatchStatusBadge status={job.status} />
                  </td>
                  <td className="px-3 py-2 text-right text-xs tabular-nums">{job.itemCount.toLocaleString("en-US")}</td>
                  <td className="px-3 py-2">
                    <OutcomeCounts counts={job.counts} />
                  </td>
                  <td className="px-3 py-2 text-right text-xs tabular-nums">{fmtUsd(job.costMicros)}</td>
                  <td className="px-3 py-2 text-right text-xs text-success tabular-nums">{fmtUsd(job.savedMicros)}</td>
                  <td className="px-3 py-2 text-xs text-fg-muted" title={formatUtc(new Date(job.createdAt))}>
                    {formatRelative(new Date(job.createdAt), now)}
                  </td>
                  <td className="px-3 py-2 text-xs text-fg-muted" title={job.endedAt ? formatUtc(new Date(job.endedAt)) : undefined}>
                    {job.endedAt ? formatRelative(new Date(job.endedAt), now) : "–"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
