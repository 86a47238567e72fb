import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageRole } from "@/lib/auth/session";
import { getEvalRun } from "@/lib/evals/runs";
import { getRunResults } from "@/lib/evals/results";
import { PageHeader } from "@/components/ui";
import { ReviewQueue, type ReviewTask } from "@/components/evals/review-queue";
import { recordReviewAction } from "../../actions";

export const metadata: Metadata = { title: "Review outputs" };

/** Items loaded into one queue session (each with every version's output); reload for the next batch. */
const QUEUE_ITEMS = 100;

// /p/:project/evals/:id/review?filter=regressions - review outputs one by one with the keyboard (any editor).
export default async function ReviewPage({
  params,
  searchParams,
}: {
  params: Promise<{ project: string; id: string }>;
  searchParams: Promise<{ filter?: string | string[] }>;
}) {
  const { project: slug, id } = await params;
  const { filter: rawFilter } = await searchParams;
  const access = await requirePageRole(slug, "EDITOR");
  const run = await getEvalRun(id, access.project.id);
  if (!run) notFound();
  // Regressions first when asked; otherwise what nobody reviewed yet.
  const filter = rawFilter === "regressions" ? "regressions" : "unreviewed";
  const page = await getRunResults(id, access.project.id, { filter, limit: QUEUE_ITEMS });
  const display = new Map(run.versions.map((v) => [v.id, v.display]));
  const tasks: ReviewTask[] = page.rows.flatMap((row) =>
    row.results.filter((r) => r.outcome === "succeeded").map((result) => ({ row, result, display: display.get(result.runVersionId) ?? "" })),
  );
  const base = `/p/${access.project.slug}/evals/${id}`;
  return (
    <>
      <div className="mb-1 text-xs text-fg-muted">
        <Link href={`/p/${access.project.slug}/evals`} className="hover:text-fg">
          Evaluations
        </Link>{" "}
        /{" "}
        <Link href={base} className="hover:text-fg">
          {run.prompt.name}
        </Link>{" "}
        /
      </div>
      <PageHeader
        title="Review outputs"
        description={
          <span>
            Mark each output correct or incorrect; the judge&apos;s agreement with you shows on the run page.{" "}
            {filter === "regressions" ? (
              <Link href={`${base}/review`} className="text-accent hover:underline">
                Review unreviewed items instead
              </Link>
            ) : (
              <Link href={`${base}/review?filter=regressions`} className="text-accent hover:underline">
                Review regressions first
              </Link>
            )}
          </span>
        }
      />
      <ReviewQueue project={access.project.slug} runId={id} tasks={tasks} record={recordReviewAction} />
    </>
  );
}
