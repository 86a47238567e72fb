import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { listRoutingRuleNames } from "@/lib/prompts/queries";
import { PageHeader, ButtonLink } from "@/components/ui";
import { OverviewClient } from "./overview-client";

export const metadata: Metadata = { title: "Metrics" };

// /p/:project/metrics - calls, spend, error rate, p95 latency and cache savings over a range, by prompt.
export default async function MetricsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  const rules = await listRoutingRuleNames(access.project.id);
  return (
    <>
      <PageHeader
        title="Metrics"
        description="Calls, spend, errors, latency and cache savings across the project's prompts."
        actions={
          <>
            <ButtonLink href={`/p/${slug}/metrics/cost`} size="sm">
              Cost view
            </ButtonLink>
            <ButtonLink href={`/p/${slug}/calls`} size="sm">
              Call explorer
            </ButtonLink>
          </>
        }
      />
      <OverviewClient projectSlug={slug} rules={rules} />
    </>
  );
}
