import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { ButtonLink, PageHeader } from "@/components/ui";
import { CostClient } from "./cost-client";

export const metadata: Metadata = { title: "Cost" };

// /p/:project/metrics/cost - spend by prompt, model and day; prompt-caching and Batch API savings.
export default async function CostPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  await requirePageRole(slug, "VIEWER");
  return (
    <>
      <PageHeader
        title="Cost"
        description="Spend by prompt, model and day, and what prompt caching and the Batch API saved."
        actions={
          <ButtonLink href={`/p/${slug}/metrics`} size="sm">
            Metrics overview
          </ButtonLink>
        }
      />
      <CostClient projectSlug={slug} />
    </>
  );
}
