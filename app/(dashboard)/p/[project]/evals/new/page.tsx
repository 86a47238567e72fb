import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { listEvalFormOptions } from "@/lib/evals/form-options";
import { DatasetsIcon, PromptsIcon } from "@/components/icons";
import { ButtonLink, EmptyState, PageHeader } from "@/components/ui";
import { NewEvalForm } from "@/components/evals/new-eval-form";
import { createEvalRunAction, estimateEvalRunAction } from "../actions";

export const metadata: Metadata = { title: "New evaluation" };

const actions = { estimate: estimateEvalRunAction, create: createEvalRunAction };

/** A query parameter as one short string (repeated or oversized values are ignored). */
function param(v: string | string[] | undefined): string | undefined {
  return typeof v === "string" && v.length <= 500 ? v : undefined;
}

// /p/:project/evals/new?prompt=&versions=production,draft&baseline=&dataset=&routing=compare - start an evaluation (EDITOR+).
export default async function NewEvalPage({
  params,
  searchParams,
}: {
  params: Promise<{ project: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { project: slug } = await params;
  const query = await searchParams;
  const access = await requirePageRole(slug, "EDITOR");
  const { prompts, datasets } = await listEvalFormOptions(access.project.id);
  const base = `/p/${access.project.slug}`;
  const versions = param(query.versions)
    ?.split(",")
    .map((v) => v.trim())
    .filter(Boolean)
    .slice(0, 5);
  const prefill = {
    prompt: param(query.prompt),
    baseline: param(query.baseline),
    dataset: param(query.dataset),
    ...(param(query.routing) === "compare" ? { compareRouting: true } : {}),
    ...(versions && versions.length > 0 ? { versions } : {}),
  };
  const ready = prompts.some((p) => p.versions.length > 0 || p.hasDraft);
  return (
    <>
      <PageHeader
        title="New evaluation"
        description="Choose the versions to compare, the test cases and how to score each output; the cost is estimated in both modes before anything runs."
      />
      {!ready ? (
        <EmptyState
          testId="evals-no-prompts"
          icon={<PromptsIcon width={20} height={20} />}
          title="No prompt to evaluate"
          action={<ButtonLink href={`${base}/prompts/new`}>Create a prompt</ButtonLink>}
        >
          An evaluation runs versions of a prompt. Create a prompt first.
        </EmptyState>
      ) : datasets.length === 0 ? (
        <EmptyState
          testId="evals-no-datasets"
          icon={<DatasetsIcon width={20} height={20} />}
          title="No dataset yet"
          action={<ButtonLink href={`${base}/datasets`}>Go to datasets</ButtonLink>}
        >
          An evaluation runs over the test cases of a dataset. Upload a CSV or JSONL file, or add logged calls, to create one.
        </EmptyState>
      ) : (
        <NewEvalForm project={access.project.slug} prompts={prompts} datasets={datasets} prefill={prefill} actions={actions} />
      )}
    </>
  );
}
