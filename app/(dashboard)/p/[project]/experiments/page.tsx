import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { ExperimentsIcon } from "@/components/icons";
import { ButtonLink, EmptyState, PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Experiments" };

// /p/:project/experiments - A/B tests between prompt versions.
export default async function ExperimentsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project: slug } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  return (
    <>
      <PageHeader title="Experiments" description="A/B tests that split a label's traffic between prompt versions." />
      <EmptyState
        testId="experiments-empty"
        icon={<ExperimentsIcon width={20} height={20} />}
        title="No experiments yet"
        action={<ButtonLink href={`/p/${access.project.slug}/prompts`}>Go to prompts</ButtonLink>}
      >
        Experiments you run will appear here with their variants, traffic split, sample size and results (quality, cost,
        latency, errors) with confidence intervals. To start one, publish two versions of a prompt, then split its
        production label between them.
      </EmptyState>
    </>
  );
}
