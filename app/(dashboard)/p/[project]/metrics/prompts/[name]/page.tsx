import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { ButtonLink, PageHeader } from "@/components/ui";
import { PromptMetricsClient } from "./prompt-metrics-client";
import { decodePromptName } from "@/lib/prompts/paths";

export const metadata: Metadata = { title: "Prompt metrics" };

// /p/:project/metrics/prompts/:name - one chart per metric, one series per version, release markers.
export default async function PromptMetricsPage({ params }: { params: Promise<{ project: string; name: string }> }) {
  const { project: slug, name: rawName } = await params;
  await requirePageRole(slug, "VIEWER");
  const name = decodePromptName(rawName);
  return (
    <>
      <PageHeader
        title={`Metrics: ${name}`}
        description="Quality, errors, latency, cost and caching per version. Dashed markers show where a label moved."
        actions={
          <>
            <ButtonLink href={`/p/${slug}/metrics`} size="sm">
              All prompts
            </ButtonLink>
            <ButtonLink href={`/p/${slug}/calls?prompt=${encodeURIComponent(name)}`} size="sm">
              Calls
            </ButtonLink>
          </>
        }
      />
      <PromptMetricsClient projectSlug={slug} prompt={name} />
    </>
  );
}
