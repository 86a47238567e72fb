import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { isAppError } from "@/lib/errors";
import { getRunResults } from "@/lib/evals/results";
import { listRunAuthors } from "@/lib/evals/form-options";
import { EvalRunClient } from "@/components/evals/run-client";
import { RESULTS_PAGE_SIZE } from "@/components/evals/contract";
import { cancelEvalRunAction } from "../actions";
import { loadEvalRunData } from "./load";

export const metadata: Metadata = { title: "Evaluation" };

const actions = { cancel: cancelEvalRunAction };

// /p/:project/evals/:id - an eval run: progress, summaries, comparison with the baseline, calibration, per-item results.
export default async function EvalRunPage({ params }: { params: Promise<{ project: string; id: string }> }) {
  const { project: slug, id } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const [data, firstPage, authors] = await Promise.all([
    loadEvalRunData(id, access.project.id),
    // The first page of items is rendered on the server, so the table shows without a round trip.
    getRunResults(id, access.project.id, { filter: "all", limit: RESULTS_PAGE_SIZE }).catch((error: unknown) => {
      // A run of another project: the run lookup beside it renders the 404.
      if (isAppError(error) && error.code === "not_found") return undefined;
      throw error;
    }),
    listRunAuthors(access.project.id, [id]),
  ]);
  if (!data) notFound();
  return (
    <EvalRunClient
      project={access.project.slug}
      runId={id}
      initial={data}
      initialResults={firstPage}
      createdBy={authors.get(id) ?? null}
      canEdit={hasRole(access.role, "EDITOR")}
      actions={actions}
    />
  );
}
