import type { Metadata } from "next";
import { orNotFound } from "@/app/(dashboard)/p/[project]/or-not-found";
import { requirePageRole } from "@/lib/auth/session";
import { decodePromptName } from "@/lib/prompts/paths";
import { getPromptByName, listRoutingRuleNames } from "@/lib/prompts/queries";
import { ButtonLink, PageHeader } from "@/components/ui";
import { PromptMetricsClient } from "./prompt-metrics-client";

export const metadata: Metadata = { title: "Prompt metrics" };

// /p/:project/metrics/prompts/:name - one chart per metric, one series per version, release markers.
export default async function PromptMetricsPage({ params }: { params: Promise<{ project: string; name: string }> }) {
  const { project: slug, name: rawName } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const name = decodePromptName(rawName);
  // An unknown prompt is a 404, not an empty chart page (issue 18, defect 13).
  const prompt = await orNotFound(getPromptByName(access.project.id, name));
  // The rule filter offers the rules of this prompt's versions.
  const rules = await listRoutingRuleNames(access.project.id, { promptId: prompt.id });
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
      <PromptMetricsClient projectSlug={slug} prompt={name} rules={rules} />
    </>
  );
}
