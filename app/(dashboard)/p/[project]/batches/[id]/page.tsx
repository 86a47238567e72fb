import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { getBatchJob } from "@/lib/batch-jobs/jobs";
import { batchJobIdSchema } from "@/lib/batch-jobs/schemas";
import { cancelBatchJobAction } from "../actions";
import { BatchJobClient } from "./job-client";

export const metadata: Metadata = { title: "Batch job" };

// /p/:project/batches/:id - a batch job: progress, counts per outcome, cost and saving, refused items, results download, cancel.
export default async function BatchJobPage({ params }: { params: Promise<{ project: string; id: string }> }) {
  const { project: slug, id } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const job = batchJobIdSchema.safeParse({ id }).success ? await getBatchJob(id, access.project.id) : null;
  if (!job) notFound();
  return <BatchJobClient project={access.project.slug} initial={job} canCancel={hasRole(access.role, "EDITOR")} cancel={cancelBatchJobAction} />;
}
