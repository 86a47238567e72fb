import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { ButtonLink, PageHeader } from "@/components/ui";
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
  await requirePageRole(slug, "VIEWER");
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
      <CallsClient projectSlug={slug} initialPrompt={prompt} />
    </>
  );
}
