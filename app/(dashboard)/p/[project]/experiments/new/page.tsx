import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { listExperimentCandidates } from "@/lib/experiments/planning";
import { ExperimentsIcon } from "@/components/icons";
import { ButtonLink, EmptyState, PageHeader } from "@/components/ui";
import { NewExperimentForm } from "@/components/experiments/new-experiment-form";
import { createExperimentAction } from "../actions";

export const metadata: Metadata = { title: "New experiment" };

// /p/:project/experiments/new - create an experiment (EDITOR+).
export default async function NewExperimentPage({
  params,
  searchParams,
}: {
  params: Promise<{ project: string }>;
  searchParams: Promise<{ prompt?: string }>;
}) {
  const { project: slug } = await params;
  const { prompt } = await searchParams;
  const access = await requirePageRole(slug, "EDITOR");
  const candidates = await listExperimentCandidates(access.project.id);
  return (
    <>
      <PageHeader title="New experiment" description="Split a label's traffic between published versions and measure which is better." />
      {candidates.length === 0 ? (
        <EmptyState
          testId="experiments-no-candidates"
          icon={<ExperimentsIcon width={20} height={20} />}
          title="No prompt is ready for an experiment"
          action={<ButtonLink href={`/p/${access.project.slug}/prompts`}>Go to prompts</ButtonLink>}
        >
          An experiment needs a prompt with a label (such as production) and at least two published versions. Publish a second version of a prompt, then come
          back.
        </EmptyState>
      ) : (
        <NewExperimentForm project={access.project.slug} candidates={candidates} initialPrompt={prompt} create={createExperimentAction} />
      )}
    </>
  );
}
