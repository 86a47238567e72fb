import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { ButtonLink, PageHeader } from "@/components/ui";
import { hasRole } from "@/lib/projects/roles";
import { listDatasets } from "@/lib/datasets/queries";
import { addCallsToDataset } from "./actions";
import { CallsClient } from "./calls-client";

export const metadata: Metadata = { title: "Calls" };

// /p/:project/calls - the call explorer: filterable, paginated list of logged calls.
export default async function CallsPage({
  params,
  searchParams,
}: {
  params: Promise<{ project: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const canEdit = hasRole(access.role, "EDITOR");
  const datasets = canEdit ? (await listDatasets(access.project.id)).map((d) => d.name) : [];
  const sp = await searchParams;
  const prompt = typeof sp.prompt === "string" ? sp.prompt : "";
  return (
    <>
      <PageHeader
        title="Calls"
        description="Every logged call: request, response, usage, cost, attempts and score. Mark calls correct or incorrect to measure accuracy."
        actions={
          <ButtonLink href={`/p/${slug}/metrics`} size="sm">
            Metrics
          </ButtonLink>
        }
      />
      <CallsClient projectSlug={slug} initialPrompt={prompt} datasets={datasets} canEdit={canEdit} addToDataset={addCallsToDataset} />
    </>
  );
}
